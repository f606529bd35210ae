"""The reputation guard: an SES reputation alarm entering ALARM pauses sending on the configuration set.

A wiring helper `Observability` calls with `parent=self` (its resources keep the names and parent they
had when they were declared inside `Observability`, so existing stacks keep them). An EventBridge rule
invokes a small Lambda (`handlers/reputation_guard.py`) that pauses sending on the configuration set.
Sends through it are then rejected by SES and retried from the send queue until its messages reach
the DLQ. Resume by hand once the cause is fixed — deliberately not automatic, because the alarm going
OK does not mean the cause is gone::

    aws sesv2 put-configuration-set-sending-options \\
        --configuration-set-name <configuration_set_name> --sending-enabled
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from order_email.components import policies
from order_email.components.event_rules import invoke_from_rule
from order_email.components.functions import JSON_LOGS, LambdaCode, LambdaParts, lambda_function
from order_email.components.packaging import HANDLERS_DIR, handler_code_archive
from order_email.components.wiring import applied, applied_json
from order_email.handlers.shared.environment import REPUTATION_GUARD
from order_email.handlers.shared.telemetry import service_name

GUARD_HANDLER = HANDLERS_DIR / "reputation_guard.py"
"""It needs only boto3 and the standard library (no layer), plus the handlers' shared environment contract."""


def guard_event_pattern(alarm_arns: Sequence[str]) -> dict[str, Any]:
    """EventBridge pattern: one of the given alarms entered ALARM (not OK, not INSUFFICIENT_DATA)."""
    return {
        "source": ["aws.cloudwatch"],
        "detail-type": ["CloudWatch Alarm State Change"],
        "resources": list(alarm_arns),
        "detail": {"state": {"value": ["ALARM"]}},
    }


def configuration_set_arn(region: str, account_id: str, configuration_set_name: str, *, partition: str) -> str:
    return f"arn:{partition}:ses:{region}:{account_id}:configuration-set/{configuration_set_name}"


def guard_code() -> LambdaCode:
    """The handler package (the guard reads its environment through `handlers.shared.environment`), no layer."""
    return LambdaCode(archive=handler_code_archive(), layers=[])


def reputation_guard(
    name: str,
    *,
    environment: str,
    configuration_set_name: pulumi.Input[str],
    guarded_alarms: Mapping[str, aws.cloudwatch.MetricAlarm],
    region: pulumi.Input[str],
    account_id: pulumi.Input[str],
    partition: pulumi.Input[str],
    log_retention_days: int,
    logs_kms_key_arn: pulumi.Input[str] | None,
    tags: pulumi.Input[Mapping[str, str]],
    parent: pulumi.Resource,
) -> LambdaParts:
    """Declare the `<name>` function (+ logs, role, policy) and `<name>-rule`, `-invoke`, `-target`:
    an alarm of `guarded_alarms` (by alarm name) entering ALARM → the function → SESv2 pause."""
    parts = lambda_function(
        name,
        handler="handlers.reputation_guard.handler",
        description=f"{service_name(environment)} reputation guard (pauses sending on a reputation alarm)",
        code=guard_code(),
        memory_mb=128,
        timeout_seconds=30,
        environment=REPUTATION_GUARD.environment(
            configuration_set_name=configuration_set_name, guarded_alarm_names=list(guarded_alarms)),
        log_group_name=f"/order-email/{service_name(environment)}/reputation-guard",
        log_retention_days=log_retention_days,
        kms_key_arn=logs_kms_key_arn,
        encrypt_environment=False,
        policy=policies.guard_role_policy,
        policy_inputs={"configuration_set_arn": applied(
            configuration_set_arn, region=region, account_id=account_id, partition=partition,
            configuration_set_name=configuration_set_name)},
        tags=tags,
        parent=parent,
        function_name=f"{service_name(environment)}-reputation-guard",
        logging=JSON_LOGS,
    )
    invoke_from_rule(
        name, parts.function,
        description="An SES reputation alarm entered ALARM: pause sending on the configuration set",
        event_pattern=applied_json(guard_event_pattern,
                                   alarm_arns=pulumi.Output.all(*(a.arn for a in guarded_alarms.values()))),
        tags=tags, parent=parent)
    return parts
