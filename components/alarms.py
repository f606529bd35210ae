"""What the stack alarms on, at which thresholds, and where the alarms go — as plain data.

Every decision lives here as a pure function so it can be unit-tested without Pulumi: the metric
math (rates with a minimum-volume guard), unit conversions (config percent → SES reputation
fraction, config seconds → milliseconds), `treat_missing_data` per alarm (with the reason next to
it), and the alarm topic's policy. `components.observability` only turns these specs into resources.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypedDict

from order_email.components import policies
from order_email.handlers.shared.telemetry import NAMESPACE, MetricName, service_name

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
NOT_BREACHING = "notBreaching"
IGNORE = "ignore"

_ROLE = re.compile(r"^[a-z][a-z0-9-]{0,30}$")


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


DEFAULT_THRESHOLDS = AlarmThresholds(
    bounce_rate_percent=5.0,
    complaint_rate_percent=0.1,
    reputation_bounce_rate_percent=4.0,
    reputation_complaint_rate_percent=0.08,
    minimum_volume=100,
    oldest_message_age_seconds=900,
    delivery_latency_p95_seconds=600,
    error_threshold=5,
)
"""The documented defaults, identical to `AlarmSettings`' defaults."""


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


def rate_expression(numerator_id: str, sent_id: str, minimum_volume: int) -> str:
    """Percent of sent e-mails, 0 while fewer than `minimum_volume` were sent in the period.

    FILL(numerator, 0): the handlers emit a bounce/complaint metric only when one happens, so a
    period with sends and no bounces must read 0 %, not "no data". The denominator is not filled:
    no sends at all means no rate, which the alarm treats as not breaching.
    """
    if minimum_volume < 1:
        raise ValueError("minimum_volume must be at least 1 (it also guards the division)")
    return f"IF({sent_id} >= {minimum_volume}, 100 * FILL({numerator_id}, 0) / {sent_id}, 0)"


def rate_percent(bad: float, sent: float, minimum_volume: int) -> float:
    """What `rate_expression` evaluates to for one period, for tests and for reasoning."""
    return 100 * bad / sent if sent >= minimum_volume else 0.0


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


@dataclass(frozen=True)
class Watched:
    """The resources an Observability stack watches, by role."""

    environment: str
    function_names: Mapping[str, Any]
    """Lambda function names by role (`sender`, `feedback`, `status`)."""
    queue_names: Mapping[str, Any]
    """Work queue names by role (`send`, `feedback`)."""
    dead_letter_queue_names: Mapping[str, Any]
    """Dead-letter queue names by the role of the queue they serve."""
    orders_topic_names: Sequence[Any] = ()
    """Topics whose subscription filter may drop orders; the filtered-out-orders alarm needs one."""

    def __post_init__(self) -> None:
        for mapping in (self.function_names, self.queue_names, self.dead_letter_queue_names):
            for role in mapping:
                if not _ROLE.match(role):
                    raise ValueError(f"role {role!r} must be a short lowercase slug (it names alarms)")


def _ours(metric: MetricName, environment: str, stat: str, period: int) -> MetricStat:
    return MetricStat(NAMESPACE, metric.value, stat, period, {"service": service_name(environment)})


RATE_PERIOD = 3600
"""Rates over an hour: bounces arrive minutes to hours after the send they belong to."""
FAST_PERIOD = 300


def _rate_alarm(
    key: str,
    environment: str,
    bad: MetricName,
    percent: float,
    minimum_volume: int,
    meaning: str,
    action: str,
) -> AlarmSpec:
    return AlarmSpec(
        key=key,
        name=alarm_name(environment, key),
        meaning=meaning,
        action=action,
        threshold=percent,
        comparison=GREATER_OR_EQUAL,
        evaluation_periods=1,
        datapoints_to_alarm=1,
        # No e-mails sent in the hour: there is no rate to judge, and the expression yields no
        # data. Silence is not a deliverability problem (a stopped pipeline is the queue-age alarm's).
        treat_missing_data=NOT_BREACHING,
        expression=rate_expression("bad", "sent", minimum_volume),
        inputs={
            "sent": _ours(MetricName.EMAILS_SENT, environment, "Sum", RATE_PERIOD),
            "bad": _ours(bad, environment, "Sum", RATE_PERIOD),
        },
    )


def _reputation_alarm(
    key: str, environment: str, metric_name: str, percent: float, review: float, meaning: str, action: str
) -> AlarmSpec:
    return AlarmSpec(
        key=key,
        name=alarm_name(environment, key),
        meaning=meaning,
        action=action,
        threshold=reputation_fraction(percent, review),
        comparison=GREATER_OR_EQUAL,
        evaluation_periods=1,
        datapoints_to_alarm=1,
        # SES publishes reputation only while it has enough recent volume to compute it. A gap says
        # nothing about the reputation, so keep the last state instead of flipping a bad reputation
        # to OK (which would also tell the on-call it is fixed).
        treat_missing_data=IGNORE,
        metric=MetricStat(SES_NAMESPACE, metric_name, "Maximum", RATE_PERIOD),
        pauses_sending=True,
    )


def filtered_out_inputs(topic_names: Sequence[Any]) -> dict[str, MetricStat]:
    """Every `FILTERED_OUT_METRICS` count of every topic, by metric-math id (`nomatch0`, ...)."""
    if len(topic_names) * len(FILTERED_OUT_METRICS) > MAX_ALARM_METRICS:
        raise ValueError(f"at most {MAX_ALARM_METRICS // len(FILTERED_OUT_METRICS)} orders topics: "
                         f"a metric math alarm may use {MAX_ALARM_METRICS} metrics")
    return {
        f"{metric_id}{index}": MetricStat(SNS_NAMESPACE, metric_name, "Sum", FAST_PERIOD, {"TopicName": topic})
        for index, topic in enumerate(topic_names)
        for metric_id, metric_name in FILTERED_OUT_METRICS.items()
    }


def _filtered_out_alarm(environment: str, topic_names: Sequence[Any]) -> AlarmSpec:
    inputs = filtered_out_inputs(topic_names)
    return AlarmSpec(
        key="filtered-out-orders",
        name=alarm_name(environment, "filtered-out-orders"),
        meaning="The orders topic's subscription filter dropped at least one message in the last 5 "
        "minutes: a publisher omitted or misspelled the message attribute eventType = order.confirmed "
        "(or sent another value, or no attributes at all). SNS dropped those orders before any queue, "
        "so they are in no DLQ and no e-mail will be sent for them.",
        action="Find the publisher (CloudTrail sns:Publish on the topic, or the order service's own "
        "logs), fix its eventType attribute and have it publish those orders again; they cannot be "
        "redriven from here. The counts are the topic's: another subscription's filter counts too.",
        threshold=1,
        comparison=GREATER_OR_EQUAL,
        evaluation_periods=1,
        datapoints_to_alarm=1,
        # SNS reports a filtered-out count only when it filtered something out: no data is healthy.
        treat_missing_data=NOT_BREACHING,
        expression=sum_expression(list(inputs)),
        inputs=inputs,
    )


def alarm_name(environment: str, key: str) -> str:
    return f"{service_name(environment)}-{key}"


def health_alarm_name(environment: str) -> str:
    return alarm_name(environment, "system-health")


def alarm_specs(watched: Watched, thresholds: AlarmThresholds) -> list[AlarmSpec]:
    """Every metric alarm of one stack, in the order the runbook lists them."""
    env = watched.environment
    t = thresholds
    specs = [
        _rate_alarm(
            "bounce-rate",
            env,
            MetricName.HARD_BOUNCES,
            t["bounce_rate_percent"],
            t["minimum_volume"],
            f"Hard bounces were at least {t['bounce_rate_percent']}% of e-mails sent in the last hour "
            f"(with at least {t['minimum_volume']} sent).",
            "Check recent bounces (recentByStatus index, BOUNCED) for a bad address source or a broken "
            "checkout form; confirm suppression is being applied.",
        ),
        _rate_alarm(
            "complaint-rate",
            env,
            MetricName.COMPLAINTS,
            t["complaint_rate_percent"],
            t["minimum_volume"],
            f"Complaints were at least {t['complaint_rate_percent']}% of e-mails sent in the last hour "
            f"(with at least {t['minimum_volume']} sent).",
            "Look for a template or content change, unexpected recipients or duplicate sends "
            "(DuplicatesSkipped should rise, not EmailsSent).",
        ),
        _reputation_alarm(
            "ses-reputation-bounce-rate",
            env,
            REPUTATION_BOUNCE_RATE,
            t["reputation_bounce_rate_percent"],
            SES_REVIEW_BOUNCE_RATE_PERCENT,
            f"The SES account bounce rate reached {t['reputation_bounce_rate_percent']}% "
            f"(SES reviews the account at {SES_REVIEW_BOUNCE_RATE_PERCENT}%). Account-wide: every "
            "sender on this account counts.",
            "Find the sender causing it (this stack's bounce-rate alarm, other apps); with the "
            "reputation guard on, sending on the configuration set is paused — resume it when fixed.",
        ),
        _reputation_alarm(
            "ses-reputation-complaint-rate",
            env,
            REPUTATION_COMPLAINT_RATE,
            t["reputation_complaint_rate_percent"],
            SES_REVIEW_COMPLAINT_RATE_PERCENT,
            f"The SES account complaint rate reached {t['reputation_complaint_rate_percent']}% "
            f"(SES reviews the account at {SES_REVIEW_COMPLAINT_RATE_PERCENT}%). Account-wide.",
            "Stop the source of complaints first; with the reputation guard on, sending on the "
            "configuration set is paused — resume it when fixed.",
        ),
        AlarmSpec(
            key="send-failures",
            name=alarm_name(env, "send-failures"),
            meaning=f"At least {t['error_threshold']} sends failed in 5 minutes (SES refused the order "
            "itself: a bad address or rejected content; account refusals hold orders instead).",
            action="Run the saved 'errors' query; check the SES identity, configuration set (sending "
            "paused?) and quota.",
            threshold=t["error_threshold"],
            comparison=GREATER_OR_EQUAL,
            evaluation_periods=1,
            datapoints_to_alarm=1,
            # Emitted only when a send fails: no data is the healthy case.
            treat_missing_data=NOT_BREACHING,
            metric=_ours(MetricName.SEND_FAILURES, env, "Sum", FAST_PERIOD),
        ),
        AlarmSpec(
            key="held-orders",
            name=alarm_name(env, "held-orders"),
            meaning="SES refused orders for an account or stack reason in the last 5 minutes: sending "
            "paused, account suspended, identity or MAIL FROM not verified, configuration set missing, "
            "sandbox recipient or daily quota. Nothing is failed or lost: the orders wait and are retried.",
            action="Run the saved 'errors' query: each 'order held' line says what to fix (resume sending, "
            "publish the DNS records, request production access or a quota increase). Held orders go out "
            "by themselves once it is fixed; after 72 h they move to the send DLQ for a redrive.",
            threshold=1,
            comparison=GREATER_OR_EQUAL,
            evaluation_periods=1,
            datapoints_to_alarm=1,
            # Emitted only when an order is held: no data is the healthy case.
            treat_missing_data=NOT_BREACHING,
            metric=_ours(MetricName.HELD_ORDERS, env, "Sum", FAST_PERIOD),
        ),
        AlarmSpec(
            key="delivery-latency-p95",
            name=alarm_name(env, "delivery-latency-p95"),
            meaning=f"For 30 minutes, 5% of e-mails took over {t['delivery_latency_p95_seconds']} s "
            "from send to the recipient's mail server accepting them.",
            action="Check the Delays metric and SES DeliveryDelay events; a single receiving domain "
            "deferring mail is the usual cause.",
            threshold=seconds_to_ms(t["delivery_latency_p95_seconds"]),
            comparison=GREATER,
            evaluation_periods=2,
            datapoints_to_alarm=2,
            # No deliveries in the period (quiet hours): no latency to judge. A stalled pipeline
            # shows up as queue age and errors instead.
            treat_missing_data=NOT_BREACHING,
            metric=_ours(MetricName.DELIVERY_LATENCY, env, "p95", 900),
        ),
    ]
    if watched.orders_topic_names:
        specs.append(_filtered_out_alarm(env, watched.orders_topic_names))
    for role, queue in watched.dead_letter_queue_names.items():
        specs.append(
            AlarmSpec(
                key=f"dlq-{role}",
                name=alarm_name(env, f"dlq-{role}"),
                meaning=f"A message is in the {role} dead-letter queue: it will not be processed again by itself.",
                action="Read the message and its reason attributes; fix the cause, then redrive it to the "
                f"{role} queue (or delete it if it can never succeed).",
                threshold=1,
                comparison=GREATER_OR_EQUAL,
                evaluation_periods=1,
                datapoints_to_alarm=1,
                # SQS stops publishing metrics for an empty, idle queue; a queue holding messages keeps
                # reporting them. So missing data means empty.
                treat_missing_data=NOT_BREACHING,
                metric=MetricStat(
                    SQS_NAMESPACE,
                    "ApproximateNumberOfMessagesVisible",
                    "Maximum",
                    FAST_PERIOD,
                    {"QueueName": queue},
                ),
            )
        )
    for role, queue in watched.queue_names.items():
        specs.append(
            AlarmSpec(
                key=f"queue-age-{role}",
                name=alarm_name(env, f"queue-age-{role}"),
                meaning=f"The oldest message in the {role} queue waited over "
                f"{t['oldest_message_age_seconds']} s, the latency objective: the consumer is failing, "
                "throttled or too slow.",
                action=f"Check the {role} function's errors and throttles and the event source mapping "
                "(enabled? concurrency?).",
                threshold=t["oldest_message_age_seconds"],
                comparison=GREATER,
                evaluation_periods=1,
                datapoints_to_alarm=1,
                # An idle, empty queue stops reporting; a queue with an old message keeps reporting it.
                treat_missing_data=NOT_BREACHING,
                metric=MetricStat(
                    SQS_NAMESPACE,
                    "ApproximateAgeOfOldestMessage",
                    "Maximum",
                    FAST_PERIOD,
                    {"QueueName": queue},
                ),
            )
        )
    for role, function in watched.function_names.items():
        for metric, what in (
            ("Errors", "failed (unhandled error or timeout)"),
            ("Throttles", "were throttled"),
        ):
            key = f"{metric.lower()}-{role}"
            specs.append(
                AlarmSpec(
                    key=key,
                    name=alarm_name(env, key),
                    meaning=f"At least {t['error_threshold']} invocations of the {role} function {what} in 5 minutes.",
                    action="Run the saved 'errors' query for the stack trace; for throttles check account "
                    "concurrency and the event source mapping's maximum concurrency.",
                    threshold=t["error_threshold"],
                    comparison=GREATER_OR_EQUAL,
                    evaluation_periods=1,
                    datapoints_to_alarm=1,
                    # Lambda publishes nothing for a function that was not invoked: no errors.
                    treat_missing_data=NOT_BREACHING,
                    metric=MetricStat(LAMBDA_NAMESPACE, metric, "Sum", FAST_PERIOD, {"FunctionName": function}),
                )
            )
    keys = [spec.key for spec in specs]
    if len(set(keys)) != len(keys):
        raise ValueError(f"alarm keys must be unique, got {keys}")
    return specs


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


def alarm_topic_policy(topic_arn: str, account_id: str, region: str) -> dict[str, Any]:
    """Only this account's CloudWatch alarms may publish; nothing may use the topic without TLS."""
    return policies.service_publish_policy(
        topic_arn, sid="CloudWatchAlarmsOfThisAccountPublish", service="cloudwatch.amazonaws.com",
        account_id=account_id, source_arn=f"arn:aws:cloudwatch:{region}:{account_id}:alarm:*")


def guard_event_pattern(alarm_arns: Sequence[str]) -> dict[str, Any]:
    """EventBridge pattern: one of the given alarms entered ALARM (not OK, not INSUFFICIENT_DATA)."""
    return {
        "source": ["aws.cloudwatch"],
        "detail-type": ["CloudWatch Alarm State Change"],
        "resources": list(alarm_arns),
        "detail": {"state": {"value": ["ALARM"]}},
    }


def configuration_set_arn(region: str, account_id: str, configuration_set_name: str) -> str:
    return f"arn:aws:ses:{region}:{account_id}:configuration-set/{configuration_set_name}"


def guard_role_policy(configuration_set_arn: str, log_group_arn: str) -> dict[str, Any]:
    """The guard may pause this one configuration set and write its own logs — nothing else."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "PauseSendingOnThisConfigurationSet",
                "Effect": "Allow",
                "Action": "ses:PutConfigurationSetSendingOptions",
                "Resource": configuration_set_arn,
            },
            {
                "Sid": "WriteOwnLogs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": f"{log_group_arn}:*",
            },
        ],
    }


def lambda_assume_role_policy() -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
