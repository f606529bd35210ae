"""Rules that judge one resource at a time from its inputs (camelCase, as the engine sends them).

Names follow Pulumi's pre-built AWS policy packs where a rule matches one of theirs. Security rules
are mandatory (the deployment stops), cost and operations rules advisory (a warning). Every
message names the resource and says how to fix it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from . import documents, parliament_check
from . import resource_types as t

MANDATORY = EnforcementLevel.MANDATORY
ADVISORY = EnforcementLevel.ADVISORY

DEFAULT_MAX_LAMBDA_TIMEOUT_SECONDS = 120
"""An e-mail pipeline step that runs longer than two minutes is stuck, and is billed while it is."""
DEFAULT_REQUIRED_TAGS = ("app", "environment", "team", "cost-center")
"""Who owns it and who pays for it; the stacks set them through `order-email:tags`."""
DEFAULT_PRODUCTION_ENVIRONMENTS = ("prod", "production")
"""Values of a resource's `environment` tag that make it production."""
ADMIN_MANAGED_POLICIES = frozenset({
    "arn:aws:iam::aws:policy/AdministratorAccess",
    "arn:aws:iam::aws:policy/PowerUserAccess",
})


def config(args: ResourceValidationArgs, key: str, default: Any) -> Any:
    """A policy config value; the engine fills schema defaults, direct callers may not."""
    value = args.get_config().get(key)
    return default if value is None else value


def tags_of(props: Mapping[str, Any]) -> dict[str, str]:
    tags = props.get("tags")
    return {str(key): str(value) for key, value in tags.items()} if isinstance(tags, Mapping) else {}


def _for_types(*types: str) -> Callable[[Callable[[ResourceValidationArgs, ReportViolation], None]],
                                        Callable[[ResourceValidationArgs, ReportViolation], None]]:
    """Run the validation only for the given resource types."""
    def decorate(check: Callable[[ResourceValidationArgs, ReportViolation], None]):
        def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
            if args.resource_type in types:
                check(args, report_violation)
        validate.__doc__ = check.__doc__
        return validate
    return decorate


# --- encryption at rest ------------------------------------------------------------------------


@_for_types(t.SQS_QUEUE)
def _sqs_encrypted(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    props = args.props
    if not props.get("kmsMasterKeyId") and props.get("sqsManagedSseEnabled") is not True:
        report_violation(
            f"SQS queue '{args.name}' is not encrypted at rest. Set kms_master_key_id to a customer-managed "
            "key ARN, or sqs_managed_sse_enabled=True (SNS cannot deliver to a queue under the aws/sqs key).",
            None)


@_for_types(t.SNS_TOPIC)
def _sns_encrypted(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if not args.props.get("kmsMasterKeyId"):
        report_violation(
            f"SNS topic '{args.name}' is not encrypted with KMS. Set kms_master_key_id (a customer-managed key "
            "whose policy lets the publishing services use it, or alias/aws/sns for same-account publishers).",
            None)


@_for_types(t.DYNAMODB_TABLE)
def _dynamodb_encrypted(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    encryption = args.props.get("serverSideEncryption")
    if not (isinstance(encryption, Mapping) and encryption.get("enabled") is True):
        report_violation(
            f"DynamoDB table '{args.name}' does not enable server-side encryption with KMS. Set "
            "server_side_encryption={'enabled': True} (plus kms_key_arn for a customer-managed key).",
            None)


@_for_types(t.DYNAMODB_TABLE)
def _dynamodb_pitr(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    environment = tags_of(args.props).get("environment", "")
    production = [str(value) for value in config(args, "productionEnvironments", DEFAULT_PRODUCTION_ENVIRONMENTS)]
    if environment not in production:
        return
    recovery = args.props.get("pointInTimeRecovery")
    if not (isinstance(recovery, Mapping) and recovery.get("enabled") is True):
        report_violation(
            f"DynamoDB table '{args.name}' is tagged environment={environment} but has no point-in-time "
            "recovery. Set point_in_time_recovery={'enabled': True} (order-email: pointInTimeRecovery: true).",
            None)


# --- Lambda ------------------------------------------------------------------------------------


@_for_types(t.LAMBDA_FUNCTION)
def _lambda_timeout(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    limit = float(config(args, "maxTimeoutSeconds", DEFAULT_MAX_LAMBDA_TIMEOUT_SECONDS))
    timeout = args.props.get("timeout")
    if isinstance(timeout, int | float) and timeout > limit:
        report_violation(
            f"Lambda function '{args.name}' may run {timeout:g}s, above the {limit:g}s limit. Lower its timeout "
            "(make the work smaller or batch it), or raise maxTimeoutSeconds in the policy config.",
            None)


@_for_types(t.LAMBDA_FUNCTION_URL, t.LAMBDA_PERMISSION)
def _lambda_public(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    props = args.props
    if args.resource_type == t.LAMBDA_FUNCTION_URL:
        if props.get("authorizationType") != "AWS_IAM":
            report_violation(
                f"Function URL '{args.name}' is public (authorization_type={props.get('authorizationType')!r}). "
                "Set authorization_type='AWS_IAM' and grant lambda:InvokeFunctionUrl to the callers.",
                None)
        return
    if props.get("functionUrlAuthType") == "NONE":
        report_violation(
            f"Lambda permission '{args.name}' opens a function URL to unauthenticated callers. Use "
            "function_url_auth_type='AWS_IAM'.",
            None)
    principal = str(props.get("principal", ""))
    scoped = any(props.get(key) for key in ("sourceArn", "sourceAccount", "principalOrgId"))
    if principal == "*" and not scoped:
        report_violation(
            f"Lambda permission '{args.name}' lets any principal invoke the function. Name the principal "
            "(an account or service) and, for services, set source_arn and source_account.",
            None)


# --- IAM ---------------------------------------------------------------------------------------


def _identity_documents(props: Mapping[str, Any], resource_type: str) -> list[tuple[str, dict[str, Any] | None]]:
    if resource_type in t.IDENTITY_POLICY_TYPES:
        return [("policy", documents.parse(props.get("policy")))]
    if resource_type == t.IAM_ROLE:
        return [
            (f"inlinePolicies[{index}]", documents.parse(inline.get("policy")))
            for index, inline in enumerate(documents.as_list(props.get("inlinePolicies")))
            if isinstance(inline, Mapping) and inline.get("policy")
        ]
    return []


def _allow_statements(args: ResourceValidationArgs) -> list[tuple[str, documents.Statement]]:
    return [
        (field, statement)
        for field, document in _identity_documents(args.props, args.resource_type)
        for statement in documents.statements(document)
        if documents.is_allow(statement)
    ]


def _label(field: str, statement: Mapping[str, Any]) -> str:
    return f"{field} statement {statement.get('Sid') or '(no Sid)'}"


_IAM_TYPES = (*t.IDENTITY_POLICY_TYPES, t.IAM_ROLE, t.IAM_ROLE_POLICY_ATTACHMENT)


@_for_types(*_IAM_TYPES)
def _no_star_star(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    for field, statement in _allow_statements(args):
        all_actions = "NotAction" in statement or "*" in documents.actions(statement)
        all_resources = "NotResource" in statement or "*" in documents.resources(statement)
        if all_actions and all_resources:
            report_violation(
                f"'{args.name}' {_label(field, statement)} allows every action on every resource. "
                "List the actions the code calls and the ARNs it calls them on.",
                None)
    arns = [args.props.get("policyArn"), *documents.as_list(args.props.get("managedPolicyArns"))]
    for arn in arns:
        if arn in ADMIN_MANAGED_POLICIES:
            report_violation(
                f"'{args.name}' attaches {arn}, which allows (nearly) everything. Attach a policy scoped to "
                "the actions and resources the role needs.",
                None)


@_for_types(*_IAM_TYPES)
def _no_wildcard_actions(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    for field, statement in _allow_statements(args):
        if "NotAction" in statement:
            report_violation(
                f"'{args.name}' {_label(field, statement)} uses Allow with NotAction, which grants every "
                "other action. List the allowed actions instead.",
                None)
        wildcards = [action for action in documents.actions(statement) if "*" in action or "?" in action]
        if wildcards:
            report_violation(
                f"'{args.name}' {_label(field, statement)} allows wildcard actions {wildcards}. Name each "
                "action (e.g. sqs:ReceiveMessage), so new actions AWS adds are not granted silently.",
                None)


# --- logs, tags, alarms ------------------------------------------------------------------------


@_for_types(t.LOG_GROUP)
def _log_retention(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    retention = args.props.get("retentionInDays")
    if not isinstance(retention, int | float) or retention <= 0:
        report_violation(
            f"Log group '{args.name}' keeps logs forever (no retention_in_days), and is billed for it. Set "
            "retention_in_days (order-email: logRetentionDays).",
            None)


def _required_tags(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type not in t.TAGGABLE_TYPES:
        return
    required = [str(tag) for tag in config(args, "requiredTags", DEFAULT_REQUIRED_TAGS)]
    tags = tags_of(args.props)
    missing = [tag for tag in required if not tags.get(tag)]
    if missing:
        report_violation(
            f"'{args.name}' ({args.resource_type}) lacks the tags {missing}. Pass tags= with them "
            "(order-email: set order-email:tags in the stack file; app and environment are added for you).",
            None)


@_for_types(t.METRIC_ALARM, t.COMPOSITE_ALARM)
def _alarm_actions(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    actions = [action for action in documents.as_list(args.props.get("alarmActions")) if action]
    if not actions or args.props.get("actionsEnabled") is False:
        report_violation(
            f"Alarm '{args.name}' notifies nobody when it fires. Set alarm_actions (and ok_actions) to the "
            "alarm topic, and leave actions_enabled on.",
            None)


# --- topic policies ----------------------------------------------------------------------------


def _publish_statements(props: Mapping[str, Any]) -> list[documents.Statement]:
    document = documents.parse(props.get("policy"))
    return [statement for statement in documents.statements(document)
            if documents.is_allow(statement) and documents.covers_action(statement, "sns:Publish")]


@_for_types(t.SNS_TOPIC_POLICY, t.SNS_TOPIC)
def _publishers_restricted(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    allowed_publishers = {str(value) for value in config(args, "allowedPublishers", [])}
    for statement in _publish_statements(args.props):
        label = statement.get("Sid") or "(no Sid)"
        if documents.is_everyone(statement):
            report_violation(
                f"Topic policy '{args.name}' statement {label} lets anyone publish. Name the publishing "
                "accounts or roles (order-email: publisherPrincipals).",
                None)
            continue
        found = documents.principals(statement)
        conditions = set(documents.condition_values(statement))
        for service in found.get("Service", []):
            if not (conditions & documents.SOURCE_ACCOUNT_KEYS and conditions & documents.SOURCE_ARN_KEYS):
                report_violation(
                    f"Topic policy '{args.name}' statement {label} lets {service} publish without both "
                    "aws:SourceAccount and aws:SourceArn conditions, so another account's resource could use "
                    "that service to publish here (confused deputy). Add both conditions.",
                    None)
        strangers = [arn for arn in found.get("AWS", []) if allowed_publishers and arn not in allowed_publishers]
        if strangers:
            report_violation(
                f"Topic policy '{args.name}' statement {label} lets {strangers} publish, who are not among the "
                f"configured publishers {sorted(allowed_publishers)}. Remove them, or add them to "
                "allowedPublishers (order-email: publisherPrincipals).",
                None)


def _parliament(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    for document in parliament_check.policy_documents(args.resource_type, args.props):
        for finding in parliament_check.unexplained_findings(document):
            report_violation(
                f"'{args.name}' {document.field} ({document.kind} policy): parliament {finding.issue}: "
                f"{finding.detail}. Fix the document, or if the finding is wrong for this kind of policy, "
                "allow-list it with the reason in policy/parliament_allowlist.py.",
                None)


def resource_policy(
    name: str, description: str, validate: Callable[[ResourceValidationArgs, ReportViolation], None],
    level: EnforcementLevel, schema: Mapping[str, Any] | None = None,
) -> ResourceValidationPolicy:
    return ResourceValidationPolicy(
        name=name,
        description=description,
        validate=validate,
        enforcement_level=level,
        config_schema=PolicyConfigSchema(properties=dict(schema)) if schema else None,
    )


def _array(default: Sequence[str], description: str) -> dict[str, Any]:
    return {"type": "array", "items": {"type": "string"}, "default": list(default), "description": description}


RESOURCE_POLICIES: tuple[ResourceValidationPolicy, ...] = (
    resource_policy("sqs-encryption-enabled", "SQS queues are encrypted at rest.", _sqs_encrypted, MANDATORY),
    resource_policy("sns-kms-encryption-enabled", "SNS topics are encrypted with KMS.", _sns_encrypted, MANDATORY),
    resource_policy("dynamodb-table-encryption-enabled", "DynamoDB tables enable server-side encryption.",
                    _dynamodb_encrypted, MANDATORY),
    resource_policy(
        "dynamodb-pitr-enabled", "Production DynamoDB tables have point-in-time recovery.", _dynamodb_pitr,
        MANDATORY,
        {"productionEnvironments": _array(DEFAULT_PRODUCTION_ENVIRONMENTS,
                                          "`environment` tag values that make a table production")},
    ),
    resource_policy(
        "limit-lambda-execution-time", "Lambda functions have a bounded timeout.", _lambda_timeout, ADVISORY,
        {"maxTimeoutSeconds": {"type": "integer", "default": DEFAULT_MAX_LAMBDA_TIMEOUT_SECONDS, "minimum": 1}},
    ),
    resource_policy("lambda-function-public-access-prohibited",
                    "No function URL or permission lets unauthenticated callers invoke a function.",
                    _lambda_public, MANDATORY),
    resource_policy("iam-policy-no-star-star", "No identity policy allows every action on every resource.",
                    _no_star_star, MANDATORY),
    resource_policy("iam-policy-no-wildcard-actions", "Identity policies name each action they allow.",
                    _no_wildcard_actions, MANDATORY),
    resource_policy("cloudwatch-log-retention", "Log groups expire their logs.", _log_retention, ADVISORY),
    resource_policy("required-tags", "Billable resources carry the ownership and cost tags.", _required_tags,
                    ADVISORY, {"requiredTags": _array(DEFAULT_REQUIRED_TAGS, "tag keys every billable resource has")}),
    resource_policy("cloudwatch-alarm-actions-required", "Every alarm notifies someone.", _alarm_actions, ADVISORY),
    resource_policy(
        "sns-topic-publishers-restricted",
        "Topics accept publishes only from named principals; services only for this account and source.",
        _publishers_restricted, MANDATORY,
        {"allowedPublishers": _array((), "IAM principal ARNs allowed to publish; empty allows any named one")},
    ),
    resource_policy("iam-policy-parliament-clean",
                    "Every IAM, trust, topic, queue and key policy passes parliament (or the finding is "
                    "allow-listed with its reason).", _parliament, MANDATORY),
)
