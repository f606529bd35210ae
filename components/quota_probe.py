"""The quota probe: a scheduled Lambda that turns SES's 24-hour sending quota into a metric.

SES publishes no metric for how much of the daily quota is used, so a small function
(`handlers/quota_probe.py`) calls SESv2 `GetAccount` every `probe_minutes` from an EventBridge
schedule rule and emits `SendQuotaUsage` (%) by EMF; the `send-quota-usage` alarm watches it.

A wiring helper `Observability` calls with `parent=self`, as it does the reputation guard: the probe
exists only to feed that alarm, and an alarm on a metric nobody emits would be silent (or, missing
data being breaching, always red), so the two are declared together and Observability used alone
still gets both. The schedule is a rule on the default bus, the guard's pattern (rule, permission,
target with retries, `components.event_rules`) rather than EventBridge Scheduler, which would need
one more IAM role for the same single target.
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi

from order_email.components import policies
from order_email.components.event_rules import invoke_from_rule
from order_email.components.functions import LambdaCode, LambdaParts, lambda_function
from order_email.handlers.shared.environment import QUOTA_PROBE, powertools
from order_email.handlers.shared.telemetry import service_name

PROBE_HANDLER = "handlers.quota_probe.handler"


def schedule_expression(probe_minutes: int) -> str:
    """EventBridge's `rate(...)`: singular unit for 1 ("rate(1 minute)"), plural otherwise."""
    if not 1 <= probe_minutes <= 60:
        raise ValueError(f"quota probe interval must be 1-60 minutes, got {probe_minutes}")
    return f"rate({probe_minutes} minute{'' if probe_minutes == 1 else 's'})"


def quota_probe(
    name: str,
    *,
    environment: str,
    probe_minutes: int,
    code: LambdaCode,
    log_retention_days: int,
    logs_kms_key_arn: pulumi.Input[str] | None,
    tags: pulumi.Input[Mapping[str, str]],
    parent: pulumi.Resource,
) -> LambdaParts:
    """Declare the `<name>` function (+ logs, role, policy) and `<name>-rule`, `-invoke`, `-target`:
    every `probe_minutes` → the function → SESv2 GetAccount → the `SendQuotaUsage` metric."""
    parts = lambda_function(
        name,
        handler=PROBE_HANDLER,
        description=f"{service_name(environment)} quota probe (SES 24-hour quota used, as a metric)",
        code=code,
        memory_mb=128,
        timeout_seconds=30,
        environment=QUOTA_PROBE.environment(**powertools(environment)),
        log_group_name=f"/order-email/{service_name(environment)}/quota-probe",
        log_retention_days=log_retention_days,
        kms_key_arn=logs_kms_key_arn,
        policy=policies.quota_probe_policy,
        tags=tags,
        parent=parent,
        function_name=f"{service_name(environment)}-quota-probe",
    )
    invoke_from_rule(name, parts.function, description="Read the SES sending quota and emit it as a metric",
                     schedule_expression=schedule_expression(probe_minutes), tags=tags, parent=parent)
    return parts
