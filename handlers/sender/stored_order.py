"""The validated order event kept with its delivery record, and the event rebuilt from it.

The claim (or hold, or suppression) that creates a record also writes `order`: a DynamoDB map of
everything the kind's model (`Order`, `ShippedOrder`, ...) validated except the two fields the
record already holds as attributes — the order id (the key) and the customer's address
(`recipient`), so the address is kept once and erasure has one place to remove it. Money is kept
as the validated `Decimal`'s string (`"9.50"` stays `"9.50"`: a DynamoDB number would drop the
trailing zero), quantities as numbers, the time as its ISO-8601 form with the offset it came
with. The map lives and dies with the record: same item, so the same table-level encryption and
TTL; `order-email erase` removes it.

Built by hand (not `TypeSerializer`): it runs once per e-mail on the send path.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .order import Order, OrderEvent

STORED_ORDER_LIMIT = 256 * 1024
"""Bytes of text an order may have to be kept: SNS's largest message (256 KiB), so every order the
orders topic delivers is kept. DynamoDB's item limit is 400 KB in all (attribute names and values,
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html); an order put on
the send queue directly could be bigger (SQS allows 1 MiB), and is then sent but not kept."""


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def stored_order(order: OrderEvent) -> dict[str, Any] | None:
    """The event as the record's `order` map (DynamoDB-typed); None when it is too big to keep.

    Its size is counted as the UTF-8 length of every name and value, an upper bound of DynamoDB's
    count for these maps, whose per-element overhead is a few bytes. A kind other than the
    confirmation adds only bounded strings (a few KB at most): kept as they are.
    """
    if not isinstance(order, Order):
        own = {name: _s(value) for name, value in order if name not in OrderEvent.model_fields}
        return {"M": {"customerName": _s(order.customerName), "timestamp": _s(order.timestamp.isoformat()),
                      "metadata": {"M": {key: _s(value) for key, value in order.metadata.items()}}, **own}}
    items = []
    size = len(order.customerName.encode()) + len(order.currency) + 64
    for item in order.items:
        fields = {"name": _s(item.name), "quantity": {"N": str(item.quantity)}, "unitPrice": _s(str(item.unitPrice))}
        size += len(item.name.encode()) + 48
        if item.sku is not None:
            fields["sku"] = _s(item.sku)
            size += len(item.sku.encode()) + 8
        items.append({"M": fields})
    metadata = {key: _s(value) for key, value in order.metadata.items()}
    size += sum(len(key.encode()) + len(value.encode()) + 2 for key, value in order.metadata.items())
    if size > STORED_ORDER_LIMIT:
        return None
    return {"M": {
        "customerName": _s(order.customerName),
        "items": {"L": items},
        "total": _s(str(order.total)),
        "currency": _s(order.currency),
        "timestamp": _s(order.timestamp.isoformat()),
        "metadata": {"M": metadata},
    }}


def _text(value: Any) -> Any:
    """A stored number (a Decimal once deserialised) as JSON can carry it exactly; strings as they are."""
    return int(value) if not isinstance(value, str) and value == int(value) else value


def order_event(order_id: str, recipient: str, stored: Mapping[str, Any]) -> dict[str, Any]:
    """The order event (JSON-ready, money as strings) a record's deserialised `order` map came from.

    `<the kind's model>.model_validate(order_event(...))` is the event that was stored: the sender
    validates it again when it is published, as every event.
    """
    if "items" not in stored:  # a kind without a basket: every field a string, kept as published
        return {"orderId": order_id, "customerEmail": recipient, **stored,
                "metadata": dict(stored.get("metadata") or {})}
    items = []
    for item in stored["items"]:
        rebuilt = {"name": item["name"], "quantity": _text(item["quantity"]), "unitPrice": item["unitPrice"]}
        if "sku" in item:
            rebuilt["sku"] = item["sku"]
        items.append(rebuilt)
    return {"orderId": order_id, "customerEmail": recipient, "customerName": stored["customerName"], "items": items,
            "total": stored["total"], "currency": stored["currency"], "timestamp": stored["timestamp"],
            "metadata": dict(stored.get("metadata") or {})}
