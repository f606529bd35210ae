"""`Observability`: dashboard, alarms, the composite health alarm, the alarm topic, saved log queries,
the quota probe that feeds the SES quota alarm (`components.quota_probe`) and (optionally) the
reputation guard (`components.reputation_guard`).

It watches resources by name, so it works alone: give it function, queue and log group names from
any project. Thresholds and metric math come from `components.alarms`, the alarm catalogue from
`components.alarm_catalog`, the dashboard body from `components.dashboard`, the queries from
`components.log_insights`; this file only wires resources.
"""

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

from order_email.components import alarm_catalog, alarms, dashboard, log_insights, policies
from order_email.components.alarm_catalog import Watched
from order_email.components.alarms import AlarmSpec, AlarmThresholds
from order_email.components.cross_language import declared_outputs, python_args
from order_email.components.functions import LambdaParts, lambda_code
from order_email.components.quota_probe import quota_probe
from order_email.components.reputation_guard import reputation_guard
from order_email.components.wiring import applied
from order_email.handlers.shared.telemetry import service_name


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
    profile: NotRequired[str]
    """Observability profile: `full` (default) or `lean` (only the alarms that say an order is lost or
    stuck, `alarm_catalog.in_lean_profile`; no dashboard, composite health alarm or quota probe)."""
    reputation_guard: NotRequired[bool]
    """Pause sending on the configuration set when an SES reputation alarm fires (default False; not
    with the `lean` profile, which has no reputation alarms)."""
    configuration_set_name: NotRequired[pulumi.Input[str]]
    """SES configuration set the reputation guard pauses; required when `reputation_guard` is True."""
    region: NotRequired[str]
    """Region for the dashboard's widgets; the provider's region when absent."""
    log_retention_days: NotRequired[int]
    """Retention of the quota probe's and the reputation guard's own log groups (default 30)."""
    logs_kms_key_arn: NotRequired[pulumi.Input[str] | None]
    """Key for the quota probe's and the reputation guard's log groups; CloudWatch Logs' own encryption
    when absent."""
    code: NotRequired[pulumi.Input[pulumi.Archive]]
    """Handler code archive for the quota probe (`EmailSender.code_archive`); this package's handlers
    (`components.packaging`) when absent."""
    layers: NotRequired[pulumi.Input[Sequence[pulumi.Input[str]]]]
    """Dependency layers for the quota probe (`EmailSender.layer_arns`: it needs Powertools for EMF); a
    layer built here when absent."""
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
    health_alarm_arn: pulumi.Output[str | None]
    """The composite "system health" alarm: ALARM while any alarm of the stack is (None when lean)."""
    dashboard_name: pulumi.Output[str | None]
    """Name of the CloudWatch dashboard (None when lean)."""
    dashboard_url: pulumi.Output[str | None]
    """Console URL of the dashboard (None when lean)."""
    reputation_guard_function_name: pulumi.Output[str | None]
    """The guard Lambda's name, or None when the guard is off."""
    quota_probe_function_name: pulumi.Output[str | None]
    """The scheduled quota probe Lambda's name (it emits `SendQuotaUsage`; None when lean)."""

    def __init__(self, name: str, args: ObservabilityArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("order-email:index:Observability", name, {}, opts)
        args = python_args(args, ObservabilityArgs)
        args["thresholds"] = alarms.with_defaults(args["thresholds"])
        profile = args.get("profile") or "full"
        if profile not in alarm_catalog.PROFILES:
            raise ValueError(f"Observability: profile must be one of {list(alarm_catalog.PROFILES)}, got {profile!r}")
        if profile == "lean" and args.get("reputation_guard"):
            raise ValueError("Observability: reputation_guard needs profile 'full' (the lean profile has no "
                             "reputation alarms for the guard to watch)")
        invoke = pulumi.InvokeOutputOptions(parent=self)
        account_id = aws.get_caller_identity_output(opts=invoke).account_id
        partition = aws.get_partition_output(opts=invoke).partition
        region: pulumi.Output[str] = (
            pulumi.Output.from_input(args["region"]) if args.get("region")
            else aws.get_region_output(opts=invoke).region
        )
        topic = self._alarm_topic(name, args, account_id, region, partition)
        watched = Watched(args["environment"], args["function_names"], args["queue_names"],
                          args["dead_letter_queue_names"], list(args.get("orders_topic_names") or []))
        specs = alarm_catalog.alarm_specs(watched, args["thresholds"], profile)
        metric_alarms = {
            spec.key: aws.cloudwatch.MetricAlarm(
                f"{name}-{spec.key}", **alarms.metric_alarm_args(spec, topic.arn, args.get("tags") or {}),
                opts=pulumi.ResourceOptions(parent=self))
            for spec in specs
        }
        none: pulumi.Output[str | None] = pulumi.Output.from_input(None)
        self.health_alarm_arn = self.dashboard_name = self.dashboard_url = self.quota_probe_function_name = none
        log_groups: dict[str, pulumi.Input[str]] = dict(args["log_group_names"])
        if profile == "full":
            health = self._health_alarm(name, args["environment"], specs, metric_alarms, topic,
                                        args.get("tags") or {})
            board = self._dashboard(name, args, watched, specs,
                                    [*(a.arn for a in metric_alarms.values()), health.arn], region)
            probe = self._quota_probe(name, args)
            log_groups["quota-probe"] = probe.log_group.name
            self.health_alarm_arn = health.arn.apply(lambda value: value)
            self.dashboard_name = board.dashboard_name.apply(lambda value: value)
            self.dashboard_url = applied(dashboard.dashboard_url, region=region,
                                         dashboard_name=board.dashboard_name)
            self.quota_probe_function_name = probe.function.name.apply(lambda value: value)
        guard_name = none
        if args.get("reputation_guard"):
            guard = self._reputation_guard(name, args, specs, metric_alarms, account_id, region, partition)
            guard_name = guard.function.name.apply(lambda value: value)
            log_groups["reputation-guard"] = guard.log_group.name
        self._saved_queries(name, args["environment"], log_groups)

        self.alarm_topic_arn = topic.arn
        self.alarm_arns = pulumi.Output.all(**{key: alarm.arn for key, alarm in metric_alarms.items()})
        self.reputation_guard_function_name = guard_name
        self.register_outputs(declared_outputs(self))

    def _alarm_topic(
        self, name: str, args: ObservabilityArgs, account_id: pulumi.Output[str], region: pulumi.Output[str],
        partition: pulumi.Output[str],
    ) -> aws.sns.Topic:
        """Encrypted, publishable only by this account's alarms, TLS only; with its e-mail subscribers."""
        child = pulumi.ResourceOptions(parent=self)
        topic = aws.sns.Topic(f"{name}-alarms", kms_master_key_id=args["kms_key_arn"], tags=args.get("tags") or {},
                              opts=child)
        aws.sns.TopicPolicy(
            f"{name}-alarms-policy",
            arn=topic.arn,
            policy=applied(policies.alarm_topic_policy, topic_arn=topic.arn, account_id=account_id,
                           region=region, partition=partition).apply(_json),
            opts=child,
        )
        for address in args.get("subscribers") or []:
            aws.sns.TopicSubscription(f"{name}-subscriber-{_subscriber_suffix(address)}", topic=topic.arn,
                                      protocol="email", endpoint=address, opts=child)
        return topic

    def _health_alarm(
        self, name: str, environment: str, specs: list[AlarmSpec],
        metric_alarms: dict[str, aws.cloudwatch.MetricAlarm], topic: aws.sns.Topic, tags: Any,
    ) -> aws.cloudwatch.CompositeAlarm:
        """The composite that summarises every metric alarm."""
        return aws.cloudwatch.CompositeAlarm(
            f"{name}-system-health",
            alarm_name=alarm_catalog.health_alarm_name(environment),
            alarm_description="order-email is unhealthy: at least one of its alarms is in ALARM. "
            "See the dashboard's runbook for that alarm.",
            alarm_rule=alarms.composite_rule([spec.name for spec in specs]),
            alarm_actions=[topic.arn],
            ok_actions=[topic.arn],
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(metric_alarms.values())),
        )

    def _dashboard(
        self, name: str, args: ObservabilityArgs, watched: Watched, specs: list[AlarmSpec],
        alarm_arns: list[pulumi.Output[str]], region: pulumi.Output[str],
    ) -> aws.cloudwatch.Dashboard:
        """The dashboard body, once every watched name and alarm ARN is known."""

        def body(**resolved: Any) -> str:
            return _json(dashboard.dashboard_body(dashboard.DashboardInputs(
                environment=watched.environment, thresholds=args["thresholds"], alarm_specs=specs, **resolved)))

        return aws.cloudwatch.Dashboard(
            f"{name}-dashboard",
            dashboard_name=service_name(watched.environment),
            dashboard_body=applied(
                body, region=region, function_names=dict(watched.function_names),
                queue_names=dict(watched.queue_names), dead_letter_queue_names=dict(watched.dead_letter_queue_names),
                orders_topic_names=list(watched.orders_topic_names), alarm_arns=alarm_arns),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _quota_probe(self, name: str, args: ObservabilityArgs) -> LambdaParts:
        """The scheduled probe behind the `send-quota-usage` alarm, at the thresholds' interval."""
        return quota_probe(
            f"{name}-quota-probe",
            environment=args["environment"],
            probe_minutes=int(args["thresholds"]["quota_probe_minutes"]),
            code=lambda_code(f"{name}-quota-probe", archive=args.get("code"), layers=args.get("layers"), parent=self),
            log_retention_days=args.get("log_retention_days", 30),
            logs_kms_key_arn=args.get("logs_kms_key_arn"),
            tags=args.get("tags") or {},
            parent=self,
        )

    def _reputation_guard(
        self, name: str, args: ObservabilityArgs, specs: list[AlarmSpec],
        metric_alarms: dict[str, aws.cloudwatch.MetricAlarm], account_id: pulumi.Output[str],
        region: pulumi.Output[str], partition: pulumi.Output[str],
    ) -> LambdaParts:
        """The guard on the alarms that pause sending (`AlarmSpec.pauses_sending`)."""
        if not args.get("configuration_set_name"):
            raise ValueError("Observability: reputation_guard needs configuration_set_name")
        return reputation_guard(
            f"{name}-guard",
            environment=args["environment"],
            configuration_set_name=args["configuration_set_name"],
            guarded_alarms={spec.name: metric_alarms[spec.key] for spec in specs if spec.pauses_sending},
            region=region,
            account_id=account_id,
            partition=partition,
            log_retention_days=args.get("log_retention_days", 30),
            logs_kms_key_arn=args.get("logs_kms_key_arn"),
            tags=args.get("tags") or {},
            parent=self,
        )

    def _saved_queries(self, name: str, environment: str, log_groups: dict[str, pulumi.Input[str]]) -> None:
        """Saved Logs Insights queries over the log groups (each query names the roles it searches)."""
        for query in log_insights.saved_queries(environment, list(log_groups)):
            roles = query.log_group_roles or tuple(log_groups)
            aws.cloudwatch.QueryDefinition(
                f"{name}-query-{query.key}",
                name=query.name,
                query_string=query.query,
                log_group_names=[log_groups[role] for role in roles],
                opts=pulumi.ResourceOptions(parent=self),
            )
