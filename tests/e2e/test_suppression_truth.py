"""One suppression truth, end to end: our hashed table decides, SES's account-level list never does,
and the operator commands (driven through `LocalSystem.cli_environment()`) keep SES's list clean."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from typer.testing import CliRunner

from order_email.cli.main import app
from order_email.localmode import LocalSystem
from order_email.localmode.capture import addresses
from tests.support.local_system import SIM, order, status


@pytest.fixture(scope="module")
def system() -> Iterator[LocalSystem]:
    with LocalSystem(stack="dev") as running:
        yield running


def cli(system: LocalSystem, *args: str) -> Any:
    return CliRunner().invoke(app, list(args), env=system.cli_environment())


def on_ses_list(system: LocalSystem, address: str) -> bool:
    try:
        system.client("sesv2").get_suppressed_destination(EmailAddress=address)
    except ClientError as error:
        assert error.response["Error"]["Code"] == "NotFoundException"
        return False
    return True


def timeline(system: LocalSystem, order_id: str) -> list[dict[str, Any]]:
    return system.deliveries(order_id)["emails"][0]["history"]


def test_after_suppression_remove_a_new_order_is_emailed(system: LocalSystem) -> None:
    address = f"complaint+again@{SIM}"
    system.publish_order(order("T.1", address))
    system.run_until_idle(timeout=60)
    assert status(system, "T.1") == "COMPLAINED" and system.is_suppressed(address)
    assert not on_ses_list(system, address)  # the configuration set does not use SES's list: no plain-text copy

    result = cli(system, "suppression", "remove", address)
    assert result.exit_code == 0, result.output
    assert not system.is_suppressed(address)

    system.publish_order(order("T.2", address))
    system.run_until_idle(timeout=60)
    sent = [email for email in system.sent_emails() if addresses(email["to"]) == [address]]
    assert len(sent) == 2
    events = [entry["type"] for entry in timeline(system, "T.2")]
    assert "Delivery" in events  # e-mailed, not bounced as OnAccountSuppressionList
    assert all("OnAccountSuppressionList" not in json.dumps(entry) for entry in timeline(system, "T.2"))


def test_an_address_on_ses_list_does_not_block_our_mail_and_remove_clears_it(system: LocalSystem) -> None:
    address = f"success+listed@{SIM}"
    system.client("sesv2").put_suppressed_destination(EmailAddress=address, Reason="BOUNCE")
    system.publish_order(order("T.3", address))
    system.run_until_idle(timeout=60)
    assert status(system, "T.3") == "DELIVERED"
    result = cli(system, "suppression", "remove", address)
    assert result.exit_code == 0 and "SES's account-level list" in result.output
    assert not on_ses_list(system, address)


def test_erase_clears_ses_list(system: LocalSystem) -> None:
    address = f"success+erase@{SIM}"
    system.client("sesv2").put_suppressed_destination(EmailAddress=address, Reason="COMPLAINT")
    result = cli(system, "erase", address, "--yes", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["sesSuppression"] == "deleted"
    assert not on_ses_list(system, address)


def test_without_the_override_ses_list_bounces_and_re_suppresses_until_remove_clears_both() -> None:
    """The control: the configuration set as it was (SES's account list on for BOUNCE and COMPLAINT)."""
    with LocalSystem(stack="dev") as system:
        assert system.ses is not None and system.ses.configuration_set
        system.client("sesv2").put_configuration_set_suppression_options(
            ConfigurationSetName=system.ses.configuration_set, SuppressedReasons=["BOUNCE", "COMPLAINT"])
        address = f"success+old@{SIM}"
        system.client("sesv2").put_suppressed_destination(EmailAddress=address, Reason="BOUNCE")
        system.publish_order(order("C.1", address))
        system.run_until_idle(timeout=60)
        assert status(system, "C.1") == "BOUNCED" and system.is_suppressed(address)  # SES's list decided
        assert any("OnAccountSuppressionList" in json.dumps(entry) for entry in timeline(system, "C.1"))
        assert cli(system, "suppression", "remove", address).exit_code == 0
        assert not system.is_suppressed(address) and not on_ses_list(system, address)
        system.publish_order(order("C.2", address))
        system.run_until_idle(timeout=60)
        assert status(system, "C.2") == "DELIVERED"
