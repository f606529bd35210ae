"""The alarms on-call expects, on the real dev and prod stacks: each at its configured threshold,
paging the alarm topic, in the health alarm and on the dashboard; and the quota probe that feeds one."""

from __future__ import annotations

import json
from typing import Any

import pytest

from order_email.components.config import parse_stack_config
from order_email.components.quota_probe import schedule_expression
from order_email.handlers.quota_probe import quota_usage_percent
from order_email.handlers.shared.environment import QUOTA_PROBE
from order_email.mockstack import StackRun, stack_config
from tests.support.stacks import recorded_full_stack

PREFIX = "order-email-observability"


@pytest.fixture(params=["dev", "prod"])
def stack(request: pytest.FixtureRequest) -> StackRun:
    """Both stacks with the full observability profile: dev's own profile is lean
    (`test_observability_profile`), and these alarms, the dashboard and the health alarm are the full one's."""
    return recorded_full_stack(request.param)


def _settings(stack: StackRun) -> Any:
    return parse_stack_config(stack_config(stack.stack))


def _dashboard(stack: StackRun) -> dict[str, Any]:
    return json.loads(stack.named(f"{PREFIX}-dashboard").inputs["dashboardBody"])


def _alarm_lines(stack: StackRun, metric_name: str) -> list[float]:
    """The horizontal annotation values of every chart of `metric_name`."""
    return [line["value"] for widget in _dashboard(stack)["widgets"] if widget["type"] == "metric"
            and any(len(row) > 1 and row[1] == metric_name for row in widget["properties"]["metrics"])
            for line in widget["properties"].get("annotations", {}).get("horizontal", [])]


def _thresholds(stack: StackRun) -> dict[str, float]:
    alarms = _settings(stack).alarms
    return {
        "send-quota-usage": alarms.send_quota_usage_percent,
        "send-latency-p95": alarms.send_latency_p95_seconds * 1000,
        "delivery-rate": alarms.delivery_rate_percent,
        "held-orders": 1,
        "filtered-out-orders": 1,
    }


CHARTED = {"send-quota-usage": "SendQuotaUsage", "send-latency-p95": "SendLatency", "delivery-rate": "Deliveries",
           "held-orders": "HeldOrders", "filtered-out-orders": "NumberOfNotificationsFilteredOut"}


@pytest.mark.parametrize("key", list(CHARTED))
def test_each_alarm_pages_at_its_configured_threshold_and_is_on_the_dashboard(stack: StackRun, key: str) -> None:
    alarm = stack.named(f"{PREFIX}-{key}")
    name = f"order-email-{stack.stack}-{key}"
    assert alarm.inputs["name"] == name
    assert alarm.inputs["threshold"] == _thresholds(stack)[key]
    topic = stack.named(f"{PREFIX}-alarms").state["arn"]
    assert alarm.inputs["alarmActions"] == alarm.inputs["okActions"] == [topic]
    assert f'ALARM("{name}")' in stack.named(f"{PREFIX}-system-health").inputs["alarmRule"]
    body = _dashboard(stack)
    assert alarm.state["arn"] in next(w for w in body["widgets"] if w["type"] == "alarm")["properties"]["alarms"]
    assert name in next(w for w in body["widgets"] if w["type"] == "text")["properties"]["markdown"]
    assert _thresholds(stack)[key] in _alarm_lines(stack, CHARTED[key])


def test_the_quota_alarm_reads_the_probes_metric_and_breaches_on_its_silence(stack: StackRun) -> None:
    inputs = stack.named(f"{PREFIX}-send-quota-usage").inputs
    minutes = _settings(stack).alarms.quota_probe_minutes
    assert (inputs["namespace"], inputs["metricName"], inputs["statistic"]) == ("OrderEmail", "SendQuotaUsage",
                                                                                 "Maximum")
    assert inputs["dimensions"] == {"service": f"order-email-{stack.stack}"}
    assert inputs["period"] == 3 * minutes * 60 and inputs["treatMissingData"] == "breaching"
    assert inputs["comparisonOperator"] == "GreaterThanOrEqualToThreshold"


def test_the_delivery_rate_is_deliveries_over_sends_with_the_minimum_volume(stack: StackRun) -> None:
    inputs = stack.named(f"{PREFIX}-delivery-rate").inputs
    volume = _settings(stack).alarms.minimum_volume
    [returned] = [query for query in inputs["metricQueries"] if query["returnData"]]
    assert returned["expression"] == f"IF(sent >= {volume}, 100 * FILL(good, 0) / sent, 100)"
    metrics = {query["id"]: query["metric"]["metricName"] for query in inputs["metricQueries"] if "metric" in query}
    assert metrics == {"sent": "EmailsSent", "good": "Deliveries"}
    assert inputs["comparisonOperator"] == "LessThanThreshold" and inputs["evaluationPeriods"] == 2


def test_the_send_latency_alarm_is_on_the_p95(stack: StackRun) -> None:
    inputs = stack.named(f"{PREFIX}-send-latency-p95").inputs
    assert inputs["metricName"] == "SendLatency" and inputs["extendedStatistic"] == "p95"
    assert "statistic" not in inputs or inputs["statistic"] is None


def test_the_probe_runs_on_its_schedule_with_its_contract(stack: StackRun) -> None:
    config = _settings(stack)
    function = stack.named(f"{PREFIX}-quota-probe")
    assert function.inputs["handler"] == "handlers.quota_probe.handler"
    assert function.inputs["name"] == f"order-email-{stack.stack}-quota-probe"
    variables = function.inputs["environment"]["variables"]
    assert set(variables) == set(QUOTA_PROBE.names)
    assert variables["POWERTOOLS_SERVICE_NAME"] == f"order-email-{stack.stack}"
    assert function.inputs["layers"] == stack.named("order-email-sender-function").inputs["layers"]
    rule = stack.named(f"{PREFIX}-quota-probe-rule")
    assert rule.inputs["scheduleExpression"] == f"rate({config.alarms.quota_probe_minutes} minutes)"
    assert not rule.inputs.get("eventPattern")
    target = stack.named(f"{PREFIX}-quota-probe-target")
    assert target.inputs["arn"] == function.state["arn"] and target.inputs["rule"] == rule.state["name"]
    permission = stack.named(f"{PREFIX}-quota-probe-invoke")
    assert permission.inputs["principal"] == "events.amazonaws.com"
    assert permission.inputs["sourceArn"] == rule.state["arn"]
    logs = stack.named(f"{PREFIX}-quota-probe-logs")
    assert logs.inputs["retentionInDays"] == config.log_retention_days
    assert bool(logs.inputs.get("kmsKeyId")) == (config.kms == "customer-managed")


def test_the_probe_may_read_the_quota_and_write_its_logs_and_nothing_else(stack: StackRun) -> None:
    policy = json.loads(stack.named(f"{PREFIX}-quota-probe-policy").inputs["policy"])
    log_group = stack.named(f"{PREFIX}-quota-probe-logs").state["arn"]
    statements = {statement["Sid"]: statement for statement in policy["Statement"]}
    assert set(statements) == {"ReadSendingQuota", "WriteOwnLogGroup"}
    # ses:GetAccount has no resource type in the Service Authorization Reference: "*" is the only form.
    assert statements["ReadSendingQuota"]["Action"] == "ses:GetAccount"
    assert statements["ReadSendingQuota"]["Resource"] == "*"
    assert statements["WriteOwnLogGroup"]["Resource"] == [log_group, f"{log_group}:log-stream:*"]
    assert all(statement["Effect"] == "Allow" for statement in statements.values())


@pytest.mark.parametrize(("minutes", "expression"), [(1, "rate(1 minute)"), (5, "rate(5 minutes)"),
                                                     (60, "rate(60 minutes)")])
def test_schedule_expression(minutes: int, expression: str) -> None:
    assert schedule_expression(minutes) == expression


@pytest.mark.parametrize("minutes", [0, 61])
def test_schedule_outside_the_configurable_range_is_refused(minutes: int) -> None:
    with pytest.raises(ValueError, match="1-60 minutes"):
        schedule_expression(minutes)


@pytest.mark.parametrize(
    ("quota", "percent"),
    [
        ({"Max24HourSend": 200.0, "SentLast24Hours": 0.0}, 0.0),
        ({"Max24HourSend": 200.0, "SentLast24Hours": 161.0}, 80.5),
        ({"Max24HourSend": 200.0, "SentLast24Hours": 250.0}, 125.0),
        ({"Max24HourSend": -1.0, "SentLast24Hours": 5000.0}, 0.0),  # -1: unlimited
        ({"Max24HourSend": 0.0, "SentLast24Hours": 0.0}, 100.0),
        ({"Max24HourSend": 50000.0}, 0.0),
    ],
)
def test_quota_usage_percent(quota: dict[str, float], percent: float) -> None:
    assert quota_usage_percent(quota) == percent
