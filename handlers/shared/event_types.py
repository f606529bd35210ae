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
    """The `eventType` SQS attribute of a Lambda SQS record, if any.

    SNS sends a message's attributes to a raw-delivery SQS subscription as SQS message attributes (at
    most 10; a message with more is discarded as a client error), and only for a String message
    structure: https://docs.aws.amazon.com/sns/latest/dg/sns-message-attributes.html. Without raw
    delivery they are in the envelope's `MessageAttributes` instead (`sender.order.order_message`)."""
    value = (record.get("messageAttributes") or {}).get(EVENT_TYPE_ATTRIBUTE) or {}
    text = value.get("stringValue") if isinstance(value, Mapping) else None
    return text if isinstance(text, str) and text else None
