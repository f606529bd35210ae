"""The e-mail kinds: their models, the `eventType` routing, their templates and their kept events."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from boto3.dynamodb.types import TypeDeserializer

from order_email.handlers.sender.kinds import EVENT_TYPE_OF_KIND, EVENT_TYPES, KINDS, parse_event
from order_email.handlers.sender.order import CancelledOrder, InvalidOrder, Order, ShippedOrder, validated
from order_email.handlers.sender.rendering import TEMPLATES_DIR, render
from order_email.handlers.sender.stored_order import order_event, stored_order
from order_email.handlers.shared import schema
from order_email.handlers.shared.sqs_batch import DeadLetters
from tests.support.send_helpers import order

SHIPPED = {"orderId": "A.1", "customerEmail": "jane@example.com", "customerName": "Jane", "carrier": "DHL",
           "trackingNumber": "ZX 123", "trackingUrl": "https://t.example/p?id=ZX&x=1",
           "timestamp": "2026-01-02T08:30:00+01:00", "metadata": {"warehouse": "north"}}
CANCELLED = {"orderId": "A.1", "customerEmail": "jane@example.com", "customerName": "Jane",
             "reason": "Out of stock", "timestamp": "2026-01-02T09:00:00Z"}


def record(body: Any, event_type: str | None = None) -> dict[str, Any]:
    attributes = {} if event_type is None else {"eventType": {"stringValue": event_type, "dataType": "String"}}
    return {"messageId": "m-1", "body": body if isinstance(body, str) else json.dumps(body),
            "messageAttributes": attributes}


# -- routing --------------------------------------------------------------------------------------


def test_each_event_type_routes_to_its_kind_and_model() -> None:
    assert parse_event(record(order(), "order.confirmed")).kind == schema.ORDER_CONFIRMATION
    shipped = parse_event(record(SHIPPED, "order.shipped"))
    assert shipped.kind == "order-shipped" and isinstance(shipped.event, ShippedOrder)
    cancelled = parse_event(record(CANCELLED, "order.cancelled"))
    assert cancelled.kind == "order-cancelled" and isinstance(cancelled.event, CancelledOrder)


def test_an_sns_envelope_carries_the_event_type_when_delivery_is_not_raw() -> None:
    envelope = {"Type": "Notification", "Message": json.dumps(SHIPPED),
                "MessageAttributes": {"eventType": {"Type": "String", "Value": "order.shipped"}}}
    assert parse_event(record(envelope)).kind == "order-shipped"


def test_a_record_without_an_event_type_is_a_confirmation() -> None:
    """Put on the queue directly (an operator, a deferral from before kinds): the only kind there was."""
    assert isinstance(parse_event(record(order())).event, Order)
    with pytest.raises(InvalidOrder, match="carrier: Extra inputs are not permitted"):
        parse_event(record(SHIPPED))


def test_an_unknown_event_type_can_never_succeed() -> None:
    with pytest.raises(InvalidOrder) as raised:
        parse_event(record(order(), "order.refunded"))
    assert raised.value.error_type == "UnknownEventType"
    assert "'order.refunded' is not one of order.confirmed, order.shipped, order.cancelled" in raised.value.reason


def test_the_body_must_match_the_event_type() -> None:
    with pytest.raises(InvalidOrder) as raised:
        parse_event(record(order(), "order.shipped"))
    assert raised.value.error_type == "InvalidOrder"
    assert "carrier: Field required" in raised.value.reason and "items: Extra inputs" in raised.value.reason


def test_kinds_are_ses_tag_values_and_the_routing_is_one_to_one() -> None:
    """The kind is the `kind` EmailTag: SES takes only letters, digits, `_` and `-` there."""
    kinds = [spec.kind for spec in KINDS.values()]
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{1,256}", kind) for kind in kinds)
    assert len(set(kinds)) == len(kinds) == len(EVENT_TYPES)
    assert {EVENT_TYPE_OF_KIND[spec.kind] for spec in KINDS.values()} == set(EVENT_TYPES)


# -- models ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [
    "http://t.example/p", "javascript:alert(1)", "https://", "https:///path", "t.example/p",
    "https://t.example/p q", "https://t.exämple/p", "https://t.example/\u2028", "ftp://t.example/p",
    "https://" + "a" * 2100,
])
def test_the_tracking_url_must_be_an_absolute_https_url(url: str) -> None:
    with pytest.raises(InvalidOrder, match=r"trackingUrl: "):
        validated(ShippedOrder, SHIPPED | {"trackingUrl": url})


def test_the_tracking_url_is_kept_exactly_as_published() -> None:
    url = "https://t.example:8443/track?id=ZX%20123&lang=en#top"
    assert validated(ShippedOrder, SHIPPED | {"trackingUrl": url}).trackingUrl == url


@pytest.mark.parametrize(("field", "value"), [
    ("carrier", ""), ("carrier", "x" * 101), ("trackingNumber", " "), ("trackingNumber", "a\nb"),
])
def test_shipment_fields_are_bounded_and_clean(field: str, value: str) -> None:
    with pytest.raises(InvalidOrder, match=rf"{field}: "):
        validated(ShippedOrder, SHIPPED | {field: value})


@pytest.mark.parametrize("changes", [{"reason": ""}, {"reason": "x" * 501}, {"reason": "a\u0000b"},
                                     {"refund": "1.00"}, {"customerEmail": "not an address"}])
def test_a_cancellation_needs_a_clean_reason_and_nothing_unknown(changes: dict[str, Any]) -> None:
    with pytest.raises(InvalidOrder):
        validated(CancelledOrder, CANCELLED | changes)


# -- templates ------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [spec.kind for spec in KINDS.values()])
def test_every_kind_has_its_three_templates_named_after_it(kind: str) -> None:
    assert all((TEMPLATES_DIR / f"{kind}{suffix}").is_file() for suffix in (".html", ".txt", ".subject.txt"))


def test_the_shipment_renders_escaped_with_its_tracking_link() -> None:
    event = validated(ShippedOrder, SHIPPED | {"customerName": "<b>Jane</b> {{7*7}}", "carrier": "A & B"})
    email = render("order-shipped", event)
    assert email.subject == "Your order A.1 has shipped"
    assert '<a href="https://t.example/p?id=ZX&amp;x=1">' in email.html and "A &amp; B" in email.html
    assert "&lt;b&gt;Jane&lt;/b&gt; {{7*7}}" in email.html and "<b>Jane</b> {{7*7}}" in email.text
    assert "on 2026-01-02 with A & B" in email.text and "Tracking number: ZX 123" in email.text


def test_the_cancellation_renders_its_reason() -> None:
    email = render("order-cancelled", validated(CancelledOrder, CANCELLED | {"reason": "Fraud <check>"}))
    assert email.subject == "Your order A.1 has been cancelled"
    assert "Reason: Fraud <check>" in email.text and "Reason: Fraud &lt;check&gt;" in email.html


# -- the kept event -------------------------------------------------------------------------------


@pytest.mark.parametrize(("model", "document"), [(ShippedOrder, SHIPPED), (CancelledOrder, CANCELLED),
                                                 (Order, order("A.1", customerEmail="jane@example.com"))])
def test_a_kept_event_rebuilds_the_event_that_was_kept(model: type, document: dict[str, Any]) -> None:
    event = validated(model, json.loads(json.dumps(document)))
    kept = TypeDeserializer().deserialize(stored_order(event))
    assert "orderId" not in kept and "customerEmail" not in kept
    assert validated(model, order_event(event.orderId, event.customerEmail, kept)) == event


# -- dead letters ---------------------------------------------------------------------------------


class _Sqs:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def send_message(self, **params: Any) -> None:
        self.sent.append(params)


def test_a_dead_letter_keeps_the_event_type_for_its_redrive() -> None:
    sqs = _Sqs()
    DeadLetters(sqs, "https://dlq", "send_order_email").send(record("{}", "order.shipped"), "bad", "InvalidOrder")
    DeadLetters(sqs, "https://dlq", "send_order_email").send(record("{}"), "bad", "InvalidOrder")
    assert sqs.sent[0]["MessageAttributes"]["eventType"] == {"DataType": "String", "StringValue": "order.shipped"}
    assert "eventType" not in sqs.sent[1]["MessageAttributes"]
