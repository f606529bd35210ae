"""The status-change outbox: deliveries table stream → EventBridge Pipe → the status bus, with a DLQ.

A wiring helper `FeedbackLoop` calls with `parent=self`. The feedback function stamps each status
change on the item in the same conditional write (`handlers.feedback.outbox`); the pipe reads the
table's stream, keeps only stamped writes (`STREAM_FILTER`), lets a tiny Lambda turn each record
into the event detail (`handlers/status_outbox.py`, no AWS calls) and puts the details on the bus
as `order-email` / `Email Status Changed`. The pipe retries a failing batch (halving it to find a
bad record) and sends what it gives up on to the outbox DLQ, which has its own alarm: nothing
the feedback function wrote can be lost after the write, whatever happens to that function.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from order_email.components import policies, queues
from order_email.components.functions import LambdaCode, lambda_function, service_role
from order_email.components.subscribed_queue import encryption_args
from order_email.components.wiring import applied_json
from order_email.handlers.feedback.outbox import DETAIL_TYPE, SOURCE, STREAM_FILTER
from order_email.handlers.shared.environment import STATUS_OUTBOX, powertools

OUTBOX_HANDLER = "handlers.status_outbox.handler"
PIPES_SERVICE = "pipes.amazonaws.com"
BATCH_SIZE = 10
"""Stream records per enrichment call; PutEvents takes ten entries, so one batch is one call."""
BATCHING_WINDOW_SECONDS = 1
RETRY_ATTEMPTS = 10
"""Retries of a failing batch (each halving it, `AUTOMATIC_BISECT`) before it is dead-lettered."""
OUTBOX_TIMEOUT_SECONDS = 10
OUTBOX_MEMORY_MB = 128
"""The enrichment only reshapes JSON: the smallest function is plenty."""


def source_parameters(dead_letter_arn: pulumi.Input[str]) -> aws.pipes.PipeSourceParametersArgsDict:
    """How the pipe reads the stream: from the oldest record (none is skipped at creation), in batches
    of ten, retried and bisected, then dead-lettered; only writes that stamp a status change (pure)."""
    return {
        "dynamodb_stream_parameters": {
            "starting_position": "TRIM_HORIZON",
            "batch_size": BATCH_SIZE,
            "maximum_batching_window_in_seconds": BATCHING_WINDOW_SECONDS,
            "maximum_retry_attempts": RETRY_ATTEMPTS,
            "maximum_record_age_in_seconds": -1,
            "on_partial_batch_item_failure": "AUTOMATIC_BISECT",
            "dead_letter_config": {"arn": dead_letter_arn},
        },
        "filter_criteria": {"filters": [{"pattern": json.dumps(STREAM_FILTER, sort_keys=True)}]},
    }


def target_parameters() -> aws.pipes.PipeTargetParametersArgsDict:
    """The published contract's Source and DetailType; the detail is what the enrichment returns (pure)."""
    return {"eventbridge_event_bus_parameters": {"source": SOURCE, "detail_type": DETAIL_TYPE}}


@dataclass(frozen=True)
class StatusOutbox:
    pipe: aws.pipes.Pipe
    function: aws.lambda_.Function
    log_group: aws.cloudwatch.LogGroup
    dead_letters: aws.sqs.Queue


def status_outbox(
    name: str,
    *,
    name_prefix: str,
    environment: str,
    code: LambdaCode,
    stream_arn: pulumi.Input[str],
    event_bus_arn: pulumi.Input[str],
    log_retention_days: int,
    kms_key_arn: pulumi.Input[str] | None,
    tags: Mapping[str, str],
    parent: pulumi.Resource,
) -> StatusOutbox:
    """Declare `<name>-dlq` (+ policy), the `<name>-function` enrichment, `<name>-role` (+ policy) and `<name>`."""
    child = pulumi.ResourceOptions(parent=parent)
    dead_letters = aws.sqs.Queue(f"{name}-dlq", message_retention_seconds=queues.DLQ_RETENTION_SECONDS,
                                 tags=dict(tags), opts=child, **encryption_args(kms_key_arn))
    aws.sqs.QueuePolicy(f"{name}-dlq-policy", queue_url=dead_letters.url,
                        policy=applied_json(policies.tls_only_queue_policy, queue_arn=dead_letters.arn),
                        opts=child)
    parts = lambda_function(
        f"{name}-function",
        handler=OUTBOX_HANDLER,
        description=f"{name_prefix} status-change outbox (pipe enrichment)",
        code=code,
        memory_mb=OUTBOX_MEMORY_MB,
        timeout_seconds=OUTBOX_TIMEOUT_SECONDS,
        environment=STATUS_OUTBOX.environment(**powertools(environment)),
        log_group_name=f"/order-email/{name_prefix}/status-outbox",
        log_retention_days=log_retention_days,
        kms_key_arn=kms_key_arn,
        policy=policies.logs_only_policy,
        tags=dict(tags),
        parent=parent,
    )
    role = service_role(f"{name}-role", PIPES_SERVICE, description=f"Least-privilege role of the {name_prefix} "
                        "status-outbox pipe", tags=dict(tags), parent=parent)
    role_policy = aws.iam.RolePolicy(
        f"{name}-policy",
        role=role.id,
        policy=applied_json(policies.outbox_pipe_policy, stream_arn=stream_arn, enrichment_arn=parts.function.arn,
                            event_bus_arn=event_bus_arn, dead_letter_arn=dead_letters.arn, kms_key_arn=kms_key_arn),
        opts=child,
    )
    pipe = aws.pipes.Pipe(
        name,
        name=f"{name_prefix}-status-outbox",
        description="Status changes of the deliveries table to the status bus (Email Status Changed)",
        role_arn=role.arn,
        source=stream_arn,
        source_parameters=source_parameters(dead_letters.arn),
        enrichment=parts.function.arn,
        target=event_bus_arn,
        target_parameters=target_parameters(),
        tags=dict(tags),
        # the role must be able to read the stream before the pipe starts
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[role_policy]),
    )
    return StatusOutbox(pipe=pipe, function=parts.function, log_group=parts.log_group, dead_letters=dead_letters)
