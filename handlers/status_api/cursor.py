"""The opaque `/deliveries` page cursor: base64url JSON of the query and the last key returned.

Carrying status and since (as absolute time) keeps every page of a listing on the same window,
even though page one's default since ("24 h ago") moves with the clock.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime

from handlers.shared.schema import iso
from handlers.shared.statuses import Status

MAX_CURSOR_LENGTH = 1024
_VERSION = 1


class CursorError(ValueError):
    """The cursor was not produced by this API (or by another version of it)."""


@dataclass(frozen=True)
class Cursor:
    status: str
    since: str
    """`iso()` of the listing's lower bound."""
    before: str
    """`statusSortKey` of the last item returned: the next page holds only older keys."""


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
    except (binascii.Error, ValueError):
        raise CursorError("not a cursor returned by this API") from None
    if not isinstance(document, dict) or document.get("v") != _VERSION:
        raise CursorError("not a cursor returned by this API")
    status, since, before = document.get("s"), document.get("f"), document.get("b")
    if not (isinstance(status, str) and isinstance(since, str) and isinstance(before, str)):
        raise CursorError("not a cursor returned by this API")
    if status not in {member.value for member in Status}:
        raise CursorError("unknown status")
    if not _is_iso(since) or not _is_iso(before.split("#", 1)[0]):
        raise CursorError("malformed position")
    return Cursor(status=status, since=since, before=before)


def _is_iso(text: str) -> bool:
    try:
        return iso(datetime.fromisoformat(text)) == text
    except ValueError:
        return False
