"""One key style across every `--json` output: each command that has `--json` (found by walking the
command tree, so a new one must be added here) is run against a local system or offline, and every key
of what it prints is checked to be camelCase (`tests.support.json_keys`)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import typer

from order_email.cli.main import app
from order_email.localmode import LocalSystem
from tests.cli.test_help_everywhere import command_paths
from tests.support.json_keys import non_camel_keys
from tests.support.local_system import SIM, order, run_cli, status
from tests.support.paths import REPO

Arguments = Callable[[LocalSystem, Path], list[str]]


def _outputs(system: LocalSystem) -> dict[str, Any]:
    return dict(json.loads(Path(system.cli_environment()["ORDER_EMAIL_STACK_OUTPUTS"]).read_text()))


def _processed(system: LocalSystem, order_id: str, address: str) -> dict[str, Any]:
    document = order(order_id, address)
    if status(system, order_id) is None:
        system.publish_order(document)
        system.run_until_idle(timeout=60)
    return document


def _status(system: LocalSystem, _: Path) -> list[str]:
    _processed(system, "J-1", f"success+j1@{SIM}")
    return ["status", "J-1"]


def _suppression_list(system: LocalSystem, _: Path) -> list[str]:
    _processed(system, "J-2", f"bounce+j2@{SIM}")
    return ["suppression", "list"]


def _dlq_list(system: LocalSystem, _: Path) -> list[str]:
    system.publish_raw('{"orderId": "J-3"}', {"eventType": "order.confirmed"})
    system.run_until_idle(timeout=60)
    return ["dlq", "list", _outputs(system)["sendDeadLetterQueueUrl"]]


def _resend(system: LocalSystem, tmp_path: Path) -> list[str]:
    document = _processed(system, "J-4", f"bounce+j4@{SIM}")
    (tmp_path / "order.json").write_text(json.dumps(document))
    return ["resend", "J-4", "--order-file", str(tmp_path / "order.json"), "--topic-arn",
            _outputs(system)["ordersTopicArn"], "--yes"]


def _render(_: LocalSystem, tmp_path: Path) -> list[str]:
    (tmp_path / "order.json").write_text(json.dumps(order("J-5", "jane@example.com")))
    return ["render", str(tmp_path / "order.json"), "--out", str(tmp_path / "out"), "--project-dir", str(REPO)]


def _erase(system: LocalSystem, _: Path) -> list[str]:
    _processed(system, "J-6", f"success+j6@{SIM}")
    return ["erase", f"success+j6@{SIM}", "--yes"]


def _find(system: LocalSystem, _: Path) -> list[str]:
    _processed(system, "J-7", f"success+j7@{SIM}")
    return ["find", "--recipient", f"success+j7@{SIM}"]


def _deliveries(system: LocalSystem, _: Path) -> list[str]:
    _processed(system, "J-8", f"success+j8@{SIM}")
    return ["deliveries", "--status", "DELIVERED", "--since", "1h"]


INVOCATIONS: dict[tuple[str, ...], Arguments | str] = {
    ("preview",): lambda _, __: ["preview", "--stack", "dev", "--project-dir", str(REPO)],
    ("status",): _status,
    ("suppression", "list"): _suppression_list,
    ("dlq", "list"): _dlq_list,
    ("resend",): _resend,
    ("render",): _render,
    ("send-test",): lambda _, __: ["send-test", "--to", "success", "--timeout", "60"],
    ("policy",): lambda _, __: ["policy", "--stack", "dev"],
    ("doctor",): lambda _, __: ["doctor", "--project-dir", str(REPO)],
    ("erase",): _erase,
    ("find",): _find,
    ("deliveries",): _deliveries,
    ("local",): "a run of its own: tests/e2e/test_local_cli.py and tests/e2e/test_chaos.py check its keys",
}
"""How to run each command that has --json (the flag is added); a string says where it is checked instead."""


def json_commands() -> list[tuple[str, ...]]:
    root = typer.main.get_command(app)
    found = []
    for path in command_paths(root):
        command = root
        for name in path:
            command = command.commands[name]  # type: ignore[attr-defined]
        if any("--json" in getattr(param, "opts", ()) for param in command.params):
            found.append(path)
    return found


@pytest.fixture(scope="module")
def system() -> Iterator[LocalSystem]:
    with LocalSystem(stack="dev") as running:
        yield running


def test_every_json_command_has_a_run_here() -> None:
    missing = [" ".join(path) for path in json_commands() if path not in INVOCATIONS]
    assert not missing, f"add a --json invocation for: {missing}"
    assert {("render",), ("send-test",), ("status",)} <= set(json_commands())


@pytest.mark.parametrize("path", [path for path, how in INVOCATIONS.items() if callable(how)],
                         ids=lambda path: " ".join(path))
def test_json_keys_are_camel_case(system: LocalSystem, tmp_path: Path, path: tuple[str, ...]) -> None:
    how = INVOCATIONS[path]
    assert callable(how)
    result = run_cli(system, *how(system, tmp_path), "--json")
    assert result.exit_code in (0, 1), result.output  # doctor exits 1 on a failed check, still printing JSON
    document = json.loads(result.stdout)
    assert document not in ([], {}), "nothing to check"
    assert non_camel_keys(document) == []
