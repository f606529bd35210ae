"""The outbox's pure half: which stream records are status changes, and the detail each one becomes."""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.types import TypeSerializer

from order_email.handlers import status_outbox
from order_email.handlers.feedback.outbox import detail_of, details_from_stream

_serializer = TypeSerializer()


def image(**values: Any) -> dict[str, Any]:
    return {name: _serializer.serialize(value) for name, value in values.items()}


ITEM = {"orderId": "A.1001", "kind": "order-confirmation", "status": "DELIVERED", "sesMessageId": "m-1",
        "recipientMasked": "j***@example.com", "statusEventId": "e" * 32, "statusEventAt": "2026-01-01T00:00:09.000Z",
        "statusEventReason": None}


def record(new: dict[str, Any] | None, old: dict[str, Any] | None, name: str = "MODIFY") -> dict[str, Any]:
    images: dict[str, Any] = {}
    if new is not None:
        images["NewImage"] = image(**new)
    if old is not None:
        images["OldImage"] = image(**old)
    return {"eventName": name, "dynamodb": images}


def test_a_write_that_stamps_a_new_change_is_one_event() -> None:
    old = ITEM | {"status": "SENT", "statusEventId": None}
    [detail] = details_from_stream([record(ITEM, {k: v for k, v in old.items() if v is not None})])
    assert detail == {"schemaVersion": "1.0", "eventId": "e" * 32, "orderId": "A.1001", "kind": "order-confirmation",
                      "status": "DELIVERED", "previousStatus": "SENT", "sesMessageId": "m-1",
                      "timestamp": "2026-01-01T00:00:09.000Z", "reason": None, "recipient": "j***@example.com"}


def test_writes_that_keep_the_stamp_or_have_none_are_no_events() -> None:
    unstamped = {k: v for k, v in ITEM.items() if not k.startswith("statusEvent")}
    assert details_from_stream([record(ITEM, ITEM), record(unstamped, unstamped), record(None, ITEM, "REMOVE")]) == []
    assert detail_of(unstamped, None) is None


def test_a_first_insert_with_a_stamp_has_no_previous_status() -> None:
    [detail] = details_from_stream([record(ITEM, None, "INSERT")])
    assert detail["previousStatus"] is None


def test_the_enrichment_takes_a_batch_array_and_returns_one_detail_per_change() -> None:
    old = {k: v for k, v in ITEM.items() if not k.startswith("statusEvent")} | {"status": "SENT"}
    assert len(status_outbox.handler([record(ITEM, old), record(ITEM, ITEM)], None)) == 1
    assert status_outbox.handler({"Records": []}, None) == []
