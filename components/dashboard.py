"""The CloudWatch dashboard body of one stack, built from plain values by pure functions.

One screen answers "is e-mail flowing, is it landing, is anything stuck": pipeline counts, bounce and
complaint rates, latencies, the delivery rate and the SES 24-hour quota used, the Lambda functions,
the queues and dead-letter queues, the SES account reputation, the alarms' states and a runbook
saying what each alarm means. Each alarm's threshold is a line on the chart of its metric.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from order_email.components.alarms import (
    FILTERED_OUT_METRICS,
    LAMBDA_NAMESPACE,
    REPUTATION_BOUNCE_RATE,
    REPUTATION_COMPLAINT_RATE,
    SES_NAMESPACE,
    SES_REVIEW_BOUNCE_RATE_PERCENT,
    SES_REVIEW_COMPLAINT_RATE_PERCENT,
    SNS_NAMESPACE,
    SQS_NAMESPACE,
    AlarmSpec,
    AlarmThresholds,
    rate_expression,
    seconds_to_ms,
)
from order_email.handlers.shared.telemetry import NAMESPACE, MetricName, service_name

GRID_COLUMNS = 24
"""CloudWatch dashboards are 24 columns wide."""
PERIOD = 300


@dataclass(frozen=True)
class DashboardInputs:
    """Resolved names (plain strings) the dashboard charts."""

    environment: str
    region: str
    function_names: Mapping[str, str]
    queue_names: Mapping[str, str]
    dead_letter_queue_names: Mapping[str, str]
    thresholds: AlarmThresholds
    alarm_specs: Sequence[AlarmSpec]
    alarm_arns: Sequence[str]
    """Shown in the alarm-status widget (the metric alarms and the composite health alarm)."""
    orders_topic_names: Sequence[str] = ()
    """Orders topics whose subscription-filter drops are charted (no chart when empty)."""


# --- metric array helpers ----------------------------------------------------------------------


def metric(namespace: str, name: str, dimensions: Mapping[str, str] | None = None, **options: Any) -> list[Any]:
    """`[namespace, metric, dim, value, ..., {options}]`, spelled out (no "." shorthand)."""
    row: list[Any] = [namespace, name]
    for key, value in (dimensions or {}).items():
        row += [key, value]
    if options:
        row.append(options)
    return row


def expression(expr: str, label: str, expression_id: str, **options: Any) -> list[Any]:
    return [{"expression": expr, "label": label, "id": expression_id, **options}]


def _ours(env: str, name: MetricName, label: str, **options: Any) -> list[Any]:
    return metric(NAMESPACE, name.value, {"service": service_name(env)}, label=label, **options)


def metric_widget(
    inputs: DashboardInputs,
    title: str,
    metrics: list[list[Any]],
    *,
    width: int,
    height: int = 6,
    stat: str = "Sum",
    period: int = PERIOD,
    annotations: list[dict[str, Any]] | None = None,
    y_label: str | None = None,
) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "title": title,
        "view": "timeSeries",
        "stacked": False,
        "region": inputs.region,
        "stat": stat,
        "period": period,
        "metrics": metrics,
        "yAxis": {"left": {"min": 0, **({"label": y_label} if y_label else {})}},
    }
    if annotations:
        properties["annotations"] = {"horizontal": annotations}
    return {"type": "metric", "width": width, "height": height, "properties": properties}


def _line(label: str, value: float) -> dict[str, Any]:
    return {"label": label, "value": value}


# --- widgets -----------------------------------------------------------------------------------


SEND_PATH_COUNTS = {
    MetricName.ORDERS_RECEIVED: "Orders received",
    MetricName.EMAILS_SENT: "Sent",
    MetricName.SUPPRESSED: "Suppressed (not sent)",
    MetricName.INVALID_ORDERS: "Invalid orders",
    MetricName.DUPLICATES_SKIPPED: "Duplicates skipped",
    MetricName.SEND_FAILURES: "Send failures (order refused)",
}
WAITING_COUNTS = {
    MetricName.HELD_ORDERS: "Held (account or stack refusal)",
    MetricName.SEND_THROTTLED: "SES throttled (backing off)",
    MetricName.DEFERRED: "Re-enqueued with a delay",
    MetricName.HELD_TOO_LONG: "Waited too long (to the DLQ)",
}
FEEDBACK_PATH_COUNTS = {
    MetricName.OPENS: "Opens",
    MetricName.CLICKS: "Clicks",
    MetricName.SUPPRESSIONS_ADDED: "Suppressions added",
    MetricName.UNKNOWN_MESSAGE_EVENTS: "Events for unknown messages",
    MetricName.FOREIGN_EVENTS: "Events for another message (record unchanged)",
    MetricName.INVALID_EVENTS: "Invalid events",
}
"""The counters of each path's chart and their labels, in the legend's order."""


def _counts(inputs: DashboardInputs, rows: Mapping[MetricName, str]) -> list[list[Any]]:
    return [_ours(inputs.environment, name, label) for name, label in rows.items()]


def _percentiles(inputs: DashboardInputs, name: MetricName) -> list[list[Any]]:
    return [_ours(inputs.environment, name, stat, stat=stat) for stat in ("p50", "p95", "p99")]


def pipeline_widgets(inputs: DashboardInputs) -> list[dict[str, Any]]:
    env = inputs.environment
    outcomes = [
        _ours(env, MetricName.DELIVERIES, "Delivered"),
        expression("hard + soft", "Bounced (hard + soft)", "bounced"),
        _ours(env, MetricName.HARD_BOUNCES, "Hard bounces", id="hard"),
        _ours(env, MetricName.SOFT_BOUNCES, "Soft bounces", id="soft"),
        _ours(env, MetricName.COMPLAINTS, "Complaints"),
        _ours(env, MetricName.REJECTS, "Rejected by SES"),
        _ours(env, MetricName.DELAYS, "Delivery delays"),
        _ours(env, MetricName.RENDERING_FAILURES, "Rendering failures"),
    ]
    return [
        metric_widget(inputs, "Send path (count per 5 min)", _counts(inputs, SEND_PATH_COUNTS), width=8),
        metric_widget(inputs, "Waiting orders (count per 5 min)", _counts(inputs, WAITING_COUNTS), width=8,
                      annotations=[_line("Held-orders alarm", 1)]),
        metric_widget(inputs, "Delivery outcomes (count per 5 min)", outcomes, width=8),
    ]


FILTERED_OUT_LABELS = {
    "nomatch": "eventType missing or another value",
    "noattributes": "no message attributes",
    "invalid": "attributes SNS cannot read",
}
"""What each of `alarms.FILTERED_OUT_METRICS` means for an order."""


def filtered_out_widgets(inputs: DashboardInputs) -> list[dict[str, Any]]:
    """Orders SNS dropped before the send queue: never in a DLQ, so this chart is their only trace."""
    if not inputs.orders_topic_names:
        return []
    return [metric_widget(
        inputs,
        "Orders dropped by the subscription filter, never queued (count per 5 min)",
        [
            metric(SNS_NAMESPACE, name, {"TopicName": topic}, label=f"{FILTERED_OUT_LABELS[key]} ({topic})")
            for topic in inputs.orders_topic_names
            for key, name in FILTERED_OUT_METRICS.items()
        ],
        width=GRID_COLUMNS,
        height=4,
        annotations=[_line("Filtered-out-orders alarm", 1)],
    )]


def rate_widgets(inputs: DashboardInputs) -> list[dict[str, Any]]:
    env, t = inputs.environment, inputs.thresholds
    volume = t["minimum_volume"]
    rates = metric_widget(
        inputs,
        "Bounce and complaint rate (% of sent, hourly)",
        [
            expression(rate_expression("hardr", "sentr", volume), "Hard-bounce rate %", "bouncerate"),
            expression(rate_expression("complr", "sentr", volume), "Complaint rate %", "complaintrate"),
            _ours(env, MetricName.EMAILS_SENT, "Sent", id="sentr", visible=False),
            _ours(env, MetricName.HARD_BOUNCES, "Hard bounces", id="hardr", visible=False),
            _ours(env, MetricName.COMPLAINTS, "Complaints", id="complr", visible=False),
        ],
        width=8, period=3600, y_label="%",
        annotations=[_line("Bounce-rate alarm", t["bounce_rate_percent"]),
                     _line("Complaint-rate alarm", t["complaint_rate_percent"])],
    )
    send_latency = metric_widget(inputs, "Send latency, order → SES accepted (ms)",
                                 _percentiles(inputs, MetricName.SEND_LATENCY), width=8, stat="p95", period=900,
                                 y_label="ms",
                                 annotations=[_line("p95 alarm", seconds_to_ms(t["send_latency_p95_seconds"]))])
    delivery_latency = metric_widget(
        inputs, "Delivery latency, send → delivered (ms)", _percentiles(inputs, MetricName.DELIVERY_LATENCY),
        width=8, stat="p95", period=900, y_label="ms",
        annotations=[_line("p95 alarm", seconds_to_ms(t["delivery_latency_p95_seconds"]))],
    )
    return [rates, send_latency, delivery_latency]


def account_widgets(inputs: DashboardInputs) -> list[dict[str, Any]]:
    """Is mail landing, and how much of the day's SES quota is left."""
    env, t = inputs.environment, inputs.thresholds
    delivery_rate = metric_widget(
        inputs,
        "Delivery rate (% of sent, hourly)",
        [
            expression(rate_expression("deliveredr", "sentd", t["minimum_volume"], 100), "Delivered %",
                       "deliveryrate"),
            _ours(env, MetricName.EMAILS_SENT, "Sent", id="sentd", visible=False),
            _ours(env, MetricName.DELIVERIES, "Delivered", id="deliveredr", visible=False),
        ],
        width=12, period=3600, y_label="%",
        annotations=[_line("Delivery-rate alarm", t["delivery_rate_percent"])],
    )
    quota = metric_widget(
        inputs,
        "SES 24-hour sending quota used (%)",
        [_ours(env, MetricName.SEND_QUOTA_USAGE, "Quota used %")],
        width=12, stat="Maximum", period=t["quota_probe_minutes"] * 60, y_label="%",
        annotations=[_line("Quota alarm", t["send_quota_usage_percent"]), _line("SES refuses sends", 100)],
    )
    return [delivery_rate, quota]


def feedback_widgets(inputs: DashboardInputs) -> list[dict[str, Any]]:
    t = inputs.thresholds
    housekeeping = metric_widget(inputs, "Feedback path (count per 5 min)", _counts(inputs, FEEDBACK_PATH_COUNTS),
                                 width=12)
    reputation = metric_widget(
        inputs,
        "SES account reputation (%)",
        [
            expression("100 * rb", "Account bounce rate %", "bouncepct"),
            expression("100 * rc", "Account complaint rate %", "complaintpct"),
            metric(SES_NAMESPACE, REPUTATION_BOUNCE_RATE, id="rb", visible=False),
            metric(SES_NAMESPACE, REPUTATION_COMPLAINT_RATE, id="rc", visible=False),
        ],
        width=12,
        stat="Maximum",
        period=3600,
        y_label="%",
        annotations=[
            _line("Bounce alarm", t["reputation_bounce_rate_percent"]),
            _line("SES bounce review", SES_REVIEW_BOUNCE_RATE_PERCENT),
            _line("Complaint alarm", t["reputation_complaint_rate_percent"]),
            _line("SES complaint review", SES_REVIEW_COMPLAINT_RATE_PERCENT),
        ],
    )
    return [housekeeping, reputation]


LAMBDA_METRICS = (
    ("Invocations", "Sum"),
    ("Errors", "Sum"),
    ("Throttles", "Sum"),
    ("Duration", "p95"),
    ("ConcurrentExecutions", "Maximum"),
)


def lambda_widgets(inputs: DashboardInputs) -> list[dict[str, Any]]:
    widths = (8, 8, 8, 12, 12)
    return [
        metric_widget(
            inputs,
            f"Lambda {name}" + (" (ms)" if name == "Duration" else ""),
            [
                metric(LAMBDA_NAMESPACE, name, {"FunctionName": function}, label=role)
                for role, function in inputs.function_names.items()
            ],
            width=width,
            stat=stat,
        )
        for (name, stat), width in zip(LAMBDA_METRICS, widths, strict=True)
    ]


def queue_widgets(inputs: DashboardInputs) -> list[dict[str, Any]]:
    def rows(names: Mapping[str, str], name: str, suffix: str = "") -> list[list[Any]]:
        return [
            metric(SQS_NAMESPACE, name, {"QueueName": queue}, label=f"{role}{suffix}") for role, queue in names.items()
        ]

    depth, age = "ApproximateNumberOfMessagesVisible", "ApproximateAgeOfOldestMessage"
    objective = inputs.thresholds["oldest_message_age_seconds"]
    return [
        metric_widget(inputs, "Queue depth (visible messages)", rows(inputs.queue_names, depth), width=8,
                      stat="Maximum"),
        metric_widget(inputs, "Age of oldest message (s)", rows(inputs.queue_names, age), width=8, stat="Maximum",
                      annotations=[_line("Latency objective", objective)]),
        metric_widget(inputs, "Dead-letter queues (messages)", rows(inputs.dead_letter_queue_names, depth, " DLQ"),
                      width=8, stat="Maximum", annotations=[_line("Alarm", 1)]),
    ]


def alarm_status_widget(inputs: DashboardInputs) -> dict[str, Any]:
    return {
        "type": "alarm",
        "width": GRID_COLUMNS,
        "height": 4,
        "properties": {
            "title": "Alarms",
            "alarms": list(inputs.alarm_arns),
            "sortBy": "stateUpdatedTimestamp",
        },
    }


def _cell(text: str) -> str:
    return text.replace("|", "/").replace("\n", " ")


def runbook_markdown(specs: Sequence[AlarmSpec], environment: str) -> str:
    """One table row per alarm: its name, what it means, what to do."""
    lines = [
        f"## Alarms of {service_name(environment)}: what they mean and what to do",
        "",
        "Every alarm notifies the alarm topic on ALARM and on OK; the **system-health** composite alarm "
        "is in ALARM while any of them is.",
        "",
        "| Alarm | Means | Do |",
        "|---|---|---|",
    ]
    lines += [f"| {spec.name} | {_cell(spec.meaning)} | {_cell(spec.action)} |" for spec in specs]
    return "\n".join(lines)


def runbook_widget(inputs: DashboardInputs) -> dict[str, Any]:
    height = min(4 + len(inputs.alarm_specs), 30)
    return {
        "type": "text",
        "width": GRID_COLUMNS,
        "height": height,
        "properties": {"markdown": runbook_markdown(inputs.alarm_specs, inputs.environment)},
    }


# --- layout ------------------------------------------------------------------------------------


def place_rows(rows: Iterable[Sequence[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Give each widget x/y: left to right in its row, rows stacked, wrapping at 24 columns."""
    placed: list[dict[str, Any]] = []
    y = 0
    for row in rows:
        x, row_height = 0, 0
        for widget in row:
            width, height = widget["width"], widget["height"]
            if not 1 <= width <= GRID_COLUMNS:
                raise ValueError(f"widget width {width} must be 1..{GRID_COLUMNS}")
            if x + width > GRID_COLUMNS:
                y, x, row_height = y + row_height, 0, 0
            placed.append({**widget, "x": x, "y": y})
            x += width
            row_height = max(row_height, height)
        y += row_height
    return placed


def dashboard_body(inputs: DashboardInputs) -> dict[str, Any]:
    """The dashboard as a dict; `json.dumps` it for `aws.cloudwatch.Dashboard(dashboard_body=...)`."""
    return {
        "start": "-PT6H",
        "periodOverride": "inherit",
        "widgets": place_rows(
            [
                [alarm_status_widget(inputs)],
                pipeline_widgets(inputs),
                filtered_out_widgets(inputs),
                rate_widgets(inputs),
                account_widgets(inputs),
                feedback_widgets(inputs),
                lambda_widgets(inputs),
                queue_widgets(inputs),
                [runbook_widget(inputs)],
            ]
        ),
    }


def dashboard_url(region: str, dashboard_name: str) -> str:
    return (
        f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}#dashboards/dashboard/{dashboard_name}"
    )


# --- what is referenced ------------------------------------------------------------------------


def referenced_metrics(dashboard_body: Mapping[str, Any], alarm_specs: Iterable[AlarmSpec]) -> set[tuple[str, str]]:
    """Every (namespace, metric name) the dashboard charts or an alarm watches.

    For the "no drift" tests: compared with what the handlers emit (`telemetry.MetricName`).
    """
    found: set[tuple[str, str]] = set()
    for widget in dashboard_body.get("widgets", []):
        if widget.get("type") != "metric":
            continue
        for row in widget["properties"].get("metrics", []):
            if row and isinstance(row[0], str):
                found.add((row[0], row[1]))
    for spec in alarm_specs:
        found.update((stat.namespace, stat.metric_name) for stat in spec.metrics())
    return found
