"""Orders the subscription filter drops never reach a queue: the alarm and chart that still see them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from order_email.components.alarm_catalog import Watched, alarm_specs, filtered_out_inputs
from order_email.components.alarms import DEFAULT_THRESHOLDS, FILTERED_OUT_METRICS, sum_expression
from order_email.components.dashboard import FILTERED_OUT_LABELS, DashboardInputs, dashboard_body
from order_email.handlers.shared.event_types import ORDER_EVENT_TYPE
from order_email.mockstack import StackRun
from tests.infra.test_observability_dashboard import assert_metric_row_well_formed, assert_widgets_fit_the_grid
from tests.support.stacks import recorded_full_stack

KEY = "filtered-out-orders"
SNS_METRICS = {
    "NumberOfNotificationsFilteredOut",
    "NumberOfNotificationsFilteredOut-NoMessageAttributes",
    "NumberOfNotificationsFilteredOut-InvalidAttributes",
}
"""AWS/SNS metric names, as https://docs.aws.amazon.com/sns/latest/dg/sns-monitoring-using-cloudwatch.html spells them."""


def _watched(*topics: str) -> Watched:
    return Watched("dev", {"sender": "send-fn"}, {"send": "send-q"}, {"send": "send-dlq"}, list(topics))


def _orders_topic_name(stack: StackRun) -> str:
    subscription = stack.named("order-email-sender-queue-subscription")
    [topic] = [resource for resource in stack.of_type("aws:sns/topic:Topic")
               if resource.state["arn"] == subscription.inputs["topic"]]
    return str(topic.state["name"])


# -- pure decisions -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("ids", "expression"), [
    (["a"], "FILL(a, 0)"),
    (["nomatch0", "noattributes0", "invalid0"], "FILL(nomatch0, 0) + FILL(noattributes0, 0) + FILL(invalid0, 0)"),
])
def test_sum_expression_fills_each_count(ids: list[str], expression: str) -> None:
    assert sum_expression(ids) == expression


def test_sum_expression_needs_a_metric() -> None:
    with pytest.raises(ValueError, match="at least one"):
        sum_expression([])


@pytest.mark.parametrize(("topics", "ids"), [
    (["orders"], ["nomatch0", "noattributes0", "invalid0"]),
    (["a", "b", "c"], [f"{kind}{index}" for index in range(3) for kind in ("nomatch", "noattributes", "invalid")]),
])
def test_every_count_of_every_topic_is_an_input(topics: list[str], ids: list[str]) -> None:
    inputs = filtered_out_inputs(topics)
    assert list(inputs) == ids
    assert {metric.metric_name for metric in inputs.values()} == SNS_METRICS
    assert {metric.dimensions["TopicName"] for metric in inputs.values()} == set(topics)
    assert {(metric.namespace, metric.stat, metric.period) for metric in inputs.values()} == {("AWS/SNS", "Sum", 300)}


def test_more_topics_than_one_alarm_can_watch_are_refused() -> None:
    with pytest.raises(ValueError, match="at most 3 orders topics"):
        filtered_out_inputs(["a", "b", "c", "d"])


def test_no_topic_no_alarm() -> None:
    assert KEY not in {spec.key for spec in alarm_specs(_watched(), DEFAULT_THRESHOLDS)}
    with_topic = alarm_specs(_watched("orders"), DEFAULT_THRESHOLDS)
    assert len(with_topic) == len(alarm_specs(_watched(), DEFAULT_THRESHOLDS)) + 1


def test_the_spec_tells_the_on_call_what_was_lost() -> None:
    [spec] = [spec for spec in alarm_specs(_watched("orders"), DEFAULT_THRESHOLDS) if spec.key == KEY]
    assert (spec.threshold, spec.comparison, spec.evaluation_periods, spec.datapoints_to_alarm) == (
        1, "GreaterThanOrEqualToThreshold", 1, 1)
    assert spec.treat_missing_data == "notBreaching"
    assert spec.expression == sum_expression(list(spec.inputs))
    assert f"eventType = {ORDER_EVENT_TYPE}" in spec.meaning
    assert "omitted or misspelled" in spec.meaning and "before any queue" in spec.meaning
    assert "no DLQ" in spec.meaning and "cannot be redriven" in spec.action
    assert not spec.pauses_sending


def test_the_chart_labels_every_count() -> None:
    assert FILTERED_OUT_LABELS.keys() == FILTERED_OUT_METRICS.keys()


def test_no_topic_no_chart() -> None:
    specs = alarm_specs(_watched(), DEFAULT_THRESHOLDS)
    inputs = DashboardInputs("dev", "eu-west-1", {"sender": "send-fn"}, {"send": "send-q"}, {"send": "send-dlq"},
                             DEFAULT_THRESHOLDS, specs, [])
    rows = [row for widget in dashboard_body(inputs)["widgets"] if widget["type"] == "metric"
            for row in widget["properties"]["metrics"]]
    assert not [row for row in rows if row[0] == "AWS/SNS"]


# -- the dev and prod stacks ---------------------------------------------------------------------------


@pytest.fixture(params=["dev", "prod"])
def stack(request: pytest.FixtureRequest) -> StackRun:
    """Both stacks with the full observability profile: dev's own profile is lean
    (`test_observability_profile`), and these alarms, the dashboard and the health alarm are the full one's."""
    return recorded_full_stack(request.param)


def _alarm(stack: StackRun) -> Any:
    return stack.named(f"order-email-observability-{KEY}")


def test_the_alarm_sums_the_three_counts_of_the_subscribed_orders_topic(stack: StackRun) -> None:
    inputs = _alarm(stack).inputs
    assert inputs["name"] == f"order-email-{stack.stack}-{KEY}"
    queries = {query["id"]: query for query in inputs["metricQueries"]}
    [returned] = [query for query in queries.values() if query["returnData"]]
    assert returned["expression"] == "FILL(nomatch0, 0) + FILL(noattributes0, 0) + FILL(invalid0, 0)"
    metrics = [query["metric"] for query in queries.values() if "metric" in query]
    assert {metric["metricName"] for metric in metrics} == SNS_METRICS
    for metric in metrics:
        assert metric["namespace"] == "AWS/SNS" and metric["stat"] == "Sum" and metric["period"] == 300
        assert metric["dimensions"] == {"TopicName": _orders_topic_name(stack)}
    assert inputs["threshold"] == 1 and inputs["comparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert inputs["evaluationPeriods"] == inputs["datapointsToAlarm"] == 1
    assert inputs["treatMissingData"] == "notBreaching"


def test_the_alarm_pages_like_every_other(stack: StackRun) -> None:
    alarm = _alarm(stack)
    topic = stack.named("order-email-observability-alarms").state["arn"]
    assert alarm.inputs["alarmActions"] == alarm.inputs["okActions"] == [topic]
    assert f'ALARM("order-email-{stack.stack}-{KEY}")' in stack.named(
        "order-email-observability-system-health").inputs["alarmRule"]
    description = alarm.inputs["alarmDescription"]
    assert f"eventType = {ORDER_EVENT_TYPE}" in description and "What to do: Find the publisher" in description


def test_the_dashboard_charts_the_counts_with_the_alarm_line(stack: StackRun) -> None:
    body = json.loads(stack.named("order-email-observability-dashboard").inputs["dashboardBody"])
    assert_widgets_fit_the_grid(body["widgets"])
    [widget] = [widget for widget in body["widgets"] if widget["type"] == "metric"
                and any(row[0] == "AWS/SNS" for row in widget["properties"]["metrics"])]
    rows = widget["properties"]["metrics"]
    for row in rows:
        assert_metric_row_well_formed(row, set())
    topic = _orders_topic_name(stack)
    assert {(row[1], row[2], row[3]) for row in rows} == {(name, "TopicName", topic) for name in SNS_METRICS}
    assert widget["properties"]["annotations"]["horizontal"] == [{"label": "Filtered-out-orders alarm", "value": 1}]
    runbook = next(widget for widget in body["widgets"] if widget["type"] == "text")["properties"]["markdown"]
    assert f"order-email-{stack.stack}-{KEY}" in runbook
    alarm_widget = next(widget for widget in body["widgets"] if widget["type"] == "alarm")
    assert _alarm(stack).state["arn"] in alarm_widget["properties"]["alarms"]
