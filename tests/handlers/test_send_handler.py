"""The Lambda entry point as Lambda calls it: environment, context, logs and EMF metrics on stdout."""

from __future__ import annotations

import importlib
import json
import logging
import sys
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import boto3
import pytest

from order_email.handlers.shared.environment import ConfigurationError
from tests.support.aws import REGION, Tables
from tests.support.send_helpers import ENV, FROM_DOMAIN, FakeContext, body, order, sqs_event


@pytest.fixture
def entry(tables: Tables, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    dlq_url = boto3.client("sqs", region_name=REGION).create_queue(QueueName="send-dlq")["QueueUrl"]
    boto3.client("sesv2", region_name=REGION).create_email_identity(EmailIdentity=FROM_DOMAIN)
    for name, value in (ENV | {"DLQ_URL": dlq_url}).items():
        monkeypatch.setenv(name, value)
    module = importlib.reload(importlib.import_module("order_email.handlers.send_order_email"))  # a fresh cold start
    module.sender.cache_clear()
    module.metrics.clear_metrics()
    # Powertools loggers of one service name share a stdlib logger: another handler's test may have
    # imported its module with a different level in this process (in Lambda each has its own).
    module.logger.setLevel("INFO")
    yield module
    module.sender.cache_clear()


def _stdout_lines(capsys: pytest.CaptureFixture[str], module: ModuleType) -> list[dict[str, Any]]:
    captured = capsys.readouterr()
    text = captured.out + captured.err
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def _log_to_current_stdout(module: ModuleType) -> None:
    for handler in logging.getLogger(module.logger.service).handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.stream = sys.stdout  # not setStream(): it flushes the old stream, which may be closed


def test_handler_sends_logs_and_emits_metrics(entry: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    _log_to_current_stdout(entry)
    event = sqs_event(body(order()), body(order()), body(order("ORD-X", customerEmail="broken")),
                      ids=["a", "b", "c"])
    response = entry.handler(event, FakeContext())
    assert response == {"batchItemFailures": []}

    lines = _stdout_lines(capsys, entry)
    raw = json.dumps(lines)
    assert "jane.doe@example.com" not in raw and "j***@example.com" in raw

    [emf] = [line for line in lines if "_aws" in line]
    assert emf["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "OrderEmail"
    assert emf["service"] == "order-email-test"
    values = {name: value if isinstance(value, list) else [value] for name, value in emf.items()}
    assert values["OrdersReceived"] == [3]
    assert values["EmailsSent"] == [1]
    assert values["DuplicatesSkipped"] == [1]
    assert values["InvalidOrders"] == [1]
    assert len(values["SendLatency"]) == 1 and values["SendLatency"][0] > 0  # order time → SES accepted
    units = {entry["Name"]: entry["Unit"] for entry in emf["_aws"]["CloudWatchMetrics"][0]["Metrics"]}
    assert units["SendLatency"] == "Milliseconds" and units["EmailsSent"] == "Count"
    logs = [line for line in lines if "message" in line]
    sent = next(line for line in logs if line["message"] == "order e-mail sent")
    assert sent["orderId"] == "ORD-1001" and sent["kind"] == "order-confirmation" and sent["sesMessageId"] and sent["recipient"] == "j***@example.com"
    assert sent["function_request_id"] and "cold_start" in sent
    assert not {"function_name", "function_memory_size", "function_arn"} & set(sent)  # the log stream says them


def test_handler_does_not_start_what_it_cannot_finish(entry: ModuleType) -> None:
    response = entry.handler(sqs_event(body(order()), ids=["late"]), FakeContext(remaining=5_000))
    assert response == {"batchItemFailures": [{"itemIdentifier": "late"}]}


def test_missing_configuration_fails_fast(entry: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DELIVERIES_TABLE")
    monkeypatch.setenv("RETENTION_DAYS", "ninety")
    with pytest.raises(ConfigurationError, match=r"DELIVERIES_TABLE is not set.*RETENTION_DAYS must be"):
        entry.handler(sqs_event(body(order())), FakeContext())
