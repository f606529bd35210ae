"""The observability profiles: `full` (prod, the default) and `lean` (dev: only the alarms that say an
order is lost or stuck, no dashboard, composite health alarm or quota probe)."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from order_email.components.alarm_catalog import PROFILES, Watched, alarm_specs, in_lean_profile
from order_email.components.alarms import DEFAULT_THRESHOLDS
from order_email.components.config import StackConfigError, parse_stack_config
from order_email.components.observability import Observability, ObservabilityArgs
from order_email.mockstack import ACCOUNT_ID, StackRun, run_program, run_stack, stack_config
from tests.support.paths import REPO
from tests.support.stacks import recorded_full_stack, recorded_stack

PREFIX = "order-email-observability"
METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
ABSENT_WHEN_LEAN = ("aws:cloudwatch/dashboard:Dashboard", "aws:cloudwatch/compositeAlarm:CompositeAlarm")
LEAN_DEV_ALARMS = {"dlq-send", "dlq-feedback", "dlq-status-events", "errors-sender", "errors-feedback",
                   "send-failures", "held-orders", "filtered-out-orders"}
NONE_WHEN_LEAN = ("dashboard_name", "dashboard_url", "health_alarm_arn", "quota_probe_function_name")


def _alarm_keys(run: StackRun) -> set[str]:
    return {alarm.name.removeprefix(f"{PREFIX}-") for alarm in run.of_type(METRIC_ALARM)}


def _quota_probe(run: StackRun) -> list[Any]:
    return [resource for resource in run.resources if resource.name.startswith(f"{PREFIX}-quota-probe")]


def test_dev_is_lean_and_prod_is_full() -> None:
    assert parse_stack_config(stack_config("dev", REPO)).observability == "lean"
    assert parse_stack_config(stack_config("prod", REPO)).observability == "full"


def test_the_lean_dev_stack_has_exactly_the_lost_or_stuck_alarms_and_nothing_else() -> None:
    dev = recorded_stack("dev")
    assert _alarm_keys(dev) == LEAN_DEV_ALARMS
    for type_token in ABSENT_WHEN_LEAN:
        assert dev.of_type(type_token) == [], type_token
    assert _quota_probe(dev) == []
    assert dev.of_type("aws:cloudwatch/queryDefinition:QueryDefinition")  # free: they stay
    topic = dev.named(f"{PREFIX}-alarms").state["arn"]
    for alarm in dev.of_type(METRIC_ALARM):
        assert alarm.inputs["alarmActions"] == alarm.inputs["okActions"] == [topic], alarm.name


def test_the_lean_stack_still_exports_the_dashboard_url_as_null() -> None:
    dev = recorded_stack("dev")
    assert "dashboardUrl" in dev.outputs and dev.outputs["dashboardUrl"] is None
    assert recorded_full_stack("dev").outputs["dashboardUrl"].endswith("dashboard/order-email-dev")


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_full_keeps_every_alarm_the_dashboard_the_health_alarm_and_the_probe(stack: str) -> None:
    run = recorded_full_stack(stack)
    keys = _alarm_keys(run)
    assert len(keys) == 26 and keys > LEAN_DEV_ALARMS
    assert {"send-quota-usage", "ses-reputation-bounce-rate", "queue-age-send", "throttles-sender"} <= keys
    for type_token in ABSENT_WHEN_LEAN:
        assert len(run.of_type(type_token)) == 1, type_token
    assert _quota_probe(run)
    assert keys == _alarm_keys(recorded_stack("prod"))  # prod's own profile is full: overriding changes nothing


def test_lean_is_the_full_catalogue_filtered_in_one_place() -> None:
    watched = Watched("dev", {"sender": "s", "feedback": "f", "status": "t"}, {"send": "q", "feedback": "fq"},
                      {"send": "d", "feedback": "fd"}, ["orders"])
    full = [spec.key for spec in alarm_specs(watched, DEFAULT_THRESHOLDS)]
    lean = [spec.key for spec in alarm_specs(watched, DEFAULT_THRESHOLDS, "lean")]
    assert lean == [key for key in full if in_lean_profile(key)]
    assert set(lean) == {"dlq-send", "dlq-feedback", "errors-sender", "errors-feedback", "send-failures",
                         "held-orders", "filtered-out-orders"}
    without_topic = Watched("dev", {"sender": "s"}, {"send": "q"}, {"send": "d"})
    assert "filtered-out-orders" not in {spec.key for spec in alarm_specs(without_topic, DEFAULT_THRESHOLDS, "lean")}
    with pytest.raises(ValueError, match=r"profile must be one of \['full', 'lean'\]"):
        alarm_specs(watched, DEFAULT_THRESHOLDS, "minimal")


def test_a_bad_observability_value_fails_the_program_naming_the_key_and_the_values() -> None:
    with pytest.raises(StackConfigError) as raised:
        run_stack("dev", project_dir=REPO, overrides={"order-email:observability": "minimal"})
    message = str(raised.value)
    assert "order-email:observability" in message
    assert all(f"'{profile}'" in message for profile in PROFILES)


def test_the_reputation_guard_with_lean_is_refused_by_the_config() -> None:
    raw = {**stack_config("dev", REPO),
           "order-email:alarms": '{"reputationGuard": true}', "order-email:observability": "lean"}
    with pytest.raises(StackConfigError, match=r"order-email:.*reputationGuard: needs observability 'full'"):
        parse_stack_config(raw)
    raw["order-email:observability"] = "full"
    assert parse_stack_config(raw).alarms.reputation_guard


# -- the component alone, as another project uses it ------------------------------------------------------------


def _args(**overrides: Any) -> ObservabilityArgs:
    args = ObservabilityArgs(
        environment="dev",
        thresholds=DEFAULT_THRESHOLDS,
        function_names={"sender": "send-fn", "feedback": "feedback-fn"},
        queue_names={"send": "send-q"},
        dead_letter_queue_names={"send": "send-dlq"},
        log_group_names={"sender": "/aws/lambda/send-fn"},
        kms_key_arn=f"arn:aws:kms:eu-west-1:{ACCOUNT_ID}:key/1234",
        configuration_set_name="order-email-config",
    )
    args.update(overrides)  # type: ignore[typeddict-item]
    return args


def _component(**overrides: Any) -> StackRun:
    def program() -> None:
        component = Observability("obs", _args(**overrides))
        for output in (*NONE_WHEN_LEAN, "reputation_guard_function_name"):
            pulumi.export(output, getattr(component, output))

    return run_program(program, stack="dev", config=stack_config("dev", REPO))


def test_the_lean_component_has_no_dashboard_health_alarm_or_probe_and_says_so_in_its_outputs() -> None:
    run = _component(profile="lean")
    assert {alarm.name for alarm in run.of_type(METRIC_ALARM)} == {"obs-dlq-send", "obs-errors-sender",
                                                                   "obs-errors-feedback", "obs-send-failures",
                                                                   "obs-held-orders"}
    assert all(run.of_type(type_token) == [] for type_token in ABSENT_WHEN_LEAN)
    assert not run.of_type("aws:lambda/function:Function")
    assert {output: run.outputs[output] for output in NONE_WHEN_LEAN} == dict.fromkeys(NONE_WHEN_LEAN)


def test_the_default_component_is_full() -> None:
    run = _component()
    assert all(run.outputs[output] for output in NONE_WHEN_LEAN)
    assert run.outputs["reputation_guard_function_name"] is None
    assert len(run.of_type(METRIC_ALARM)) == len(alarm_specs(
        Watched("dev", {"sender": "send-fn", "feedback": "feedback-fn"}, {"send": "q"}, {"send": "d"}),
        DEFAULT_THRESHOLDS))


@pytest.mark.parametrize(("overrides", "message"), [
    ({"profile": "minimal"}, r"Observability: profile must be one of \['full', 'lean'\], got 'minimal'"),
    ({"profile": "lean", "reputation_guard": True}, r"Observability: reputation_guard needs profile 'full'"),
])
def test_a_bad_profile_is_a_clear_error_naming_the_arg(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _component(**overrides)
