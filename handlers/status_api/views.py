"""What the API (and the operator CLI) shows of a delivery item: JSON-safe, addresses masked.

Masking is not only the `recipient` field: SES diagnostics in `statusReason` and event history
often quote the address (`550 5.1.1 <jane@example.com>: user unknown`), so every string is scrubbed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from ..shared import schema
from ..shared.masking import mask_address, redact_addresses
from .cursor import Cursor, RecipientCursor, encode_cursor, encode_recipient_cursor
from .params import ListingRequest, RecipientRequest
from .queries import Page, RecipientPage

EMAIL_FIELDS = (
    "kind", "status", "statusReason", "sesMessageId", "attempts", "createdAt", "sentAt", "deliveredAt",
    "lastUpdated", "orderTimestamp", "opens", "clicks", "firstOpenedAt", "lastOpenedAt", "firstClickedAt",
    "lastClickedAt",
)
"""Item attributes an order's answer carries as they are (besides recipient, history and order)."""
ORDER_PII = frozenset({"customerName"})
"""Fields of the kept order (`sender.stored_order`) left out of a masked answer; addresses anywhere in
the order (metadata may quote one) are masked like every other string."""

LISTING_FIELDS = ("orderId", "kind", "status", "statusReason", "sesMessageId", "createdAt", "sentAt",
                  "lastUpdated")
"""Attributes a listing row carries: only what the `recentByStatus` index projects."""


def scrub_addresses(value: Any, replace: Callable[[str], str] = mask_address) -> Any:
    """`value` with every e-mail address inside any string replaced (by default by its masked form).

    Nested maps and lists are walked; a set stays a set (an erased DynamoDB string set keeps its type).
    """
    if isinstance(value, str):
        return redact_addresses(value, replace)
    if isinstance(value, Mapping):
        return {key: scrub_addresses(item, replace) for key, item in value.items()}
    if isinstance(value, set | frozenset):
        return {scrub_addresses(item, replace) for item in value}
    if isinstance(value, list | tuple):
        return [scrub_addresses(item, replace) for item in value]
    return value


def plain(value: Any) -> Any:
    """DynamoDB values as JSON-ready Python: Decimals become int or float, sets become sorted lists."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Mapping):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, set | frozenset):
        return sorted(plain(item) for item in value)
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, bytes | bytearray):
        return "<binary>"
    return value


def _recipient(item: Mapping[str, Any], mask: bool) -> str | None:
    if not mask and item.get("recipient"):
        return str(item["recipient"])
    if item.get("recipientMasked"):
        return str(item["recipientMasked"])
    if item.get("recipient"):
        return mask_address(str(item["recipient"]))
    return None


def email_view(item: Mapping[str, Any], *, mask: bool = True) -> dict[str, Any]:
    """One e-mail of an order: status, timestamps, counters, history, the (masked) recipient and, when the
    record keeps it, the order it was sent for (without the customer's name when masked)."""
    view: dict[str, Any] = {name: plain(item[name]) for name in EMAIL_FIELDS if name in item}
    view.setdefault("opens", 0)
    view.setdefault("clicks", 0)
    view["recipient"] = _recipient(item, mask)
    if item.get("deliveredTo"):
        delivered_to = str(item["deliveredTo"])
        view["deliveredTo"] = delivered_to if not mask else mask_address(delivered_to)
    view["history"] = plain(list(item.get("history") or []))
    if item.get(schema.ORDER):
        view["order"] = {key: plain(value) for key, value in item[schema.ORDER].items()
                         if not (mask and key in ORDER_PII)}
    return scrub_addresses(view) if mask else view


def listing_view(item: Mapping[str, Any]) -> dict[str, Any]:
    """One row of a status listing, from an index's projection or the row's attributes read for it
    (`schema.RECIPIENT_ROW_ATTRIBUTES`): always masked, nothing else is there."""
    view: dict[str, Any] = {name: plain(item[name]) for name in LISTING_FIELDS if name in item}
    view["recipient"] = item.get("recipientMasked")
    sort_key = str(item.get("statusSortKey", ""))
    view["statusSince"] = sort_key.split("#", 1)[0] or None
    return scrub_addresses(view)


def listing_answer(request: ListingRequest, page: Page) -> dict[str, Any]:
    """`/deliveries`: the query, its rows newest first, and the next page's cursor (None on the last page)."""
    cursor = None
    if page.more and page.last_key:
        cursor = encode_cursor(Cursor(request.status.value, schema.iso(request.since), page.last_key))
    return {"status": request.status.value, "since": schema.iso(request.since),
            "items": [listing_view(item) for item in page.items], "cursor": cursor}


def recipient_answer(request: RecipientRequest, page: RecipientPage) -> dict[str, Any]:
    """`/recipients`: the masked address, its e-mails as listing rows (newest first), the next page's cursor."""
    cursor = None
    if page.more and page.last:
        last = page.last
        cursor = encode_recipient_cursor(RecipientCursor(
            request.tag, str(last[schema.ORDER_ID]), str(last[schema.KIND]), str(last[schema.CREATED_AT])))
    return {"recipient": mask_address(request.address), "emails": [listing_view(item) for item in page.items],
            "cursor": cursor}
