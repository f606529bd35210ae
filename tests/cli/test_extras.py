"""A command whose optional dependencies are missing names the extra to install and exits 2."""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest
from typer.testing import CliRunner

from order_email import __version__
from order_email.cli import common
from order_email.cli.main import app

runner = CliRunner()


@pytest.mark.parametrize(("args", "extra", "module"), [
    (["local", "--orders", "1"], "local", "moto"),
    (["policy"], "policy", "pulumi_policy"),
])
def test_missing_extra_is_named_with_its_install_command(monkeypatch: pytest.MonkeyPatch, args: list[str],
                                                         extra: str, module: str) -> None:
    real = importlib.util.find_spec

    def find_spec(name: str, *rest: Any) -> Any:
        return None if name == module else real(name, *rest)

    monkeypatch.setattr(common.importlib.util, "find_spec", find_spec)
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert f"pip install 'order-email[{extra}]'" in result.output and module in result.output
    assert "Traceback" not in result.output


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"order-email {__version__}"
