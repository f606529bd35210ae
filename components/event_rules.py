"""An EventBridge rule that invokes one Lambda function: the rule, the permission and the target.

A wiring helper (callers pass `parent`), shared by the reputation guard (a rule on alarm state
changes) and the quota probe (a schedule). Declares `<name>-rule`, `<name>-invoke` (only this rule
may invoke the function) and `<name>-target` (retried for an hour).
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_aws as aws

EVENT_RETRY_POLICY: aws.cloudwatch.EventTargetRetryPolicyArgsDict = {
    "maximum_retry_attempts": 4, "maximum_event_age_in_seconds": 3600}
"""EventBridge retries a failed invocation for an hour: a pause that comes late still helps, and a
probe retried within its interval still reports."""


def invoke_from_rule(
    name: str,
    function: aws.lambda_.Function,
    *,
    description: str,
    tags: pulumi.Input[Mapping[str, str]],
    parent: pulumi.Resource,
    event_pattern: pulumi.Input[str] | None = None,
    schedule_expression: str | None = None,
) -> aws.cloudwatch.EventRule:
    """The rule (an event pattern or a schedule on the default bus), allowed to invoke `function`."""
    child = pulumi.ResourceOptions(parent=parent)
    rule = aws.cloudwatch.EventRule(f"{name}-rule", description=description, event_pattern=event_pattern,
                                    schedule_expression=schedule_expression, tags=tags, opts=child)
    permission = aws.lambda_.Permission(
        f"{name}-invoke",
        action="lambda:InvokeFunction",
        function=function.name,
        principal="events.amazonaws.com",
        source_arn=rule.arn,
        opts=child,
    )
    aws.cloudwatch.EventTarget(
        f"{name}-target",
        rule=rule.name,
        arn=function.arn,
        retry_policy=EVENT_RETRY_POLICY,
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[permission]),
    )
    return rule
