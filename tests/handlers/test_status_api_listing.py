"""`/deliveries` pagination across days and shards: every item once, newest first, within `since`."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from order_email.handlers.shared import schema
from order_email.handlers.shared.statuses import EmailStatus
from order_email.handlers.status_api.app import build_resolver
from order_email.handlers.status_api.queries import DeliveriesReader
from tests.support.aws import REGION, Tables
from tests.support.status_api_support import body, fake_context, put_delivery, url_event

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
SINCE = NOW - timedelta(days=4, hours=5)


def listing(tables: Tables, query: dict[str, str]) -> dict[str, Any]:
    reader = DeliveriesReader(boto3.client("dynamodb", region_name=REGION), tables.deliveries)
    resolver = build_resolver(reader, clock=lambda: NOW)
    response = resolver.resolve(url_event("/deliveries", query), fake_context())
    assert response["statusCode"] == 200, response["body"]
    return body(response)


def walk(tables: Tables, query: dict[str, str]) -> tuple[list[tuple[str, str]], int]:
    """Follow the cursor to the end; the (sort key, order) of every row, and the number of pages."""
    rows: list[tuple[str, str]] = []
    pages = 0
    cursor = None
    while True:
        answer = listing(tables, {**query, **({"cursor": cursor} if cursor else {})})
        pages += 1
        rows += [(row["statusSince"], row["orderId"]) for row in answer["items"]]
        cursor = answer["cursor"]
        if cursor is None:
            return rows, pages
        assert pages < 500


@pytest.fixture
def spread(tables: Tables) -> list[tuple[str, str]]:
    """45 BOUNCED items over five days (some sharing a timestamp), plus noise that must not appear."""
    rng = random.Random(7)
    expected = []
    moments = [NOW - timedelta(minutes=rng.randrange(0, int((NOW - SINCE).total_seconds() // 60)))
               for _ in range(40)]
    moments += [moments[0]] * 3 + [SINCE, NOW]  # ties on one timestamp, and both bounds
    for index, moment in enumerate(moments):
        put_delivery(tables.deliveries, f"ord-{index:03d}", EmailStatus.BOUNCED, moment)
        expected.append((schema.iso(moment), f"ord-{index:03d}"))
    put_delivery(tables.deliveries, "ord-too-old", EmailStatus.BOUNCED, SINCE - timedelta(milliseconds=1))
    put_delivery(tables.deliveries, "ord-last-month", EmailStatus.BOUNCED, NOW - timedelta(days=30))
    put_delivery(tables.deliveries, "ord-delivered", EmailStatus.DELIVERED, NOW - timedelta(hours=1))
    put_delivery(tables.deliveries, "ord-complaint", EmailStatus.COMPLAINED, NOW - timedelta(hours=2))
    return sorted(expected, reverse=True)


def test_items_are_spread_over_several_days_and_shards(spread: list[tuple[str, str]]) -> None:
    keys = [schema.status_index_keys(EmailStatus.BOUNCED, datetime.fromisoformat(at), order, "order-confirmation")
            for at, order in spread]
    shards = {key[schema.STATUS_SHARD] for key in keys}
    days = {shard.split("#")[1] for shard in shards}
    assert len(days) == 5 and len(shards) > 20


@pytest.mark.parametrize("limit", [1, 4, 7, 50, 200])
def test_walking_the_cursor_returns_every_item_once_newest_first(
    tables: Tables, spread: list[tuple[str, str]], limit: int
) -> None:
    rows, pages = walk(tables, {"status": "BOUNCED", "since": schema.iso(SINCE), "limit": str(limit)})
    assert len(rows) == len(set(rows))
    assert rows == spread  # sorted by (time, orderId) descending, which is the index sort key order
    assert pages == max(1, -(-len(spread) // limit))


def test_default_window_is_the_last_24_hours(tables: Tables, spread: list[tuple[str, str]]) -> None:
    rows, _ = walk(tables, {"status": "BOUNCED"})
    day_ago = schema.iso(NOW - timedelta(hours=24))
    assert rows == [row for row in spread if row[0] >= day_ago]


def test_since_may_be_repeated_with_the_cursor(tables: Tables, spread: list[tuple[str, str]]) -> None:
    first = listing(tables, {"status": "BOUNCED", "since": schema.iso(SINCE), "limit": "10"})
    second = listing(tables, {"status": "BOUNCED", "since": schema.iso(SINCE), "limit": "10",
                              "cursor": first["cursor"]})
    assert [row["orderId"] for row in first["items"] + second["items"]] == [order for _, order in spread[:20]]


def test_empty_status_has_no_items_and_no_cursor(tables: Tables, spread: list[tuple[str, str]]) -> None:
    answer = listing(tables, {"status": "SUPPRESSED", "since": schema.iso(NOW - timedelta(days=31))})
    assert answer == {"status": "SUPPRESSED", "since": schema.iso(NOW - timedelta(days=31)), "items": [],
                      "cursor": None}


def test_an_item_whose_status_changed_leaves_the_old_listing(tables: Tables) -> None:
    put_delivery(tables.deliveries, "ord-moved", EmailStatus.DELIVERED, NOW - timedelta(hours=3))
    put_delivery(tables.deliveries, "ord-moved", EmailStatus.BOUNCED, NOW - timedelta(hours=1))
    assert listing(tables, {"status": "DELIVERED"})["items"] == []
    assert [row["orderId"] for row in listing(tables, {"status": "BOUNCED"})["items"]] == ["ord-moved"]


def test_exactly_limit_items_gives_no_cursor(tables: Tables) -> None:
    for index in range(5):
        put_delivery(tables.deliveries, f"ord-{index}", EmailStatus.SENT, NOW - timedelta(hours=index * 5))
    answer = listing(tables, {"status": "SENT", "limit": "5"})
    assert len(answer["items"]) == 5 and answer["cursor"] is None
    answer = listing(tables, {"status": "SENT", "limit": "4"})
    assert len(answer["items"]) == 4 and answer["cursor"] is not None
    last = listing(tables, {"status": "SENT", "limit": "4", "cursor": answer["cursor"]})
    assert [row["orderId"] for row in last["items"]] == ["ord-4"] and last["cursor"] is None
