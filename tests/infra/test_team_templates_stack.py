"""`templatesDir` under Pulumi mocks: the team's templates packaged into the sender's code, a broken
one refused while the program runs (so `pulumi preview` fails), and a changed one changing the archive."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pulumi
import pytest

from order_email.components import EmailSender
from order_email.components.config import StackConfigError
from order_email.components.team_templates import TemplatesError
from order_email.handlers.sender.rendering import template_name
from order_email.handlers.shared import schema
from order_email.mockstack import StackRun, run_program, run_stack
from tests.support.paths import REPO
from tests.support.team_templates import TEAM_TEXT, acme_templates

KEY = "order-email:templatesDir"
SENDER_FUNCTION = "order-email-sender-function"
TEXT = template_name(schema.ORDER_CONFIRMATION, "text")


def code_of(run: StackRun, function: str = SENDER_FUNCTION) -> pulumi.AssetArchive:
    code = run.named(function).inputs["code"]
    assert isinstance(code, pulumi.AssetArchive)
    return code


def archive_digest(archive: pulumi.AssetArchive) -> str:
    """What the engine's hash of an asset archive depends on: each member's name and its bytes."""
    digest = hashlib.sha256()
    for name, asset in sorted(archive.assets.items()):
        assert isinstance(asset, pulumi.FileAsset)
        for part in (name.encode(), Path(asset.path).read_bytes()):
            digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


def test_the_team_templates_are_packaged_into_the_code_every_function_runs(tmp_path: Path) -> None:
    directory = acme_templates(tmp_path / "team")
    run = run_stack("dev", overrides={KEY: str(directory)})
    code = code_of(run)
    team = {name: Path(asset.path) for name, asset in code.assets.items()
            if "team_templates" in name and isinstance(asset, pulumi.FileAsset)}
    assert team == {f"handlers/team_templates/{path.name}": path for path in directory.iterdir()}
    assert code_of(run, "order-email-feedback-function").assets.keys() == code.assets.keys()  # the same code


def test_without_the_key_nothing_is_packaged_beyond_the_handlers() -> None:
    assert not any("team_templates" in name for name in code_of(run_stack("dev")).assets)


def test_a_relative_directory_is_the_project_directorys(tmp_path: Path) -> None:
    directory = acme_templates(tmp_path / "team")
    run = run_stack("dev", overrides={KEY: os.path.relpath(directory, REPO)}, project_dir=REPO)
    assert f"handlers/team_templates/{TEXT}" in code_of(run).assets


def test_a_broken_template_fails_preview_naming_the_file_and_the_variable(tmp_path: Path) -> None:
    directory = acme_templates(tmp_path / "team")
    (directory / TEXT).write_text("Dear {{ order.customer_name }}\n")
    with pytest.raises(TemplatesError) as caught:
        run_stack("dev", overrides={KEY: str(directory)}, preview=True)
    assert str(caught.value).startswith(f"templates_dir: {directory / TEXT}, line 1: ")
    assert "has no attribute 'customer_name'" in str(caught.value)


@pytest.mark.parametrize(("content", "error"), [
    (None, r"order-email:templatesDir: .*missing is not a directory"),
    ("notes.md", r"order-email:templatesDir: .*notes.md is not a template"),
])
def test_a_missing_directory_or_a_stray_file_fails_preview_naming_the_key(
        tmp_path: Path, content: str | None, error: str) -> None:
    directory = tmp_path / "missing"
    if content:
        acme_templates(directory)
        (directory / content).write_text("# not a template")
    with pytest.raises(StackConfigError, match=error):
        run_stack("dev", overrides={KEY: str(directory)}, preview=True)


def test_a_changed_template_changes_the_archive_hash_so_up_deploys_it(tmp_path: Path) -> None:
    directory = acme_templates(tmp_path / "team")
    first = archive_digest(code_of(run_stack("dev", overrides={KEY: str(directory)})))
    assert archive_digest(code_of(run_stack("dev", overrides={KEY: str(directory)}))) == first
    (directory / TEXT).write_text(TEAM_TEXT.replace("ACME.", "ACME Ltd."))
    changed = archive_digest(code_of(run_stack("dev", overrides={KEY: str(directory)})))
    assert changed != first
    assert archive_digest(code_of(run_stack("dev"))) not in (first, changed)


def sender_alone(**extra: object) -> StackRun:
    """`EmailSender` in another team's program, its templates given as the component argument."""
    def program() -> None:
        EmailSender("shop-mail", {
            "name_prefix": "shop-mail", "environment": "staging", "sender_domain": "mail.shop.test",
            "from_address": "hello@mail.shop.test", "from_name": "Shop", "sandbox_mode": True,
            "ses_max_send_rate": 14, "max_receive_count": 3, "deliveries_table_name": "deliveries",
            "deliveries_table_arn": "arn:aws:dynamodb:us-east-1:123456789012:table/deliveries",
            "suppression_table_name": "suppression",
            "suppression_table_arn": "arn:aws:dynamodb:us-east-1:123456789012:table/suppression",
            "retention_days": 30, "log_retention_days": 14, "memory_mb": 256, "timeout_seconds": 20,
            "layers": ["arn:aws:lambda:us-east-1:123456789012:layer:deps:1"], **extra,  # type: ignore[typeddict-item]
        })
    return run_program(program, stack="staging", config={"aws:region": "us-east-1"}, project="shop")


def test_the_component_argument_packages_and_checks_the_same_way(tmp_path: Path) -> None:
    directory = acme_templates(tmp_path / "team")
    assert f"handlers/team_templates/{TEXT}" in code_of(sender_alone(templates_dir=str(directory)), "shop-mail-function").assets
    (directory / TEXT).write_text("{{ order.nope }}")
    with pytest.raises(TemplatesError, match=rf"templates_dir: {directory / TEXT}, line 1: .*'nope'"):
        sender_alone(templates_dir=str(directory))


def test_templates_with_the_callers_own_code_are_refused_naming_both(tmp_path: Path) -> None:
    with pytest.raises(TemplatesError, match=r"templates_dir: not combinable with `code`"):
        sender_alone(templates_dir=str(acme_templates(tmp_path)), code=pulumi.FileArchive(str(tmp_path)))
