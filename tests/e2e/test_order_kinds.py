"""End to end on the local emulator: shipped and cancelled e-mails beside the confirmation, each once,
each with its own record, feedback and status-API rows; a bad shipment dead-lettered with its reason."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from typer.testing import CliRunner

from order_email.cli.main import app
from order_email.handlers.shared import schema
from order_email.localmode import LocalSystem
from tests.support.local_system import SIM, dlq, order

SHIPPED, CANCELLED = "order-shipped", "order-cancelled"
TRACKING_URL = "https://track.example-carrier.com/p/ZX123?lang=en&ref=mail"


def shipped(order_id: str, email: str, **changes: Any) -> dict[str, Any]:
    return {"orderId": order_id, "customerEmail": email, "customerName": "Jane <Doe>",
            "timestamp": "2026-01-02T08:30:00Z", "carrier": "DHL", "trackingNumber": "ZX123",
            "trackingUrl": TRACKING_URL, "metadata": {"warehouse": "north"}} | changes


def cancelled(order_id: str, email: str) -> dict[str, Any]:
    return {"orderId": order_id, "customerEmail": email, "customerName": "Jane Doe",
            "timestamp": "2026-01-02T09:00:00Z", "reason": "Out of stock"}


def publish(system: LocalSystem, event_type: str, event: dict[str, Any]) -> None:
    system.publish_raw(json.dumps(event), {"eventType": event_type})


@dataclass(frozen=True)
class Run:
    system: LocalSystem
    sender_calls: dict[str, int]
    """The sender's AWS calls for the published events (before any test adds its own)."""
    sender_invocations: int


def sender_name(system: LocalSystem) -> str:
    return next(name for name, handler in system.function_names().items() if "send_order_email" in handler)


@pytest.fixture(scope="module")
def run() -> Iterator[Run]:
    with LocalSystem(stack="dev", concurrency=1) as system:
        system.publish_order(order("K-1", f"success+k1@{SIM}"))
        for _ in range(2):  # the same event delivered twice (and a third time below, once sent)
            publish(system, "order.shipped", shipped("K-1", f"success+k1@{SIM}"))
        system.publish_order(order("K-2", f"success+k2@{SIM}"))
        for _ in range(2):
            publish(system, "order.cancelled", cancelled("K-2", f"success+k2@{SIM}"))
        system.publish_order(order("K-3", f"success+k3@{SIM}"))
        publish(system, "order.shipped", shipped("K-3", f"bounce+k3@{SIM}"))
        publish(system, "order.shipped", shipped("K-4", f"success+k4@{SIM}"))  # no confirmation recorded
        publish(system, "order.shipped", shipped("K-5", f"success+k5@{SIM}", trackingUrl="http://track.example/1"))
        system.run_until_idle(timeout=120)
        publish(system, "order.shipped", shipped("K-1", f"success+k1@{SIM}"))  # again, after it was sent
        publish(system, "order.cancelled", cancelled("K-2", f"success+k2@{SIM}"))
        system.run_until_idle(timeout=60)
        sender = sender_name(system)
        yield Run(system, system.aws_calls(sender), system.invocations()[sender])


@pytest.fixture
def kinds(run: Run) -> LocalSystem:
    return run.system


def emails(system: LocalSystem, order_id: str) -> dict[str, dict[str, Any]]:
    """The status API's e-mails of an order, by kind."""
    code, answer = system.status_api(f"/orders/{order_id}")
    assert code == 200, answer
    return {email["kind"]: email for email in answer["emails"]}


def sent(system: LocalSystem, order_id: str, kind: str) -> list[dict[str, Any]]:
    return [email for email in system.sent_emails()
            if email["tags"]["orderId"] == order_id and email["tags"]["kind"] == kind]


def test_each_kind_is_sent_once_beside_the_confirmation(kinds: LocalSystem) -> None:
    for order_id, kind in (("K-1", SHIPPED), ("K-2", CANCELLED)):
        [confirmation] = sent(kinds, order_id, schema.ORDER_CONFIRMATION)
        [email] = sent(kinds, order_id, kind)
        records = emails(kinds, order_id)
        assert set(records) == {schema.ORDER_CONFIRMATION, kind}
        assert records[kind]["status"] == records[schema.ORDER_CONFIRMATION]["status"] == "DELIVERED"
        assert records[kind]["sesMessageId"] == email["messageId"] != confirmation["messageId"]
        assert records[kind]["attempts"] == 1
    assert kinds.metrics()["DuplicatesSkipped"] >= 2


def test_the_shipped_email_carries_the_tracking_link_escaped_in_html(kinds: LocalSystem) -> None:
    [email] = sent(kinds, "K-1", SHIPPED)
    assert email["subject"] == "Your order K-1 has shipped"
    assert "Tracking number: ZX123" in email["text"] and TRACKING_URL in email["text"]
    assert 'href="https://track.example-carrier.com/p/ZX123?lang=en&amp;ref=mail"' in email["html"]
    assert "Jane &lt;Doe&gt;" in email["html"] and "DHL" in email["html"]
    [cancellation] = sent(kinds, "K-2", CANCELLED)
    assert cancellation["subject"] == "Your order K-2 has been cancelled"
    assert "Reason: Out of stock" in cancellation["text"]


def test_feedback_changes_only_the_record_of_its_kind(kinds: LocalSystem) -> None:
    records = emails(kinds, "K-3")
    assert records[schema.ORDER_CONFIRMATION]["status"] == "DELIVERED"
    assert records[SHIPPED]["status"] == "BOUNCED"
    assert records[SHIPPED]["recipient"].startswith("b***@")
    assert kinds.is_suppressed(f"bounce+k3@{SIM}") and not kinds.is_suppressed(f"success+k3@{SIM}")


def test_a_shipment_without_a_recorded_confirmation_is_sent_on_its_own(kinds: LocalSystem) -> None:
    assert set(emails(kinds, "K-4")) == {SHIPPED}
    assert emails(kinds, "K-4")[SHIPPED]["status"] == "DELIVERED"
    assert len(sent(kinds, "K-4", SHIPPED)) == 1


def test_a_malformed_shipment_is_dead_lettered_with_its_reason(kinds: LocalSystem) -> None:
    assert kinds.status_api("/orders/K-5")[0] == 404
    [letter] = [letter for letter in dlq(kinds, "send") if "K-5" in letter["body"]]
    assert letter["attributes"]["errorType"] == "InvalidOrder"
    assert "trackingUrl" in letter["attributes"]["reason"] and "https" in letter["attributes"]["reason"]
    assert letter["attributes"]["eventType"] == "order.shipped"  # a redrive delivers it as a shipment again


def test_deliveries_lists_every_kind(kinds: LocalSystem) -> None:
    code, answer = kinds.status_api("/deliveries", {"status": "DELIVERED"})
    assert code == 200, answer
    listed = {(row["orderId"], row["kind"]) for row in answer["items"]}
    assert {("K-1", SHIPPED), ("K-2", CANCELLED), ("K-4", SHIPPED), ("K-1", schema.ORDER_CONFIRMATION)} <= listed
    code, bounced = kinds.status_api("/deliveries", {"status": "BOUNCED"})
    assert code == 200 and {(row["orderId"], row["kind"]) for row in bounced["items"]} == {("K-3", SHIPPED)}


def test_the_send_path_keeps_its_call_budget(run: Run) -> None:
    """Claim, SendEmail and record per e-mail (3 calls), one suppression read per batch; a duplicate
    of a sent e-mail costs its refused claim and nothing else."""
    calls = run.sender_calls
    assert calls["sesv2.SendEmail"] == 7
    assert calls["dynamodb.UpdateItem"] == 2 * 7 + 2
    assert calls["dynamodb.BatchGetItem"] <= run.sender_invocations


def test_resend_republishes_a_shipment_as_a_shipment(kinds: LocalSystem) -> None:
    result = CliRunner().invoke(app, ["resend", "K-4", "--kind", SHIPPED, "--force", "--yes", "--json"],
                                env={**kinds.cli_environment(), "COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["kind"] == SHIPPED
    kinds.run_until_idle(timeout=60)
    first, again = sent(kinds, "K-4", SHIPPED)
    assert again["text"] == first["text"] and "Tracking number: ZX123" in again["text"]
    assert emails(kinds, "K-4")[SHIPPED]["sesMessageId"] == again["messageId"]
    refused = CliRunner().invoke(app, ["resend", "K-4", "--kind", "order-refunded", "--yes"],
                                 env=kinds.cli_environment())
    assert refused.exit_code == 2 and "--kind" in refused.stderr


def test_status_shows_a_kept_shipment_without_the_customer_name(kinds: LocalSystem) -> None:
    table = CliRunner().invoke(app, ["status", "K-1"], env={**kinds.cli_environment(), "COLUMNS": "200"})
    assert table.exit_code == 0, table.output
    assert "order-shipped" in table.stdout and "trackingNumber" in table.stdout and "ZX123" in table.stdout
    assert "19.00 EUR" in table.stdout and "Jane" not in table.stdout
