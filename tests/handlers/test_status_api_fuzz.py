"""Hostile requests to the status API: overflow dates, forged cursors, and a property over any query.

Every answer must be 200, 400 or 404 with a JSON body, a 400 names the parameter, and no cursor a
client can write reaches outside what it could ask without one (`handlers.status_api.cursor`).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from order_email.handlers import delivery_status
from order_email.handlers.shared import schema
from order_email.handlers.shared.order_ids import ORDER_ID_PATTERN
from order_email.handlers.shared.statuses import EmailStatus
from order_email.handlers.status_api.app import build_resolver
from order_email.handlers.status_api.cursor import Cursor, encode_cursor
from order_email.handlers.status_api.params import (
    LISTING_PARAMETERS,
    MAX_WINDOW,
    BadParameter,
    parse_listing,
    parse_since,
)
from order_email.handlers.status_api.queries import DeliveriesReader
from tests.support.aws import REGION, Tables
from tests.support.fuzzing import fuzz, fuzz_target
from tests.support.status_api_support import body, fake_context, put_delivery, url_event

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
OLDEST = NOW - MAX_WINDOW
ORDERS = ("ord-1", "#1001", "2026/11/0042", "PO 1001")
OVERFLOWING = ("0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00.000+23:59")


def _key(at: datetime, order_id: str = "ord-1") -> str:
    return f"{schema.iso(at)}#{order_id}#{schema.ORDER_CONFIRMATION}"


def _cursor(since: str, before: str, status: str = "BOUNCED") -> str:
    return encode_cursor(Cursor(status, since, before))


def _raw_cursor(document: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(document).encode()).decode().rstrip("=")


@pytest.fixture
def seeded(tables: Tables) -> Tables:
    """A few e-mails per order over the last days, so listings paginate and orders exist (read only)."""
    for index, order_id in enumerate(ORDERS):
        for hours in (1, 30, 80):
            put_delivery(tables.deliveries, order_id, EmailStatus.BOUNCED, NOW - timedelta(hours=hours + index),
                         kind=f"kind-{hours}")
        put_delivery(tables.deliveries, order_id, EmailStatus.DELIVERED, NOW - timedelta(days=20, hours=index))
    return tables


Call = Callable[[str, dict[str, str] | None], dict[str, Any]]


@pytest.fixture
def call(seeded: Tables, monkeypatch: pytest.MonkeyPatch) -> Call:
    """The Lambda entry point (logging wrapper included) over a resolver whose clock is `NOW`."""
    reader = DeliveriesReader(boto3.client("dynamodb", region_name=REGION), seeded.deliveries)
    resolver = build_resolver(reader, clock=lambda: NOW)
    monkeypatch.setattr(delivery_status, "resolver", lambda: resolver)
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "order-email-test")

    def request(path: str, query: dict[str, str] | None) -> dict[str, Any]:
        return delivery_status.handler(url_event(path, query), fake_context())

    return request


# -- since and cursor bounds, table-driven --------------------------------------------------------


@pytest.mark.parametrize("since", OVERFLOWING)
def test_since_outside_the_utc_calendar_is_a_400_naming_since(call: Call, since: str) -> None:
    for query in ({"status": "BOUNCED", "since": since},
                  {"status": "BOUNCED", "since": since, "cursor": _cursor(schema.iso(OLDEST), _key(NOW))}):
        response = call("/deliveries", query)
        assert response["statusCode"] == 400
        assert body(response)["parameter"] == "since"


@pytest.mark.parametrize("since", OVERFLOWING)
def test_parse_since_refuses_overflowing_times(since: str) -> None:
    with pytest.raises(BadParameter, match="outside years 1-9999 in UTC") as refused:
        parse_since(since, NOW)
    assert refused.value.parameter == "since"


FORGED = [
    pytest.param(_cursor(schema.iso(OLDEST - timedelta(milliseconds=1)), _key(NOW)), id="since-past-window"),
    pytest.param(_cursor("2020-01-01T00:00:00.000Z", _key(datetime(2020, 1, 2, tzinfo=UTC))), id="years-back"),
    pytest.param(_cursor(schema.iso(NOW + timedelta(milliseconds=1)), _key(NOW + timedelta(hours=1))),
                 id="since-in-future"),
    pytest.param(_cursor(schema.iso(NOW - timedelta(days=1)), _key(NOW + timedelta(milliseconds=1))),
                 id="before-in-future"),
    pytest.param(_cursor(schema.iso(NOW - timedelta(days=1)), "9999-12-31T23:59:59.999Z#ord-1#k"),
                 id="before-year-9999"),
    pytest.param(_cursor(schema.iso(NOW - timedelta(days=1)), _key(NOW - timedelta(days=2))),
                 id="before-older-than-since"),
    pytest.param(_cursor("0001-01-01T00:00:00+01:00", _key(NOW)), id="since-overflows"),
    pytest.param(_cursor(schema.iso(OLDEST), "9999-12-31T23:59:59-01:00#ord-1#k"), id="before-overflows"),
    pytest.param(_cursor(schema.iso(OLDEST), f"{schema.iso(NOW)}#ord-1"), id="before-without-kind"),
    pytest.param(_cursor(schema.iso(OLDEST), f"{schema.iso(NOW)}#ord\n1#k"), id="before-bad-order-id"),
    pytest.param(_cursor(schema.iso(OLDEST), schema.iso(NOW)), id="before-only-a-time"),
    pytest.param(_raw_cursor({"v": 1, "s": "BOUNCED", "f": schema.iso(OLDEST), "b": 7}), id="before-number"),
    pytest.param(base64.urlsafe_b64encode(b"[" * 768).decode(), id="nested-as-deep-as-1024-characters-allow"),
]


@pytest.mark.parametrize("cursor", FORGED)
def test_a_forged_cursor_is_a_400_naming_cursor_before_any_read(cursor: str) -> None:
    class NoReads:
        def recent_by_status(self, *_: Any) -> None:
            raise AssertionError("a forged cursor reached the table")

    response = build_resolver(NoReads(), clock=lambda: NOW).resolve(  # type: ignore[arg-type]
        url_event("/deliveries", {"cursor": cursor}), fake_context())
    assert response["statusCode"] == 400
    assert body(response)["parameter"] == "cursor"


@pytest.mark.parametrize(("since", "before"), [
    (OLDEST, OLDEST),
    (OLDEST, NOW),
    (NOW, NOW),
    (NOW - timedelta(days=1), NOW - timedelta(hours=1)),
])
def test_a_cursor_inside_the_window_is_honoured(since: datetime, before: datetime) -> None:
    request = parse_listing({"cursor": _cursor(schema.iso(since), _key(before, "#10#01"))}, NOW)
    assert (request.status, request.since, request.before) == (EmailStatus.BOUNCED, since, _key(before, "#10#01"))


def test_a_cursor_expires_with_the_window_like_a_since_parameter() -> None:
    token = _cursor(schema.iso(OLDEST), _key(OLDEST + timedelta(hours=1)))
    assert parse_listing({"cursor": token}, NOW).since == OLDEST
    with pytest.raises(BadParameter, match="at most 31 days") as refused:
        parse_listing({"cursor": token}, NOW + timedelta(milliseconds=1))
    assert refused.value.parameter == "cursor"
    with pytest.raises(BadParameter) as refused:
        parse_since(schema.iso(OLDEST), NOW + timedelta(milliseconds=1))
    assert refused.value.parameter == "since"


# -- any query, any path ------------------------------------------------------------------------------

offsets = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1).map(
    lambda minutes: timezone(timedelta(minutes=minutes)))
near_now = st.datetimes(min_value=(NOW - timedelta(days=40)).replace(tzinfo=None),
                        max_value=(NOW + timedelta(days=2)).replace(tzinfo=None), timezones=st.just(UTC))
huge = st.builds(lambda unit, count: unit * count, st.sampled_from(["x", "9", "é", "\x00", "%", "#", "\U0001d518"]),
                 st.integers(min_value=100, max_value=100_000))
hostile_text = st.one_of(st.text(max_size=60), st.text(st.characters(max_codepoint=0x9f), max_size=20), huge)
canonical_times = near_now.map(schema.iso)
"""What the API writes into a cursor: a forged one that passes the shape check meets the window check."""
times = st.one_of(
    canonical_times,
    near_now.map(lambda moment: moment.isoformat()),
    st.datetimes(timezones=offsets).map(datetime.isoformat),  # the whole calendar, offsets that overflow it
    st.sampled_from(OVERFLOWING),
    hostile_text,
)
valid_statuses = st.sampled_from([*EmailStatus, "bounced", " SENT "]).map(str)
statuses = st.one_of(valid_statuses, valid_statuses, valid_statuses, st.just("LOST"), hostile_text)
order_ids = st.sampled_from(ORDERS) | st.from_regex(ORDER_ID_PATTERN, fullmatch=True)
sort_keys = st.one_of(
    st.builds(lambda at, order_id, kind: f"{at}#{order_id}#{kind}", canonical_times, order_ids,
              st.sampled_from([schema.ORDER_CONFIRMATION, "kind-1"])),
    st.builds(lambda at, order_id, kind: f"{at}#{order_id}#{kind}", times, order_ids | hostile_text,
              st.sampled_from([schema.ORDER_CONFIRMATION, ""]) | hostile_text),
    hostile_text,
)
json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=30),
                           lambda children: st.lists(children, max_size=4)
                           | st.dictionaries(st.sampled_from(["v", "s", "f", "b"]), children, max_size=4),
                           max_leaves=12)
ages = st.timedeltas(min_value=timedelta(0), max_value=MAX_WINDOW)
window_cursors = st.builds(
    lambda first, second, status, order_id: _cursor(schema.iso(NOW - max(first, second)),
                                                    _key(NOW - min(first, second), order_id), status),
    ages, ages, st.sampled_from(["BOUNCED", "DELIVERED"]), order_ids)
"""Forged cursors a client could have been given: their window and position are inside the bounds."""
cursors = st.one_of(
    window_cursors,
    st.builds(_cursor, canonical_times, sort_keys, valid_statuses),
    st.builds(_cursor, times, sort_keys, statuses),
    st.builds(lambda since, before, status: _raw_cursor({"v": 1, "s": status, "f": since, "b": before}),
              json_values, json_values, st.sampled_from(["BOUNCED", "SENT"]) | json_values),
    json_values.map(_raw_cursor),
    hostile_text,
)
limits = st.one_of(st.integers(min_value=-5, max_value=300).map(str), hostile_text)
plausible = st.fixed_dictionaries({}, optional={
    "status": st.sampled_from(["BOUNCED", "bounced", "DELIVERED"]),
    "since": ages.map(lambda age: schema.iso(NOW - age)),
    "limit": st.integers(min_value=1, max_value=5).map(str),  # small pages: the seeded listings paginate
    "cursor": window_cursors,
})
"""Queries that are mostly answerable; the hostile values below replace some of their parameters."""
hostile = st.fixed_dictionaries({}, optional={"status": statuses, "since": times, "limit": limits, "cursor": cursors})
unknown_parameters = st.dictionaries(st.text(max_size=20) | huge, hostile_text, min_size=1, max_size=2)
queries = st.builds(
    lambda base, override, unknown: {**base, **override, **unknown},
    plausible, st.just({}) | hostile, st.one_of(st.just({}), st.just({}), st.just({}), unknown_parameters),
)
segments = st.one_of(
    st.sampled_from(ORDERS).map(lambda order_id: quote(order_id, safe="")),
    st.text(max_size=100).map(lambda text: quote(text, safe="")),
    huge.map(lambda text: quote(text, safe="")),
    st.text(max_size=30),  # unencoded: the route may not match at all (404)
)


def _assert_answer(response: dict[str, Any], query: dict[str, str] | None) -> Any:
    """A JSON answer: 200 or a 400 naming a query parameter for a listing, 200/400/404 for an order."""
    assert response["statusCode"] in ((200, 400, 404) if query is None else (200, 400)), response
    answer = body(response)
    assert isinstance(answer, dict)
    if response["statusCode"] == 400:
        assert isinstance(answer["error"], str) and answer["error"]
        allowed = {"orderId"} if query is None else set(query) | {"status"}
        assert answer["parameter"] in allowed
    return answer


def _assert_listing_stays_in_the_window(answer: dict[str, Any]) -> None:
    since = datetime.fromisoformat(answer["since"])
    assert OLDEST <= since <= NOW
    for row in answer["items"]:
        assert answer["since"] <= row["statusSince"] <= schema.iso(NOW)


@fuzz_target
@settings(fuzz(150), suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(query=queries)
def test_any_listing_query_is_answered_200_or_400_within_the_window(call: Call, query: dict[str, str]) -> None:
    answer = _assert_answer(call("/deliveries", query), query)
    if "items" not in answer:
        return
    _assert_listing_stays_in_the_window(answer)
    if answer["cursor"]:  # the next page, with the hostile rest of the query kept
        following = {**query, "cursor": answer["cursor"]}
        next_page = _assert_answer(call("/deliveries", following), following)
        if "items" in next_page:
            _assert_listing_stays_in_the_window(next_page)


@fuzz_target
@settings(fuzz(150), suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(segment=segments)
def test_any_order_path_is_answered_200_400_or_404(call: Call, segment: str) -> None:
    response = call(f"/orders/{segment}", None)
    answer = _assert_answer(response, None)
    if response["statusCode"] == 200:
        assert answer["orderId"] in ORDERS


def test_the_strategies_cover_every_listing_parameter() -> None:
    assert {"status", "since", "limit", "cursor"} == LISTING_PARAMETERS
