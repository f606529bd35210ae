"""`Observability`: dashboard, alarms, the composite health alarm, the alarm topic, saved log queries,
and (optionally) the reputation guard.

It watches resources by name, so it works alone: give it function, queue and log group names from
any project. Thresholds and metric math come from `components.alarms`, the dashboard body from
`components.dashboard`, the queries from `components.log_insights`; this file only wires resources.

Reputation guard (``reputation_guard=True``): when an SES reputation alarm (account bounce or
complaint rate) enters ALARM, an EventBridge rule invokes a small Lambda
(`handlers/reputation_guard.py`) that pauses sending on the configuration set. Sends through it
are then rejected by SES and retried from the send queue until its messages reach the DLQ. Resume by
hand once the cause is fixed — deliberately not automatic, because the alarm going OK does not mean
the cause is gone::

    aws sesv2 put-configuration-set-sending-options \\
        --configuration-set-name <configuration_set_name> --sending-enabled
"""

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

from order_email.components import alarms, dashboard, log_insights
from order_email.components.alarms import AlarmThresholds
from order_email.components.cross_language import declared_outputs, python_args
from order_email.components.packaging import HANDLERS_DIR, LAMBDA_ARCHITECTURE, LAMBDA_RUNTIME
from order_email.handlers.shared.telemetry import service_name

GUARD_HANDLER = HANDLERS_DIR / "reputation_guard.py"
"""Packaged alone: it needs only boto3 and the standard library (no layer)."""


class ObservabilityArgs(TypedDict):
    environment: str
    """Stack environment (`dev`, `prod`): names alarms and the dashboard and picks the `service`
    dimension (`order-email-<environment>`) of the handlers' metrics."""
    thresholds: AlarmThresholds
    """Alarm thresholds (see `alarms.AlarmThresholds`; `alarms.thresholds_from_settings(config.alarms)`
    builds them from the stack config, `alarms.DEFAULT_THRESHOLDS` are the documented defaults)."""
    function_names: Mapping[str, pulumi.Input[str]]
    """Lambda function names by role (`sender`, `feedback`, `status`); each gets error and throttle
    alarms and a line on the Lambda charts."""
    queue_names: Mapping[str, pulumi.Input[str]]
    """Work queue names by role (`send`, `feedback`): depth and oldest-message-age alarm."""
    dead_letter_queue_names: Mapping[str, pulumi.Input[str]]
    """Dead-letter queue names by the role of the queue they serve (`send`, `feedback`): alarm at 1."""
    orders_topic_names: NotRequired[Sequence[pulumi.Input[str]]]
    """Orders topics (at most 3) whose subscription filter drops messages without the right
    `eventType` attribute before any queue: the filtered-out-orders alarm and its chart watch them.
    No such alarm when absent, since those drops leave no other trace (no queue, no DLQ)."""
    log_group_names: Mapping[str, pulumi.Input[str]]
    """Log group names by role (`sender`, `feedback`, `status`) for the saved Logs Insights queries;
    the slowest-sends query uses `sender`."""
    kms_key_arn: pulumi.Input[str]
    """Customer-managed KMS key for the alarm topic (its policy must let cloudwatch.amazonaws.com use
    it; the AWS-managed SNS key cannot be used by CloudWatch alarms)."""
    subscribers: NotRequired[list[str]]
    """E-mail addresses subscribed to the alarm topic (each must confirm the subscription)."""
    reputation_guard: NotRequired[bool]
    """Pause sending on the configuration set when an SES reputation alarm fires (default False)."""
    configuration_set_name: NotRequired[pulumi.Input[str]]
    """SES configuration set the reputation guard pauses; required when `reputation_guard` is True."""
    region: NotRequired[str]
    """Region for the dashboard's widgets; the provider's region when absent."""
    log_retention_days: NotRequired[int]
    """Retention of the reputation guard's own log group (default 30)."""
    logs_kms_key_arn: NotRequired[pulumi.Input[str] | None]
    """Key for the reputation guard's log group; CloudWatch Logs' own encryption when absent."""
    tags: NotRequired[pulumi.Input[dict[str, str]]]
    """Tags for every taggable resource."""


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _subscriber_suffix(address: str) -> str:
    """Stable per address (reordering the list replaces nothing) and no address in the URN."""
    return hashlib.sha256(address.strip().lower().encode()).hexdigest()[:10]


class Observability(pulumi.ComponentResource):
    """Dashboard, alarms and their notification topic for one order-email stack."""

    alarm_topic_arn: pulumi.Output[str]
    """SNS topic every alarm notifies on ALARM and OK."""
    alarm_arns: pulumi.Output[dict[str, str]]
    """ARN of each metric alarm, by its key (`bounce-rate`, `dlq-send`, `errors-sender`, ...)."""
    health_alarm_arn: pulumi.Output[str]
    """The composite "system health" alarm: ALARM while any alarm of the stack is."""
    dashboard_name: pulumi.Output[str]
    """Name of the CloudWatch dashboard."""
    dashboard_url: pulumi.Output[str]
    """Console URL of the dashboard."""
    reputation_guard_function_name: pulumi.Output[str | None]
    """The guard Lambda's name, or None when the guard is off."""

    def __init__(self, name: str, args: ObservabilityArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("order-email:index:Observability", name, {}, opts)
        args = python_args(args, ObservabilityArgs)
        child = pulumi.ResourceOptions(parent=self)
        invoke = pulumi.InvokeOutputOptions(parent=self)
        env = args["environment"]
        tags = args.get("tags") or {}
        account_id = aws.get_caller_identity_output(opts=invoke).account_id
        region: pulumi.Output[str] = (
            pulumi.Output.from_input(args["region"])
            if args.get("region")
            else aws.get_region_output(opts=invoke).region
        )

        # Alarm topic: encrypted, publishable only by this account's alarms, TLS only.
        topic = aws.sns.Topic(f"{name}-alarms", kms_master_key_id=args["kms_key_arn"], tags=tags, opts=child)
        aws.sns.TopicPolicy(
            f"{name}-alarms-policy",
            arn=topic.arn,
            policy=pulumi.Output.all(topic.arn, account_id, region).apply(
                lambda values: _json(alarms.alarm_topic_policy(*values))
            ),
            opts=child,
        )
        for address in args.get("subscribers") or []:
            aws.sns.TopicSubscription(
                f"{name}-subscriber-{_subscriber_suffix(address)}",
                topic=topic.arn,
                protocol="email",
                endpoint=address,
                opts=child,
            )

        # Metric alarms, then the composite that summarises them.
        topic_names = list(args.get("orders_topic_names") or [])
        watched = alarms.Watched(env, args["function_names"], args["queue_names"], args["dead_letter_queue_names"],
                                 topic_names)
        specs = alarms.alarm_specs(watched, args["thresholds"])
        metric_alarms = {
            spec.key: aws.cloudwatch.MetricAlarm(
                f"{name}-{spec.key}", **alarms.metric_alarm_args(spec, topic.arn, tags), opts=child
            )
            for spec in specs
        }
        health = aws.cloudwatch.CompositeAlarm(
            f"{name}-system-health",
            alarm_name=alarms.health_alarm_name(env),
            alarm_description="order-email is unhealthy: at least one of its alarms is in ALARM. "
            "See the dashboard's runbook for that alarm.",
            alarm_rule=alarms.composite_rule([spec.name for spec in specs]),
            alarm_actions=[topic.arn],
            ok_actions=[topic.arn],
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(metric_alarms.values())),
        )

        # Dashboard.
        dashboard_name = service_name(env)
        body = pulumi.Output.all(
            region=region,
            functions=dict(args["function_names"]),
            queues=dict(args["queue_names"]),
            dlqs=dict(args["dead_letter_queue_names"]),
            topics=topic_names,
            arns=[*(alarm.arn for alarm in metric_alarms.values()), health.arn],
        ).apply(
            lambda resolved: _json(
                dashboard.dashboard_body(
                    dashboard.DashboardInputs(
                        environment=env,
                        region=resolved["region"],
                        function_names=resolved["functions"],
                        queue_names=resolved["queues"],
                        dead_letter_queue_names=resolved["dlqs"],
                        orders_topic_names=resolved["topics"],
                        thresholds=args["thresholds"],
                        alarm_specs=specs,
                        alarm_arns=resolved["arns"],
                    )
                )
            )
        )
        board = aws.cloudwatch.Dashboard(
            f"{name}-dashboard", dashboard_name=dashboard_name, dashboard_body=body, opts=child
        )

        log_groups: dict[str, pulumi.Input[str]] = dict(args["log_group_names"])
        guard_name: pulumi.Output[str | None] = pulumi.Output.from_input(None)
        if args.get("reputation_guard"):
            guarded = [spec for spec in specs if spec.pauses_sending]
            guard_name, guard_log_group = self._reputation_guard(
                name,
                args,
                [metric_alarms[spec.key] for spec in guarded],
                [spec.name for spec in guarded],
                account_id,
                region,
                tags,
            )
            log_groups["reputation-guard"] = guard_log_group

        # Saved Logs Insights queries.
        for query in log_insights.saved_queries(env, list(log_groups)):
            roles = query.log_group_roles or tuple(log_groups)
            aws.cloudwatch.QueryDefinition(
                f"{name}-query-{query.key}",
                name=query.name,
                query_string=query.query,
                log_group_names=[log_groups[role] for role in roles],
                opts=child,
            )

        self.alarm_topic_arn = topic.arn
        self.alarm_arns = pulumi.Output.all(**{key: alarm.arn for key, alarm in metric_alarms.items()})
        self.health_alarm_arn = health.arn
        self.dashboard_name = board.dashboard_name
        self.dashboard_url = pulumi.Output.all(region, board.dashboard_name).apply(
            lambda values: dashboard.dashboard_url(*values)
        )
        self.reputation_guard_function_name = guard_name
        self.register_outputs(declared_outputs(self))

    def _reputation_guard(
        self,
        name: str,
        args: ObservabilityArgs,
        guarded_alarms: list[aws.cloudwatch.MetricAlarm],
        guarded_names: list[str],
        account_id: pulumi.Output[str],
        region: pulumi.Output[str],
        tags: Any,
    ) -> tuple[pulumi.Output[str | None], pulumi.Output[str]]:
        """EventBridge rule (reputation alarm → ALARM) → guard Lambda → SESv2 pause; least privilege.

        Returns the function's name and its log group's name (which the saved queries also search).
        """
        if not args.get("configuration_set_name"):
            raise ValueError("Observability: reputation_guard needs configuration_set_name")
        child = pulumi.ResourceOptions(parent=self)
        config_set = args["configuration_set_name"]
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-guard-logs",
            name=f"/order-email/{service_name(args['environment'])}/reputation-guard",
            retention_in_days=args.get("log_retention_days", 30),
            kms_key_id=args.get("logs_kms_key_arn"),
            tags=tags,
            opts=child,
        )
        role = aws.iam.Role(
            f"{name}-guard-role",
            assume_role_policy=_json(alarms.lambda_assume_role_policy()),
            tags=tags,
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-guard-policy",
            role=role.id,
            policy=pulumi.Output.all(region, account_id, config_set, log_group.arn).apply(
                lambda values: _json(
                    alarms.guard_role_policy(alarms.configuration_set_arn(values[0], values[1], values[2]), values[3])
                )
            ),
            opts=child,
        )
        function = aws.lambda_.Function(
            f"{name}-guard",
            name=f"{service_name(args['environment'])}-reputation-guard",
            runtime=LAMBDA_RUNTIME,
            architectures=[LAMBDA_ARCHITECTURE],
            handler="reputation_guard.handler",
            code=pulumi.AssetArchive({"reputation_guard.py": pulumi.FileAsset(str(GUARD_HANDLER))}),
            role=role.arn,
            timeout=30,
            memory_size=128,
            environment={
                "variables": {
                    "CONFIGURATION_SET_NAME": config_set,
                    "GUARDED_ALARM_NAMES": ",".join(guarded_names),
                }
            },
            logging_config={
                "log_format": "JSON",
                "log_group": log_group.name,
                "application_log_level": "INFO",
                "system_log_level": "WARN",
            },
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[log_group]),
        )
        rule = aws.cloudwatch.EventRule(
            f"{name}-guard-rule",
            description="An SES reputation alarm entered ALARM: pause sending on the configuration set",
            event_pattern=pulumi.Output.all(*(alarm.arn for alarm in guarded_alarms)).apply(
                lambda arns: _json(alarms.guard_event_pattern(arns))
            ),
            tags=tags,
            opts=child,
        )
        permission = aws.lambda_.Permission(
            f"{name}-guard-invoke",
            action="lambda:InvokeFunction",
            function=function.name,
            principal="events.amazonaws.com",
            source_arn=rule.arn,
            opts=child,
        )
        aws.cloudwatch.EventTarget(
            f"{name}-guard-target",
            rule=rule.name,
            arn=function.arn,
            retry_policy={"maximum_retry_attempts": 4, "maximum_event_age_in_seconds": 3600},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[permission]),
        )
        return function.name.apply(lambda value: value), log_group.name
