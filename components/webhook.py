"""`Webhook`: every status change delivered to the shop's HTTPS endpoint, signed, retried, dead-lettered.

A rule on the status bus (`FeedbackLoop.event_bus_name`) puts each `Email Status Changed` event on
the webhook queue; the webhook function (`handlers/webhook_delivery.py`) POSTs its detail with an
HMAC-SHA256 signature over `<timestamp>.<body>` under the shared secret. A failed attempt sets the
message's visibility to the backoff of its receive count (`handlers.webhook.retries`); after
`max_attempts` receives the queue moves it to the DLQ (alarm at one message, via `Observability`).

The secret is an SSM SecureString parameter (free in the standard tier; Secrets Manager would cost
$0.40 a month, 40 % of a dev stack's budget, for rotation we do not need), encrypted with the stack
key when there is one, read by the function at cold start: it is never in the function's
environment, where `lambda:GetFunctionConfiguration` would show it in plain text.
"""

from collections.abc import Mapping, Sequence
from typing import NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

from order_email.components import policies, queues
from order_email.components.cross_language import declared_outputs, python_args
from order_email.components.event_rules import EVENT_RETRY_POLICY
from order_email.components.functions import lambda_code, lambda_function
from order_email.components.subscribed_queue import encryption_args, queue_consumer
from order_email.components.wiring import applied_json
from order_email.handlers.feedback.outbox import DETAIL_TYPE, SOURCE
from order_email.handlers.shared.environment import WEBHOOK, powertools

WEBHOOK_HANDLER = "handlers.webhook_delivery.handler"
POST_TIMEOUT_SECONDS = 5
"""One POST's timeout: a receiver should acknowledge at once and work later."""
FUNCTION_TIMEOUT_SECONDS = queues.BATCH_SIZE * POST_TIMEOUT_SECONDS + 10
"""A whole batch of slow receivers fits; the handler stops starting POSTs it could not finish."""
MEMORY_MB = 128
"""The function signs and POSTs JSON: the smallest size is plenty."""
MAXIMUM_CONCURRENCY = queues.MIN_MAXIMUM_CONCURRENCY
"""Deliveries in parallel: the lowest Lambda allows, so a backlog does not flood the receiver."""
RETRY_BASE_SECONDS = 30
RETRY_MAX_SECONDS = 3600


def event_pattern() -> dict[str, list[str]]:
    """Every status change on the bus, nothing else (pure)."""
    return {"source": [SOURCE], "detail-type": [DETAIL_TYPE]}


def secret_parameter_name(name_prefix: str) -> str:
    return f"/order-email/{name_prefix}/webhook-secret"


class WebhookArgs(TypedDict):
    name_prefix: str
    """Prefix of physical names (parameter, log group), e.g. `order-email-prod`."""
    environment: str
    """Stack environment; the `service` dimension of logs."""
    event_bus_name: pulumi.Input[str]
    """The status bus (`FeedbackLoop.event_bus_name`)."""
    url: pulumi.Input[str]
    """The receiving endpoint: https (plain http only to loopback, for local mode)."""
    secret: pulumi.Input[str]
    """The signing secret; pass a Pulumi secret (`config.require_secret`). Stored in SSM, never in the
    function's environment."""
    max_attempts: int
    """Deliveries tried before the change is dead-lettered (the queue's maxReceiveCount)."""
    log_retention_days: int
    """Days the function's logs are kept."""
    code: NotRequired[pulumi.Input[pulumi.Archive]]
    """Handler code archive (`EmailSender.code_archive`); this package's handlers when absent."""
    layers: NotRequired[pulumi.Input[Sequence[pulumi.Input[str]]]]
    """Layer ARNs with the handlers' dependencies (`EmailSender.layer_arns`); built here when absent."""
    kms_key_arn: NotRequired[pulumi.Input[str] | None]
    """Customer-managed key for the queues, the secret parameter and the logs; AWS-managed keys when
    absent. Its key policy must let events.amazonaws.com encrypt (`EncryptionKey` does)."""
    tags: NotRequired[Mapping[str, str]]
    """Tags for every taggable child."""


class Webhook(pulumi.ComponentResource):
    """Status bus → rule → webhook queue (+DLQ) → webhook Lambda → the shop's endpoint."""

    queue_url: pulumi.Output[str]
    """URL of the webhook queue."""
    queue_name: pulumi.Output[str]
    """Name of the webhook queue (for its age alarm)."""
    dead_letter_queue_url: pulumi.Output[str]
    """URL of the webhook DLQ: changes whose every attempt failed, and undeliverable records."""
    dead_letter_queue_name: pulumi.Output[str]
    """Name of the webhook DLQ (for its alarm)."""
    dead_letter_queue_arn: pulumi.Output[str]
    """ARN of the webhook DLQ (for a reader's grant, e.g. the status API's count)."""
    function_name: pulumi.Output[str]
    """Name of the webhook Lambda (for alarms)."""
    log_group_name: pulumi.Output[str]
    """The webhook Lambda's log group."""
    secret_parameter_name: pulumi.Output[str]
    """The SSM SecureString parameter holding the signing secret."""
    rule_arn: pulumi.Output[str]
    """The rule on the status bus."""

    def __init__(self, name: str, args: WebhookArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("order-email:index:Webhook", name, {}, opts)
        args = python_args(args, WebhookArgs)
        tags = dict(args.get("tags") or {})
        key_arn = args.get("kms_key_arn")
        child = pulumi.ResourceOptions(parent=self)
        encryption = encryption_args(key_arn)

        secret = aws.ssm.Parameter(
            f"{name}-secret", name=secret_parameter_name(args["name_prefix"]), type="SecureString",
            value=pulumi.Output.secret(args["secret"]), key_id=key_arn,
            description="HMAC-SHA256 key signing the order-email webhook", tags=tags, opts=child)
        dead_letters = aws.sqs.Queue(f"{name}-dlq", message_retention_seconds=queues.DLQ_RETENTION_SECONDS,
                                     tags=tags, opts=child, **encryption)
        queue = aws.sqs.Queue(
            f"{name}-queue",
            visibility_timeout_seconds=queues.visibility_timeout(FUNCTION_TIMEOUT_SECONDS),
            message_retention_seconds=queues.QUEUE_RETENTION_SECONDS,
            redrive_policy=dead_letters.arn.apply(lambda arn: queues.redrive_policy(arn, args["max_attempts"])),
            tags=tags, opts=child, **encryption)
        rule = aws.cloudwatch.EventRule(
            f"{name}-rule", event_bus_name=args["event_bus_name"], description="Status changes to the webhook queue",
            event_pattern=pulumi.Output.json_dumps(event_pattern()), tags=tags, opts=child)
        for resource, target in ((queue, "queue"), (dead_letters, "dlq")):
            aws.sqs.QueuePolicy(f"{name}-{target}-policy", queue_url=resource.url,
                                policy=applied_json(policies.webhook_queue_policy, queue_arn=resource.arn,
                                                    rule_arn=rule.arn), opts=child)
        aws.cloudwatch.EventTarget(
            f"{name}-target", rule=rule.name, event_bus_name=args["event_bus_name"], arn=queue.arn,
            retry_policy=EVENT_RETRY_POLICY, dead_letter_config={"arn": dead_letters.arn}, opts=child)
        parts = lambda_function(
            f"{name}-function",
            handler=WEBHOOK_HANDLER,
            description=f"{args['name_prefix']} webhook delivery",
            code=lambda_code(name, archive=args.get("code"), layers=args.get("layers"), parent=self),
            memory_mb=MEMORY_MB,
            timeout_seconds=FUNCTION_TIMEOUT_SECONDS,
            environment=WEBHOOK.environment(
                webhook_url=args["url"], secret_parameter=secret.name, queue_url=queue.url,
                dlq_url=dead_letters.url, timeout_seconds=POST_TIMEOUT_SECONDS, max_attempts=args["max_attempts"],
                retry_base_seconds=RETRY_BASE_SECONDS, retry_max_seconds=RETRY_MAX_SECONDS,
                **powertools(args["environment"])),
            log_group_name=f"/order-email/{args['name_prefix']}/webhook",
            log_retention_days=args["log_retention_days"],
            kms_key_arn=key_arn,
            policy=policies.webhook_policy,
            policy_inputs={"queue_arn": queue.arn, "dead_letter_arn": dead_letters.arn,
                           "secret_parameter_arn": secret.arn, "kms_key_arn": key_arn},
            tags=tags,
            parent=self,
        )
        queue_consumer(f"{name}-mapping", queue_arn=queue.arn, function_arn=parts.function.arn,
                       maximum_concurrency=MAXIMUM_CONCURRENCY, parent=self)

        self.queue_url = queue.url
        self.queue_name = queue.name
        self.dead_letter_queue_url = dead_letters.url
        self.dead_letter_queue_name = dead_letters.name
        self.dead_letter_queue_arn = dead_letters.arn
        self.function_name = parts.function.name
        self.log_group_name = parts.log_group.name
        self.secret_parameter_name = secret.name
        self.rule_arn = rule.arn
        self.register_outputs(declared_outputs(self))
