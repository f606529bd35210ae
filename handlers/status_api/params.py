"""Request validation for the status API: every bad input becomes a 400 that names its parameter."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote

from ..sender.addresses import valid_address
from ..shared.masking import address_hash, normalise_address
from ..shared.order_ids import ORDER_ID_RULE, is_order_id
from ..shared.schema import iso
from ..shared.statuses import EmailStatus
from .cursor import RECIPIENT_TAG_LENGTH, Cursor, CursorError, RecipientCursor, decode_cursor, decode_recipient_cursor

_LIMIT = re.compile(r"[0-9]{1,4}")
_DURATION = re.compile(r"([0-9]{1,5})([mhd])")
_DURATION_UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1)}
DEFAULT_LIMIT = 50
MAX_LIMIT = 200
DEFAULT_WINDOW = timedelta(hours=24)
MAX_WINDOW = timedelta(days=31)
"""How far back `since` may reach: each day costs eight index queries."""
LISTING_PARAMETERS = frozenset({"status", "since", "limit", "cursor"})
RECIPIENT_PARAMETERS = frozenset({"address", "limit", "cursor"})


class BadParameter(ValueError):
    """A request parameter that can never be answered; `parameter` names it in the 400 body."""

    def __init__(self, parameter: str, message: str):
        super().__init__(message)
        self.parameter = parameter
        self.message = message


@dataclass(frozen=True)
class ListingRequest:
    """A validated `/deliveries` query: newest first, items updated at or after `since`."""

    status: EmailStatus
    since: datetime
    limit: int
    before: str | None = None
    """Sort key of the last item already returned (from the cursor); None on the first page."""


@dataclass(frozen=True)
class RecipientRequest:
    """A validated `/recipients` query: the e-mails to one address, newest first."""

    address: str
    """The address in its one normalised form (`masking.normalise_address`)."""
    limit: int
    after: RecipientCursor | None = None
    """Where the previous page ended (from the cursor); None on the first page."""

    @property
    def tag(self) -> str:
        """What a cursor carries to say which address it lists (the start of the address's hash)."""
        return address_hash(self.address)[:RECIPIENT_TAG_LENGTH]


def check_order_id(raw: str) -> str:
    """The order id of a request path segment: percent-decoded (`/orders/A%2F1001` is `A/1001`)."""
    value = unquote(raw or "")
    if not is_order_id(value):
        raise BadParameter("orderId", f"orderId must be {ORDER_ID_RULE}, percent-encoded in the path")
    return value


def parse_status(value: str | None) -> EmailStatus:
    if not value:
        raise BadParameter("status", "status is required, one of " + ", ".join(EmailStatus))
    try:
        return EmailStatus(value.strip().upper())
    except ValueError:
        raise BadParameter("status", f"unknown status {value[:40]!r}; one of " + ", ".join(EmailStatus)) from None


def parse_limit(value: str | None) -> int:
    if value is None or value == "":
        return DEFAULT_LIMIT
    if not _LIMIT.fullmatch(value) or not 1 <= int(value) <= MAX_LIMIT:
        raise BadParameter("limit", f"limit must be an integer from 1 to {MAX_LIMIT}")
    return int(value)


def parse_time(value: str) -> datetime:
    """ISO-8601 date or time; without an offset it is UTC. ValueError also when its UTC form is
    outside years 1-9999 (`0001-01-01T00:00:00+01:00`), where `astimezone` overflows."""
    try:
        moment = datetime.fromisoformat(value.strip().replace(" ", "+"))
    except ValueError:
        raise ValueError(f"not an ISO-8601 time: {value[:40]!r}") from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValueError("outside years 1-9999 in UTC") from None


def _check_window(since: datetime, now: datetime, parameter: str, subject: str) -> datetime:
    """`since` when a listing may start there: not in the future, at most `MAX_WINDOW` ago."""
    if since > now:
        raise BadParameter(parameter, f"{subject} is in the future")
    if since < now - MAX_WINDOW:
        raise BadParameter(parameter, f"{subject} may reach back at most {MAX_WINDOW.days} days")
    return since


def parse_duration(value: str | None, parameter: str = "since") -> timedelta:
    """`30m`, `2h`, `7d`: how far back a listing reaches, as the CLI takes it (the API takes a time)."""
    match = _DURATION.fullmatch((value or "").strip().lower())
    if match is None:
        raise BadParameter(parameter, f"{parameter} must be a duration: minutes, hours or days, like 30m, 2h or 7d")
    return int(match[1]) * _DURATION_UNITS[match[2]]


def parse_since(value: str | None, now: datetime) -> datetime:
    if value is None or value == "":
        return now - DEFAULT_WINDOW
    try:
        since = parse_time(value)
    except ValueError as error:
        raise BadParameter("since", f"since: {error}") from None
    return _check_window(since, now, "since", "since")


def _check_known(query: Mapping[str, str], allowed: frozenset[str]) -> None:
    unknown = sorted(set(query) - allowed)
    if unknown:
        raise BadParameter(unknown[0], f"unknown parameter {unknown[0][:40]!r}; allowed: " + ", ".join(sorted(allowed)))


def parse_address(value: str | None) -> str:
    """The normalised address of an `address` parameter: syntax checked like an order's `customerEmail`
    (`sender.addresses.valid_address`), so what no order could have been sent to is a 400. The message
    never quotes the address."""
    if not value:
        raise BadParameter("address", "address is required: the recipient's e-mail address")
    try:
        return normalise_address(valid_address(value.strip()))
    except ValueError as error:
        raise BadParameter("address", f"address: {error}") from None


def parse_recipients(query: Mapping[str, str] | None) -> RecipientRequest:
    """Validate the query string of `/recipients`; a cursor continues the same address only."""
    query = query or {}
    _check_known(query, RECIPIENT_PARAMETERS)
    request = RecipientRequest(parse_address(query.get("address")), parse_limit(query.get("limit")))
    if not query.get("cursor"):
        return request
    try:
        after = decode_recipient_cursor(query["cursor"])
    except CursorError as error:
        raise BadParameter("cursor", f"cursor: {error}") from None
    if after.recipient != request.tag:
        raise BadParameter("cursor", "cursor belongs to a query for another address")
    return RecipientRequest(request.address, request.limit, after)


def parse_listing(query: Mapping[str, str] | None, now: datetime) -> ListingRequest:
    """Validate the query string of `/deliveries`; a cursor carries status and since of page one."""
    query = query or {}
    _check_known(query, LISTING_PARAMETERS)
    limit = parse_limit(query.get("limit"))
    if not query.get("cursor"):
        return ListingRequest(parse_status(query.get("status")), parse_since(query.get("since"), now), limit)
    try:
        cursor = decode_cursor(query["cursor"])
    except CursorError as error:
        raise BadParameter("cursor", f"cursor: {error}") from None
    _check_cursor_matches(cursor, query)
    return _continued_listing(cursor, now, limit)


def _continued_listing(cursor: Cursor, now: datetime, limit: int) -> ListingRequest:
    """The next page, bounded as if the client had asked for it without a cursor (see `cursor`)."""
    since = _check_window(parse_time(cursor.since), now, "cursor", "the cursor's since")
    if not since <= parse_time(cursor.before_time) <= now:
        raise BadParameter("cursor", "the cursor's position is outside its listing")
    return ListingRequest(EmailStatus(cursor.status), since, limit, cursor.before)


def _check_cursor_matches(cursor: Cursor, query: Mapping[str, str]) -> None:
    """A cursor continues one query: a different status or since with it is a client bug."""
    if query.get("status") and parse_status(query["status"]) != cursor.status:
        raise BadParameter("cursor", "cursor belongs to a query for another status")
    if query.get("since"):
        try:
            same = iso(parse_time(query["since"])) == cursor.since
        except ValueError as error:
            raise BadParameter("since", f"since: {error}") from None
        if not same:
            raise BadParameter("cursor", "cursor belongs to a query with another since")
