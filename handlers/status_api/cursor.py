"""The opaque `/deliveries` page cursor: base64url JSON of the query and the last key returned.

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


def encode_cursor(cursor: Cursor) -> str:
    document = {"v": _VERSION, "s": cursor.status, "f": cursor.since, "b": cursor.before}
    raw = json.dumps(document, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str) -> Cursor:
    if len(token) > MAX_CURSOR_LENGTH:
        raise CursorError("too long")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        document = json.loads(raw)
    except (binascii.Error, ValueError, RecursionError):  # JSON nested too deep is no cursor either
        raise CursorError("not a cursor returned by this API") from None
    if not isinstance(document, dict) or document.get("v") != _VERSION:
        raise CursorError("not a cursor returned by this API")
    status, since, before = document.get("s"), document.get("f"), document.get("b")
    if not (isinstance(status, str) and isinstance(since, str) and isinstance(before, str)):
        raise CursorError("not a cursor returned by this API")
    if status not in {member.value for member in EmailStatus}:
        raise CursorError("unknown status")
    key = _SORT_KEY.fullmatch(before)
    if not _is_iso(since) or key is None or not _is_iso(key[1]) or not is_order_id(key[2]):
        raise CursorError("malformed position")
    return Cursor(status=status, since=since, before=before)


def _is_iso(text: str) -> bool:
    try:
        return iso(datetime.fromisoformat(text)) == text
    except (ValueError, OverflowError):  # OverflowError: an offset that leaves years 1-9999 in UTC
        return False
