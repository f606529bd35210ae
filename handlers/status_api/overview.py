"""`GET /overview`: how many e-mails took each status lately, how many are held, how many messages
wait in each dead-letter queue — what the console's home page shows first.

Counts come from the `recentByStatus` index with `Select=COUNT` (one Query per status, day and shard,
in parallel; each reads index keys only), so nothing is listed to count it. An e-mail has one entry
in that index, under its current status and the time it took it, so "DELIVERED: 12" means twelve
e-mails whose current status is DELIVERED and was reached in the window.

Dead letters: `ApproximateNumberOfMessages` of GetQueueAttributes, the number SQS's console shows
(approximate by AWS's definition: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_GetQueueAttributes.html).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from ..shared import schema
from ..shared.statuses import EmailStatus
from .queries import days_newest_first

COUNT_WINDOW = timedelta(hours=24)
"""The window of the counts by status."""
HELD_WINDOW = timedelta(hours=73)
"""How far back held e-mails are counted: a held e-mail is tried again (and its index entry moved to
the time of that try) at least every 15 minutes while the sender runs, and fails after 72 hours
(`components.email_sender.HOLD_GIVE_UP_SECONDS`): one still held was last updated within this window."""
_PARALLEL_QUERIES = 16


def queue_name(url: str) -> str:
    """The queue's name: the last path segment of its URL (`…/123456789012/orders-dlq`)."""
    return url.rstrip("/").rpartition("/")[2]


class OverviewReader:
    """COUNT queries on the deliveries index and attribute reads of the dead-letter queues."""

    def __init__(self, dynamodb: Any, table_name: str, sqs: Any, dead_letter_queue_urls: tuple[str, ...]):
        self._dynamodb = dynamodb
        self._table = table_name
        self._sqs = sqs
        self._queues = dead_letter_queue_urls

    def overview(self, now: datetime) -> dict[str, Any]:
        since, held_since = now - COUNT_WINDOW, now - HELD_WINDOW
        windows = {status: held_since if status is EmailStatus.HELD else since for status in EmailStatus}
        queries = [(status, partition, lower) for status, start in windows.items()
                   for partition, lower in self._partitions(status, start, now)]
        with ThreadPoolExecutor(max_workers=_PARALLEL_QUERIES) as pool:
            totals = list(pool.map(lambda query: self._count(*query), queries))
            dead = list(pool.map(self._waiting, self._queues))
        counts = dict.fromkeys(EmailStatus, 0)
        for (status, _, _), total in zip(queries, totals, strict=True):
            counts[status] += total
        return {
            "since": schema.iso(since),
            "counts": {status.value: counts[status] for status in EmailStatus if status is not EmailStatus.HELD},
            "held": counts[EmailStatus.HELD],
            "heldSince": schema.iso(held_since),
            "deadLetters": [{"queue": queue_name(url), "messages": messages}
                            for url, messages in zip(self._queues, dead, strict=True)],
        }

    @staticmethod
    def _partitions(status: EmailStatus, since: datetime, now: datetime) -> list[tuple[str, str | None]]:
        """(index partition, lowest sort key or None) of every shard of every day in [since, now]."""
        oldest = since.astimezone(UTC).date()
        return [(f"{status.value}#{day.isoformat()}#{shard}", schema.iso(since) if day == oldest else None)
                for day in days_newest_first(now.astimezone(UTC).date(), oldest)
                for shard in range(schema.STATUS_INDEX_SHARDS)]

    def _count(self, status: EmailStatus, partition: str, lower: str | None) -> int:
        names = {"#shard": schema.STATUS_SHARD}
        values: dict[str, Any] = {":shard": {"S": partition}}
        condition = "#shard = :shard"
        if lower:
            condition += " AND #sort >= :lower"
            names["#sort"] = schema.STATUS_SORT_KEY
            values[":lower"] = {"S": lower}
        request: dict[str, Any] = {"TableName": self._table, "IndexName": schema.STATUS_INDEX, "Select": "COUNT",
                                   "KeyConditionExpression": condition, "ExpressionAttributeNames": names,
                                   "ExpressionAttributeValues": values}
        total = 0
        while True:  # a COUNT query still stops at 1 MB read: follow LastEvaluatedKey
            response = self._dynamodb.query(**request)
            total += int(response.get("Count", 0))
            if "LastEvaluatedKey" not in response:
                return total
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def _waiting(self, url: str) -> int:
        attributes = self._sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
        return int(attributes["Attributes"]["ApproximateNumberOfMessages"])
