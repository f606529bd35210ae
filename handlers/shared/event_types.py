"""What marks an order event: the SNS message attribute publishers set, and the confirmation's value.

The `eventType` values the send queue receives, one per e-mail kind, are the keys of
`sender.kinds.KINDS` (`order.confirmed`, `order.shipped`, `order.cancelled`); the `EmailSender`
component filters its subscription on them, and the resend command and local mode publish with
them. A message without one of them is dropped by SNS (the filtered-out-orders alarm counts them).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

EVENT_TYPE_ATTRIBUTE = "eventType"
"""The SNS message attribute naming the kind of event."""
ORDER_EVENT_TYPE = "order.confirmed"
"""Value of `eventType` on an order confirmation (the order intake publishes only this one)."""


def record_event_type(record: Mapping[str, Any]) -> str | None:
    """The `eventType` SQS attribute of a Lambda SQS record (SNS raw delivery copies the message attributes)."""
    value = (record.get("messageAttributes") or {}).get(EVENT_TYPE_ATTRIBUTE) or {}
    text = value.get("stringValue") if isinstance(value, Mapping) else None
    return text if isinstance(text, str) and text else None
