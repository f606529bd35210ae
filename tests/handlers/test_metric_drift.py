"""No drift between what the handlers emit and what the dashboard and alarms watch.

The handlers run through their Lambda entry points under moto, with the namespace and `service`
dimension the dev stack declares for them, through every path that emits a metric; their EMF
output on stdout is what CloudWatch would turn into metrics. The dashboard and alarms are read from
the dev stack's recorded resources with the `full` observability profile (prod's; dev's own `lean`
profile has no dashboard and a subset of the alarms), exactly as they would be deployed.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from typing import Any

import boto3
import botocore.session
import pytest

from order_email.handlers.shared.environment import FEEDBACK, powertools
from order_email.handlers.shared.masking import address_hash
from order_email.handlers.shared.telemetry import MetricName
from order_email.mockstack import StackRun
from tests.support import feedback_samples as samples
from tests.support.aws import REGION, Tables
from tests.support.send_helpers import ENV as SENDER_ENV
from tests.support.send_helpers import FROM_DOMAIN, FakeContext, SesTap, body, order, sqs_event
from tests.support.stacks import recorded_full_stack

Metric = tuple[str, str, frozenset[tuple[str, str]]]
"""(namespace, metric name, dimensions as name/value pairs)."""


@pytest.fixture(scope="module")
def dev() -> StackRun:
    return recorded_full_stack("dev")


def _declared_env(dev: StackRun, function: str, names: tuple[str, ...]) -> dict[str, str]:
    variables = dev.named(function).inputs["environment"]["variables"]
    return {name: variables[name] for name in names}


def _emitted(stdout: str) -> set[Metric]:
    metrics: set[Metric] = set()
    for line in stdout.splitlines():
        if not line.startswith("{") or '"_aws"' not in line:
            continue
        document = json.loads(line)
        for directive in document["_aws"]["CloudWatchMetrics"]:
            for dimension_set in directive["Dimensions"]:
                dimensions = frozenset((name, str(document[name])) for name in dimension_set)
                for metric in directive["Metrics"]:
                    metrics.add((directive["Namespace"], metric["Name"], dimensions))
    return metrics


def _dashboard_metrics(dev: StackRun) -> set[Metric]:
    [dashboard] = dev.of_type("aws:cloudwatch/dashboard:Dashboard")
    found: set[Metric] = set()
    for widget in json.loads(dashboard.inputs["dashboardBody"])["widgets"]:
        for row in widget.get("properties", {}).get("metrics", []):
            if row and isinstance(row[0], str) and row[0] != "...":
                names = [part for part in row[2:] if isinstance(part, str)]
                found.add((row[0], row[1], frozenset(zip(names[::2], names[1::2], strict=True))))
    return found


def _alarm_metrics(dev: StackRun) -> set[Metric]:
    found: set[Metric] = set()
    for alarm in dev.of_type("aws:cloudwatch/metricAlarm:MetricAlarm"):
        queries = alarm.inputs.get("metricQueries") or [{"metric": alarm.inputs}]
        for query in queries:
            metric = query.get("metric")
            if metric and metric.get("metricName"):
                dimensions = frozenset((metric.get("dimensions") or {}).items())
                found.add((metric["namespace"], metric["metricName"], dimensions))
    return found


@pytest.fixture
def emitted(dev: StackRun, tables: Tables, monkeypatch: pytest.MonkeyPatch,
            capsys: pytest.CaptureFixture[str]) -> Iterator[set[Metric]]:
    telemetry = ("POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE")
    sqs = boto3.client("sqs", region_name=REGION)
    metrics = _run_sender(
        SENDER_ENV | {"DLQ_URL": sqs.create_queue(QueueName="send-dlq")["QueueUrl"],
                      "SEND_QUEUE_URL": sqs.create_queue(QueueName="send")["QueueUrl"]}
        | _declared_env(dev, "order-email-sender-function", telemetry), tables, monkeypatch, capsys)
    metrics |= _run_feedback(
        samples_env(sqs.create_queue(QueueName="feedback-dlq")["QueueUrl"])
        | _declared_env(dev, "order-email-feedback-function", telemetry), tables, monkeypatch, capsys)
    metrics |= _run_quota_probe(_declared_env(dev, "order-email-observability-quota-probe", telemetry), monkeypatch,
                                capsys)
    yield metrics


def samples_env(dlq_url: str) -> dict[str, str]:
    return FEEDBACK.environment(deliveries_table="deliveries", suppression_table="suppression", dlq_url=dlq_url,
                                configuration_set="order-email-dev", soft_bounce_count=1, soft_bounce_window_days=7,
                                powertools_log_level="WARNING", **powertools("dev"))


def _run_sender(env: dict[str, str], tables: Tables, monkeypatch: pytest.MonkeyPatch,
                capsys: pytest.CaptureFixture[str]) -> set[Metric]:
    """Sent, duplicate, invalid, suppressed, throttled, held, failed and long-waiting orders: every send-path metric."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    boto3.client("sesv2", region_name=REGION).create_email_identity(EmailIdentity=FROM_DOMAIN)
    boto3.client("dynamodb", region_name=REGION).put_item(TableName=tables.suppression, Item={
        "addressHash": {"S": address_hash("blocked@example.com")}, "reason": {"S": "BOUNCE"}})
    tap = SesTap(failures=[("TooManyRequestsException", "Maximum sending rate exceeded."),
                           ("MessageRejected", "Email address is not verified."),
                           ("MessageRejected", "Illegal address"),
                           ("TooManyRequestsException", "Maximum sending rate exceeded.")])

    class TappedSession(botocore.session.Session):  # the sender's clients come straight from botocore
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.register("before-call.sesv2.SendEmail", tap.intercept)

    monkeypatch.setattr(botocore.session, "Session", TappedSession)
    entry = importlib.reload(importlib.import_module("order_email.handlers.send_order_email"))  # reads the declared env
    entry.sender.cache_clear()
    capsys.readouterr()
    event = sqs_event(body(order("THROTTLED")), body(order("HELD")), body(order("FAILED")), body(order("STALE")),
                      body(order("SENT")), body(order("SENT")), body(order("BAD", customerEmail="nope")),
                      body(order("BLOCKED", customerEmail="blocked@example.com")),
                      ids=["t", "h", "f", "w", "s", "d", "b", "x"])
    event["Records"][3]["messageAttributes"] = {  # has waited since 1970: past any hold limit
        "deferredSince": {"stringValue": "0", "dataType": "Number"}, "deferrals": {"stringValue": "9", "dataType": "Number"}}
    entry.handler(event, FakeContext())
    entry.sender.cache_clear()
    return _emitted(capsys.readouterr().out)


def _run_feedback(env: dict[str, str], tables: Tables, monkeypatch: pytest.MonkeyPatch,
                  capsys: pytest.CaptureFixture[str]) -> set[Metric]:
    """One message per SES event type, an unknown message and a malformed body."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    kinds = ["Send", "Delivery", "Bounce", "Complaint", "DeliveryDelay", "Reject", "Rendering Failure",
             "Open", "Click"]
    events: list[dict[str, Any] | str] = []
    for index, kind in enumerate(kinds):
        samples.seed_delivery(tables.deliveries, f"o-{index}", f"m-{index}", recipient=f"r{index}@example.com")
        events.append(samples.event(kind, f"m-{index}", f"o-{index}", recipient=f"r{index}@example.com"))
    samples.seed_delivery(tables.deliveries, "o-soft", "m-soft", recipient="soft@example.com")
    events.append(samples.event("Bounce", "m-soft", "o-soft", recipient="soft@example.com", bounce_type="Transient"))
    events.append(samples.event("Delivery", "m-unknown", None, recipient="other@example.com"))
    events.append(samples.event("Complaint", "m-foreign", "o-1", recipient="r1@example.com"))  # not o-1's message
    events.append("{ not json")
    entry = importlib.reload(importlib.import_module("order_email.handlers.ses_feedback"))
    capsys.readouterr()
    entry.handler(samples.sqs_event(*events), FakeContext())
    return _emitted(capsys.readouterr().out)


def _run_quota_probe(env: dict[str, str], monkeypatch: pytest.MonkeyPatch,
                     capsys: pytest.CaptureFixture[str]) -> set[Metric]:
    """One scheduled run against SES's GetAccount answer (moto has no GetAccount: botocore's Stubber)."""
    from botocore.stub import Stubber

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    entry = importlib.reload(importlib.import_module("order_email.handlers.quota_probe"))
    client = boto3.client("sesv2", region_name=REGION)
    stubber = Stubber(client)
    stubber.add_response("get_account", {"SendQuota": {"Max24HourSend": 200.0, "MaxSendRate": 1.0,
                                                       "SentLast24Hours": 170.0}})
    monkeypatch.setattr(entry, "_sesv2", lambda: client)
    capsys.readouterr()
    with stubber:
        assert entry.handler({"detail-type": "Scheduled Event"}, FakeContext())["usagePercent"] == 85.0
    return _emitted(capsys.readouterr().out)


def test_handlers_emit_every_business_metric(emitted: set[Metric]) -> None:
    assert {name for _, name, _ in emitted} == {str(name) for name in MetricName}


def test_dashboard_and_alarms_reference_only_what_is_emitted(dev: StackRun, emitted: set[Metric]) -> None:
    ours = {metric for metric in _dashboard_metrics(dev) | _alarm_metrics(dev) if metric[0] == "OrderEmail"}
    assert ours, "no OrderEmail metric is watched at all"
    assert ours - emitted == set(), "watched but never emitted (name or dimensions drifted)"


def test_every_emitted_metric_is_on_the_dashboard(dev: StackRun, emitted: set[Metric]) -> None:
    assert emitted - _dashboard_metrics(dev) == set(), "emitted but not charted"
