"""The order intake end to end: `LocalSystem.order_api` posts as a function URL would, the real handler
publishes to the emulator's orders topic, and the sender takes it from there."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from order_email.handlers.intake.orders_topic import SNS_MESSAGE_LIMIT_BYTES
from order_email.localmode import LocalSystem
from tests.support.local_system import SIM, order, status

INTAKE = "order-email-intake-function"


@dataclass
class Run:
    system: LocalSystem
    answers: dict[str, list[tuple[int, Any]]] = field(default_factory=dict)

    def post(self, label: str, body: str, event_type: str | None = None) -> None:
        self.answers.setdefault(label, []).append(self.system.order_api(body, event_type))


def oversized_order() -> dict[str, Any]:
    """A valid order (500 items, names of 200 characters) that is over SNS's 256 KiB in UTF-8: € is 3 bytes."""
    items = [{"name": "€" * 200, "quantity": 1, "unitPrice": "1.00", "sku": f"SKU-{index}"} for index in range(500)]
    return order("i-huge", f"success+huge@{SIM}", items=items, total="500.00")


SHIPMENT = {"orderId": "i-3", "customerEmail": f"success+3@{SIM}", "customerName": "Jane Doe",
            "timestamp": "2026-01-02T08:30:00Z", "carrier": "DHL", "trackingNumber": "ZX123",
            "trackingUrl": "https://track.example-carrier.com/p/ZX123"}


@pytest.fixture(scope="module")
def run() -> Iterator[Run]:
    """One system: every request is made here, in order; the tests only read what happened."""
    with LocalSystem(stack="dev", concurrency=1) as system:
        run = Run(system)
        run.post("valid", json.dumps(order("i-1", f"success+1@{SIM}")))
        run.post("valid", json.dumps(order("i-1", f"success+1@{SIM}")))
        run.post("invalid", json.dumps(order("i-bad", "jane.doe.example.com", customerName="", coupon="X",
                                             items=[{"name": "Mug", "quantity": 0, "unitPrice": "9.50"}])))
        run.post("oversized", json.dumps(oversized_order()))
        run.post("shipped", json.dumps(SHIPMENT), "order.shipped")
        run.post("unknown-type", json.dumps(SHIPMENT), "order.refunded")
        run.post("order-as-shipment", json.dumps(order("i-2", f"success+2@{SIM}")), "order.shipped")
        system.run_until_idle(timeout=90)
        # the same id with another body, once the first is sent: the first order wins at the sender
        run.post("changed", json.dumps(order("i-1", f"success+changed@{SIM}", customerName="Someone Else")))
        system.run_until_idle(timeout=90)
        system.client("sns").delete_topic(TopicArn=system.roles.orders_topic_arn if system.roles else "")
        run.post("sns-down", json.dumps(order("i-down", f"success+down@{SIM}")))
        yield run


def test_a_valid_order_is_accepted_sent_and_recorded(run: Run) -> None:
    assert run.answers["valid"][0] == (202, {"orderId": "i-1"})
    assert status(run.system, "i-1") == "DELIVERED"
    [email] = [email for email in run.system.sent_emails() if email["tags"].get("orderId") == "i-1"]
    assert email["to"] == [f"Jane Doe <success+1@{SIM}>"]


def test_posting_the_same_order_again_gets_the_same_answer_and_one_email(run: Run) -> None:
    assert run.answers["valid"][1] == run.answers["valid"][0]
    assert run.answers["changed"] == [(202, {"orderId": "i-1"})]
    sent = [email for email in run.system.sent_emails() if email["tags"].get("orderId") == "i-1"]
    assert len(sent) == 1 and sent[0]["to"] == [f"Jane Doe <success+1@{SIM}>"]  # the first order won
    assert run.system.aws_calls(INTAKE)["sns.Publish"] == 4 + 1  # valid x2, shipped, changed, the failed one
    assert run.system.errors() == []


def test_bad_fields_are_each_named_and_nothing_is_published(run: Run) -> None:
    [(code, body)] = run.answers["invalid"]
    assert code == 400
    assert {entry["field"] for entry in body["fields"]} == {"customerEmail", "customerName", "items.0.quantity",
                                                            "coupon"}
    assert run.system.status_api("/orders/i-bad")[0] == 404
    assert all("i-bad" not in letter["body"] for letters in run.system.dead_letters().values() for letter in letters)


def test_an_order_over_the_sns_limit_is_refused_with_413_before_publishing(run: Run) -> None:
    [(code, body)] = run.answers["oversized"]
    assert code == 413 and body["sizeBytes"] > SNS_MESSAGE_LIMIT_BYTES == body["limitBytes"]
    assert run.system.status_api("/orders/i-huge")[0] == 404


def test_sns_failing_is_a_503_and_the_log_holds_no_customer_data(run: Run) -> None:
    assert run.answers["sns-down"] == [(503, {"error": "the orders topic is unavailable; post the same order "
                                                       "again later", "orderId": "i-down"})]
    lines = run.system.logs(INTAKE)
    assert any("orders topic publish failed" in line and "NotFound" in line for line in lines)
    assert not any("success+" in line or "Jane Doe" in line or "jane.doe" in line for line in lines)


def test_an_event_type_in_the_query_posts_another_kind_of_e_mail(run: Run) -> None:
    assert run.answers["shipped"] == [(202, {"orderId": "i-3"})]
    [shipment] = [email for email in run.system.sent_emails() if email["tags"].get("orderId") == "i-3"]
    assert shipment["tags"]["kind"] == "order-shipped" and "ZX123" in shipment["text"]
    assert [(email["kind"], email["status"]) for email in run.system.deliveries("i-3")["emails"]] == [
        ("order-shipped", "DELIVERED")]


def test_an_unknown_event_type_or_a_body_of_another_kind_is_a_400(run: Run) -> None:
    [(code, body)] = run.answers["unknown-type"]
    assert code == 400 and body["parameter"] == "eventType"
    [(code, body)] = run.answers["order-as-shipment"]
    assert code == 400 and {"carrier", "trackingNumber", "trackingUrl"} <= {entry["field"] for entry in body["fields"]}
    assert status(run.system, "i-2") is None
