"""Sender benchmarks (docs/architecture.md §6): CPU per e-mail vs the floor, AWS calls per e-mail, cold import.

* CPU: batches of 10 orders through `BatchSender.process` against tiny in-process fake clients
  (no network, no moto), vs a "floor" doing only what any sender must: parse + validate, render,
  and the same fake calls (one BatchGetItem per batch; claim, SendEmail, record per e-mail).
* Calls: counted on the fakes, per e-mail.
* Cold import: `import handlers.send_order_email` vs a bare `import boto3`, each in fresh
  interpreters, min of several runs.

Run: `.venv/bin/python benchmarks/bench_sender.py` (prints JSON).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import time
import warnings
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from order_email.handlers.shared.environment import SENDER  # noqa: E402

ENV = SENDER.environment(
    deliveries_table="deliveries",
    suppression_table="suppression",
    dlq_url="https://sqs.eu-west-1.amazonaws.com/123456789012/send-dlq",
    configuration_set="order-email-bench",
    from_address="orders@shop.example.com",
    from_name="Example Shop",
    sandbox=False,
    retention_days=90,
    lease_seconds=60,
    send_grace_seconds=300,
    send_queue_url="https://sqs.eu-west-1.amazonaws.com/123456789012/send",
    send_rate_per_worker=25,
    hold_max_delay_seconds=900,
    hold_give_up_seconds=259200,
    powertools_service_name="order-email-bench",
    powertools_metrics_namespace="OrderEmail",
) | {"AWS_DEFAULT_REGION": "eu-west-1", "AWS_REGION": "eu-west-1"}
BATCH = 10


class FakeAws:
    """dynamodb + sesv2 + sqs in one object: answers like AWS would, counts every call."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()

    def batch_get_item(self, **request: Any) -> dict[str, Any]:
        self.calls["BatchGetItem"] += 1
        table = next(iter(request["RequestItems"]))
        return {"Responses": {table: []}, "UnprocessedKeys": {}}

    def update_item(self, **request: Any) -> dict[str, Any]:
        self.calls["UpdateItem"] += 1
        return {"Attributes": {"attempts": {"N": "1"}}}

    def send_email(self, **request: Any) -> dict[str, Any]:
        self.calls["SendEmail"] += 1
        return {"MessageId": f"0102019{self.calls['SendEmail']:010d}-bench-000000"}

    def send_message(self, **request: Any) -> dict[str, Any]:
        self.calls["SendMessage"] += 1
        return {"MessageId": "dlq"}


def order_body(order_id: str) -> str:
    return json.dumps({
        "orderId": order_id,
        "customerEmail": f"customer.{order_id.lower()}@example.com",
        "customerName": "Jane Doe",
        "items": [
            {"name": "Espresso cups", "quantity": 2, "unitPrice": "12.50", "sku": "CUP-2"},
            {"name": "Beans 1 kg", "quantity": 1, "unitPrice": "24.90"},
            {"name": "Grinder", "quantity": 1, "unitPrice": "89.00", "sku": "GR-1"},
        ],
        "total": "138.90",
        "currency": "EUR",
        "timestamp": "2025-03-01T11:59:58.500Z",
        "metadata": {"channel": "web"},
    })


def event(batch_number: int) -> dict[str, Any]:
    return {"Records": [
        {"messageId": f"m-{batch_number}-{n}", "receiptHandle": "r", "body": order_body(f"ORD-{batch_number}-{n}"),
         "attributes": {}, "messageAttributes": {}, "eventSource": "aws:sqs",
         "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:send", "awsRegion": "eu-west-1"}
        for n in range(BATCH)
    ]}


ABLATIONS = ("log_line", "emf", "stored_order")
"""What the real sender does that the floor does not, each of which `sender_run` can leave out to
measure its cost: the INFO line per e-mail, the EMF metrics, the stored order map of the record."""


def sender_run(batches: int, without: frozenset[str] = frozenset()) -> tuple[float, Counter[str]]:
    """CPU seconds of `batches` batches through the real sender, less what `without` names (`ABLATIONS`)."""
    from aws_lambda_powertools import Metrics

    from order_email.handlers.sender.clients import Clients
    from order_email.handlers.sender.process import BatchSender
    from order_email.handlers.sender.settings import SenderSettings
    from order_email.handlers.shared.logs import make_logger

    fake = FakeAws()
    metrics = Metrics()
    logger = make_logger(service="order-email-bench", stream=io.StringIO())  # as the handler builds it
    # loggers of one service share a logging.Logger: set the level on each run
    logger.setLevel("WARNING" if "log_line" in without else "INFO")
    if "emf" in without:
        metrics.add_metric = lambda *args, **kwargs: None  # type: ignore[method-assign]
    sender = BatchSender.build(SenderSettings.from_env(ENV), Clients(fake, fake, fake), metrics=metrics, logger=logger)
    events = [event(n) for n in range(batches)]
    sink = io.StringIO()
    stdout, sys.stdout = sys.stdout, sink  # EMF goes to stdout; keep it out of the JSON report
    with contextlib.ExitStack() as stack:
        if "stored_order" in without:
            stack.enter_context(mock.patch("order_email.handlers.sender.process.stored_order", return_value=None))
        stack.enter_context(warnings.catch_warnings())
        warnings.simplefilter("ignore")  # without EMF, Powertools warns of an empty flush
        try:
            start = time.process_time()
            for batch in events:
                response = sender.process(batch)
                metrics.flush_metrics()
                assert response == {"batchItemFailures": []}, response
            elapsed = time.process_time() - start
        finally:
            sys.stdout = stdout
    return elapsed, fake.calls


def floor_run(batches: int) -> tuple[float, Counter[str]]:
    """The least any correct sender does: validate, render, and the same calls with the same data
    (the item attributes the contract requires: hash, masked address, index keys, TTL, times)."""
    from datetime import timedelta

    from order_email.handlers.sender.order import Order
    from order_email.handlers.sender.rendering import render
    from order_email.handlers.shared import schema
    from order_email.handlers.shared.masking import address_hash, mask_address

    fake = FakeAws()
    events = [event(n) for n in range(batches)]
    start = time.process_time()
    for batch in events:
        orders = [Order.model_validate(json.loads(record["body"], parse_float=Decimal)) for record in batch["Records"]]
        fake.batch_get_item(RequestItems={"suppression": {"Keys": [
            {"addressHash": {"S": address_hash(order.customerEmail)}} for order in orders]}})
        for order in orders:
            email = render(schema.ORDER_CONFIRMATION, order)
            now = schema.utc_now()
            key = {"orderId": {"S": order.orderId}, "kind": {"S": "order-confirmation"}}
            index = schema.status_index_keys("SENDING", now, order.orderId, "order-confirmation")
            fake.update_item(TableName="deliveries", Key=key, UpdateExpression="SET ...", ExpressionAttributeValues={
                ":recipient": {"S": order.customerEmail},
                ":hash": {"S": address_hash(order.customerEmail)},
                ":masked": {"S": mask_address(order.customerEmail)},
                ":now": {"S": schema.iso(now)},
                ":ts": {"S": schema.iso(order.timestamp)},
                ":ttl": {"N": str(int((now + timedelta(days=90)).timestamp()))},
                ":shard": {"S": index["statusShard"]},
                ":sk": {"S": index["statusSortKey"]},
            })
            answer = fake.send_email(
                FromEmailAddress="Example Shop <orders@shop.example.com>",
                Destination={"ToAddresses": [order.customerEmail]},
                Content={"Simple": {"Subject": {"Data": email.subject},
                                    "Body": {"Text": {"Data": email.text}, "Html": {"Data": email.html}}}},
                EmailTags=[{"Name": "orderId", "Value": order.orderId},
                           {"Name": "kind", "Value": "order-confirmation"}],
                ConfigurationSetName="order-email-bench",
            )
            sent = schema.utc_now()
            index = schema.status_index_keys("SENT", sent, order.orderId, "order-confirmation")
            fake.update_item(TableName="deliveries", Key=key, UpdateExpression="SET ...", ExpressionAttributeValues={
                ":id": {"S": answer["MessageId"]},
                ":now": {"S": schema.iso(sent)},
                ":shard": {"S": index["statusShard"]},
                ":sk": {"S": index["statusSortKey"]},
            })
    return time.process_time() - start, fake.calls


def cold_import(module: str, runs: int) -> float:
    """Min over fresh interpreters of the wall time of `import module`, in milliseconds."""
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    env = os.environ | ENV
    timings = []
    for _ in range(runs):
        output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                cwd=ROOT, env=env).stdout
        timings.append(float(output.strip()) * 1000)
    return min(timings)


def main() -> None:
    os.environ.update(ENV)
    batches = int(os.environ.get("BENCH_BATCHES", "200"))
    sender_run(5)  # warm up both paths (first render, lazy imports)
    floor_run(5)
    sender_times, floor_times = [], []
    calls: Counter[str] = Counter()
    for _ in range(5):
        elapsed, calls = sender_run(batches)
        sender_times.append(elapsed)
        floor_times.append(floor_run(batches)[0])
    emails = batches * BATCH
    sender_us = min(sender_times) / emails * 1e6
    floor_us = min(floor_times) / emails * 1e6
    runs = int(os.environ.get("BENCH_IMPORT_RUNS", "7"))
    boto3_ms, handler_ms = [], []
    for _ in range(2):  # interleave, so machine noise hits both
        boto3_ms.append(cold_import("boto3", runs))
        handler_ms.append(cold_import("handlers.send_order_email", runs))
    report = {
        "emails_per_run": emails,
        "sender_cpu_us_per_email": round(sender_us, 1),
        "floor_cpu_us_per_email": round(floor_us, 1),
        "cpu_ratio": round(sender_us / floor_us, 3),
        "cpu_ratio_budget": 1.3,
        "aws_calls_per_email": round(sum(calls.values()) / emails, 2),
        "aws_calls_by_operation_per_email": {name: round(count / emails, 2) for name, count in sorted(calls.items())},
        "sequential_round_trips_before_send": 2,
        "cold_import_boto3_ms": round(min(boto3_ms), 1),
        "cold_import_handler_ms": round(min(handler_ms), 1),
        "cold_import_ratio": round(min(handler_ms) / min(boto3_ms), 3),
        "cold_import_ratio_budget": 1.8,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
