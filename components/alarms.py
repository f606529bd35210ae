"""What an alarm is, at which thresholds, and how its numbers are computed — as plain data.

Every decision lives here as a pure function so it can be unit-tested without Pulumi: the metric
math (rates with a minimum-volume guard), unit conversions (config percent → SES reputation
fraction, config seconds → milliseconds) and the MetricAlarm arguments of a spec. Which alarms one
stack has (and each one's `treat_missing_data`, with the reason) is `components.alarm_catalog`;
`components.observability` only turns the specs into resources.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NotRequired, TypedDict

SES_REVIEW_BOUNCE_RATE_PERCENT = 5.0
"""SES puts an account under review at a 5% bounce rate; our reputation alarm must fire before."""
SES_REVIEW_COMPLAINT_RATE_PERCENT = 0.1
"""SES puts an account under review at a 0.1% complaint rate; our reputation alarm must fire before."""

SES_NAMESPACE = "AWS/SES"
LAMBDA_NAMESPACE = "AWS/Lambda"
SQS_NAMESPACE = "AWS/SQS"
SNS_NAMESPACE = "AWS/SNS"
REPUTATION_BOUNCE_RATE = "Reputation.BounceRate"
REPUTATION_COMPLAINT_RATE = "Reputation.ComplaintRate"

FILTERED_OUT_METRICS = {
    "nomatch": "NumberOfNotificationsFilteredOut",
    "noattributes": "NumberOfNotificationsFilteredOut-NoMessageAttributes",
    "invalid": "NumberOfNotificationsFilteredOut-InvalidAttributes",
}
"""SNS's per-topic counts (dimension `TopicName`) of messages a subscription filter policy dropped,
by metric-math id: attributes that do not match (another `eventType` value, a misspelled name), no
attributes at all, attributes SNS cannot read
(https://docs.aws.amazon.com/sns/latest/dg/sns-monitoring-using-cloudwatch.html)."""

MAX_ALARM_METRICS = 10
"""CloudWatch's hard limit on the metrics one metric math alarm may use."""

GREATER_OR_EQUAL = "GreaterThanOrEqualToThreshold"
GREATER = "GreaterThanThreshold"
LESS = "LessThanThreshold"
NOT_BREACHING = "notBreaching"
BREACHING = "breaching"
IGNORE = "ignore"

class AlarmThresholds(TypedDict):
    """The numbers every alarm is built from; mirrors `components.config.AlarmSettings`.

    Plain values, not Outputs: each is converted (percent → fraction, seconds → ms) and written into
    an alarm or a dashboard annotation when the program runs.
    """

    bounce_rate_percent: float
    """Our hard-bounce rate (HardBounces / EmailsSent, %) above which the bounce-rate alarm fires."""
    complaint_rate_percent: float
    """Our complaint rate (Complaints / EmailsSent, %) above which the complaint-rate alarm fires."""
    reputation_bounce_rate_percent: float
    """SES account bounce rate (%) to alarm at; must be below the 5% review level."""
    reputation_complaint_rate_percent: float
    """SES account complaint rate (%) to alarm at; must be below the 0.1% review level."""
    minimum_volume: int
    """E-mails sent in the rate window below which the rate alarms stay quiet (1 bounce in 3 is noise)."""
    oldest_message_age_seconds: int
    """Latency objective: a queued message older than this means the pipeline is behind."""
    delivery_latency_p95_seconds: int
    """p95 of send → SES Delivery event above which the delivery-latency alarm fires."""
    error_threshold: int
    """Lambda errors, Lambda throttles or send failures per 5 minutes that page someone."""
    send_latency_p95_seconds: NotRequired[int]
    """p95 of order timestamp → SES accepted above which the send-latency alarm fires (default 60)."""
    delivery_rate_percent: NotRequired[float]
    """Deliveries / EmailsSent (%) below which the delivery-rate alarm fires, with the minimum volume
    (default 95)."""
    send_quota_usage_percent: NotRequired[float]
    """Share of the SES 24-hour sending quota used (%, polled by the quota probe) that pages someone
    (default 80)."""
    quota_probe_minutes: NotRequired[int]
    """How often the quota probe polls SES `GetAccount`, 1-60; its schedule and the alarm's period
    follow (default 5)."""


DEFAULT_THRESHOLDS = AlarmThresholds(
    bounce_rate_percent=5.0,
    complaint_rate_percent=0.1,
    reputation_bounce_rate_percent=4.0,
    reputation_complaint_rate_percent=0.08,
    minimum_volume=100,
    oldest_message_age_seconds=900,
    delivery_latency_p95_seconds=600,
    error_threshold=5,
    send_latency_p95_seconds=60,
    delivery_rate_percent=95.0,
    send_quota_usage_percent=80.0,
    quota_probe_minutes=5,
)
"""The documented defaults, identical to `AlarmSettings`' defaults."""


def with_defaults(thresholds: AlarmThresholds) -> AlarmThresholds:
    """`thresholds` with the keys added after the first release filled from `DEFAULT_THRESHOLDS`, so
    a program written before them (in any language) keeps deploying."""
    return AlarmThresholds(**{**DEFAULT_THRESHOLDS, **thresholds})


def thresholds_from_settings(settings: Any) -> AlarmThresholds:
    """`AlarmThresholds` from a validated `components.config.AlarmSettings` (duck-typed)."""
    return AlarmThresholds(**{key: getattr(settings, key) for key in AlarmThresholds.__annotations__})  # type: ignore[typeddict-item]


# --- conversions -------------------------------------------------------------------------------


def reputation_fraction(percent: float, review_level_percent: float) -> float:
    """Config percent → the 0..1 fraction SES reputation metrics use; refuses a level SES reviews at."""
    if not 0 < percent < review_level_percent:
        raise ValueError(
            f"reputation threshold {percent}% must be above 0 and below the SES review level "
            f"{review_level_percent}%, or the alarm fires only once the account is already under review"
        )
    return percent / 100


def seconds_to_ms(seconds: float) -> float:
    """Config seconds → milliseconds, the unit the handlers emit latencies in."""
    return seconds * 1000


def rate_expression(numerator_id: str, sent_id: str, minimum_volume: int, below_volume: float = 0) -> str:
    """Percent of sent e-mails, `below_volume` while fewer than `minimum_volume` were sent in the period.

    FILL(numerator, 0): the handlers emit a bounce/complaint/delivery metric only when one happens, so
    a period with sends and none of them must read 0 %, not "no data". The denominator is not filled:
    no sends at all means no rate, which the alarm treats as not breaching. `below_volume` is the
    quiet value: 0 for a rate that is bad when high (bounces), 100 for one that is bad when low
    (deliveries).
    """
    if minimum_volume < 1:
        raise ValueError("minimum_volume must be at least 1 (it also guards the division)")
    return f"IF({sent_id} >= {minimum_volume}, 100 * FILL({numerator_id}, 0) / {sent_id}, {below_volume:g})"


def rate_percent(bad: float, sent: float, minimum_volume: int, below_volume: float = 0) -> float:
    """What `rate_expression` evaluates to for one period, for tests and for reasoning."""
    return 100 * bad / sent if sent >= minimum_volume else below_volume


def sum_expression(metric_ids: Sequence[str]) -> str:
    """`FILL(a, 0) + FILL(b, 0) + ...`: each count is reported only for periods in which it happened,
    and a plain `a + b` has no value in a period that has only one of them."""
    if not metric_ids:
        raise ValueError("a sum needs at least one metric")
    return " + ".join(f"FILL({metric_id}, 0)" for metric_id in metric_ids)


# --- specs -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MetricStat:
    """One CloudWatch metric and how it is aggregated."""

    namespace: str
    metric_name: str
    stat: str
    """`Sum`, `Maximum`, `Average` or a percentile such as `p95`."""
    period: int
    dimensions: Mapping[str, Any] = field(default_factory=dict)
    """Dimension values may be Pulumi inputs (function and queue names)."""


@dataclass(frozen=True)
class AlarmSpec:
    """Everything a MetricAlarm needs, plus the words an operator reads when it fires."""

    key: str
    """Short role, unique in the stack (`bounce-rate`, `errors-sender`); names the resource."""
    name: str
    """Alarm name, `<service>-<key>`."""
    meaning: str
    """What it means when this alarm is in ALARM."""
    action: str
    """What the operator does about it."""
    threshold: float
    comparison: str
    evaluation_periods: int
    datapoints_to_alarm: int
    treat_missing_data: str
    metric: MetricStat | None = None
    """A single-metric alarm; exactly one of `metric` and `expression` is set."""
    expression: str | None = None
    """Metric math over `inputs` (ids → metrics)."""
    inputs: Mapping[str, MetricStat] = field(default_factory=dict)
    pauses_sending: bool = False
    """When True and the reputation guard is on, ALARM pauses sending on the configuration set."""

    def metrics(self) -> list[MetricStat]:
        return [self.metric] if self.metric else list(self.inputs.values())


# --- resource arguments ------------------------------------------------------------------------


def _metric_query_metric(metric: MetricStat) -> dict[str, Any]:
    return {
        "namespace": metric.namespace,
        "metric_name": metric.metric_name,
        "stat": metric.stat,
        "period": metric.period,
        "dimensions": dict(metric.dimensions),
    }


def _is_percentile(stat: str) -> bool:
    return bool(re.match(r"^(p|tm|wm|tc|ts)\d", stat))


def metric_alarm_args(spec: AlarmSpec, topic_arn: Any, tags: Any = None) -> dict[str, Any]:
    """`aws.cloudwatch.MetricAlarm` keyword arguments; ALARM and OK both notify the topic."""
    args: dict[str, Any] = {
        "name": spec.name,
        "alarm_description": f"{spec.meaning} What to do: {spec.action}"[:1024],
        "comparison_operator": spec.comparison,
        "threshold": spec.threshold,
        "evaluation_periods": spec.evaluation_periods,
        "datapoints_to_alarm": spec.datapoints_to_alarm,
        "treat_missing_data": spec.treat_missing_data,
        "alarm_actions": [topic_arn],
        "ok_actions": [topic_arn],
        "tags": tags or {},
    }
    if spec.metric is not None:
        metric = spec.metric
        args.update(
            namespace=metric.namespace,
            metric_name=metric.metric_name,
            period=metric.period,
            dimensions=dict(metric.dimensions) or None,
        )
        args["extended_statistic" if _is_percentile(metric.stat) else "statistic"] = metric.stat
    elif spec.expression is not None:
        queries: list[dict[str, Any]] = [
            {"id": "e1", "expression": spec.expression, "label": spec.key, "return_data": True}
        ]
        queries += [
            {"id": query_id, "metric": _metric_query_metric(metric), "return_data": False}
            for query_id, metric in spec.inputs.items()
        ]
        args["metric_queries"] = queries
    else:
        raise ValueError(f"alarm {spec.key} has neither a metric nor an expression")
    return args


def composite_rule(alarm_names: Sequence[str]) -> str:
    """`ALARM("a") OR ALARM("b") ...`: the stack is unhealthy when any of its alarms is."""
    if not alarm_names:
        raise ValueError("a composite alarm needs at least one alarm")
    rule = " OR ".join(f'ALARM("{name}")' for name in alarm_names)
    if len(rule) > 10240:
        raise ValueError("composite alarm rule exceeds CloudWatch's 10240 characters")
    return rule
