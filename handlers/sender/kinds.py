"""The e-mail kinds: which order event (`eventType`) becomes which e-mail, validated by which model.

One registry, so adding a kind is one model (`sender.order`), one template set named after the kind
(`handlers/templates/<kind>.html`, `.txt`, `.subject.txt`) and one line here. The kind is the
deliveries table's sort key and the SES `kind` tag (letters, digits, `-` only: a tag value), so each
kind of an order has its own record, claim and feedback, and is sent once.

Each kind stands alone: a shipment or cancellation e-mail does not wait for, or require, the order's
confirmation record (docs/architecture.md §3.9).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..shared import schema
from ..shared.event_types import EVENT_TYPE_ATTRIBUTE, ORDER_EVENT_TYPE, record_event_type
from .order import CancelledOrder, InvalidOrder, Order, OrderEvent, ShippedOrder, order_message, validated


@dataclass(frozen=True)
class KindSpec:
    kind: str
    """The e-mail kind: sort key of its record, SES `kind` tag, stem of its template names."""
    model: type[OrderEvent]
    """The pydantic model its event is validated with."""


KINDS: dict[str, KindSpec] = {
    ORDER_EVENT_TYPE: KindSpec(schema.ORDER_CONFIRMATION, Order),
    "order.shipped": KindSpec("order-shipped", ShippedOrder),
    "order.cancelled": KindSpec("order-cancelled", CancelledOrder),
}
"""`eventType` → e-mail kind: the routing (the send queue's subscription filter lets exactly these in)."""

EVENT_TYPES = tuple(KINDS)
"""The `eventType` values the send queue receives."""
EVENT_TYPE_OF_KIND = {spec.kind: event_type for event_type, spec in KINDS.items()}
"""The `eventType` an e-mail kind's event is published with (the resend command re-publishes with it)."""


@dataclass(frozen=True)
class ParsedEvent:
    kind: str
    event: OrderEvent


def parse_event(record: Mapping[str, Any]) -> ParsedEvent:
    """The validated event of an SQS record and its kind; raises `InvalidOrder` and nothing else.

    The type is the record's `eventType` attribute, else the SNS envelope's; a record with neither was
    put on the queue directly (an operator, an older deferral) and is read as an order confirmation,
    the only kind there was before kinds. An unknown type can never succeed: it is dead-lettered.
    """
    document, enveloped = order_message(str(record.get("body") or ""))
    event_type = record_event_type(record) or enveloped or ORDER_EVENT_TYPE
    spec = KINDS.get(event_type)
    if spec is None:
        raise InvalidOrder(f"{EVENT_TYPE_ATTRIBUTE} {event_type[:60]!r} is not one of {', '.join(EVENT_TYPES)}",
                           "UnknownEventType")
    return ParsedEvent(spec.kind, validated(spec.model, document))
