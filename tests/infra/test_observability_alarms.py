"""Pure alarm decisions: metric math, unit conversions, thresholds from the real stack files, policies."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from order_email.components import alarms, policies, reputation_guard
from order_email.components.alarm_catalog import Watched, alarm_specs
from order_email.components.alarms import (
    DEFAULT_THRESHOLDS,
    SES_REVIEW_BOUNCE_RATE_PERCENT,
    SES_REVIEW_COMPLAINT_RATE_PERCENT,
    AlarmSpec,
    thresholds_from_settings,
)
from order_email.components.config import AlarmSettings, parse_stack_config
from order_email.mockstack import ACCOUNT_ID, stack_config

WATCHED = Watched(
    "dev",
    function_names={"sender": "send-fn", "feedback": "feedback-fn", "status": "status-fn"},
    queue_names={"send": "send-q", "feedback": "feedback-q"},
    dead_letter_queue_names={"send": "send-dlq", "feedback": "feedback-dlq"},
    orders_topic_names=["orders-topic"],
)


def _by_key(specs: list[AlarmSpec]) -> dict[str, AlarmSpec]:
    return {spec.key: spec for spec in specs}


@pytest.mark.parametrize(
    ("bad", "sent", "minimum", "expected"),
    [
        (1, 3, 100, 0.0),  # one bounce in three e-mails pages nobody
        (1, 99, 100, 0.0),
        (5, 100, 100, 5.0),  # at the minimum volume the rate counts
        (0, 1000, 100, 0.0),
        (20, 1000, 100, 2.0),
        (1, 1, 1, 100.0),
    ],
)
def test_rate_with_minimum_volume(bad: int, sent: int, minimum: int, expected: float) -> None:
    assert alarms.rate_percent(bad, sent, minimum) == pytest.approx(expected)


@given(bad=st.integers(0, 10_000), sent=st.integers(0, 10_000), minimum=st.integers(1, 1000))
def test_rate_is_zero_below_volume_and_a_percentage_above(bad: int, sent: int, minimum: int) -> None:
    rate = alarms.rate_percent(bad, sent, minimum)
    if sent < minimum:
        assert rate == 0
    else:
        assert rate == pytest.approx(100 * bad / sent)


def test_rate_expression_guards_volume_and_fills_missing_numerator() -> None:
    assert alarms.rate_expression("bad", "sent", 50) == "IF(sent >= 50, 100 * FILL(bad, 0) / sent, 0)"
    with pytest.raises(ValueError, match="at least 1"):
        alarms.rate_expression("bad", "sent", 0)


@pytest.mark.parametrize(("percent", "review", "fraction"), [(4.0, 5.0, 0.04), (0.08, 0.1, 0.0008), (2.5, 5.0, 0.025)])
def test_reputation_percent_becomes_fraction(percent: float, review: float, fraction: float) -> None:
    assert alarms.reputation_fraction(percent, review) == pytest.approx(fraction)


@pytest.mark.parametrize(("percent", "review"), [(5.0, 5.0), (6.0, 5.0), (0.1, 0.1), (0.0, 0.1), (-1.0, 5.0)])
def test_reputation_threshold_at_or_above_review_level_is_refused(percent: float, review: float) -> None:
    with pytest.raises(ValueError, match="review level"):
        alarms.reputation_fraction(percent, review)


@pytest.mark.parametrize(
    ("delivered", "sent", "minimum", "expected"),
    [(0, 3, 100, 100.0), (90, 100, 100, 90.0), (0, 200, 100, 0.0), (200, 200, 100, 100.0)],
)
def test_delivery_rate_reads_healthy_below_the_minimum_volume(delivered: int, sent: int, minimum: int,
                                                              expected: float) -> None:
    assert alarms.rate_percent(delivered, sent, minimum, below_volume=100) == pytest.approx(expected)
    assert alarms.rate_expression("good", "sent", 50, 100) == "IF(sent >= 50, 100 * FILL(good, 0) / sent, 100)"


def test_delivery_rate_alarm_fires_below_the_threshold_for_two_hours() -> None:
    spec = _by_key(alarm_specs(WATCHED, DEFAULT_THRESHOLDS))["delivery-rate"]
    assert spec.comparison == "LessThanThreshold"
    assert spec.threshold == 95.0
    assert spec.evaluation_periods == spec.datapoints_to_alarm == 2
    assert spec.expression == f"IF(sent >= {DEFAULT_THRESHOLDS['minimum_volume']}, 100 * FILL(good, 0) / sent, 100)"
    assert {(m.metric_name, m.stat, m.period) for m in spec.inputs.values()} == {
        ("EmailsSent", "Sum", 3600), ("Deliveries", "Sum", 3600)}


def test_send_latency_alarm_watches_p95_of_the_senders_metric() -> None:
    spec = _by_key(alarm_specs(WATCHED, DEFAULT_THRESHOLDS))["send-latency-p95"]
    assert spec.metric is not None
    assert (spec.metric.namespace, spec.metric.metric_name, spec.metric.stat) == ("OrderEmail", "SendLatency", "p95")
    assert spec.metric.dimensions == {"service": "order-email-dev"}
    assert spec.threshold == 60_000 and spec.comparison == "GreaterThanThreshold"


def test_latency_seconds_become_milliseconds() -> None:
    assert alarms.seconds_to_ms(600) == 600_000


def test_defaults_match_the_config_model() -> None:
    assert thresholds_from_settings(AlarmSettings.model_validate({})) == DEFAULT_THRESHOLDS


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_thresholds_come_from_the_stack_file(stack: str) -> None:
    settings = parse_stack_config(stack_config(stack)).alarms
    specs = _by_key(
        alarm_specs(
            Watched(stack, WATCHED.function_names, WATCHED.queue_names, WATCHED.dead_letter_queue_names),
            thresholds_from_settings(settings),
        )
    )
    assert specs["bounce-rate"].threshold == settings.bounce_rate_percent
    assert specs["complaint-rate"].threshold == settings.complaint_rate_percent
    assert str(settings.minimum_volume) in (specs["bounce-rate"].expression or "")
    assert specs["ses-reputation-bounce-rate"].threshold == pytest.approx(settings.reputation_bounce_rate_percent / 100)
    assert specs["ses-reputation-complaint-rate"].threshold == pytest.approx(
        settings.reputation_complaint_rate_percent / 100
    )
    assert specs["delivery-latency-p95"].threshold == settings.delivery_latency_p95_seconds * 1000
    for role in ("send", "feedback"):
        assert specs[f"queue-age-{role}"].threshold == settings.oldest_message_age_seconds
        assert specs[f"dlq-{role}"].threshold == 1
    for role in ("sender", "feedback", "status"):
        assert specs[f"errors-{role}"].threshold == settings.error_threshold
        assert specs[f"throttles-{role}"].threshold == settings.error_threshold
    assert specs["send-failures"].threshold == settings.error_threshold
    assert specs["send-latency-p95"].threshold == settings.send_latency_p95_seconds * 1000
    assert specs["delivery-rate"].threshold == settings.delivery_rate_percent
    assert specs["send-quota-usage"].threshold == settings.send_quota_usage_percent
    quota = specs["send-quota-usage"].metric
    assert quota is not None and quota.period == 3 * settings.quota_probe_minutes * 60


def test_prod_is_stricter_than_dev() -> None:
    dev, prod = (parse_stack_config(stack_config(stack)).alarms for stack in ("dev", "prod"))
    for field in (
        "bounce_rate_percent",
        "complaint_rate_percent",
        "reputation_bounce_rate_percent",
        "reputation_complaint_rate_percent",
        "oldest_message_age_seconds",
        "delivery_latency_p95_seconds",
        "error_threshold",
        "send_latency_p95_seconds",
        "send_quota_usage_percent",
        "quota_probe_minutes",
    ):
        assert getattr(prod, field) <= getattr(dev, field), field
    assert prod.delivery_rate_percent >= dev.delivery_rate_percent


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_reputation_alarms_fire_below_ses_review_levels(stack: str) -> None:
    settings = parse_stack_config(stack_config(stack)).alarms
    specs = _by_key(alarm_specs(WATCHED, thresholds_from_settings(settings)))
    assert specs["ses-reputation-bounce-rate"].threshold < SES_REVIEW_BOUNCE_RATE_PERCENT / 100
    assert specs["ses-reputation-complaint-rate"].threshold < SES_REVIEW_COMPLAINT_RATE_PERCENT / 100
    for key in ("ses-reputation-bounce-rate", "ses-reputation-complaint-rate"):
        metric = specs[key].metric
        assert metric is not None and metric.namespace == "AWS/SES" and not metric.dimensions
        assert specs[key].pauses_sending


def test_treat_missing_data_is_chosen_per_alarm() -> None:
    specs = _by_key(alarm_specs(WATCHED, DEFAULT_THRESHOLDS))
    # Reputation: a publishing gap must not turn a bad reputation OK.
    assert specs["ses-reputation-bounce-rate"].treat_missing_data == "ignore"
    # The quota probe reports every interval: its silence means nobody watches the quota.
    assert specs["send-quota-usage"].treat_missing_data == "breaching"
    # Everything else is emitted only when something happens, or stops when idle and empty.
    for key in ("bounce-rate", "dlq-send", "queue-age-feedback", "errors-sender", "send-failures"):
        assert specs[key].treat_missing_data == "notBreaching"


def test_every_spec_is_well_formed() -> None:
    specs = alarm_specs(WATCHED, DEFAULT_THRESHOLDS)
    assert len(specs) == 11 + 2 + 2 + 3 * 2  # stack-wide, DLQs, queue ages, errors and throttles
    assert len({spec.name for spec in specs}) == len(specs)
    for spec in specs:
        assert spec.name == f"order-email-dev-{spec.key}"
        assert (spec.metric is None) != (spec.expression is None)
        assert 1 <= spec.datapoints_to_alarm <= spec.evaluation_periods
        assert spec.meaning and spec.action
        assert spec.treat_missing_data in {"notBreaching", "ignore", "breaching", "missing"}


def test_role_names_must_be_slugs() -> None:
    with pytest.raises(ValueError, match="slug"):
        Watched("dev", {"Send Function": "x"}, {}, {})


def test_metric_alarm_args_single_metric_and_percentile() -> None:
    specs = _by_key(alarm_specs(WATCHED, DEFAULT_THRESHOLDS))
    errors = alarms.metric_alarm_args(specs["errors-sender"], "topic-arn", {"team": "x"})
    assert errors["alarm_actions"] == errors["ok_actions"] == ["topic-arn"]
    assert (errors["namespace"], errors["metric_name"], errors["statistic"]) == (
        "AWS/Lambda",
        "Errors",
        "Sum",
    )
    assert errors["dimensions"] == {"FunctionName": "send-fn"}
    latency = alarms.metric_alarm_args(specs["delivery-latency-p95"], "topic-arn")
    assert latency["extended_statistic"] == "p95" and "statistic" not in latency
    reputation = alarms.metric_alarm_args(specs["ses-reputation-bounce-rate"], "topic-arn")
    assert reputation["dimensions"] is None


def test_metric_alarm_args_metric_math() -> None:
    spec = _by_key(alarm_specs(WATCHED, DEFAULT_THRESHOLDS))["complaint-rate"]
    queries = alarms.metric_alarm_args(spec, "topic-arn")["metric_queries"]
    returned = [query for query in queries if query["return_data"]]
    assert len(returned) == 1 and returned[0]["expression"] == spec.expression
    inputs = {query["id"]: query["metric"] for query in queries if "metric" in query}
    assert inputs["sent"]["metric_name"] == "EmailsSent"
    assert inputs["bad"]["metric_name"] == "Complaints"
    assert inputs["bad"]["dimensions"] == {"service": "order-email-dev"}


def test_composite_rule() -> None:
    assert alarms.composite_rule(["a-1", "b"]) == 'ALARM("a-1") OR ALARM("b")'
    with pytest.raises(ValueError):
        alarms.composite_rule([])


def test_alarm_topic_policy() -> None:
    arn = f"arn:aws:sns:eu-west-1:{ACCOUNT_ID}:alarms"
    statements = {s["Sid"]: s for s in policies.alarm_topic_policy(arn, ACCOUNT_ID, "eu-west-1",
                                                                                partition="aws")["Statement"]}
    publish = statements["CloudWatchAlarmsOfThisAccountPublish"]
    assert publish["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert publish["Action"] == "sns:Publish" and publish["Resource"] == arn
    assert publish["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT_ID}
    deny = statements["DenyInsecureTransport"]
    assert deny["Effect"] == "Deny" and deny["Principal"] == "*"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert deny == policies.deny_insecure_transport(arn, "sns")  # every SNS action, sns:Publish included


def test_guard_policy_is_least_privilege() -> None:
    config_set = reputation_guard.configuration_set_arn("eu-west-1", ACCOUNT_ID, "order-email-prod",
                                                        partition="aws")
    assert config_set == f"arn:aws:ses:eu-west-1:{ACCOUNT_ID}:configuration-set/order-email-prod"
    policy = policies.guard_role_policy(config_set, "arn:aws:logs:eu-west-1:1:log-group:g")
    ses = [s for s in policy["Statement"] if "ses:" in str(s["Action"])]
    assert ses == [
        {
            "Sid": "PauseSendingOnThisConfigurationSet",
            "Effect": "Allow",
            "Action": "ses:PutConfigurationSetSendingOptions",
            "Resource": config_set,
        }
    ]
    assert all("*" not in str(s["Action"]) and s["Resource"] != "*" for s in policy["Statement"])


def test_guard_event_pattern_matches_only_alarm_entries() -> None:
    pattern = reputation_guard.guard_event_pattern(["arn:1", "arn:2"])
    assert pattern["detail"] == {"state": {"value": ["ALARM"]}}
    assert pattern["resources"] == ["arn:1", "arn:2"]
    assert pattern["detail-type"] == ["CloudWatch Alarm State Change"]


def test_thresholds_added_later_default_for_programs_written_before_them() -> None:
    older: Any = {key: value for key, value in DEFAULT_THRESHOLDS.items()
                  if key not in ("send_latency_p95_seconds", "delivery_rate_percent", "send_quota_usage_percent",
                                 "quota_probe_minutes")} | {"error_threshold": 3}
    completed = alarms.with_defaults(older)
    assert completed == {**DEFAULT_THRESHOLDS, "error_threshold": 3}
    keys = {spec.key for spec in alarm_specs(WATCHED, completed)}
    assert {"send-quota-usage", "send-latency-p95", "delivery-rate"} <= keys
