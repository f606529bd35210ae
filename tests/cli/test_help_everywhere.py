"""`-h` works like `--help` on the app and on every command and sub-command, found by walking the command
tree (a command added later is covered without touching this file); `--version` prints the version."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from order_email import __version__
from order_email.cli.main import app


def command_paths(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """The path of `command` and of everything under it (typer's groups carry their `commands`)."""
    yield path
    for name, child in sorted(getattr(command, "commands", {}).items()):
        yield from command_paths(child, (*path, name))


PATHS = list(command_paths(typer.main.get_command(app)))


def test_the_walk_finds_every_kind_of_command() -> None:
    assert {(), ("render",), ("send-test",), ("status",), ("suppression",), ("suppression", "list"),
            ("dlq",)} <= set(PATHS)


@pytest.mark.parametrize("path", PATHS, ids=lambda path: " ".join(path) or "order-email")
def test_dash_h_is_help(path: tuple[str, ...]) -> None:
    runner = CliRunner()
    short = runner.invoke(app, [*path, "-h"], env={"COLUMNS": "120"})
    long = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "120"})
    assert short.exit_code == 0, short.output
    assert "Usage:" in short.output and " ".join(("order-email", *path)) in short.output
    assert short.output == long.output


def test_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"order-email {__version__}"
