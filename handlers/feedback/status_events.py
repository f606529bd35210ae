"""Status-change events on the EventBridge bus: one per real status change, never for a redelivery.

Contract (schema version 1.0, JSON Schema in `status_changed.schema.json` beside this file):
Source `order-email`, DetailType `Email Status Changed`, Detail =

    {"schemaVersion": "1.0", "eventId": "<32 hex>", "orderId": "o-1", "kind": "order-confirmation",
     "status": "DELIVERED", "previousStatus": "SENT", "sesMessageId": "0100…", "timestamp":
     "2026-01-01T00:00:00.000Z", "reason": null, "recipient": "j***@example.com"}

`eventId` is derived from the delivery key, the new status and the SES event's identity, so a
republished change carries the same id: consumers dedupe by it (delivery is at least once).
`timestamp` is when SES saw the event; `recipient` is always masked. Additive changes keep the
major version; anything else bumps `schemaVersion` and is announced to consumers.

Publishing is batched per Lambda invocation (≤ 10 entries per PutEvents call); entries EventBridge
reports as failed are retried in place, then handed back so the caller can keep them for a retry.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from handlers.feedback.events import FeedbackEvent
from handlers.feedback.transitions import StatusChange
from handlers.shared.masking import mask_address
from handlers.shared.schema import KIND, ORDER_ID, SES_MESSAGE_ID, iso

SOURCE = "order-email"
DETAIL_TYPE = "Email Status Changed"
SCHEMA_VERSION = "1.0"
MAX_ENTRIES = 10
"""PutEvents accepts at most ten entries per call."""


@dataclass(frozen=True)
class OutgoingEvent:
    record_id: str
    """The inbound record that produced it (reported as a batch failure if it cannot be published)."""
    key: tuple[str, str]
    detail: dict[str, Any]


def status_changed_detail(
    item: dict[str, Any], event: FeedbackEvent, change: StatusChange, now: datetime
) -> dict[str, Any]:
    """The versioned Detail of an `Email Status Changed` event (pure)."""
    order_id, kind = str(item[ORDER_ID]), str(item[KIND])
    event_id = hashlib.sha256(f"{order_id}|{kind}|{change.current}|{event.identity}".encode()).hexdigest()[:32]
    masked = item.get("recipientMasked") or (mask_address(event.recipients[0]) if event.recipients else None)
    return {
        "schemaVersion": SCHEMA_VERSION,
        "eventId": event_id,
        "orderId": order_id,
        "kind": kind,
        "status": change.current.value,
        "previousStatus": change.previous.value if change.previous else None,
        "sesMessageId": item.get(SES_MESSAGE_ID) or event.message_id,
        "timestamp": iso(event.occurred_at or now),
        "reason": change.reason,
        "recipient": masked,
    }


class StatusEventPublisher:
    """PutEvents in chunks of ten; failed entries are retried `attempts` times in all, then returned."""

    def __init__(
        self,
        events_client: Any,
        bus_name: str,
        attempts: int = 3,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self._events = events_client
        self._bus = bus_name
        self._attempts = attempts
        self._sleep = sleep
        self.last_error: str | None = None
        """Why the last failed PutEvents call failed, for the caller's log line."""

    def publish(self, outgoing: Sequence[OutgoingEvent]) -> list[OutgoingEvent]:
        """Returns the events that could not be published."""
        failed: list[OutgoingEvent] = []
        for start in range(0, len(outgoing), MAX_ENTRIES):
            failed.extend(self._publish_chunk(list(outgoing[start : start + MAX_ENTRIES])))
        return failed

    def _publish_chunk(self, pending: list[OutgoingEvent]) -> list[OutgoingEvent]:
        for attempt in range(self._attempts):
            if attempt:
                self._sleep(0.05 * 2**attempt)
            try:
                answer = self._events.put_events(Entries=[self._entry(event) for event in pending])
            except Exception as error:  # throttled/unavailable after botocore's own retries
                self.last_error = f"{type(error).__name__}: {str(error)[:200]}"
                continue
            if not answer.get("FailedEntryCount"):
                return []
            results = answer.get("Entries") or []
            pending = [event for event, result in zip(pending, results, strict=False) if result.get("ErrorCode")]
            if not pending:
                return []
        return pending

    def _entry(self, event: OutgoingEvent) -> dict[str, Any]:
        return {
            "Source": SOURCE,
            "DetailType": DETAIL_TYPE,
            "EventBusName": self._bus,
            "Detail": json.dumps(event.detail, separators=(",", ":")),
        }
