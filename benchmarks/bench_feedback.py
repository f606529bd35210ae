"""Feedback handler numbers: AWS calls and CPU per event against in-process fakes, and cold import.

    .venv/bin/python benchmarks/bench_feedback.py [--events 2000]     (prints JSON)

Fakes answer GetItem/UpdateItem/Query/PutItem/PutEvents/SendMessage instantly, so the CPU figure
is the handler's own work (envelopes, validation, transition, serialisation, logging off).
Cold import compares `import handlers.ses_feedback` with a bare `import boto3` in fresh interpreters
(docs/architecture.md §6: at most 1.8 times).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from order_email.handlers.shared.environment import FEEDBACK  # noqa: E402

ENV = FEEDBACK.environment(
    deliveries_table="deliveries", suppression_table="suppression", dlq_url="https://sqs/dlq",
    configuration_set="order-email-dev", soft_bounce_count=3, soft_bounce_window_days=7,
    powertools_service_name="bench", powertools_metrics_namespace="OrderEmail", powertools_log_level="ERROR",
) | {"AWS_DEFAULT_REGION": "eu-west-1"}


class FakeAws:
    """One object playing DynamoDB, EventBridge and SQS: items in a dict, every call counted."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.items: dict[tuple[str, str, str], dict[str, Any]] = {}

    def _key(self, table: str, key: dict[str, Any]) -> tuple[str, str, str]:
        values = [v["S"] for v in key.values()]
        return table, values[0], values[1] if len(values) > 1 else ""

    def get_item(self, TableName: str, Key: dict[str, Any], **_: Any) -> dict[str, Any]:
        self.calls["GetItem"] += 1
        item = self.items.get(self._key(TableName, Key))
        return {"Item": item} if item else {}

    def update_item(self, TableName: str, Key: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        self.calls["UpdateItem"] += 1
        item = self.items.setdefault(self._key(TableName, Key), dict(Key))
        names, values = kwargs.get("ExpressionAttributeNames", {}), kwargs.get("ExpressionAttributeValues", {})
        for assignment in kwargs["UpdateExpression"].removeprefix("SET ").split(" REMOVE ")[0].split(", "):
            name, _, value = assignment.partition(" = ")
            if value in values:
                item[names[name]] = values[value]
        return {}

    def put_item(self, TableName: str, Item: dict[str, Any], **_: Any) -> dict[str, Any]:
        self.calls["PutItem"] += 1
        return {}

    def query(self, **_: Any) -> dict[str, Any]:
        self.calls["Query"] += 1
        return {"Items": []}

    def put_events(self, Entries: list[Any]) -> dict[str, Any]:
        self.calls["PutEvents"] += 1
        return {"FailedEntryCount": 0, "Entries": [{"EventId": "x"} for _ in Entries]}

    def send_message(self, **_: Any) -> dict[str, Any]:
        self.calls["SendMessage"] += 1
        return {}


class NoMetrics:
    def add_metric(self, *_: Any) -> None:
        pass


def cold_import(module: str, runs: int = 7) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", f"import {module}"], check=True, cwd=ROOT, env=os.environ | ENV)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def build_processor(fake: FakeAws) -> Any:
    """The real processor over the fakes, logging off (the handler's own work only). Built from the
    `handlers.*` modules, the names Lambda imports the handler by, so that after `import
    handlers.ses_feedback` (`run_all.cold_imports`) it imports nothing a second time."""
    from aws_lambda_powertools import Logger

    from handlers.feedback.processor import FeedbackProcessor
    from handlers.feedback.records import FeedbackRecords
    from handlers.feedback.suppression import SuppressionWriter
    from handlers.shared.sqs_batch import DeadLetters

    return FeedbackProcessor(
        FeedbackRecords(fake, "deliveries", history_limit=20, configuration_set="order-email-dev"),
        SuppressionWriter(fake, "suppression", window_seconds=7 * 86400, threshold=3),
        DeadLetters(fake, "dlq", "ses-feedback"),
        NoMetrics(),
        Logger(service="bench", level="ERROR"),
    )


def seed(fake: FakeAws, orders: int) -> None:
    """Delivery items as the sender leaves them (SENT with a message id)."""
    for n in range(orders):
        fake.items[("deliveries", f"o-{n}", "order-confirmation")] = {
            "orderId": {"S": f"o-{n}"},
            "kind": {"S": "order-confirmation"},
            "status": {"S": "SENT"},
            "statusRank": {"N": "1"},
            "sesMessageId": {"S": f"m-{n}"},
            "recipientMasked": {"S": "j***@example.com"},
        }


def measure(events: int = 2000) -> dict[str, Any]:
    """Calls and CPU per event for a realistic mix, and calls per event for hard bounces."""
    os.environ.update(ENV)
    from tests.support import feedback_samples as s

    fake = FakeAws()
    processor = build_processor(fake)
    orders = events // 4
    seed(fake, orders)
    report: dict[str, Any] = {}
    mixes = {
        "delivery+open+click+delivery-redelivered": lambda n: [
            s.event("Delivery", f"m-{n}", f"o-{n}"),
            s.event("Open", f"m-{n}", f"o-{n}", seconds=30),
            s.event("Click", f"m-{n}", f"o-{n}", seconds=40),
            s.event("Delivery", f"m-{n}", f"o-{n}"),
        ],
    }
    for name, make in mixes.items():
        bodies = [body for n in range(orders) for body in make(n)]
        batches = [s.sqs_event(*bodies[i : i + 10]) for i in range(0, len(bodies), 10)]
        fake.calls.clear()
        started = time.process_time()
        for batch in batches:
            processor.process(batch)
        cpu = time.process_time() - started
        total = sum(fake.calls.values())
        report[name] = {
            "events": len(bodies),
            "calls_per_event": round(total / len(bodies), 3),
            "calls_by_operation": dict(sorted(fake.calls.items())),
            "cpu_us_per_event": round(cpu / len(bodies) * 1e6, 1),
        }
    hard = [s.event("Bounce", f"m-{n}", f"o-{n}") for n in range(orders)]
    fake.calls.clear()
    for i in range(0, len(hard), 10):
        processor.process(s.sqs_event(*hard[i : i + 10]))
    report["hard-bounce"] = {
        "events": len(hard),
        "calls_per_event": round(sum(fake.calls.values()) / len(hard), 3),
        "calls_by_operation": dict(sorted(fake.calls.items())),
    }
    return report


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2000)
    args = parser.parse_args()
    report = measure(args.events)
    boto3_time = cold_import("boto3")
    handler_time = cold_import("handlers.ses_feedback")
    report["cold_import"] = {
        "boto3_ms": round(boto3_time * 1000, 1),
        "handler_ms": round(handler_time * 1000, 1),
        "ratio": round(handler_time / boto3_time, 3),
        "note": "median wall time of a fresh interpreter, interpreter start included in both",
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
