"""The CLI tests run on the handler tests' moto and tables (`tests.support.aws`).

moto's SESv2 has no suppressed-destination API, so in these in-process tests SES's account-level
list is a set the commands' `forget_in_ses` calls remove from; the real API is exercised against
the local SES end to end (`tests/e2e/test_suppression_truth.py`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.support.aws import aws, tables

__all__ = ["aws", "runner", "ses_account_list", "tables"]


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(autouse=True)
def ses_account_list(monkeypatch: pytest.MonkeyPatch) -> Iterator[set[str]]:
    """SES's account-level suppression list (lower-cased addresses) as the commands see it."""
    listed: set[str] = set()

    def forget(_: Any, address: str) -> bool:
        if address.lower() not in listed:
            return False
        listed.discard(address.lower())
        return True

    from order_email.cli import erase, suppression

    monkeypatch.setattr(erase, "forget_in_ses", forget)
    monkeypatch.setattr(suppression, "forget_in_ses", forget)
    yield listed


@pytest.fixture(autouse=True)
def short_receives(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto answers every receive from the whole queue: the long poll `erase` needs on SQS only slows tests."""
    from order_email.cli import erase

    monkeypatch.setattr(erase, "RECEIVE_WAIT_SECONDS", 0)
