"""Status-change events on the EventBridge bus, taken from the deliveries table's stream (an outbox).

The feedback function publishes nothing itself: the conditional write that changes a delivery's
status also stamps the change on the item (`statusEventId`, `statusEventAt`, `statusEventReason`).
DynamoDB Streams → EventBridge Pipes → the status bus then carries every such write, with retries
and a dead-letter queue, whatever happens to the function after its write; the pipe's enrichment
(`handlers.status_outbox`) turns each stream record into the event detail with `details_from_stream`.
A crash between the write and the bus cannot lose an event, and `PutEvents` is off the hot path.

Contract (schema version 1.0, JSON Schema in `status_changed.schema.json` beside this file):
Source `order-email`, DetailType `Email Status Changed`, Detail =

    {"schemaVersion": "1.0", "eventId": "<32 hex>", "orderId": "o-1", "kind": "order-confirmation",
     "status": "DELIVERED", "previousStatus": "SENT", "sesMessageId": "0100…", "timestamp":
     "2026-01-01T00:00:00.000Z", "reason": null, "recipient": "j***@example.com"}

`eventId` is derived from the delivery key, the new status and the SES event's identity, so a
repeated change carries the same id: consumers dedupe by it (delivery is at least once — a pipe
retry, or a later write that keeps the stamp, repeats it). `timestamp` is when SES saw the event;
`recipient` is always masked. Additive changes keep the major version; anything else bumps
`schemaVersion` and is announced to consumers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from boto3.dynamodb.types import TypeDeserializer

from ..shared.schema import KIND, ORDER_ID, SES_MESSAGE_ID

SOURCE = "order-email"
DETAIL_TYPE = "Email Status Changed"
SCHEMA_VERSION = "1.0"
STATUS_EVENT_ID = "statusEventId"
"""The id of the item's latest status change: a write that sets a new one is a new event."""
STATUS_EVENT_AT = "statusEventAt"
STATUS_EVENT_REASON = "statusEventReason"
STREAM_FILTER = {"dynamodb": {"NewImage": {STATUS_EVENT_ID: {"S": [{"exists": True}]}}}}
"""The pipe's filter: only writes of items that carry a status change reach the enrichment."""

_deserializer = TypeDeserializer()


def status_event_id(order_id: str, kind: str, status: str, event_identity: str) -> str:
    """Stable id of one status change: the same change, stamped again, has the same id (pure)."""
    return hashlib.sha256(f"{order_id}|{kind}|{status}|{event_identity}".encode()).hexdigest()[:32]


def detail_of(new: Mapping[str, Any], old: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The event detail of one write (plain-valued images), or None when it stamped no new change."""
    event_id = new.get(STATUS_EVENT_ID)
    if not event_id or (old is not None and old.get(STATUS_EVENT_ID) == event_id):
        return None
    previous = (old or {}).get("status")
    return {
        "schemaVersion": SCHEMA_VERSION,
        "eventId": str(event_id),
        "orderId": str(new[ORDER_ID]),
        "kind": str(new[KIND]),
        "status": str(new["status"]),
        "previousStatus": str(previous) if previous else None,
        "sesMessageId": str(new.get(SES_MESSAGE_ID) or ""),
        "timestamp": str(new.get(STATUS_EVENT_AT) or new.get("lastUpdated") or ""),
        "reason": new.get(STATUS_EVENT_REASON),
        "recipient": new.get("recipientMasked"),
    }


def _plain(image: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if image is None:
        return None
    return {name: _deserializer.deserialize(value) for name, value in image.items()}


def details_from_stream(records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Event details of DynamoDB stream records (as Pipes hands them over), in stream order."""
    details: list[dict[str, Any]] = []
    for record in records:
        images = record.get("dynamodb") or {}
        new = _plain(images.get("NewImage"))
        if record.get("eventName") == "REMOVE" or new is None:
            continue
        detail = detail_of(new, _plain(images.get("OldImage")))
        if detail is not None:
            details.append(detail)
    return details
