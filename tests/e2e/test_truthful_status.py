"""Truthful status end to end: events change only their own e-mail, and no status change is lost on the bus."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from typer.testing import CliRunner

from order_email.cli.main import app
from order_email.localmode import LocalSystem
from order_email.localmode.chaos import status_events_delivered
from order_email.localmode.faults import FaultPlan
from order_email.localmode.mailbox import EXPECTED_STATUS, outcome_for
from tests.support.local_system import SIM, order, status


@pytest.fixture(scope="module")
def system() -> Iterator[LocalSystem]:
    with LocalSystem(stack="dev") as running:
        yield running


def sent_to(system: LocalSystem, order_id: str) -> dict[str, Any]:
    from order_email.localmode.run import tagged_order

    return next(email for email in system.sent_emails() if tagged_order(email) == order_id)


def foreign_complaint(system: LocalSystem, order_id: str, address: str) -> dict[str, Any]:
    """Another app's message through our configuration set, carrying our order's tags, and its complaint."""
    ours = sent_to(system, order_id)
    sent_by_other_app = dict(ours, messageId="0102foreign0000000000-0000-0000-0000-000000000000-000000",
                             to=[address])
    from order_email.localmode.ses_simulator import mail_object

    mail = mail_object(sent_by_other_app, ours["configurationSet"], ours.get("identity"))
    return {"eventType": "Complaint", "mail": mail, "complaint": {
        "feedbackId": "foreign-feedback", "complainedRecipients": [{"emailAddress": address}],
        "timestamp": mail["timestamp"], "complaintFeedbackType": "abuse"}}


def test_a_foreign_event_leaves_the_record_as_it_was(system: LocalSystem) -> None:
    system.publish_order(order("F.1", f"success+f1@{SIM}"))
    system.run_until_idle(timeout=60)
    before = copy.deepcopy(system.deliveries("F.1"))
    assert before["emails"][0]["status"] == "DELIVERED"
    bus_before = len(system.status_events())

    system.publish_ses_event(foreign_complaint(system, "F.1", f"success+other@{SIM}"))
    system.run_until_idle(timeout=60)
    assert system.deliveries("F.1") == before
    assert len(system.status_events()) == bus_before  # no COMPLAINED change reached subscribers
    assert system.metrics()["ForeignEvents"] >= 1
    assert system.is_suppressed(f"success+other@{SIM}")  # the complaining address is suppressed anyway


def test_every_status_change_is_on_the_bus_once_per_change(system: LocalSystem) -> None:
    system.publish_order(order("F.2", f"complaint+f2@{SIM}"))
    system.run_until_idle(timeout=60)
    changes = [event["detail"] for event in system.status_events() if event["detail"]["orderId"] == "F.2"]
    assert [(change["previousStatus"], change["status"]) for change in changes] == [
        ("SENT", "DELIVERED"), ("DELIVERED", "COMPLAINED")]
    assert all(event["source"] == "order-email" and event["detail-type"] == "Email Status Changed"
               for event in system.status_events())
    assert status_events_delivered(system)["ok"]


def test_operator_commands_reach_the_local_system_as_a_deployed_stack(system: LocalSystem) -> None:
    system.publish_order(order("F.3", f"success+f3@{SIM}"))
    system.run_until_idle(timeout=60)
    result = CliRunner().invoke(app, ["status", "F.3", "--json"], env=system.cli_environment())
    assert result.exit_code == 0, result.output
    assert '"DELIVERED"' in result.stdout and "success+f3" not in result.stdout
    environment = system.cli_environment()
    assert environment["AWS_ENDPOINT_URL"] == system.emulator.endpoint


def test_a_feedback_crash_rate_of_30_percent_loses_no_bus_event() -> None:
    plan = FaultPlan(seed=15, feedback_crash_rate=0.3)
    with LocalSystem(stack="dev", faults=plan) as crashing:
        addresses = {f"F.c{index}": f"{outcome}+c{index}@{SIM}"
                     for index, outcome in enumerate(["success", "complaint", "bounce", "success"] * 4)}
        for order_id, address in addresses.items():
            crashing.publish_order(order(order_id, address))
        crashing.run_until_idle(timeout=180)
        assert crashing.faults_injected().get("crash.after_feedback_write", 0) >= 3
        check = status_events_delivered(crashing)
        assert check["ok"], check
        for order_id, address in addresses.items():
            assert status(crashing, order_id) == EXPECTED_STATUS[outcome_for(address)]
            finals = {event["detail"]["status"] for event in crashing.status_events()
                      if event["detail"]["orderId"] == order_id}
            assert EXPECTED_STATUS[outcome_for(address)] in finals
