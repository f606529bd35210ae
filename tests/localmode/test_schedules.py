"""Which functions local mode runs on a schedule, read from the graph, and the event it hands them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from order_email.localmode.provisioned import FunctionSpec, Provisioned, Translation
from order_email.localmode.schedules import ScheduleSpec, schedule_specs, scheduled_event
from order_email.mockstack import StackRun, run_stack


@pytest.fixture(scope="module")
def prod() -> StackRun:
    return run_stack("prod")


def _provisioned(graph: StackRun) -> Provisioned:
    functions = {
        resource.name: FunctionSpec(resource.name, resource.state["name"], resource.state["arn"],
                                    resource.state["handler"], {}, 30, 128, "python3.12")
        for resource in graph.of_type("aws:lambda/function:Function")
    }
    return Provisioned(translation=Translation(), functions=functions)


def test_only_schedule_rules_with_a_function_target_are_runs(prod: StackRun) -> None:
    # prod has two rules with Lambda targets: the guard's (an event pattern) and the probe's schedule.
    assert len(prod.of_type("aws:cloudwatch/eventRule:EventRule")) == 2
    [spec] = schedule_specs(prod, _provisioned(prod))
    assert spec.function.handler == "handlers.quota_probe.handler"
    assert spec.expression == "rate(5 minutes)"
    assert spec.rule_name == prod.named("order-email-observability-quota-probe-rule").state["name"]


def test_a_graph_without_functions_has_no_runs(prod: StackRun) -> None:
    assert schedule_specs(prod, Provisioned(translation=Translation())) == []


def test_the_event_is_eventbridges_scheduled_event() -> None:
    spec = ScheduleSpec("probe-rule", "rate(5 minutes)",
                        FunctionSpec("probe", "probe", "arn:aws:lambda:eu-west-1:1:function:probe", "h.h", {}, 3, 128,
                                     "python3.12"))
    event = scheduled_event(spec, "eu-west-1", "123456789012", datetime(2026, 12, 2, 4, 5, 6, tzinfo=UTC))
    assert {key: value for key, value in event.items() if key != "id"} == {
        "version": "0", "detail-type": "Scheduled Event", "source": "aws.events", "account": "123456789012",
        "time": "2026-12-02T04:05:06Z", "region": "eu-west-1",
        "resources": ["arn:aws:events:eu-west-1:123456789012:rule/probe-rule"], "detail": {}}
    assert event["id"] != scheduled_event(spec, "eu-west-1", "123456789012")["id"]
