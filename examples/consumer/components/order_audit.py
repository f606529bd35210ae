"""`OrderAudit`: our own record of every confirmed order, next to (not inside) order-email.

order-email's orders topic → our queue (raw delivery, the same `eventType` filter as its send queue)
→ our Lambda (`handlers/order_audit.py`) → our DynamoDB table, one item per order id. Failures land
in our dead-letter queue. Everything is encrypted at rest, every queue refuses requests without TLS,
and the function's role may do exactly what the code does, on exactly these resources. The trust and
queue policies are order-email's own builders (`order_email.components.policies`); only the function's
policy is ours.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

from components.packaging import handler_archive
from handlers.audit_record import EXPIRES_AT, ORDER_ID
from order_email.components import policies
from order_email.components.wiring import applied_json

HANDLER = "handlers.order_audit.handler"
RUNTIME = "python3.13"
ARCHITECTURE = "arm64"
BATCH_SIZE = 10
BATCHING_WINDOW_SECONDS = 1
DLQ_RETENTION_SECONDS = 14 * 24 * 3600
"""SQS's maximum: two weeks to look at an event the audit could not read."""
QUEUE_RETENTION_SECONDS = 4 * 24 * 3600


class OrderAuditArgs(TypedDict):
    name_prefix: str
    """Prefix of physical names (the log group), e.g. `shop-mail-dev`."""
    orders_topic_arn: pulumi.Input[str]
    """order-email's orders topic (`EmailSender.orders_topic_arn`)."""
    event_type: str
    """The `eventType` message attribute of order events (order-email's `ORDER_EVENT_TYPE`)."""
    retention_days: int
    """Days an audit row is kept (TTL)."""
    log_retention_days: int
    """Days the function's logs are kept."""
    max_receive_count: int
    """Receives before an event moves to the dead-letter queue."""
    point_in_time_recovery: NotRequired[bool]
    """Continuous backups of the audit table (default False)."""
    timeout_seconds: NotRequired[int]
    """Function timeout (default 10); the queue's visibility timeout derives from it."""
    memory_mb: NotRequired[int]
    """Function memory (default 128)."""
    maximum_concurrency: NotRequired[int]
    """Concurrent invocations at most (default 2, Lambda's minimum for SQS)."""
    tags: NotRequired[Mapping[str, str]]


def visibility_timeout(timeout_seconds: int) -> int:
    """AWS's rule for SQS event sources: six times the function timeout plus the batching window."""
    return 6 * timeout_seconds + BATCHING_WINDOW_SECONDS


def function_policy(*, queue_arn: str, table_arn: str, log_group_arn: str) -> dict[str, Any]:
    """What the code and its event source mapping call, on exactly our resources."""
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "ConsumeAuditQueue", "Effect": "Allow",
         "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility",
                    "sqs:GetQueueAttributes"],
         "Resource": queue_arn},
        {"Sid": "RecordOrders", "Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": table_arn},
        {"Sid": "WriteOwnLogGroup", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": [log_group_arn, f"{log_group_arn}:log-stream:*"]},
    ]}


class OrderAudit(pulumi.ComponentResource):
    """Queue (+DLQ) on the orders topic → audit Lambda → audit table.

    Outputs (set in `__init__`): `table_name`/`table_arn`, `queue_name`/`queue_url`,
    `dead_letter_queue_name`/`dead_letter_queue_url`, `function_name`, `log_group_name`.
    """

    def __init__(self, name: str, args: OrderAuditArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("shop-mail:audit:OrderAudit", name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = dict(args.get("tags") or {})
        timeout = args.get("timeout_seconds", 10)
        account_id = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self)).account_id

        table = aws.dynamodb.Table(
            f"{name}-orders",
            billing_mode="PAY_PER_REQUEST",
            hash_key=ORDER_ID,
            attributes=[{"name": ORDER_ID, "type": "S"}],
            ttl={"attribute_name": EXPIRES_AT, "enabled": True},
            server_side_encryption={"enabled": True},
            point_in_time_recovery={"enabled": args.get("point_in_time_recovery", False)},
            tags=tags,
            opts=child,
        )

        dead_letters = aws.sqs.Queue(
            f"{name}-dlq", message_retention_seconds=DLQ_RETENTION_SECONDS, sqs_managed_sse_enabled=True,
            tags=tags, opts=child)
        queue = aws.sqs.Queue(
            f"{name}-queue",
            visibility_timeout_seconds=visibility_timeout(timeout),
            message_retention_seconds=QUEUE_RETENTION_SECONDS,
            sqs_managed_sse_enabled=True,
            redrive_policy=dead_letters.arn.apply(lambda arn: json.dumps(
                {"deadLetterTargetArn": arn, "maxReceiveCount": args["max_receive_count"]})),
            tags=tags,
            opts=child,
        )
        # Only the orders topic may send to our queue, nobody but SQS's redrive to the DLQ; TLS only.
        queue_policies = {
            "queue": (queue, applied_json(policies.queue_from_topic_policy, queue_arn=queue.arn,
                                          topic_arn=args["orders_topic_arn"])),
            "dlq": (dead_letters, applied_json(policies.tls_only_queue_policy, queue_arn=dead_letters.arn)),
        }
        for purpose, (policed, document) in queue_policies.items():
            aws.sqs.QueuePolicy(f"{name}-{purpose}-policy", queue_url=policed.url, policy=document, opts=child)
        aws.sns.TopicSubscription(
            f"{name}-subscription",
            topic=args["orders_topic_arn"],
            protocol="sqs",
            endpoint=queue.arn,
            raw_message_delivery=True,
            filter_policy=json.dumps({"eventType": [args["event_type"]]}),
            opts=child,
        )

        log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs", name=f"/shop-mail/{args['name_prefix']}/order-audit",
            retention_in_days=args["log_retention_days"], tags=tags, opts=child)
        role = aws.iam.Role(
            f"{name}-role",
            assume_role_policy=applied_json(policies.service_assume_role_policy, service=policies.LAMBDA_SERVICE,
                                            account_id=account_id),
            description=f"{args['name_prefix']} order audit: consume the audit queue, record orders",
            tags=tags,
            opts=child,
        )
        role_policy = aws.iam.RolePolicy(
            f"{name}-policy",
            role=role.id,
            policy=applied_json(function_policy, queue_arn=queue.arn, table_arn=table.arn, log_group_arn=log_group.arn),
            opts=child,
        )
        function = aws.lambda_.Function(
            f"{name}-function",
            description=f"{args['name_prefix']} order audit",
            runtime=RUNTIME,
            architectures=[ARCHITECTURE],
            handler=HANDLER,
            code=handler_archive(),
            memory_size=args.get("memory_mb", 128),
            timeout=timeout,
            role=role.arn,
            environment={"variables": {
                "AUDIT_TABLE": table.name,
                "AUDIT_RETENTION_DAYS": str(args["retention_days"]),
            }},
            logging_config={"log_format": "JSON", "log_group": log_group.name, "application_log_level": "INFO",
                            "system_log_level": "WARN"},
            tags=tags,
            # The role must be able to read the queue before the mapping starts polling for it.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[role_policy, log_group]),
        )
        aws.lambda_.EventSourceMapping(
            f"{name}-mapping",
            event_source_arn=queue.arn,
            function_name=function.arn,
            batch_size=BATCH_SIZE,
            maximum_batching_window_in_seconds=BATCHING_WINDOW_SECONDS,
            function_response_types=["ReportBatchItemFailures"],
            scaling_config={"maximum_concurrency": args.get("maximum_concurrency", 2)},
            opts=child,
        )

        self.table_name = table.name
        self.table_arn = table.arn
        self.queue_name = queue.name
        self.queue_url = queue.url
        self.dead_letter_queue_name = dead_letters.name
        self.dead_letter_queue_url = dead_letters.url
        self.function_name = function.name
        self.log_group_name = log_group.name
        self.register_outputs({
            "table_name": self.table_name,
            "queue_url": self.queue_url,
            "dead_letter_queue_url": self.dead_letter_queue_url,
            "function_name": self.function_name,
        })
