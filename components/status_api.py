"""`StatusApi`: "what happened to the e-mail for order X?" behind an IAM-authenticated function URL.

Callers sign requests with SigV4 for service `lambda` and need both `lambda:InvokeFunctionUrl` and
`lambda:InvokeFunction` on this function (function URLs created since October 2025 answer 403 otherwise:
https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html); there is no anonymous access
(`authorization_type` is never `NONE`).
"""

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

from order_email.components import policies
from order_email.components.cross_language import declared_outputs, python_args
from order_email.components.functions import lambda_code, lambda_function
from order_email.handlers.shared.environment import STATUS_API, powertools

STATUS_HANDLER = "handlers.delivery_status.handler"


def reader_grants(principals: Sequence[str], label: str = "reader") -> list[tuple[str, dict[str, Any]]]:
    """Per reader, the two function-policy statements an `AWS_IAM` function URL needs, keyed by a name
    suffix that is stable per principal and holds no ARN (`<label>-<short hash>`; the order intake
    labels its callers `submitter`).

    `function_url_auth_type` makes the first apply only to URL calls with this auth type; the second is
    `lambda:InvokeFunction` limited to calls through the URL (`invoked_via_function_url`, the
    `lambda:InvokedViaFunctionUrl` condition), so a reader cannot invoke the function directly. A caller in
    another account also needs both actions in its own IAM policy.
    """
    grants: list[tuple[str, dict[str, Any]]] = []
    for principal in dict.fromkeys(principals):
        suffix = f"{label}-{hashlib.sha256(principal.encode()).hexdigest()[:10]}"
        grants.append((f"{suffix}-url", {"action": "lambda:InvokeFunctionUrl", "principal": principal,
                                         "function_url_auth_type": "AWS_IAM"}))
        grants.append((f"{suffix}-invoke", {"action": "lambda:InvokeFunction", "principal": principal,
                                            "invoked_via_function_url": True}))
    return grants


class StatusApiArgs(TypedDict):
    name_prefix: str
    """Prefix of physical names (log group), e.g. `order-email-prod`."""
    environment: str
    """Stack environment; the `service` dimension of logs."""
    deliveries_table_name: pulumi.Input[str]
    """Deliveries table (from `DeliveryStore`)."""
    deliveries_table_arn: pulumi.Input[str]
    """ARN of the deliveries table; the role may only read it."""
    suppression_table_name: NotRequired[pulumi.Input[str]]
    """Suppression table (from `DeliveryStore`), listed by `GET /suppressions`; that route answers 404
    when absent."""
    suppression_table_arn: NotRequired[pulumi.Input[str]]
    """ARN of the suppression table; the role may only Scan/Query it. Given with its name."""
    dead_letter_queue_urls: NotRequired[Sequence[pulumi.Input[str]]]
    """Dead-letter queues whose waiting messages `GET /overview` counts (the components' DLQ URLs)."""
    dead_letter_queue_arns: NotRequired[Sequence[pulumi.Input[str]]]
    """ARNs of those queues, in any order; the role may only GetQueueAttributes them."""
    log_retention_days: int
    """Days the API's logs are kept."""
    memory_mb: int
    """Lambda memory."""
    timeout_seconds: int
    """Lambda timeout."""
    code: NotRequired[pulumi.Input[pulumi.Archive]]
    """Handler code archive (`EmailSender.code_archive`); this package's handlers (`components.packaging`)
    when absent."""
    layers: NotRequired[pulumi.Input[Sequence[pulumi.Input[str]]]]
    """Layer ARNs with the handlers' dependencies (`EmailSender.layer_arns`); a layer built by this
    component when absent."""
    mask_recipients: NotRequired[bool]
    """Mask recipient addresses in answers (default True)."""
    kms_key_arn: NotRequired[pulumi.Input[str] | None]
    """Customer-managed key of the table and logs; AWS-managed when absent."""
    reader_principals: NotRequired[Sequence[str]]
    """Account ids or IAM role/user ARNs the function's policy lets call the URL (both invoke actions);
    none when absent, so only this account's principals whose IAM policies grant both may call it."""
    tags: NotRequired[Mapping[str, str]]
    """Tags for every taggable child."""


class StatusApi(pulumi.ComponentResource):
    """A read-only Lambda over the deliveries table (and, when given, the suppression table and the
    dead-letter queues' counts) with an AWS_IAM function URL."""

    url: pulumi.Output[str]
    """HTTPS endpoint; sign requests with SigV4 for service `lambda`."""
    function_name: pulumi.Output[str]
    """Name of the status Lambda (for alarms)."""
    function_arn: pulumi.Output[str]
    """ARN of the status Lambda: the resource of a reader's `lambda:InvokeFunctionUrl` and
    `lambda:InvokeFunction` grants."""
    log_group_name: pulumi.Output[str]
    """The API's log group."""

    def __init__(self, name: str, args: StatusApiArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("order-email:index:StatusApi", name, {}, opts)
        args = python_args(args, StatusApiArgs)
        key_arn = args.get("kms_key_arn")
        if bool(args.get("suppression_table_name")) != bool(args.get("suppression_table_arn")):
            raise ValueError("StatusApi: give suppression_table_name and suppression_table_arn together")
        queue_urls, queue_arns = list(args.get("dead_letter_queue_urls") or []), list(
            args.get("dead_letter_queue_arns") or [])
        if len(queue_urls) != len(queue_arns):
            raise ValueError("StatusApi: give one dead_letter_queue_arns entry per dead_letter_queue_urls entry")
        parts = lambda_function(
            f"{name}-function",
            handler=STATUS_HANDLER,
            description=f"{args['name_prefix']} delivery status API",
            code=lambda_code(name, archive=args.get("code"), layers=args.get("layers"), parent=self),
            memory_mb=args["memory_mb"],
            timeout_seconds=args["timeout_seconds"],
            environment=STATUS_API.environment(
                deliveries_table=args["deliveries_table_name"],
                suppression_table=args.get("suppression_table_name"),
                dead_letter_queue_urls=pulumi.Output.all(*queue_urls) if queue_urls else None,
                mask_recipients=args.get("mask_recipients", True),
                **powertools(args["environment"]),
            ),
            log_group_name=f"/order-email/{args['name_prefix']}/status-api",
            log_retention_days=args["log_retention_days"],
            kms_key_arn=key_arn,
            policy=policies.status_api_policy,
            policy_inputs={"deliveries_table_arn": args["deliveries_table_arn"], "kms_key_arn": key_arn,
                           "suppression_table_arn": args.get("suppression_table_arn"),
                           "dead_letter_queue_arns": pulumi.Output.all(*queue_arns)},
            tags=dict(args.get("tags") or {}),
            parent=self,
        )
        function_url = aws.lambda_.FunctionUrl(
            f"{name}-url",
            function_name=parts.function.name,
            authorization_type="AWS_IAM",
            opts=pulumi.ResourceOptions(parent=self),
        )
        for suffix, grant in reader_grants(args.get("reader_principals") or []):
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
