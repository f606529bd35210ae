"""The CLI tests reuse the handler fixtures: moto with fake credentials, and the two tables."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from tests.handlers.conftest import aws, tables

__all__ = ["aws", "runner", "tables"]


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()
