"""Observability under Pulumi mocks, used alone from a tiny program with the real dev/prod stack files."""

from __future__ import annotations

import json
from typing import Any

import pytest

from order_email.components.alarms import DEFAULT_THRESHOLDS, thresholds_from_settings
from order_email.components.config import StackConfig, parse_stack_config
from order_email.components.dashboard import referenced_metrics
from order_email.components.observability import Observability, ObservabilityArgs
from order_email.handlers.shared.telemetry import NAMESPACE, MetricName
from order_email.mockstack import ACCOUNT_ID, StackRun, run_program, stack_config
from tests.infra.test_observability_dashboard import (
    assert_metric_row_well_formed,
    assert_widgets_fit_the_grid,
)

METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
COMPOSITE = "aws:cloudwatch/compositeAlarm:CompositeAlarm"
CONFIG_SET = "order-email-config"


def _args(config: StackConfig, **overrides: Any) -> ObservabilityArgs:
    args = ObservabilityArgs(
        environment=config.environment,
        thresholds=thresholds_from_settings(config.alarms),
        function_names={"sender": "send-fn", "feedback": "feedback-fn", "status": "status-fn"},
        queue_names={"send": "send-q", "feedback": "feedback-q"},
        dead_letter_queue_names={"send": "send-dlq", "feedback": "feedback-dlq"},
        orders_topic_names=["orders-topic"],
        log_group_names={
            "sender": "/aws/lambda/send-fn",
            "feedback": "/aws/lambda/feedback-fn",
            "status": "/aws/lambda/status-fn",
        },
        kms_key_arn=f"arn:aws:kms:eu-west-1:{ACCOUNT_ID}:key/1234",
        subscribers=list(config.alarms.subscribers),
        reputation_guard=config.alarms.reputation_guard,
        configuration_set_name=CONFIG_SET,
        tags=config.resource_tags,
    )
    args.update(overrides)  # type: ignore[typeddict-item]
    return args


def _run(stack: str, **overrides: Any) -> tuple[StackRun, StackConfig]:
    raw = stack_config(stack)
    config = parse_stack_config(raw)

    def program() -> None:
        Observability("obs", _args(config, **overrides))

    run = run_program(program, stack=stack, config=raw)
    return run, config


@pytest.fixture(params=["dev", "prod"])
def stack(request: pytest.FixtureRequest) -> tuple[StackRun, StackConfig]:
    return _run(request.param)


def _topic_arn(run: StackRun) -> str:
    return run.named("obs-alarms").state["arn"]


def test_every_child_is_parented_by_the_component(stack: tuple[StackRun, StackConfig]) -> None:
    run, _ = stack
    component = run.named("obs")
    assert component.type == "order-email:index:Observability"
    for resource in run.resources:
        if resource is not component:
            assert resource.parent == component.urn, resource.name
            assert resource.name.startswith("obs-")


def test_every_alarm_notifies_the_topic_on_alarm_and_ok(stack: tuple[StackRun, StackConfig]) -> None:
    run, _ = stack
    topic = _topic_arn(run)
    alarms = run.of_type(METRIC_ALARM) + run.of_type(COMPOSITE)
    assert len(alarms) == 22
    for alarm in alarms:
        assert alarm.inputs["alarmActions"] == [topic], alarm.name
        assert alarm.inputs["okActions"] == [topic], alarm.name


def test_alarms_carry_the_configured_thresholds(stack: tuple[StackRun, StackConfig]) -> None:
    run, config = stack
    settings = config.alarms
    threshold = {alarm.name.removeprefix("obs-"): alarm.inputs["threshold"] for alarm in run.of_type(METRIC_ALARM)}
    assert threshold["bounce-rate"] == settings.bounce_rate_percent
    assert threshold["complaint-rate"] == settings.complaint_rate_percent
    assert threshold["ses-reputation-bounce-rate"] == pytest.approx(settings.reputation_bounce_rate_percent / 100)
    assert threshold["ses-reputation-complaint-rate"] == pytest.approx(settings.reputation_complaint_rate_percent / 100)
    assert threshold["ses-reputation-bounce-rate"] < 0.05
    assert threshold["ses-reputation-complaint-rate"] < 0.001
    assert threshold["queue-age-send"] == threshold["queue-age-feedback"] == settings.oldest_message_age_seconds
    assert threshold["dlq-send"] == threshold["dlq-feedback"] == 1
    assert threshold["delivery-latency-p95"] == settings.delivery_latency_p95_seconds * 1000
    for key in ("errors-sender", "throttles-status", "send-failures"):
        assert threshold[key] == settings.error_threshold
    rate = run.named("obs-bounce-rate").inputs["metricQueries"]
    assert any(f"sent >= {settings.minimum_volume}" in query.get("expression", "") for query in rate)
    names = {alarm.inputs["name"] for alarm in run.of_type(METRIC_ALARM)}
    assert all(name.startswith(f"order-email-{config.environment}-") for name in names)


def test_composite_health_alarm_covers_every_alarm(stack: tuple[StackRun, StackConfig]) -> None:
    run, config = stack
    health = run.named("obs-system-health")
    assert health.inputs["alarmName"] == f"order-email-{config.environment}-system-health"
    for alarm in run.of_type(METRIC_ALARM):
        assert f'ALARM("{alarm.inputs["name"]}")' in health.inputs["alarmRule"]
    assert health.inputs["alarmRule"].count(" OR ") == len(run.of_type(METRIC_ALARM)) - 1


def test_topic_is_encrypted_tls_only_and_publishable_only_by_this_accounts_alarms(
    stack: tuple[StackRun, StackConfig],
) -> None:
    run, config = stack
    assert run.named("obs-alarms").inputs["kmsMasterKeyId"].startswith("arn:aws:kms:")
    policy_resource = run.named("obs-alarms-policy")
    assert policy_resource.inputs["arn"] == _topic_arn(run)
    policy = json.loads(policy_resource.inputs["policy"])
    allows = [s for s in policy["Statement"] if s["Effect"] == "Allow"]
    assert len(allows) == 1
    assert allows[0]["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert allows[0]["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT_ID}
    assert allows[0]["Resource"] == _topic_arn(run)
    denies = [s for s in policy["Statement"] if s["Effect"] == "Deny"]
    assert any(s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} and s["Principal"] == "*" for s in denies)
    subscriptions = run.of_type("aws:sns/topicSubscription:TopicSubscription")
    assert sorted(s.inputs["endpoint"] for s in subscriptions) == sorted(config.alarms.subscribers)
    assert all(s.inputs["protocol"] == "email" and s.inputs["topic"] == _topic_arn(run) for s in subscriptions)
    assert all("@" not in s.name for s in subscriptions)


def test_dashboard_body_is_valid(stack: tuple[StackRun, StackConfig]) -> None:
    run, config = stack
    board = run.of_type("aws:cloudwatch/dashboard:Dashboard")
    assert len(board) == 1 and board[0].inputs["dashboardName"] == f"order-email-{config.environment}"
    body = json.loads(board[0].inputs["dashboardBody"])
    assert_widgets_fit_the_grid(body["widgets"])
    for widget in body["widgets"]:
        if widget["type"] == "metric":
            assert widget["properties"]["region"] == "eu-west-1"
            for row in widget["properties"]["metrics"]:
                assert_metric_row_well_formed(row, set())
    charted = {name for namespace, name in referenced_metrics(body, []) if namespace == NAMESPACE}
    assert charted == {metric.value for metric in MetricName}
    alarm_widget = next(widget for widget in body["widgets"] if widget["type"] == "alarm")
    arns = {alarm.state["arn"] for alarm in run.of_type(METRIC_ALARM) + run.of_type(COMPOSITE)}
    assert set(alarm_widget["properties"]["alarms"]) == arns


def test_saved_queries_over_the_given_log_groups(stack: tuple[StackRun, StackConfig]) -> None:
    run, config = stack
    queries = {
        q.name.removeprefix("obs-query-"): q.inputs
        for q in run.of_type("aws:cloudwatch/queryDefinition:QueryDefinition")
    }
    assert set(queries) == {"errors", "order", "slowest-sends"}
    assert queries["slowest-sends"]["logGroupNames"] == ["/aws/lambda/send-fn"]
    guard_logs = [f"/order-email/order-email-{config.environment}/reputation-guard"]
    expected = ["/aws/lambda/send-fn", "/aws/lambda/feedback-fn", "/aws/lambda/status-fn",
                f"/order-email/order-email-{config.environment}/quota-probe"]
    expected += guard_logs if config.alarms.reputation_guard else []
    assert queries["errors"]["logGroupNames"] == expected
    assert queries["order"]["name"] == f"order-email-{config.environment}/everything-about-one-order"


def _guards(run: StackRun) -> list[Any]:
    return [f for f in run.of_type("aws:lambda/function:Function")
            if f.inputs["handler"] == "handlers.reputation_guard.handler"]


def test_reputation_guard_follows_the_config(stack: tuple[StackRun, StackConfig]) -> None:
    run, config = stack
    functions = _guards(run)
    if not config.alarms.reputation_guard:
        rules = run.of_type("aws:cloudwatch/eventRule:EventRule")
        assert functions == [] and [rule.name for rule in rules] == ["obs-quota-probe-rule"]
        return
    (function,) = functions
    assert function.inputs["handler"] == "handlers.reputation_guard.handler"
    variables = function.inputs["environment"]["variables"]
    assert variables["CONFIGURATION_SET_NAME"] == CONFIG_SET
    assert set(variables["GUARDED_ALARM_NAMES"].split(",")) == {
        f"order-email-{config.environment}-ses-reputation-bounce-rate",
        f"order-email-{config.environment}-ses-reputation-complaint-rate",
    }
    assert function.inputs["loggingConfig"]["logFormat"] == "JSON"
    rule = run.named("obs-guard-rule")
    pattern = json.loads(rule.inputs["eventPattern"])
    reputation_arns = {run.named(f"obs-ses-reputation-{kind}-rate").state["arn"] for kind in ("bounce", "complaint")}
    assert set(pattern["resources"]) == reputation_arns
    assert pattern["detail"] == {"state": {"value": ["ALARM"]}}
    target = run.named("obs-guard-target")
    assert target.inputs["arn"] == function.state["arn"]
    permission = run.named("obs-guard-invoke")
    assert permission.inputs["principal"] == "events.amazonaws.com"
    assert permission.inputs["sourceArn"] == rule.state["arn"]
    policy = json.loads(run.named("obs-guard-policy").inputs["policy"])
    ses = next(s for s in policy["Statement"] if s["Action"] == "ses:PutConfigurationSetSendingOptions")
    assert ses["Resource"] == f"arn:aws:ses:eu-west-1:{ACCOUNT_ID}:configuration-set/{CONFIG_SET}"
    log_group = run.named("obs-guard-logs")
    assert log_group.inputs["retentionInDays"] == 30


def test_guard_can_be_switched_on_in_dev() -> None:
    run, _ = _run("dev", reputation_guard=True, log_retention_days=7)
    assert len(_guards(run)) == 1
    assert run.named("obs-guard-logs").inputs["retentionInDays"] == 7


def test_guard_without_configuration_set_is_refused() -> None:
    with pytest.raises(ValueError, match="configuration_set_name"):
        _run("dev", reputation_guard=True, configuration_set_name=None)


def test_used_alone_with_defaults_and_minimal_args() -> None:
    """Another project: no stack config of ours, only what the component needs."""

    def program() -> None:
        Observability(
            "obs",
            {
                "environment": "staging",
                "thresholds": DEFAULT_THRESHOLDS,
                "function_names": {"worker": "worker-fn"},
                "queue_names": {"work": "work-q"},
                "dead_letter_queue_names": {"work": "work-dlq"},
                "log_group_names": {"worker": "/aws/lambda/worker-fn"},
                "kms_key_arn": f"arn:aws:kms:us-east-1:{ACCOUNT_ID}:key/1",
            },
        )

    run = run_program(program, stack="staging", config={"aws:region": "us-east-1"}, project="other-project")
    names = {alarm.inputs["name"] for alarm in run.of_type(METRIC_ALARM)}
    assert "order-email-staging-errors-worker" in names and "order-email-staging-dlq-work" in names
    body = json.loads(run.named("obs-dashboard").inputs["dashboardBody"])
    assert {w["properties"]["region"] for w in body["widgets"] if w["type"] == "metric"} == {"us-east-1"}
    assert run.of_type("aws:sns/topicSubscription:TopicSubscription") == []
    assert {q.name for q in run.of_type("aws:cloudwatch/queryDefinition:QueryDefinition")} == {
        "obs-query-errors",
        "obs-query-order",
    }


def test_guard_role_trusts_only_lambda_acting_for_this_account() -> None:
    """The guard's role is built like every function's (`functions.lambda_function`): no confused deputy."""
    run, _ = _run("dev", reputation_guard=True)
    trust = json.loads(run.named("obs-guard-role").inputs["assumeRolePolicy"])
    (statement,) = trust["Statement"]
    assert statement["Principal"] == {"Service": "lambda.amazonaws.com"}
    assert statement["Action"] == "sts:AssumeRole"
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT_ID}}


GUARD_URNS_BEFORE_ITS_OWN_MODULE = {
    f"urn:pulumi:dev::order-email::order-email:index:Observability${type_token}::{name}"
    for type_token, name in (
        ("aws:cloudwatch/logGroup:LogGroup", "obs-guard-logs"),
        ("aws:iam/role:Role", "obs-guard-role"),
        ("aws:iam/rolePolicy:RolePolicy", "obs-guard-policy"),
        ("aws:lambda/function:Function", "obs-guard"),
        ("aws:cloudwatch/eventRule:EventRule", "obs-guard-rule"),
        ("aws:lambda/permission:Permission", "obs-guard-invoke"),
        ("aws:cloudwatch/eventTarget:EventTarget", "obs-guard-target"),
    )
}
"""The guard's URNs when it was declared inside `Observability`: `components.reputation_guard` keeps them
(same names, same parent), so an existing stack updates its guard in place and needs no alias."""


def test_guard_keeps_the_urns_existing_stacks_have() -> None:
    run, _ = _run("dev", reputation_guard=True)
    guard = {resource.urn for resource in run.resources if resource.name.startswith("obs-guard")}
    assert guard == GUARD_URNS_BEFORE_ITS_OWN_MODULE
    assert {run.by_urn(urn).parent_name for urn in guard} == {"obs"}
