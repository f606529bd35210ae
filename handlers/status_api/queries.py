"""The reads the status API makes: an order's e-mails, recent e-mails by status, e-mails to an address.

Read-only by construction: only Query (and the paginator over it) and BatchGetItem are ever called on
the table.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from boto3.dynamodb.types import TypeDeserializer
from botocore.exceptions import ClientError

from ..shared import schema
from ..shared.batch_reads import MAX_KEYS, batch_get
from ..shared.masking import address_hash
from .cursor import RecipientCursor
from .params import DEFAULT_LIMIT, ListingRequest

Item = dict[str, Any]
_deserializer = TypeDeserializer()

UNPROCESSED_RETRIES = 3
"""Extra BatchGetItem calls for UnprocessedKeys before the read fails."""


def from_dynamodb(item: Mapping[str, Any]) -> Item:
    """A low-level client item (`{"S": ...}`) as plain Python (numbers as Decimal)."""
    return {key: _deserializer.deserialize(value) for key, value in item.items()}


def days_newest_first(newest: date, oldest: date) -> list[date]:
    """Every day from `newest` back to `oldest`, both included (empty when oldest is later)."""
    return [newest - timedelta(days=offset) for offset in range((newest - oldest).days + 1)]


def merge_newest_first(runs: list[list[Item]], count: int) -> list[Item]:
    """The `count` newest items of several runs that are each already sorted newest first."""
    merged = heapq.merge(*runs, key=lambda item: item[schema.STATUS_SORT_KEY], reverse=True)
    return [item for _, item in zip(range(count), merged, strict=False)]


@dataclass
class Page:
    """One page of a listing; `more` says older matching items may exist beyond `items`."""

    items: list[Item] = field(default_factory=list)
    more: bool = False

    @property
    def last_key(self) -> str | None:
        return self.items[-1][schema.STATUS_SORT_KEY] if self.items else None


@dataclass
class RecipientPage:
    """E-mails to one address, newest first; `more` says older ones may exist beyond `items`."""

    items: list[Item] = field(default_factory=list)
    more: bool = False
    last: Item | None = None
    """The index keys of the last e-mail listed (where the next page starts), even if its row is gone."""


class DeliveriesReader:
    """Queries over the deliveries table with a low-level DynamoDB client (thread-safe, shared)."""

    def __init__(self, client: Any, table_name: str, *, parallelism: int = schema.STATUS_INDEX_SHARDS,
                 sleep: Callable[[float], None] = time.sleep):
        self._client = client
        self._table = table_name
        self._parallelism = parallelism
        self._sleep = sleep

    def order_emails(self, order_id: str) -> list[Item]:
        """Every e-mail item of one order (all kinds), strongly consistent."""
        paginator = self._client.get_paginator("query")
        pages = paginator.paginate(
            TableName=self._table,
            KeyConditionExpression="#order = :order",
            ExpressionAttributeNames={"#order": schema.ORDER_ID},
            ExpressionAttributeValues={":order": {"S": order_id}},
            ConsistentRead=True,
        )
        return [from_dynamodb(item) for page in pages for item in page.get("Items", [])]

    def recent_by_status(self, request: ListingRequest, now: datetime) -> Page:
        """Newest-first items that took `request.status` between `request.since` and now.

        Walks the index one day at a time, newest day first (today, or the cursor's day), asking
        each of the day's shards for at most the items still needed and merging them; a day's
        items are all newer than the previous day's, so a page is complete as soon as it is full.
        One extra item is fetched to know whether another page exists.
        """
        wanted = request.limit + 1
        since_key = schema.iso(request.since)
        newest = datetime.fromisoformat(request.before[:10]).date() if request.before else now.date()
        collected: list[Item] = []
        with ThreadPoolExecutor(max_workers=self._parallelism) as pool:
            for day in days_newest_first(newest, request.since.astimezone(UTC).date()):
                lower = since_key if day == request.since.date() else None
                upper = request.before if day == newest else None
                collected += self._day(pool, request.status, day, wanted - len(collected), lower, upper)
                if len(collected) >= wanted:
                    break
        return Page(items=collected[: request.limit], more=len(collected) > request.limit)

    def _day(self, pool: ThreadPoolExecutor, status: str, day: date, count: int, lower: str | None,
             upper: str | None) -> list[Item]:
        """The `count` newest items of one day: its shards are queried in parallel, then merged."""
        partitions = [f"{status}#{day.isoformat()}#{shard}" for shard in range(schema.STATUS_INDEX_SHARDS)]
        runs = list(pool.map(lambda partition: list(self._shard(partition, count, lower, upper)), partitions))
        return merge_newest_first(runs, count)

    def _shard(self, partition: str, count: int, lower: str | None, upper: str | None) -> Iterator[Item]:
        """Up to `count` items of one index partition, newest first, within (lower ≤ key < upper)."""
        names = {"#shard": schema.STATUS_SHARD}
        values: dict[str, Any] = {":shard": {"S": partition}}
        condition = "#shard = :shard"
        if lower and upper:
            condition += " AND #sort BETWEEN :lower AND :upper"  # inclusive: the cursor's own key is dropped
            values |= {":lower": {"S": lower}, ":upper": {"S": upper}}
        elif upper:
            condition += " AND #sort < :upper"
            values[":upper"] = {"S": upper}
        elif lower:
            condition += " AND #sort >= :lower"
            values[":lower"] = {"S": lower}
        if lower or upper:
            names["#sort"] = schema.STATUS_SORT_KEY
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": schema.STATUS_INDEX,
            "KeyConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
            "ScanIndexForward": False,
        }
        returned = 0
        while returned < count:
            response = self._client.query(**request, Limit=count - returned + 1)
            for raw in response.get("Items", []):
                item = from_dynamodb(raw)
                if item[schema.STATUS_SORT_KEY] == upper or returned >= count:
                    continue
                returned += 1
                yield item
            if "LastEvaluatedKey" not in response:
                return
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def recipient_emails(self, address: str, *, limit: int = DEFAULT_LIMIT,
                         after: RecipientCursor | None = None) -> RecipientPage:
        """The newest `limit` e-mails sent to `address` (any spelling: it is hashed), older than `after`
        when given: their keys from the `byRecipient` index (KEYS_ONLY), one extra telling whether more
        exist, then their rows from the table (`_rows`)."""
        hashed = address_hash(address)
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": schema.RECIPIENT_INDEX,
            "KeyConditionExpression": "#hash = :hash",
            "ExpressionAttributeNames": {"#hash": schema.RECIPIENT_HASH},
            "ExpressionAttributeValues": {":hash": {"S": hashed}},
            "ScanIndexForward": False,
        }
        if after is not None:
            request["ExclusiveStartKey"] = {
                schema.ORDER_ID: {"S": after.order_id}, schema.KIND: {"S": after.kind},
                schema.RECIPIENT_HASH: {"S": hashed}, schema.CREATED_AT: {"S": after.created_at}}
        keys: list[Item] = []
        while len(keys) <= limit:
            response = self._client.query(**request, Limit=limit + 1 - len(keys))
            keys += response.get("Items", [])
            if "LastEvaluatedKey" not in response:
                break
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        listed = keys[:limit]
        return RecipientPage(items=self._rows(listed), more=len(keys) > limit,
                             last=from_dynamodb(listed[-1]) if listed else None)

    def _rows(self, index_keys: list[Item]) -> list[Item]:
        """The listing rows of index entries (low-level items with the table's keys), in their order.

        BatchGetItem (`shared.batch_reads`), at most `MAX_KEYS` keys a call, eventually consistent (the
        index the keys came from is too, and half the read units); UnprocessedKeys (a throttled partition) are asked
        again after a doubling pause, `UNPROCESSED_RETRIES` times, then the read fails like any other
        (a 503). A record deleted meanwhile (TTL) has no row.
        """
        names = {f"#a{index}": name for index, name in enumerate((schema.ORDER_ID, schema.KIND,
                                                                   *schema.RECIPIENT_ROW_ATTRIBUTES))}
        found: dict[tuple[str, str], Item] = {}
        for start in range(0, len(index_keys), MAX_KEYS):
            keys = [{schema.ORDER_ID: key[schema.ORDER_ID], schema.KIND: key[schema.KIND]}
                    for key in index_keys[start:start + MAX_KEYS]]
            request = {"Keys": keys, "ProjectionExpression": ", ".join(names), "ExpressionAttributeNames": names}
            rows, left = batch_get(self._client, self._table, request, retries=UNPROCESSED_RETRIES, sleep=self._sleep)
            if left:
                raise ClientError({"Error": {"Code": "UnprocessedKeys", "Message": (
                    f"{len(left)} keys unprocessed after {UNPROCESSED_RETRIES} retries")}}, "BatchGetItem")
            found |= {_key_of(row): row for row in rows}
        return [from_dynamodb({**key, **found[_key_of(key)]}) for key in index_keys if _key_of(key) in found]


def _key_of(item: Mapping[str, Any]) -> tuple[str, str]:
    return item[schema.ORDER_ID]["S"], item[schema.KIND]["S"]
