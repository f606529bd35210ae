"""`GET /suppressions` and `GET /overview` through function-URL events against moto."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from order_email.handlers.shared import schema
from order_email.handlers.shared.statuses import EmailStatus
from order_email.handlers.shared.suppression_item import SuppressionReason, suppression_item
from order_email.handlers.status_api.app import build_resolver
from order_email.handlers.status_api.operations import OperationsReaders
from order_email.handlers.status_api.overview import OverviewReader
from order_email.handlers.status_api.queries import DeliveriesReader
from order_email.handlers.status_api.suppressions import SuppressionsReader
from tests.support.aws import REGION, Tables
from tests.support.status_api_support import body, fake_context, put_delivery, url_event

NOW = datetime.now(UTC).replace(microsecond=0)


def call(tables: Tables, path: str, query: dict[str, str] | None = None, queues: tuple[str, ...] = (),
         suppression: bool = True) -> tuple[int, Any]:
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    operations = OperationsReaders(
        SuppressionsReader(dynamodb, tables.suppression) if suppression else None,
        OverviewReader(dynamodb, tables.deliveries, boto3.client("sqs", region_name=REGION), queues))
    resolver = build_resolver(DeliveriesReader(dynamodb, tables.deliveries), clock=lambda: NOW, operations=operations)
    response = resolver.resolve(url_event(path, query), fake_context())
    return response["statusCode"], body(response)


def suppress(tables: Tables, address: str, reason: SuppressionReason = SuppressionReason.BOUNCE,
             expires_at: int | None = None) -> None:
    boto3.client("dynamodb", region_name=REGION).put_item(TableName=tables.suppression, Item=suppression_item(
        address, reason, NOW - timedelta(hours=1), "ses-feedback", expires_at))


def test_suppressions_page_through_every_active_entry_once_masked(tables: Tables) -> None:
    addresses = [f"customer.{index}@example.com" for index in range(7)]
    for address in addresses:
        suppress(tables, address)
    suppress(tables, "later@example.com", SuppressionReason.SOFT_BOUNCE, int(NOW.timestamp()) + 3600)
    suppress(tables, "expired@example.com", SuppressionReason.SOFT_BOUNCE, int(NOW.timestamp()) - 60)
    boto3.client("dynamodb", region_name=REGION).put_item(TableName=tables.suppression, Item={
        schema.ADDRESS_HASH: {"S": f"{schema.SOFT_BOUNCE_PREFIX}abc"}, "count": {"N": "2"}})
    seen: list[dict[str, Any]] = []
    query: dict[str, str] = {"limit": "3"}
    for _ in range(10):
        status, answer = call(tables, "/suppressions", query)
        assert status == 200 and len(answer["suppressions"]) <= 3
        seen += answer["suppressions"]
        if answer["cursor"] is None:
            break
        query = {"limit": "3", "cursor": answer["cursor"]}
    shown = sorted(entry["address"] for entry in seen)
    assert shown == sorted(["c***@example.com"] * 7 + ["l***@example.com"])
    later = next(entry for entry in seen if entry["address"] == "l***@example.com")
    assert later["reason"] == "SOFT_BOUNCE" and later["expires"] > later["since"] and later["active"] is True
    assert "customer" not in str(seen) and "expired" not in str(seen)


def test_suppressions_refuse_a_bad_limit_cursor_or_parameter_naming_it(tables: Tables) -> None:
    for query, parameter in (({"limit": "0"}, "limit"), ({"cursor": "bm90LWEtY3Vyc29y"}, "cursor"),
                             ({"cursor": "%%%"}, "cursor"), ({"address": "x"}, "address")):
        status, answer = call(tables, "/suppressions", query)
        assert (status, answer["parameter"]) == (400, parameter)


def test_suppressions_without_a_table_say_so(tables: Tables) -> None:
    status, answer = call(tables, "/suppressions", suppression=False)
    assert status == 404 and "SUPPRESSION_TABLE" in answer["error"]


def test_overview_counts_statuses_of_the_last_day_held_of_three_days_and_dead_letters(tables: Tables) -> None:
    put_delivery(tables.deliveries, "D-1", EmailStatus.DELIVERED, NOW - timedelta(hours=2))
    put_delivery(tables.deliveries, "D-2", EmailStatus.DELIVERED, NOW - timedelta(hours=23))
    put_delivery(tables.deliveries, "D-old", EmailStatus.DELIVERED, NOW - timedelta(hours=25))
    put_delivery(tables.deliveries, "B-1", EmailStatus.BOUNCED, NOW - timedelta(minutes=5))
    put_delivery(tables.deliveries, "H-1", EmailStatus.HELD, NOW - timedelta(hours=30))
    put_delivery(tables.deliveries, "H-2", EmailStatus.HELD, NOW - timedelta(minutes=1))
    put_delivery(tables.deliveries, "H-gone", EmailStatus.HELD, NOW - timedelta(hours=80))
    sqs = boto3.client("sqs", region_name=REGION)
    urls = tuple(sqs.create_queue(QueueName=name)["QueueUrl"] for name in ("send-dlq", "feedback-dlq"))
    for number in range(3):
        sqs.send_message(QueueUrl=urls[0], MessageBody=f"letter {number}")
    status, answer = call(tables, "/overview", queues=urls)
    assert status == 200
    assert answer["counts"]["DELIVERED"] == 2 and answer["counts"]["BOUNCED"] == 1 and answer["counts"]["SENT"] == 0
    assert "HELD" not in answer["counts"] and answer["held"] == 2
    assert answer["deadLetters"] == [{"queue": "send-dlq", "messages": 3}, {"queue": "feedback-dlq", "messages": 0}]
    assert answer["since"] == schema.iso(NOW - timedelta(hours=24))


def test_overview_takes_no_parameters(tables: Tables) -> None:
    status, answer = call(tables, "/overview", {"since": "2026-01-01"})
    assert (status, answer["parameter"]) == (400, "since")
