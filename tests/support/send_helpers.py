"""Shared test kit for the sender: environment, SQS events as Lambda delivers them, a fake clock,
and a `World` that wires a `BatchSender` to moto with SendEmail requests captured by botocore hooks
(moto ignores ConfigurationSetName and EmailTags, so the request is the thing to assert on).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import boto3
import pytest
from aws_lambda_powertools import Logger
from boto3.dynamodb.types import TypeDeserializer

from order_email.handlers.sender.clients import DYNAMODB_CONFIG, SES_CONFIG, SQS_CONFIG, Clients
from order_email.handlers.sender.pacing import SendPacer
from order_email.handlers.sender.process import BatchSender
from order_email.handlers.sender.settings import SenderSettings
from order_email.handlers.shared import schema
from order_email.handlers.shared.environment import SENDER
from order_email.handlers.shared.suppression_item import SuppressionReason, suppression_item
from tests.support.aws import REGION, Tables

FROM_DOMAIN = "shop.example.com"
START = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
LEASE_SECONDS = 60
GRACE_SECONDS = 300

ENV = SENDER.environment(
    deliveries_table="deliveries",
    suppression_table="suppression",
    dlq_url=f"https://sqs.{REGION}.amazonaws.com/123456789012/order-email-send-dlq",  # World creates it
    configuration_set="order-email-test",
    from_address=f"orders@{FROM_DOMAIN}",
    from_name="Example Shop",
    reply_to=f"help@{FROM_DOMAIN}",
    sandbox=False,
    retention_days=90,
    lease_seconds=LEASE_SECONDS,
    send_grace_seconds=GRACE_SECONDS,
    send_queue_url=f"https://sqs.{REGION}.amazonaws.com/123456789012/order-email-send",  # World creates it
    send_rate_per_worker=5,
    hold_max_delay_seconds=900,
    hold_give_up_seconds=72 * 3600,
    powertools_service_name="order-email-test",
    powertools_metrics_namespace="OrderEmail",
)


def order(order_id: str = "ORD-1001", **overrides: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "orderId": order_id,
        "customerEmail": "jane.doe@example.com",
        "customerName": "Jane Doe",
        "items": [
            {"name": "Espresso cups", "quantity": 2, "unitPrice": "12.50", "sku": "CUP-2"},
            {"name": "Beans 1 kg", "quantity": 1, "unitPrice": "24.90"},
        ],
        "total": "49.90",
        "currency": "EUR",
        "timestamp": "2025-03-01T11:59:58.500Z",
        "metadata": {"channel": "web"},
    }
    document.update(overrides)
    return document


def body(document: Any) -> str:
    return json.dumps(document, default=str)


def sqs_record(message_body: str, message_id: str, receive_count: int = 1) -> dict[str, Any]:
    """A record exactly as Lambda's SQS event source mapping delivers it."""
    return {
        "messageId": message_id,
        "receiptHandle": f"AQEB{message_id}==",
        "body": message_body,
        "attributes": {
            "ApproximateReceiveCount": str(receive_count),
            "SentTimestamp": "1740830398000",
            "SenderId": "AIDAIENQZJOLO23YVJ4VO",
            "ApproximateFirstReceiveTimestamp": "1740830398010",
        },
        "messageAttributes": {},
        "md5OfBody": "0" * 32,
        "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:{REGION}:123456789012:order-email-send",
        "awsRegion": REGION,
    }


def sqs_event(*bodies: str, ids: list[str] | None = None) -> dict[str, Any]:
    ids = ids or [f"msg-{index}" for index in range(len(bodies))]
    return {"Records": [sqs_record(text, message_id) for text, message_id in zip(bodies, ids, strict=True)]}


def failed_ids(response: dict[str, Any]) -> list[str]:
    return [failure["itemIdentifier"] for failure in response["batchItemFailures"]]


@dataclass
class FakeClock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    def monotonic(self) -> float:
        return (self.now - START).total_seconds()


@dataclass
class FakeContext:
    """The attributes Powertools' inject_lambda_context reads, and the remaining time."""

    function_name: str = "order-email-test-sender"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:123456789012:function:order-email-test-sender"
    aws_request_id: str = "6f3c1d2e-0000-4000-8000-000000000001"
    remaining: int = 60_000

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining


class RecordingMetrics:
    """Stands in for Powertools `Metrics` (whose metric set is shared class state) in flow tests."""

    def __init__(self) -> None:
        self.values: dict[str, list[float]] = {}

    def add_metric(self, name: str, unit: Any, value: float) -> None:
        self.values.setdefault(str(name), []).append(value)

    def total(self, name: str) -> float:
        return sum(self.values.get(name, []))


class _Http:
    def __init__(self, status_code: int):
        self.status_code = status_code
        self.headers: dict[str, str] = {}


@dataclass
class SesTap:
    """Captures every SendEmail request; can fail the next calls or block one (for concurrency)."""

    requests: list[dict[str, Any]] = field(default_factory=list)
    """Every SendEmail attempt's parameters, including those failed on purpose."""
    accepted: list[str] = field(default_factory=list)
    """Message ids SES (moto) returned: the e-mails that actually went out."""
    failures: list[tuple[str, str]] = field(default_factory=list)
    pause: Callable[[], None] | None = None

    def capture(self, params: dict[str, Any], **_: Any) -> None:
        self.requests.append(json.loads(json.dumps(params)))

    def intercept(self, **_: Any) -> Any:
        if self.pause is not None:
            pause, self.pause = self.pause, None
            pause()
        if self.failures:
            code, message = self.failures.pop(0)
            return _Http(400 if code != "InternalFailure" else 500), {"Error": {"Code": code, "Message": message}}
        return None

    def record(self, parsed: dict[str, Any], **_: Any) -> None:
        if "MessageId" in parsed:
            self.accepted.append(parsed["MessageId"])

    def attach(self, client: Any) -> None:
        client.meta.events.register("provide-client-params.sesv2.SendEmail", self.capture)
        client.meta.events.register("before-call.sesv2.SendEmail", self.intercept)
        client.meta.events.register("after-call.sesv2.SendEmail", self.record)


class World:
    """One sender against moto: tables, DLQ, verified domain, a clock, captured SES requests."""

    def __init__(self, tables: Tables, monkeypatch: pytest.MonkeyPatch, **env_overrides: str):
        self.sqs = boto3.client("sqs", region_name=REGION)
        self.dlq_url = self.sqs.create_queue(QueueName="order-email-send-dlq")["QueueUrl"]
        self.queue_url = self.sqs.create_queue(QueueName="order-email-send")["QueueUrl"]
        self.env = ENV | {"DLQ_URL": self.dlq_url, "SEND_QUEUE_URL": self.queue_url} | env_overrides
        for name, value in self.env.items():
            monkeypatch.setenv(name, value)
        self.sesv2 = boto3.client("sesv2", region_name=REGION)
        self.sesv2.create_email_identity(EmailIdentity=FROM_DOMAIN)
        self.dynamodb = boto3.client("dynamodb", region_name=REGION)
        self.tables = tables
        self.clock = FakeClock()
        self.ses = SesTap()
        self.metrics = RecordingMetrics()
        self.deferred: list[dict[str, Any]] = []
        """SendMessageBatch entries re-enqueued on the send queue (DelaySeconds included)."""
        self.sender = self.new_worker(self.ses)

    def new_worker(self, tap: SesTap) -> BatchSender:
        """Another Lambda execution environment: its own clients, same tables and clock."""
        clients = Clients(
            dynamodb=boto3.client("dynamodb", region_name=REGION, config=DYNAMODB_CONFIG),
            sesv2=boto3.client("sesv2", region_name=REGION, config=SES_CONFIG),
            sqs=boto3.client("sqs", region_name=REGION, config=SQS_CONFIG),
        )
        tap.attach(clients.sesv2)
        clients.sqs.meta.events.register("provide-client-params.sqs.SendMessageBatch", self._capture_deferred)
        settings = SenderSettings.from_env(self.env)
        pacer = SendPacer(settings.send_rate_per_worker, clock=self.clock.monotonic, sleep=self.clock.advance)
        return BatchSender.build(settings, clients, metrics=self.metrics, logger=Logger(), clock=self.clock,
                                 pacer=pacer)

    def _capture_deferred(self, params: dict[str, Any], **_: Any) -> None:
        if params.get("QueueUrl") == self.queue_url:
            self.deferred.extend(json.loads(json.dumps(entry)) for entry in params["Entries"])

    def process(self, *bodies: str, ids: list[str] | None = None) -> dict[str, Any]:
        return self.sender.process(sqs_event(*bodies, ids=ids))

    def item(self, order_id: str = "ORD-1001") -> Any:
        """The delivery item as plain Python values, or None."""
        answer = self.dynamodb.get_item(
            TableName=self.tables.deliveries,
            Key={schema.ORDER_ID: {"S": order_id}, schema.KIND: {"S": schema.ORDER_CONFIRMATION}},
            ConsistentRead=True,
        )
        if "Item" not in answer:
            return None
        deserializer = TypeDeserializer()
        return {name: deserializer.deserialize(value) for name, value in answer["Item"].items()}

    def suppress(self, address: str, reason: str = "BOUNCE", expires_at: int | None = None) -> None:
        item = suppression_item(address, SuppressionReason(reason), self.clock.now, "test", expires_at)
        self.dynamodb.put_item(TableName=self.tables.suppression, Item=item)

    def dlq_messages(self) -> list[dict[str, Any]]:
        answer = self.sqs.receive_message(
            QueueUrl=self.dlq_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
        )
        return [dict(message) for message in answer.get("Messages", [])]

    def sent_count(self) -> int:
        return len(self.ses.accepted)

    def requeued(self) -> list[dict[str, Any]]:
        """SendMessageBatch entries the sender re-enqueued on its own queue since the last call."""
        entries, self.deferred[:] = list(self.deferred), []
        return entries

    def again(self) -> dict[str, Any]:
        """Deliver what the sender re-enqueued, as Lambda's mapping would once each delay is over."""
        return self.sender.process({"Records": [requeued_record(entry, f"requeued-{index}")
                                                for index, entry in enumerate(self.requeued())]})


def requeued_record(entry: dict[str, Any], message_id: str) -> dict[str, Any]:
    """The Lambda record of a re-enqueued message: a new SQS message, its receive count back at 1."""
    record = sqs_record(entry["MessageBody"], message_id)
    record["messageAttributes"] = {
        name: {"stringValue": value.get("StringValue"), "dataType": value["DataType"], "stringListValues": [],
               "binaryListValues": []}
        for name, value in entry["MessageAttributes"].items()}
    return record


def as_decimal(value: Any) -> Decimal:
    return Decimal(str(value))


def run_in_thread(target: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    results: list[Any] = []
    thread = threading.Thread(target=lambda: results.append(target()))
    thread.start()
    return thread, results
