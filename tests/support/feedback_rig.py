"""The feedback processor against moto, as the tests drive it: real boto3 calls, real condition
expressions, the bus as the outbox pipe would fill it from the table's stream."""

from __future__ import annotations

import importlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from aws_lambda_powertools import Logger

from order_email.handlers.feedback.outbox import details_from_stream
from order_email.handlers.feedback.settings import FeedbackSettings
from order_email.handlers.shared import schema
from order_email.handlers.shared.environment import DLQ_URL, FEEDBACK
from order_email.handlers.shared.masking import address_hash
from tests.support import feedback_samples as s
from tests.support.aws import Tables

__all__ = ["ENV", "RecordingMetrics", "Rig", "rig_fixture"]

ENV = {name: value for name, value in FEEDBACK.environment(
    deliveries_table="deliveries",
    suppression_table="suppression",
    dlq_url="(created by the rig)",
    configuration_set="order-email-dev",
    soft_bounce_count=3,
    soft_bounce_window_days=7,
    powertools_service_name="order-email-test",
    powertools_metrics_namespace="OrderEmail",
    powertools_log_level="WARNING",
).items() if name != DLQ_URL.name}
"""The feedback function's environment but its dead-letter queue, which `rig` creates."""


class RecordingMetrics:
    def __init__(self) -> None:
        self.values: list[tuple[str, float]] = []

    def add_metric(self, name: str, unit: Any, value: float) -> None:
        self.values.append((str(name), value))

    def count(self, name: str) -> int:
        return sum(1 for metric, _ in self.values if metric == name)


@dataclass
class Rig:
    tables: Tables
    dlq_url: str
    processor: Any
    metrics: RecordingMetrics
    calls: Counter[str] = field(default_factory=Counter)

    def run(self, lambda_event: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self.processor.process(lambda_event)
        return result

    def details(self) -> list[dict[str, Any]]:
        """What the status bus receives: the deliveries stream, as the outbox pipe turns it into events."""
        return details_from_stream(s.stream_records(self.tables.deliveries))

    def dlq(self) -> list[dict[str, Any]]:
        answer = boto3.client("sqs", region_name=s.REGION).receive_message(
            QueueUrl=self.dlq_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
        )
        return answer.get("Messages", [])

    def suppression(self, address: str) -> dict[str, Any] | None:
        item = boto3.client("dynamodb", region_name=s.REGION).get_item(
            TableName=self.tables.suppression, Key={schema.ADDRESS_HASH: {"S": address_hash(address)}}
        )
        return item.get("Item")


@pytest.fixture(name="rig")
def rig_fixture(tables: Tables, monkeypatch: pytest.MonkeyPatch) -> Iterator[Rig]:
    dlq_url = boto3.client("sqs", region_name=s.REGION).create_queue(QueueName="feedback-dlq")["QueueUrl"]
    for name, value in (ENV | {"DLQ_URL": dlq_url}).items():
        monkeypatch.setenv(name, value)
    module = importlib.import_module("order_email.handlers.ses_feedback")
    session = boto3.session.Session(region_name=s.REGION)
    metrics = RecordingMetrics()
    holder: dict[str, Rig] = {}

    def count(event_name: str, **_: Any) -> None:
        holder["rig"].calls[event_name.split(".", 1)[1]] += 1

    session.events.register("before-call.*.*", count)
    processor = module.build_processor(FeedbackSettings.from_env(), session)
    processor.metrics = metrics
    processor.logger = Logger(service="test", level="WARNING")
    holder["rig"] = Rig(tables, dlq_url, processor, metrics)
    yield holder["rig"]


