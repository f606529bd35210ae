"""Which alarms one stack has: the catalogue, in the order the runbook lists them.

Each alarm says what it means, what the operator does, and why missing data is (or is not) breaching.
The shapes and the metric math are `components.alarms`.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from order_email.components import alarms
from order_email.components.alarms import AlarmSpec, AlarmThresholds, MetricStat
from order_email.handlers.shared.telemetry import NAMESPACE, MetricName, service_name

_ROLE = re.compile(r"^[a-z][a-z0-9-]{0,30}$")

RATE_PERIOD = 3600
"""Rates over an hour: bounces arrive minutes to hours after the send they belong to."""
FAST_PERIOD = 300


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


def alarm_name(environment: str, key: str) -> str:
    return f"{service_name(environment)}-{key}"


def health_alarm_name(environment: str) -> str:
    return alarm_name(environment, "system-health")


def _ours(metric: MetricName, environment: str, stat: str, period: int) -> MetricStat:
    return MetricStat(NAMESPACE, metric.value, stat, period, {"service": service_name(environment)})


def _alarm(environment: str, key: str, meaning: str, action: str, threshold: float, *,
           comparison: str = alarms.GREATER_OR_EQUAL, periods: int = 1, treat_missing_data: str = alarms.NOT_BREACHING,
           **watches: Any) -> AlarmSpec:
    """One alarm of the stack: named `<service>-<key>`, in ALARM when `periods` periods in a row breach.

    `watches` is `metric=` or `expression=` with `inputs=` (and `pauses_sending=`).
    """
    return AlarmSpec(key=key, name=alarm_name(environment, key), meaning=meaning, action=action,
                     threshold=threshold, comparison=comparison, evaluation_periods=periods,
                     datapoints_to_alarm=periods, treat_missing_data=treat_missing_data, **watches)


def _rate_alarm(key: str, environment: str, counted: MetricName, percent: float, minimum_volume: int, meaning: str,
                action: str, *, low_is_bad: bool = False) -> AlarmSpec:
    # No e-mails sent in the hour: there is no rate to judge, and the expression yields no
    # data. Silence is not a deliverability problem (a stopped pipeline is the queue-age alarm's).
    # Below the minimum volume the expression reads as healthy: 0 % bad, or 100 % delivered.
    # A low-is-bad rate (deliveries) must hold for two hours: a burst sent just before the hour
    # ends is delivered in the next one, and one hour alone would read as a collapse.
    counted_id = "good" if low_is_bad else "bad"
    return _alarm(environment, key, meaning, action, percent,
                  comparison=alarms.LESS if low_is_bad else alarms.GREATER_OR_EQUAL, periods=2 if low_is_bad else 1,
                  expression=alarms.rate_expression(counted_id, "sent", minimum_volume, 100 if low_is_bad else 0),
                  inputs={"sent": _ours(MetricName.EMAILS_SENT, environment, "Sum", RATE_PERIOD),
                          counted_id: _ours(counted, environment, "Sum", RATE_PERIOD)})


def _reputation_alarm(key: str, environment: str, metric_name: str, percent: float, review: float, meaning: str,
                      action: str) -> AlarmSpec:
    # SES publishes reputation only while it has enough recent volume to compute it. A gap says
    # nothing about the reputation, so keep the last state instead of flipping a bad reputation
    # to OK (which would also tell the on-call it is fixed).
    return _alarm(environment, key, meaning, action, alarms.reputation_fraction(percent, review),
                  treat_missing_data=alarms.IGNORE,
                  metric=MetricStat(alarms.SES_NAMESPACE, metric_name, "Maximum", RATE_PERIOD), pauses_sending=True)


def filtered_out_inputs(topic_names: Sequence[Any]) -> dict[str, MetricStat]:
    """Every `alarms.FILTERED_OUT_METRICS` count of every topic, by metric-math id (`nomatch0`, ...)."""
    if len(topic_names) * len(alarms.FILTERED_OUT_METRICS) > alarms.MAX_ALARM_METRICS:
        raise ValueError(f"at most {alarms.MAX_ALARM_METRICS // len(alarms.FILTERED_OUT_METRICS)} orders topics: "
                         f"a metric math alarm may use {alarms.MAX_ALARM_METRICS} metrics")
    return {
        f"{metric_id}{index}": MetricStat(alarms.SNS_NAMESPACE, metric_name, "Sum", FAST_PERIOD, {"TopicName": topic})
        for index, topic in enumerate(topic_names)
        for metric_id, metric_name in alarms.FILTERED_OUT_METRICS.items()
    }


def _filtered_out_alarm(environment: str, topic_names: Sequence[Any]) -> AlarmSpec:
    inputs = filtered_out_inputs(topic_names)
    # SNS reports a filtered-out count only when it filtered something out: no data is healthy.
    return _alarm(
        environment, "filtered-out-orders",
        "The orders topic's subscription filter dropped at least one message in the last 5 "
        "minutes: a publisher omitted or misspelled the message attribute eventType = order.confirmed "
        "(or sent another value, or no attributes at all). SNS dropped those orders before any queue, "
        "so they are in no DLQ and no e-mail will be sent for them.",
        "Find the publisher (CloudTrail sns:Publish on the topic, or the order service's own "
        "logs), fix its eventType attribute and have it publish those orders again; they cannot be "
        "redriven from here. The counts are the topic's: another subscription's filter counts too.",
        1, expression=alarms.sum_expression(list(inputs)), inputs=inputs,
    )


def _queue_alarms(env: str, t: AlarmThresholds, watched: Watched) -> list[AlarmSpec]:
    """Each DLQ at one message, each work queue past the latency objective.

    SQS stops publishing metrics for an empty, idle queue; a queue holding messages (an old one
    included) keeps reporting them. So missing data means empty: not breaching.
    """
    def sqs(metric_name: str, queue: Any) -> MetricStat:
        return MetricStat(alarms.SQS_NAMESPACE, metric_name, "Maximum", FAST_PERIOD, {"QueueName": queue})

    dead_letters = [
        _alarm(env, f"dlq-{role}",
               f"A message is in the {role} dead-letter queue: it will not be processed again by itself.",
               "Read the message and its reason attributes; fix the cause, then redrive it to the "
               f"{role} queue (or delete it if it can never succeed).",
               1, metric=sqs("ApproximateNumberOfMessagesVisible", queue))
        for role, queue in watched.dead_letter_queue_names.items()
    ]
    ages = [
        _alarm(env, f"queue-age-{role}",
               f"The oldest message in the {role} queue waited over {t['oldest_message_age_seconds']} s, the "
               "latency objective: the consumer is failing, throttled or too slow.",
               f"Check the {role} function's errors and throttles and the event source mapping "
               "(enabled? concurrency?).",
               t["oldest_message_age_seconds"], comparison=alarms.GREATER,
               metric=sqs("ApproximateAgeOfOldestMessage", queue))
        for role, queue in watched.queue_names.items()
    ]
    return dead_letters + ages


def _function_alarms(env: str, t: AlarmThresholds, watched: Watched) -> list[AlarmSpec]:
    """Errors and throttles of each function. Lambda publishes nothing for a function that was not
    invoked: missing data means no errors."""
    return [
        _alarm(env, f"{metric.lower()}-{role}",
               f"At least {t['error_threshold']} invocations of the {role} function {what} in 5 minutes.",
               "Run the saved 'errors' query for the stack trace; for throttles check account "
               "concurrency and the event source mapping's maximum concurrency.",
               t["error_threshold"],
               metric=MetricStat(alarms.LAMBDA_NAMESPACE, metric, "Sum", FAST_PERIOD, {"FunctionName": function}))
        for role, function in watched.function_names.items()
        for metric, what in (("Errors", "failed (unhandled error or timeout)"), ("Throttles", "were throttled"))
    ]


def _deliverability_alarms(env: str, t: AlarmThresholds) -> list[AlarmSpec]:
    """Our own bounce and complaint rates, and the SES account's reputation (which the guard watches)."""
    return [
        _rate_alarm(
            "bounce-rate", env, MetricName.HARD_BOUNCES, t["bounce_rate_percent"], t["minimum_volume"],
            f"Hard bounces were at least {t['bounce_rate_percent']}% of e-mails sent in the last hour "
            f"(with at least {t['minimum_volume']} sent).",
            "Check recent bounces (recentByStatus index, BOUNCED) for a bad address source or a broken "
            "checkout form; confirm suppression is being applied.",
        ),
        _rate_alarm(
            "complaint-rate", env, MetricName.COMPLAINTS, t["complaint_rate_percent"], t["minimum_volume"],
            f"Complaints were at least {t['complaint_rate_percent']}% of e-mails sent in the last hour "
            f"(with at least {t['minimum_volume']} sent).",
            "Look for a template or content change, unexpected recipients or duplicate sends "
            "(DuplicatesSkipped should rise, not EmailsSent).",
        ),
        _rate_alarm(
            "delivery-rate", env, MetricName.DELIVERIES, t["delivery_rate_percent"], t["minimum_volume"],
            f"For two hours in a row, fewer than {t['delivery_rate_percent']}% of the e-mails sent each hour "
            f"were delivered (with at least {t['minimum_volume']} sent): receiving servers defer, bounce or "
            "reject them, or SES's events stopped reaching the feedback queue.",
            "Compare the Delivery outcomes chart (bounces? delays? rejects?) with the feedback queue's age and "
            "DLQ; for delays, find the receiving domain deferring mail in the DeliveryDelay events.",
            low_is_bad=True,
        ),
        _reputation_alarm(
            "ses-reputation-bounce-rate", env, alarms.REPUTATION_BOUNCE_RATE, t["reputation_bounce_rate_percent"],
            alarms.SES_REVIEW_BOUNCE_RATE_PERCENT,
            f"The SES account bounce rate reached {t['reputation_bounce_rate_percent']}% "
            f"(SES reviews the account at {alarms.SES_REVIEW_BOUNCE_RATE_PERCENT}%). Account-wide: every "
            "sender on this account counts.",
            "Find the sender causing it (this stack's bounce-rate alarm, other apps); with the "
            "reputation guard on, sending on the configuration set is paused — resume it when fixed.",
        ),
        _reputation_alarm(
            "ses-reputation-complaint-rate", env, alarms.REPUTATION_COMPLAINT_RATE,
            t["reputation_complaint_rate_percent"],
            alarms.SES_REVIEW_COMPLAINT_RATE_PERCENT,
            f"The SES account complaint rate reached {t['reputation_complaint_rate_percent']}% "
            f"(SES reviews the account at {alarms.SES_REVIEW_COMPLAINT_RATE_PERCENT}%). Account-wide.",
            "Stop the source of complaints first; with the reputation guard on, sending on the "
            "configuration set is paused — resume it when fixed.",
        ),
    ]


def _send_path_alarms(env: str, t: AlarmThresholds) -> list[AlarmSpec]:
    """Failed, held and slow sends. The first two are emitted only when they happen: no data is healthy."""
    return [
        _alarm(
            env, "send-failures",
            f"At least {t['error_threshold']} sends failed in 5 minutes (SES refused the order "
            "itself: a bad address or rejected content; account refusals hold orders instead).",
            "Run the saved 'errors' query; check the SES identity, configuration set (sending "
            "paused?) and quota.",
            t["error_threshold"], metric=_ours(MetricName.SEND_FAILURES, env, "Sum", FAST_PERIOD),
        ),
        _alarm(
            env, "held-orders",
            "SES refused orders for an account or stack reason in the last 5 minutes: sending "
            "paused, account suspended, identity or MAIL FROM not verified, configuration set missing, "
            "sandbox recipient or daily quota. Nothing is failed or lost: the orders wait and are retried.",
            "Run the saved 'errors' query: each 'order held' line says what to fix (resume sending, "
            "publish the DNS records, request production access or a quota increase). Held orders go out "
            "by themselves once it is fixed; after 72 h they move to the send DLQ for a redrive.",
            1, metric=_ours(MetricName.HELD_ORDERS, env, "Sum", FAST_PERIOD),
        ),
        # No deliveries in the period (quiet hours): no latency to judge. A stalled pipeline
        # shows up as queue age and errors instead.
        _alarm(
            env, "delivery-latency-p95",
            f"For 30 minutes, 5% of e-mails took over {t['delivery_latency_p95_seconds']} s "
            "from send to the recipient's mail server accepting them.",
            "Check the Delays metric and SES DeliveryDelay events; a single receiving domain "
            "deferring mail is the usual cause.",
            alarms.seconds_to_ms(t["delivery_latency_p95_seconds"]), comparison=alarms.GREATER, periods=2,
            metric=_ours(MetricName.DELIVERY_LATENCY, env, "p95", 900),
        ),
        # No sends in the period: no latency to judge (quiet hours).
        _alarm(
            env, "send-latency-p95",
            f"For 30 minutes, 5% of e-mails took over {t['send_latency_p95_seconds']} s from the order's "
            "timestamp to SES accepting them: the send queue is behind, sends are throttled or orders were "
            "held (held orders count their whole wait once they go out; so do redriven and resent orders).",
            "Check the Waiting orders chart (held? throttled?), the send queue's age and the sender's "
            "throttles; a publisher whose clock or timestamps are late shows up here too.",
            alarms.seconds_to_ms(t["send_latency_p95_seconds"]), comparison=alarms.GREATER, periods=2,
            metric=_ours(MetricName.SEND_LATENCY, env, "p95", 900),
        ),
    ]


def quota_period_seconds(probe_minutes: int) -> int:
    """Three probe intervals: one late or failed probe is not a page, three missing ones are."""
    return 3 * probe_minutes * 60


def _quota_alarm(env: str, t: AlarmThresholds) -> AlarmSpec:
    window = quota_period_seconds(t["quota_probe_minutes"]) // 60
    # The probe reports every interval whatever the usage, so silence is not "healthy": it is the
    # probe failing (or its schedule gone), and nobody would then see the quota run out.
    return _alarm(
        env, "send-quota-usage",
        f"At least {t['send_quota_usage_percent']}% of the SES 24-hour sending quota is used (SentLast24Hours / "
        f"Max24HourSend, polled every {t['quota_probe_minutes']} min), or the quota probe reported nothing "
        f"for {window} minutes. At 100% SES refuses every send until the window moves; those orders are held.",
        "Request a quota increase (Service Quotas, 'Sending quota') or slow the order source; if the "
        "metric is missing, read the quota probe's log group for its error.",
        t["send_quota_usage_percent"], treat_missing_data=alarms.BREACHING,
        metric=_ours(MetricName.SEND_QUOTA_USAGE, env, "Maximum", quota_period_seconds(t["quota_probe_minutes"])),
    )


PROFILES = ("full", "lean")
"""Observability profiles: `full` is every alarm, the dashboard, the composite and the quota probe;
`lean` is only the alarms below, for a stack where nobody is paged (a dev stack in the SES sandbox)."""

LEAN_ALARM_KEYS = frozenset({"errors-sender", "errors-feedback", "send-failures", "held-orders",
                             "filtered-out-orders"})
"""The alarms besides every `dlq-*` one that the `lean` profile keeps (see `in_lean_profile`)."""


def in_lean_profile(key: str) -> bool:
    """Whether the `lean` profile keeps alarm `key`: only the alarms that say an order is lost or stuck.

    In: every `dlq-*` (a message no one will process again), `errors-sender` and `errors-feedback` (orders
    or their events failing in the functions that move them), `send-failures` (SES refused an order),
    `held-orders` (orders waiting on an account fix) and `filtered-out-orders` (orders dropped before any
    queue, leaving no other trace). Out: deliverability rates and SES reputation (sandbox traffic to the
    mailbox simulator says nothing about them), latencies and queue ages (slow, not lost; the DLQs catch
    what never finishes), throttles and the other functions' errors (their failures end in a DLQ), and
    send-quota-usage (the sandbox quota, and the probe behind it costs a custom metric).
    """
    return key.startswith("dlq-") or key in LEAN_ALARM_KEYS


def alarm_specs(watched: Watched, thresholds: AlarmThresholds, profile: str = "full") -> list[AlarmSpec]:
    """Every metric alarm of one stack for the observability `profile`, in the order the runbook lists them."""
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {list(PROFILES)}, got {profile!r}")
    env = watched.environment
    specs = [*_deliverability_alarms(env, thresholds), *_send_path_alarms(env, thresholds),
             _quota_alarm(env, thresholds)]
    if watched.orders_topic_names:
        specs.append(_filtered_out_alarm(env, watched.orders_topic_names))
    specs += _queue_alarms(env, thresholds, watched) + _function_alarms(env, thresholds, watched)
    keys = [spec.key for spec in specs]
    if len(set(keys)) != len(keys):
        raise ValueError(f"alarm keys must be unique, got {keys}")
    return specs if profile == "full" else [spec for spec in specs if in_lean_profile(spec.key)]
