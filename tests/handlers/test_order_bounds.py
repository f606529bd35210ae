"""Order timestamps at the calendar's edges: refused with a reason when their UTC form does not exist."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, reject
from hypothesis import strategies as st
from pydantic import AwareDatetime, TypeAdapter, ValidationError

from order_email.handlers.sender.order import InvalidOrder, Order, parse_order
from order_email.handlers.shared import schema
from tests.support.fuzzing import fuzz, fuzz_target
from tests.support.send_helpers import body, order

_AWARE = TypeAdapter(AwareDatetime)


@pytest.mark.parametrize("timestamp", [
    "9999-12-31T23:59:59-01:00",
    "9999-12-31T23:00:00-23:59",
    "9999-12-31T23:59:59.999999-00:01",
    "0001-01-01T00:00:00+01:00",
    "0001-01-01T00:59:59.999999+01:00",
    "0001-01-01T23:58:00+23:59",
])
def test_timestamp_outside_the_utc_calendar_is_invalid(timestamp: str) -> None:
    with pytest.raises(InvalidOrder) as caught:
        parse_order(body(order(timestamp=timestamp)))
    assert caught.value.error_type == "InvalidOrder"
    assert caught.value.reason == "timestamp: Value error, must be between years 1 and 9999 in UTC"


@pytest.mark.parametrize(("timestamp", "stored"), [
    ("9999-12-31T23:59:59+00:00", "9999-12-31T23:59:59.000Z"),
    ("9999-12-31T23:59:59.999Z", "9999-12-31T23:59:59.999Z"),
    ("9999-12-31T22:59:59-01:00", "9999-12-31T23:59:59.000Z"),
    ("0001-01-01T00:00:00Z", "1-01-01T00:00:00.000Z"),
    ("0001-01-01T01:00:00+01:00", "1-01-01T00:00:00.000Z"),
    ("2025-01-01T00:00:00+01:00", "2024-12-31T23:00:00.000Z"),
])
def test_timestamp_with_a_utc_form_is_accepted(timestamp: str, stored: str) -> None:
    assert schema.iso(parse_order(body(order(timestamp=timestamp))).timestamp) == stored


@pytest.mark.parametrize("timestamp", ["2026", "1767342600", "-5", "1767342600.5", 1767342600])
def test_unix_seconds_are_not_an_order_time(timestamp: object) -> None:
    with pytest.raises(InvalidOrder) as caught:
        parse_order(body(order(timestamp=timestamp)))
    assert caught.value.reason == "timestamp: Value error, must be an ISO-8601 string with a timezone"


def test_the_error_does_not_echo_the_timestamp() -> None:
    with pytest.raises(ValidationError) as caught:
        Order.model_validate(order(timestamp="9999-12-31T23:59:59-01:00"))
    assert "23:59:59-01:00" not in str(caught.value) and "input_value" not in str(caught.value)
    assert [problem["loc"] for problem in caught.value.errors()] == [("timestamp",)]


def _utc_form_exists(moment: datetime) -> bool:
    try:
        moment.astimezone(UTC)
    except OverflowError:
        return False
    return True


offsets = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1).map(
    lambda minutes: timezone(timedelta(minutes=minutes)))
aware_texts = st.one_of(
    st.datetimes(timezones=offsets).map(datetime.isoformat),
    st.datetimes(timezones=offsets).map(lambda moment: moment.isoformat(sep=" ", timespec="minutes")),
    # near both ends of the calendar, where a few hours of offset leave it
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(1, 1, 2), timezones=offsets).map(
        datetime.isoformat),
    st.datetimes(min_value=datetime(9999, 12, 30), timezones=offsets).map(datetime.isoformat),
    st.integers(min_value=-(10**12), max_value=10**12).map(str),  # pydantic would read these as Unix times
)


@fuzz_target
@fuzz(300)
@given(aware_texts)
def test_an_accepted_timestamp_always_formats_and_only_the_impossible_ones_are_refused(text: str) -> None:
    try:
        moment = _AWARE.validate_python(text)
    except ValidationError:
        reject()  # not a time pydantic accepts: the property is about the ones it does
    try:
        parsed = parse_order(body(order(timestamp=text)))
    except InvalidOrder as refused:
        assert refused.reason.startswith("timestamp: ")
        assert not _utc_form_exists(moment) or text.lstrip("+-").isdigit()  # Unix seconds are not ISO-8601
        return
    assert schema.iso(parsed.timestamp).endswith("Z")
    assert parsed.timestamp.timestamp() == moment.timestamp()
