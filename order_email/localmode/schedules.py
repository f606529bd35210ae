"""Schedule-triggered functions (an EventBridge rule with a `scheduleExpression` and a Lambda target).

moto stores rules but never fires them, and a `rate(5 minutes)` schedule is useless in a test, so
local mode runs them on demand: `LocalSystem.run_scheduled()` invokes each scheduled function once
with the event EventBridge sends for a schedule ("Scheduled Event" from `aws.events`, the rule's ARN
in `resources`; https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-run-lambda-schedule.html).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from order_email.localmode.provisioned import FunctionSpec, Provisioned
from order_email.mockstack import StackRun

EVENT_RULE = "aws:cloudwatch/eventRule:EventRule"
EVENT_TARGET = "aws:cloudwatch/eventTarget:EventTarget"


@dataclass(frozen=True)
class ScheduleSpec:
    rule_name: str
    expression: str
    """As declared: `rate(5 minutes)`, `cron(...)`; local mode does not keep time by it."""
    function: FunctionSpec


def schedule_specs(graph: StackRun, provisioned: Provisioned) -> list[ScheduleSpec]:
    """Every (schedule rule, Lambda target) pair of the graph; pattern rules and other targets are not runs."""
    rules = {str(rule.state.get("name") or rule.name): rule for rule in graph.of_type(EVENT_RULE)
             if rule.state.get("scheduleExpression")}
    functions = {function.arn: function for function in provisioned.functions.values()}
    specs: list[ScheduleSpec] = []
    for target in graph.of_type(EVENT_TARGET):
        rule = rules.get(str(target.state.get("rule") or ""))
        function = functions.get(str(target.state.get("arn") or ""))
        if rule is not None and function is not None:
            specs.append(ScheduleSpec(str(rule.state.get("name") or rule.name),
                                      str(rule.state["scheduleExpression"]), function))
    return specs


def scheduled_event(spec: ScheduleSpec, region: str, account_id: str, now: datetime | None = None) -> dict[str, Any]:
    """The event EventBridge invokes a schedule rule's target with (pure but for the id and clock)."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account_id,
        "time": (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:events:{region}:{account_id}:rule/{spec.rule_name}"],
        "detail": {},
    }
