"""The dashboard body: valid widgets on the 24-column grid, well-formed metrics, no metric drift."""

from __future__ import annotations

import json
from typing import Any

import pytest

from order_email.components import dashboard, log_insights
from order_email.components.alarm_catalog import Watched, alarm_specs
from order_email.components.alarms import DEFAULT_THRESHOLDS
from order_email.components.dashboard import DashboardInputs, dashboard_body, place_rows, referenced_metrics
from order_email.handlers.shared.telemetry import NAMESPACE, MetricName

FUNCTIONS = {"sender": "send-fn", "feedback": "feedback-fn", "status": "status-fn"}
QUEUES = {"send": "send-q", "feedback": "feedback-q"}
DLQS = {"send": "send-dlq", "feedback": "feedback-dlq"}


def _inputs() -> DashboardInputs:
    specs = alarm_specs(Watched("dev", FUNCTIONS, QUEUES, DLQS), DEFAULT_THRESHOLDS)
    return DashboardInputs(
        environment="dev",
        region="eu-west-1",
        function_names=FUNCTIONS,
        queue_names=QUEUES,
        dead_letter_queue_names=DLQS,
        thresholds=DEFAULT_THRESHOLDS,
        alarm_specs=specs,
        alarm_arns=[f"arn:aws:cloudwatch:eu-west-1:123456789012:alarm:{spec.name}" for spec in specs],
    )


@pytest.fixture
def body() -> dict[str, Any]:
    return json.loads(json.dumps(dashboard_body(_inputs())))  # what CloudWatch receives


def _metric_rows(body: dict[str, Any]) -> list[list[Any]]:
    return [row for widget in body["widgets"] if widget["type"] == "metric" for row in widget["properties"]["metrics"]]


def assert_widgets_fit_the_grid(widgets: list[dict[str, Any]]) -> None:
    cells: set[tuple[int, int]] = set()
    for widget in widgets:
        assert {"type", "x", "y", "width", "height", "properties"} <= widget.keys()
        x, y, width, height = widget["x"], widget["y"], widget["width"], widget["height"]
        assert x >= 0 and y >= 0 and width >= 1 and height >= 1
        assert x + width <= dashboard.GRID_COLUMNS, widget["properties"].get("title")
        covered = {(column, row) for column in range(x, x + width) for row in range(y, y + height)}
        assert not cells & covered, f"overlap at {widget['properties'].get('title')}"
        cells |= covered


def assert_metric_row_well_formed(row: list[Any], known_ids: set[str]) -> None:
    if isinstance(row[0], dict):
        assert len(row) == 1
        assert {"expression", "id"} <= row[0].keys()
        return
    strings = row[:-1] if isinstance(row[-1], dict) else row
    assert all(isinstance(part, str) and part for part in strings), row
    assert len(strings) >= 2 and len(strings) % 2 == 0, row  # namespace, metric, then name/value pairs
    assert "." not in strings[2:], "no shorthand: every row spells out its dimensions"


def test_widgets_fit_the_grid_without_overlap(body: dict[str, Any]) -> None:
    assert_widgets_fit_the_grid(body["widgets"])
    assert {widget["type"] for widget in body["widgets"]} == {"metric", "alarm", "text"}


def test_metric_rows_are_well_formed(body: dict[str, Any]) -> None:
    for widget in body["widgets"]:
        if widget["type"] != "metric":
            continue
        properties = widget["properties"]
        assert properties["region"] == "eu-west-1" and properties["title"]
        rows = properties["metrics"]
        ids = {row[-1]["id"] for row in rows if isinstance(row[-1], dict) and "id" in row[-1]}
        for row in rows:
            assert_metric_row_well_formed(row, ids)


def test_expressions_only_use_ids_defined_in_their_widget(body: dict[str, Any]) -> None:
    for widget in body["widgets"]:
        if widget["type"] != "metric":
            continue
        rows = widget["properties"]["metrics"]
        ids = {row[-1]["id"] for row in rows if isinstance(row[-1], dict) and "id" in row[-1]}
        for row in rows:
            if isinstance(row[0], dict):
                words = {
                    word
                    for word in row[0]["expression"].replace("(", " ").replace(")", " ").replace(",", " ").split()
                    if word.isidentifier() and word.islower()
                }
                assert words <= ids | {row[0]["id"]}, (row, ids)


def test_every_emitted_metric_is_on_the_dashboard(body: dict[str, Any]) -> None:
    charted = {name for namespace, name in referenced_metrics(body, []) if namespace == NAMESPACE}
    assert charted == {metric.value for metric in MetricName}


def test_no_order_email_metric_outside_the_contract(body: dict[str, Any]) -> None:
    specs = _inputs().alarm_specs
    ours = {name for namespace, name in referenced_metrics(body, specs) if namespace == NAMESPACE}
    assert ours <= {metric.value for metric in MetricName}
    for row in _metric_rows(body):
        if row[0] == NAMESPACE:
            assert row[2:4] == ["service", "order-email-dev"]  # the only dimension Powertools adds


def test_required_charts_are_present(body: dict[str, Any]) -> None:
    refs = referenced_metrics(body, [])
    for name in ("Invocations", "Errors", "Throttles", "Duration", "ConcurrentExecutions"):
        assert ("AWS/Lambda", name) in refs
    for name in ("ApproximateNumberOfMessagesVisible", "ApproximateAgeOfOldestMessage"):
        assert ("AWS/SQS", name) in refs
    assert {("AWS/SES", "Reputation.BounceRate"), ("AWS/SES", "Reputation.ComplaintRate")} <= refs
    rows = _metric_rows(body)
    queues = {row[3] for row in rows if row[0] == "AWS/SQS"}
    assert queues == set(QUEUES.values()) | set(DLQS.values())
    functions = {row[3] for row in rows if row[0] == "AWS/Lambda"}
    assert functions == set(FUNCTIONS.values())
    stats = {
        row[-1].get("stat") for row in rows if isinstance(row[0], str) and row[1] in ("SendLatency", "DeliveryLatency")
    }
    assert {"p50", "p95", "p99"} <= stats
    expressions = [row[0]["expression"] for row in rows if isinstance(row[0], dict)]
    assert any("FILL(hardr, 0)" in expr for expr in expressions)


def test_alarm_widget_and_runbook_cover_every_alarm(body: dict[str, Any]) -> None:
    specs = _inputs().alarm_specs
    alarm_widget = next(widget for widget in body["widgets"] if widget["type"] == "alarm")
    assert len(alarm_widget["properties"]["alarms"]) == len(specs)
    markdown = next(widget for widget in body["widgets"] if widget["type"] == "text")["properties"]["markdown"]
    for spec in specs:
        assert spec.name in markdown


def test_place_rows_wraps_at_24_columns() -> None:
    widgets = place_rows(
        [
            [{"width": 12, "height": 3}, {"width": 12, "height": 6}, {"width": 8, "height": 2}],
            [{"width": 24, "height": 1}],
        ]
    )
    assert [(w["x"], w["y"]) for w in widgets] == [(0, 0), (12, 0), (0, 6), (0, 8)]
    with pytest.raises(ValueError):
        place_rows([[{"width": 25, "height": 1}]])


def test_referenced_metrics_includes_alarm_metrics() -> None:
    specs = _inputs().alarm_specs
    refs = referenced_metrics({"widgets": []}, specs)
    assert (NAMESPACE, "EmailsSent") in refs and ("AWS/SQS", "ApproximateAgeOfOldestMessage") in refs


def test_saved_queries() -> None:
    queries = {query.key: query for query in log_insights.saved_queries("dev", ["sender", "feedback"])}
    assert set(queries) == {"errors", "order", "slowest-sends"}
    assert all(query.name.startswith("order-email-dev/") for query in queries.values())
    assert log_insights.ORDER_ID_PLACEHOLDER in queries["order"].query
    assert 'filter orderId = "' in queries["order"].query
    assert "level" in queries["errors"].query
    assert "unnest emf.SendLatency" in queries["slowest-sends"].query
    assert queries["slowest-sends"].log_group_roles == ("sender",)
    assert {q.key for q in log_insights.saved_queries("dev", ["feedback"])} == {"errors", "order"}
