"""The pure parts of the status API: cursor, parameter parsing, day walk, merge, views, settings."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from order_email.handlers.shared.order_ids import ORDER_ID_PATTERN
from order_email.handlers.shared.schema import iso
from order_email.handlers.shared.statuses import EmailStatus
from order_email.handlers.status_api.cursor import Cursor, CursorError, decode_cursor, encode_cursor
from order_email.handlers.status_api.params import (
    DEFAULT_LIMIT,
    BadParameter,
    check_order_id,
    parse_limit,
    parse_listing,
    parse_since,
)
from order_email.handlers.status_api.queries import days_newest_first, merge_newest_first
from order_email.handlers.status_api.settings import StatusApiSettings
from order_email.handlers.status_api.views import email_view, listing_view, plain, scrub_addresses

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
moments = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC))
order_ids = st.from_regex(ORDER_ID_PATTERN, fullmatch=True)


@given(st.sampled_from(list(EmailStatus)), moments, moments, order_ids)
def test_cursor_round_trips(status: EmailStatus, since: datetime, at: datetime, order_id: str) -> None:
    cursor = Cursor(status.value, iso(since), f"{iso(at)}#{order_id}#order-confirmation")
    token = encode_cursor(cursor)
    assert "=" not in token and "+" not in token and "/" not in token
    assert decode_cursor(token) == cursor


@pytest.mark.parametrize("token", ["", "!!!", "bm90IGpzb24", "W10", "eyJ2IjoyfQ", "x" * 2000,
                                   encode_cursor(Cursor("LOST", iso(NOW), f"{iso(NOW)}#o#k")),
                                   encode_cursor(Cursor("SENT", "yesterday", f"{iso(NOW)}#o#k")),
                                   encode_cursor(Cursor("SENT", iso(NOW), "garbage#o#k"))])
def test_foreign_cursors_are_rejected(token: str) -> None:
    with pytest.raises(CursorError):
        decode_cursor(token)


@pytest.mark.parametrize(("raw", "expected"), [(None, DEFAULT_LIMIT), ("", DEFAULT_LIMIT), ("1", 1),
                                               ("200", 200), ("050", 50)])
def test_limit_values(raw: str | None, expected: int) -> None:
    assert parse_limit(raw) == expected


@pytest.mark.parametrize("raw", ["0", "201", "1.5", "-1", "1e2", "ten", " ", "\u00b2", "12\n"])
def test_bad_limits(raw: str) -> None:
    with pytest.raises(BadParameter) as error:
        parse_limit(raw)
    assert error.value.parameter == "limit"


@pytest.mark.parametrize(("raw", "expected"), [
    (None, NOW - timedelta(hours=24)),
    ("2026-03-09", datetime(2026, 3, 9, tzinfo=UTC)),
    ("2026-03-09T10:00:00Z", datetime(2026, 3, 9, 10, tzinfo=UTC)),
    ("2026-03-09T12:00:00+02:00", datetime(2026, 3, 9, 10, tzinfo=UTC)),
    ("2026-03-09T12:00:00 02:00", datetime(2026, 3, 9, 10, tzinfo=UTC)),  # '+' decoded as space
    ("2026-02-07T12:00:00Z", datetime(2026, 2, 7, 12, tzinfo=UTC)),
])
def test_since_values(raw: str | None, expected: datetime) -> None:
    assert parse_since(raw, NOW) == expected


def test_cursor_fixes_status_and_since_of_later_pages() -> None:
    token = encode_cursor(Cursor("BOUNCED", "2026-03-09T00:00:00.000Z", "2026-03-09T05:00:00.000Z#o#k"))
    request = parse_listing({"cursor": token, "limit": "3"}, NOW)
    assert (request.status, request.limit) == (EmailStatus.BOUNCED, 3)
    assert request.since == datetime(2026, 3, 9, tzinfo=UTC)
    assert request.before == "2026-03-09T05:00:00.000Z#o#k"
    with pytest.raises(BadParameter, match="another since"):
        parse_listing({"cursor": token, "since": "2026-03-08"}, NOW)


@pytest.mark.parametrize("order_id", ["", "x" * 81, "%20a", "a%20", "%C3%A4", "a%0A", "a\n"])
def test_bad_order_ids(order_id: str) -> None:
    with pytest.raises(BadParameter):
        check_order_id(order_id)


@pytest.mark.parametrize(("segment", "order_id"), [("A.1001", "A.1001"), ("%231001", "#1001"),
                                                   ("2026%2F11%2F0042", "2026/11/0042"), ("PO%201001", "PO 1001"),
                                                   ("shop:eu:77", "shop:eu:77"), ("x" * 80, "x" * 80)])
def test_order_ids_in_the_path_are_percent_decoded(segment: str, order_id: str) -> None:
    assert check_order_id(segment) == order_id


def test_days_newest_first() -> None:
    assert days_newest_first(date(2026, 3, 2), date(2026, 2, 27)) == [
        date(2026, 3, 2), date(2026, 3, 1), date(2026, 2, 28), date(2026, 2, 27)]
    assert days_newest_first(date(2026, 3, 1), date(2026, 3, 2)) == []


@given(st.lists(st.lists(st.text("0123456789", min_size=1, max_size=4), max_size=8), max_size=8),
       st.integers(0, 70))
def test_merge_takes_the_newest_of_sorted_runs(keys: list[list[str]], count: int) -> None:
    runs = [[{"statusSortKey": key} for key in sorted(run, reverse=True)] for run in keys]
    merged = [item["statusSortKey"] for item in merge_newest_first(runs, count)]
    assert merged == sorted((key for run in keys for key in run), reverse=True)[:count]


@pytest.mark.parametrize(("text", "expected"), [
    ("550 <jane.doe@example.com>: no such user", "550 <j***@example.com>: no such user"),
    ("to a@b.co and x.y+tag@sub.example.org", "to a***@b.co and x***@sub.example.org"),
    ("no address here @ all", "no address here @ all"),
])
def test_scrub_addresses(text: str, expected: str) -> None:
    assert scrub_addresses({"list": [text], "n": 1}) == {"list": [expected], "n": 1}


def test_views_are_json_ready_and_masked() -> None:
    item = {"orderId": "o", "kind": "k", "status": "SENT", "recipient": "jane@example.com",
            "attempts": Decimal(2), "opens": Decimal("1"),
            "history": [{"type": "Send", "at": "t", "id": "1", "n": Decimal("1.5")}]}
    view = email_view(item)
    assert view["recipient"] == "j***@example.com" and view["attempts"] == 2
    assert view["history"][0]["n"] == 1.5 and view["clicks"] == 0
    assert email_view(item, mask=False)["recipient"] == "jane@example.com"
    assert plain({"s": {Decimal(2), Decimal(1)}}) == {"s": [1, 2]}
    row = listing_view({"orderId": "o", "kind": "k", "statusSortKey": "2026-03-10T00:00:00.000Z#o#k",
                        "recipientMasked": "j***@example.com", "statusShard": "SENT#2026-03-10#1"})
    assert row == {"orderId": "o", "kind": "k", "recipient": "j***@example.com",
                   "statusSince": "2026-03-10T00:00:00.000Z"}


@pytest.mark.parametrize(("value", "mask"), [(None, True), ("true", True), ("TRUE", True), ("yes", True),
                                             ("false", False), ("False", False), ("0", False)])
def test_settings(value: str | None, mask: bool) -> None:
    environ = {"DELIVERIES_TABLE": "t"} | ({"MASK_RECIPIENTS": value} if value is not None else {})
    assert StatusApiSettings.from_env(environ) == StatusApiSettings("t", mask)
    with pytest.raises(RuntimeError):
        StatusApiSettings.from_env({})
