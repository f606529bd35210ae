"""`schema.iso` and `status_index_keys` format dates with f-strings (cheaper than `strftime`, which
the sender used to call six times per e-mail): they must print exactly what the `strftime` versions
printed, for every moment and every UTC offset (including offsets with seconds and microseconds)."""

from __future__ import annotations

import zlib
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from order_email.handlers.shared import schema


def strftime_iso(moment: datetime) -> str:
    """The former implementation of `schema.iso`, kept as the reference."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def strftime_index_keys(status: str, updated_at: datetime, order_id: str, kind: str) -> dict[str, str]:
    """The former implementation of `schema.status_index_keys`."""
    shard = zlib.crc32(f"{order_id}#{kind}".encode()) % schema.STATUS_INDEX_SHARDS
    day = updated_at.astimezone(UTC).strftime("%Y-%m-%d")
    return {schema.STATUS_SHARD: f"{status}#{day}#{shard}",
            schema.STATUS_SORT_KEY: f"{strftime_iso(updated_at)}#{order_id}#{kind}"}


offsets = st.one_of(
    st.just(UTC),
    st.timedeltas(min_value=-timedelta(hours=23, minutes=59), max_value=timedelta(hours=23, minutes=59)).map(timezone),
)
# years from 1000: below that glibc's %Y does not zero-pad and other C libraries do; no e-mail has one
moments = st.datetimes(min_value=datetime(1000, 1, 2), max_value=datetime(9999, 12, 30), timezones=offsets)


@settings(max_examples=500)
@given(moments)
def test_iso_equals_the_strftime_version(moment: datetime) -> None:
    assert schema.iso(moment) == strftime_iso(moment)


@settings(max_examples=300)
@given(moments, st.sampled_from(["SENDING", "SENT", "DELIVERED"]), st.text(min_size=1, max_size=20))
def test_status_index_keys_equal_the_strftime_version(moment: datetime, status: str, order_id: str) -> None:
    assert schema.status_index_keys(status, moment, order_id, schema.ORDER_CONFIRMATION) == strftime_index_keys(
        status, moment, order_id, schema.ORDER_CONFIRMATION
    )


def test_iso_examples() -> None:
    assert schema.iso(datetime(2025, 3, 1, 11, 59, 58, 500_999, tzinfo=UTC)) == "2025-03-01T11:59:58.500Z"
    east = timezone(timedelta(hours=2))
    assert schema.iso(datetime(2025, 3, 1, 1, 0, 0, 7_000, tzinfo=east)) == "2025-02-28T23:00:00.007Z"
