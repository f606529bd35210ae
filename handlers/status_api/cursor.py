"""The opaque page cursors of `/deliveries` and `/recipients`: base64url JSON of the query and the
last key returned.

Carrying status and since (as absolute time) keeps every page of a listing on the same window,
even though page one's default since ("24 h ago") moves with the clock.

A client can decode and rewrite a cursor, so nothing in it is trusted: it is bounded, not signed.
Everything it carries is something any caller the function URL admits may ask for anyway (a
status, a since within `params.MAX_WINDOW`, a position inside that window), so a forged cursor is
harmless once it meets the limits of a request without one: `decode_cursor` checks its shape, and
`params.parse_listing` checks its since against the window and its position inside [since, now],
relative to the time of the request. A signature would add a secret to store and rotate, would
break every cursor in flight when it rotates, and would still need the window check (a genuine
cursor kept for two months reaches back too far) — so it would protect nothing bounding does not.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import datetime

from ..shared.order_ids import is_order_id
from ..shared.schema import iso
from ..shared.statuses import EmailStatus

MAX_CURSOR_LENGTH = 1024
_VERSION = 1
_SORT_KEY = re.compile(r"([^#]+)#(.+)#([^#]+)")
"""`statusSortKey`: `updatedAt#orderId#kind`; an order id may itself contain `#`, a kind does not."""


class CursorError(ValueError):
    """The cursor was not produced by this API (or by another version of it)."""


@dataclass(frozen=True)
class Cursor:
    status: str
    since: str
    """`iso()` of the listing's lower bound."""
    before: str
    """`statusSortKey` of the last item returned: the next page holds only older keys."""

    @property
    def before_time(self) -> str:
        """The `iso()` time at the start of `before`."""
        return self.before.split("#", 1)[0]


def _pack(document: dict[str, str]) -> str:
    raw = json.dumps({"v": _VERSION, **document}, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unpack(token: str, fields: str) -> tuple[str, ...]:
    """The string `fields` (one letter each) of a token `_pack` made; CursorError for anything else."""
    if len(token) > MAX_CURSOR_LENGTH:
        raise CursorError("too long")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        document = json.loads(raw)
    except (binascii.Error, ValueError, RecursionError):  # JSON nested too deep is no cursor either
        raise CursorError("not a cursor returned by this API") from None
    if not isinstance(document, dict) or document.get("v") != _VERSION:
        raise CursorError("not a cursor returned by this API")
    values = tuple(document.get(name) for name in fields)
    if not all(isinstance(value, str) for value in values):
        raise CursorError("not a cursor returned by this API")
    return values  # type: ignore[return-value]


def encode_cursor(cursor: Cursor) -> str:
    return _pack({"s": cursor.status, "f": cursor.since, "b": cursor.before})


def decode_cursor(token: str) -> Cursor:
    status, since, before = _unpack(token, "sfb")
    if status not in {member.value for member in EmailStatus}:
        raise CursorError("unknown status")
    key = _SORT_KEY.fullmatch(before)
    if not _is_iso(since) or key is None or not _is_iso(key[1]) or not is_order_id(key[2]):
        raise CursorError("malformed position")
    return Cursor(status=status, since=since, before=before)


@dataclass(frozen=True)
class RecipientCursor:
    """Where a `/recipients` page ended: the last e-mail returned, and which address it listed.

    `recipient` is the start of the address's hash, so a cursor sent with another address is a 400,
    not a page of that address's e-mails from an arbitrary position (the position alone could not
    leak anything either: the query always runs in the partition of the address asked for).
    """

    recipient: str
    order_id: str
    kind: str
    created_at: str


RECIPIENT_TAG_LENGTH = 16


def encode_recipient_cursor(cursor: RecipientCursor) -> str:
    return _pack({"r": cursor.recipient, "o": cursor.order_id, "k": cursor.kind, "c": cursor.created_at})


def decode_recipient_cursor(token: str) -> RecipientCursor:
    recipient, order_id, kind, created_at = _unpack(token, "rokc")
    if (len(recipient) != RECIPIENT_TAG_LENGTH or not is_order_id(order_id) or not is_order_id(kind)
            or not _is_iso(created_at)):
        raise CursorError("malformed position")
    return RecipientCursor(recipient, order_id, kind, created_at)


def _is_iso(text: str) -> bool:
    try:
        return iso(datetime.fromisoformat(text)) == text
    except (ValueError, OverflowError):  # OverflowError: an offset that leaves years 1-9999 in UTC
        return False
