"""`erase` and `resend` against moto: what changes in the tables, what is published, what is refused."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from typer.testing import CliRunner

from order_email.cli.erase import suppression_action
from order_email.cli.main import app
from order_email.cli.resend import resend_verdict
from order_email.handlers.shared import schema
from order_email.handlers.shared.masking import address_hash
from order_email.handlers.shared.statuses import EmailStatus
from tests.support.aws import REGION, Tables
from tests.support.status_api_support import put_delivery

ADDRESS = "jane.doe@example.com"
NOW = time.time()


def table(name: str) -> Any:
    return boto3.resource("dynamodb", region_name=REGION).Table(name)


def item(tables: Tables, order_id: str, kind: str = schema.ORDER_CONFIRMATION) -> dict[str, Any]:
    return table(tables.deliveries).get_item(Key={"orderId": order_id, "kind": kind}).get("Item", {})


@pytest.mark.parametrize(("entry", "statuses", "expected"), [
    (None, set(), ("none", None)),
    (None, {"DELIVERED"}, ("none", None)),
    (None, {"DELIVERED", "BOUNCED"}, ("created", "BOUNCE")),
    (None, {"BOUNCED", "COMPLAINED"}, ("created", "COMPLAINT")),
    ({"reason": "BOUNCE"}, set(), ("kept", "BOUNCE")),
    ({"reason": "COMPLAINT"}, {"BOUNCED"}, ("kept", "COMPLAINT")),
    ({"reason": "MANUAL"}, set(), ("kept", "MANUAL")),
    ({"reason": "SOFT_BOUNCE", "expiresAt": NOW + 3600}, set(), ("deleted", "SOFT_BOUNCE")),
    ({"reason": "SOFT_BOUNCE", "expiresAt": NOW + 3600}, {"BOUNCED"}, ("created", "BOUNCE")),
    ({"reason": "BOUNCE", "expiresAt": NOW - 1}, set(), ("deleted", "BOUNCE")),
])
def test_suppression_action(entry: dict[str, Any] | None, statuses: set[str], expected: tuple[str, Any]) -> None:
    assert suppression_action(entry, statuses, NOW) == expected


@pytest.fixture
def jane(tables: Tables) -> Tables:
    moment = datetime.now(UTC) - timedelta(days=2)
    for order in ("ord-1", "ord-2"):
        put_delivery(tables.deliveries, order, EmailStatus.BOUNCED if order == "ord-1" else EmailStatus.DELIVERED, moment,
                     recipient=ADDRESS, deliveredTo=ADDRESS, statusReason=f"550 <{ADDRESS}> unknown",
                     order={"customerName": "Jane Doe", "total": "9.50", "metadata": {"note": f"cc {ADDRESS}"}},
                     history=[{"type": "Bounce", "at": schema.iso(moment), "id": "e", "detail": f"to {ADDRESS}"}])
    put_delivery(tables.deliveries, "ord-3", EmailStatus.DELIVERED, moment, recipient="other@example.com")
    suppression = table(tables.suppression)
    suppression.put_item(Item={schema.ADDRESS_HASH: address_hash(ADDRESS), "maskedAddress": "j***@example.com",
                               "reason": "BOUNCE", "suppressedAt": schema.iso(moment), "source": "ses"})
    suppression.put_item(Item={schema.ADDRESS_HASH: schema.SOFT_BOUNCE_PREFIX + address_hash(ADDRESS), "count": 1})
    return tables


def erase(runner: CliRunner, tables: Tables, *args: str, stdin: str | None = None) -> Any:
    dlq = boto3.client("sqs", region_name=REGION).create_queue(QueueName="send-dlq")["QueueUrl"]
    return runner.invoke(app, ["erase", ADDRESS.upper(), "--table", tables.deliveries, "--suppression-table",
                               tables.suppression, "--dlq", dlq, *args], input=stdin)


def test_erase_anonymises_records_and_keeps_a_hashed_suppression(runner: CliRunner, jane: Tables,
                                                                 ses_account_list: set[str]) -> None:
    ses_account_list.add(ADDRESS.lower())
    result = erase(runner, jane, "--yes", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["sesSuppression"] == "deleted" and ses_account_list == set()
    assert report["recordsFound"] == 2 and report["recordsAnonymised"] == 2
    assert report["suppression"] == "kept" and report["orders"] == ["ord-1", "ord-2"]
    for order, status in (("ord-1", "BOUNCED"), ("ord-2", "DELIVERED")):
        record = item(jane, order)
        assert record["status"] == status and record["recipientMasked"] == "erased"
        assert not {"recipient", "deliveredTo", "recipientHash", "order"} & set(record)
        assert "Jane" not in json.dumps(record, default=str)
        assert "example.com" not in json.dumps(record, default=str).replace("other@", "")
    assert item(jane, "ord-3")["recipient"] == "other@example.com"
    entry = table(jane.suppression).get_item(Key={schema.ADDRESS_HASH: address_hash(ADDRESS)})["Item"]
    assert entry["reason"] == "BOUNCE" and "maskedAddress" not in entry and entry["erasedAt"]
    counter = {schema.ADDRESS_HASH: schema.SOFT_BOUNCE_PREFIX + address_hash(ADDRESS)}
    assert "Item" not in table(jane.suppression).get_item(Key=counter)
    again = json.loads(erase(runner, jane, "--yes", "--json").stdout)
    assert again["recordsFound"] == 0 and again["suppression"] == "kept"


def test_erase_creates_the_suppression_the_records_call_for(runner: CliRunner, jane: Tables) -> None:
    table(jane.suppression).delete_item(Key={schema.ADDRESS_HASH: address_hash(ADDRESS)})
    result = erase(runner, jane, "--yes")
    assert result.exit_code == 0 and "created (BOUNCE)" in result.stdout
    entry = table(jane.suppression).get_item(Key={schema.ADDRESS_HASH: address_hash(ADDRESS)})["Item"]
    assert entry["reason"] == "BOUNCE" and entry["source"] == "erasure" and "maskedAddress" not in entry


def test_erase_asks_first(runner: CliRunner, jane: Tables) -> None:
    result = erase(runner, jane, stdin="n\n")
    assert result.exit_code == 1 and "2 delivery record" in result.stdout
    assert item(jane, "ord-1")["recipient"] == ADDRESS
    assert runner.invoke(app, ["erase", "nobody", "--table", "t", "--suppression-table", "s"]).exit_code == 2


@pytest.mark.parametrize(("record", "force", "allowed"), [
    ({"status": "FAILED"}, False, True),
    ({"status": "BOUNCED"}, False, True),
    ({"status": "SUPPRESSED"}, False, True),
    ({}, False, True),
    ({"status": "DELIVERED"}, False, False),
    ({"status": "DELIVERED"}, True, True),
    ({"status": "SENT"}, False, False),
    ({"status": "COMPLAINED"}, False, False),
    ({"status": "SENDING", "leaseExpiresAt": NOW + 60}, True, False),
    ({"status": "SENDING", "leaseExpiresAt": NOW - 60}, False, True),
    ({"status": "SENDING", "leaseExpiresAt": NOW - 60, "sesMessageId": "m"}, False, False),
    ({"status": "SENDING", "leaseExpiresAt": NOW - 60, "sesMessageId": "m"}, True, True),
    ({"status": "MYSTERY"}, True, False),
])
def test_resend_verdicts(record: dict[str, Any], force: bool, allowed: bool) -> None:
    assert resend_verdict(record, NOW, force).allowed is allowed


@pytest.fixture
def orders_topic(tables: Tables) -> tuple[str, str]:
    sns, sqs = boto3.client("sns", region_name=REGION), boto3.client("sqs", region_name=REGION)
    topic = sns.create_topic(Name="orders")["TopicArn"]
    queue = sqs.create_queue(QueueName="send")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    return topic, queue


def order_file(tmp_path: Path, order_id: str) -> Path:
    path = tmp_path / "order.json"
    path.write_text(json.dumps({"orderId": order_id, "customerEmail": "fixed@example.com", "items": []}))
    return path


def resend(runner: CliRunner, tables: Tables, topic: str, path: Path, order_id: str, *args: str) -> Any:
    return runner.invoke(app, ["resend", order_id, "--table", tables.deliveries, "--order-file", str(path),
                               "--topic-arn", topic, "--by", "alice", *args])


def test_resend_resets_the_record_and_republishes(runner: CliRunner, tables: Tables, orders_topic: tuple[str, str],
                                                  tmp_path: Path) -> None:
    topic, queue = orders_topic
    put_delivery(tables.deliveries, "ord-5", EmailStatus.BOUNCED, datetime.now(UTC), sesMessageId="old-id",
                 leaseExpiresAt=int(NOW) - 100, history=[{"type": "Bounce", "at": "t", "id": "1"}])
    result = resend(runner, tables, topic, order_file(tmp_path, "ord-5"), "ord-5", "--yes", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["previousStatus"] == "BOUNCED"
    record = item(tables, "ord-5")
    assert not {"status", "statusRank", "sesMessageId", "leaseExpiresAt", "statusShard", "statusSortKey"} & set(record)
    assert record["history"][-1]["type"] == "ResendRequested" and record["history"][-1]["by"] == "alice"
    assert record["history"][-1]["previousSesMessageId"] == "old-id" and record["version"] == 1
    [message] = boto3.client("sqs", region_name=REGION).receive_message(QueueUrl=queue)["Messages"]
    envelope = json.loads(message["Body"])
    assert json.loads(envelope["Message"])["orderId"] == "ord-5"
    assert envelope["MessageAttributes"]["eventType"]["Value"] == "order.confirmed"
    # publishing failed or not: a record already reset can be resent again
    assert resend(runner, tables, topic, order_file(tmp_path, "ord-5"), "ord-5", "--yes").exit_code == 0


def test_resend_refusals(runner: CliRunner, tables: Tables, orders_topic: tuple[str, str], tmp_path: Path) -> None:
    topic, _ = orders_topic
    put_delivery(tables.deliveries, "ord-6", EmailStatus.DELIVERED, datetime.now(UTC))
    put_delivery(tables.deliveries, "ord-7", EmailStatus.SENDING, datetime.now(UTC), leaseExpiresAt=int(time.time()) + 300)
    refused = resend(runner, tables, topic, order_file(tmp_path, "ord-6"), "ord-6", "--yes")
    assert refused.exit_code == 1 and "--force" in refused.stderr
    assert item(tables, "ord-6")["status"] == "DELIVERED"
    live = resend(runner, tables, topic, order_file(tmp_path, "ord-7"), "ord-7", "--yes", "--force")
    assert live.exit_code == 1 and "live lease" in live.stderr
    assert resend(runner, tables, topic, order_file(tmp_path, "ord-6"), "ord-8", "--yes").exit_code == 2
    assert resend(runner, tables, topic, order_file(tmp_path, "ord-8"), "ord-8", "--yes").exit_code == 1
    declined = runner.invoke(app, ["resend", "ord-6", "--table", tables.deliveries, "--order-file",
                                   str(order_file(tmp_path, "ord-6")), "--topic-arn", topic, "--force"], input="n\n")
    assert declined.exit_code == 1 and item(tables, "ord-6")["status"] == "DELIVERED"
    forced = resend(runner, tables, topic, order_file(tmp_path, "ord-6"), "ord-6", "--yes", "--force")
    assert forced.exit_code == 0 and "status" not in item(tables, "ord-6")
