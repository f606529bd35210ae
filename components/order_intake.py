"""`OrderIntake`: an HTTP front door for order systems that cannot publish to SNS.

`POST /orders` on an IAM-authenticated function URL validates the order with the sender's own model
and publishes it to the orders topic with `eventType = order.confirmed` (`handlers/intake`). Callers
sign with SigV4 for service `lambda` and need both `lambda:InvokeFunctionUrl` and
`lambda:InvokeFunction` on the function (function URLs created since October 2025 answer 403
otherwise: https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html); `authorization_type` is
never `NONE`. The role may only publish to that one topic (and use its key, when customer-managed).
"""

from collections.abc import Mapping, Sequence
from typing import NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

from order_email.components import policies
from order_email.components.cross_language import declared_outputs, python_args
from order_email.components.functions import lambda_code, lambda_function
from order_email.components.status_api import reader_grants
from order_email.handlers.intake.orders_topic import MIN_TIMEOUT_SECONDS
from order_email.handlers.shared.environment import ORDER_INTAKE, powertools

INTAKE_HANDLER = "handlers.order_intake.handler"


class OrderIntakeArgs(TypedDict):
    name_prefix: str
    """Prefix of physical names (log group), e.g. `order-email-prod`."""
    environment: str
    """Stack environment; the `service` dimension of logs."""
    orders_topic_arn: pulumi.Input[str]
    """The orders topic (`EmailSender.orders_topic_arn`); the role may only publish to it."""
    log_retention_days: int
    """Days the intake's logs are kept."""
    memory_mb: int
    """Lambda memory."""
    timeout_seconds: int
    """Lambda timeout; at least `MIN_TIMEOUT_SECONDS` (8), so an unreachable SNS is answered with a 503."""
    topic_kms_key_arn: NotRequired[pulumi.Input[str] | None]
    """Customer-managed key the orders topic is encrypted with (the role may generate data keys with
    it); none for a topic under the AWS-managed `alias/aws/sns`."""
    code: NotRequired[pulumi.Input[pulumi.Archive]]
    """Handler code archive (`EmailSender.code_archive`); this package's handlers when absent."""
    layers: NotRequired[pulumi.Input[Sequence[pulumi.Input[str]]]]
    """Layer ARNs with the handlers' dependencies (`EmailSender.layer_arns`); a layer built by this
    component when absent."""
    kms_key_arn: NotRequired[pulumi.Input[str] | None]
    """Customer-managed key of the logs and the function's environment; AWS-managed when absent."""
    submitter_principals: NotRequired[Sequence[str]]
    """Account ids or IAM role/user ARNs the function's policy lets call the URL (both invoke actions);
    none when absent, so only this account's principals whose IAM policies grant both may call it."""
    tags: NotRequired[Mapping[str, str]]
    """Tags for every taggable child."""


class OrderIntake(pulumi.ComponentResource):
    """A Lambda behind an AWS_IAM function URL that validates posted orders and publishes them to SNS."""

    url: pulumi.Output[str]
    """HTTPS endpoint; `POST <url>orders` signed with SigV4 for service `lambda`."""
    function_name: pulumi.Output[str]
    """Name of the intake Lambda (for alarms)."""
    function_arn: pulumi.Output[str]
    """ARN of the intake Lambda: the resource of a caller's `lambda:InvokeFunctionUrl` and
    `lambda:InvokeFunction` grants."""
    log_group_name: pulumi.Output[str]
    """The intake's log group."""

    def __init__(self, name: str, args: OrderIntakeArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("order-email:index:OrderIntake", name, {}, opts)
        args = python_args(args, OrderIntakeArgs)
        if args["timeout_seconds"] < MIN_TIMEOUT_SECONDS:
            raise ValueError(f"timeout_seconds must be at least {MIN_TIMEOUT_SECONDS} (a publish to SNS may take "
                             f"{MIN_TIMEOUT_SECONDS - 1} s), got {args['timeout_seconds']}")
        parts = lambda_function(
            f"{name}-function",
            handler=INTAKE_HANDLER,
            description=f"{args['name_prefix']} order intake",
            code=lambda_code(name, archive=args.get("code"), layers=args.get("layers"), parent=self),
            memory_mb=args["memory_mb"],
            timeout_seconds=args["timeout_seconds"],
            environment=ORDER_INTAKE.environment(orders_topic_arn=args["orders_topic_arn"],
                                                 **powertools(args["environment"])),
            log_group_name=f"/order-email/{args['name_prefix']}/order-intake",
            log_retention_days=args["log_retention_days"],
            kms_key_arn=args.get("kms_key_arn"),
            policy=policies.order_intake_policy,
            policy_inputs={"orders_topic_arn": args["orders_topic_arn"],
                           "topic_kms_key_arn": args.get("topic_kms_key_arn")},
            tags=dict(args.get("tags") or {}),
            parent=self,
        )
        function_url = aws.lambda_.FunctionUrl(
            f"{name}-url",
            function_name=parts.function.name,
            authorization_type="AWS_IAM",
            opts=pulumi.ResourceOptions(parent=self),
        )
        for suffix, grant in reader_grants(args.get("submitter_principals") or [], label="submitter"):
            aws.lambda_.Permission(
                f"{name}-{suffix}",
                function=parts.function.name,
                statement_id=suffix,
                **grant,
                opts=pulumi.ResourceOptions(parent=self),
            )

        self.url = function_url.function_url
        self.function_name = parts.function.name
        self.function_arn = parts.function.arn
        self.log_group_name = parts.log_group.name
        self.register_outputs(declared_outputs(self))
