"""`order-email render` with a team's templates: by default the stack's `templatesDir`, resolved from the
project directory as Pulumi resolves it, whatever directory the operator runs the command from."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from order_email.cli.main import app
from order_email.handlers.sender.rendering import template_name
from order_email.handlers.shared import schema
from tests.support.local_system import SIM, order
from tests.support.paths import REPO
from tests.support.team_templates import acme_templates


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of our project whose dev stack names `templates/` (relative) as its templates directory."""
    root = tmp_path / "project"
    root.mkdir()
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(REPO / name, root / name)
    stack = (REPO / "Pulumi.dev.yaml").read_text()
    (root / "Pulumi.dev.yaml").write_text(stack.replace("config:\n", "config:\n  order-email:templatesDir: templates\n", 1))
    acme_templates(root / "templates")
    return root


def render(project: Path, tmp_path: Path, *extra: str) -> tuple[int, str, Path]:
    order_file = tmp_path / "order.json"
    order_file.write_text(json.dumps(order("C-1", f"success@{SIM}")))
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["render", str(order_file), "--out", str(out), "--project-dir", str(project),
                                      *extra])
    return result.exit_code, result.output, out


def test_render_uses_the_stacks_templates_dir_relative_to_the_project(project: Path, tmp_path: Path) -> None:
    code, output, out = render(project, tmp_path)
    assert code == 0, output
    assert (out / "subject.txt").read_text() == "Acme order C-1"
    assert (out / "body.txt").read_text().startswith("ACME. Dear Jane Doe, order C-1")


def test_templates_option_overrides_the_stacks_directory(project: Path, tmp_path: Path) -> None:
    other = acme_templates(tmp_path / "other")
    next(other.glob("*.subject.txt")).write_text("Other {{ order.orderId }}")
    code, output, out = render(project, tmp_path, "--templates", str(other))
    assert code == 0, output
    assert (out / "subject.txt").read_text() == "Other C-1"


def test_a_stack_naming_a_missing_directory_exits_2_naming_the_key(project: Path, tmp_path: Path) -> None:
    shutil.rmtree(project / "templates")
    code, output, out = render(project, tmp_path)
    assert code == 2 and "order-email:templatesDir" in output and "is not a directory" in output
    assert not out.exists()


def test_preview_of_a_stack_with_a_broken_template_exits_2_naming_file_and_variable(
        project: Path, tmp_path: Path) -> None:
    text = project / "templates" / template_name(schema.ORDER_CONFIRMATION, "text")
    text.write_text("{{ order.customerNam }}")
    result = CliRunner().invoke(app, ["preview", "--stack", "dev", "--project-dir", str(project)])
    assert result.exit_code == 2, result.output
    assert text.name in result.output and "customerNam" in result.output
