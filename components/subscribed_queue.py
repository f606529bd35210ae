"""A topic's subscribed work queue with its DLQ: the SNS → SQS half of both paths in docs/architecture.md §1.

A wiring helper the components call with `parent=self`, so both paths get the same retention,
encryption, redrive and TLS-only policies.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from order_email.components import policies, queues
from order_email.components.wiring import applied_json


@dataclass(frozen=True)
class SubscribedQueue:
    queue: aws.sqs.Queue
    dead_letters: aws.sqs.Queue


DATA_KEY_REUSE_SECONDS = 3600
"""How long SQS reuses one data key before asking KMS again (AWS allows 60 s to 86,400 s, default 300).
An hour cuts the queue's KMS requests twelvefold against the default (benchmarks/cost_model.py), and a
disabled or revoked key still stops the queue within the hour."""


def encryption_args(kms_key_arn: pulumi.Input[str] | None) -> dict[str, Any]:
    """The stack key when there is one, else SQS-managed SSE (SNS cannot use the aws/sqs key)."""
    if kms_key_arn is None:
        return {"sqs_managed_sse_enabled": True}
    return {"kms_master_key_id": kms_key_arn, "kms_data_key_reuse_period_seconds": DATA_KEY_REUSE_SECONDS}


def subscribed_queue(
    name: str,
    *,
    topic_arn: pulumi.Input[str],
    consumer_timeout_seconds: int,
    max_receive_count: int,
    kms_key_arn: pulumi.Input[str] | None,
    tags: Mapping[str, str],
    parent: pulumi.Resource,
    filter_policy: Mapping[str, Any] | None = None,
) -> SubscribedQueue:
    """Declare `<name>` and `<name>-dlq` (+ policies) and subscribe `<name>` to the topic, raw."""
    child = pulumi.ResourceOptions(parent=parent)
    encryption = encryption_args(kms_key_arn)
    dead_letters = aws.sqs.Queue(
        f"{name}-dlq", message_retention_seconds=queues.DLQ_RETENTION_SECONDS, tags=dict(tags), opts=child,
        **encryption,
    )
    queue = aws.sqs.Queue(
        name,
        visibility_timeout_seconds=queues.visibility_timeout(consumer_timeout_seconds),
        message_retention_seconds=queues.QUEUE_RETENTION_SECONDS,
        redrive_policy=dead_letters.arn.apply(lambda arn: queues.redrive_policy(arn, max_receive_count)),
        tags=dict(tags),
        opts=child,
        **encryption,
    )
    aws.sqs.QueuePolicy(
        f"{name}-policy",
        queue_url=queue.url,
        policy=applied_json(policies.queue_from_topic_policy, queue_arn=queue.arn, topic_arn=topic_arn),
        opts=child,
    )
    aws.sqs.QueuePolicy(
        f"{name}-dlq-policy",
        queue_url=dead_letters.url,
        policy=applied_json(policies.tls_only_queue_policy, queue_arn=dead_letters.arn),
        opts=child,
    )
    aws.sns.TopicSubscription(
        f"{name}-subscription",
        topic=topic_arn,
        protocol="sqs",
        endpoint=queue.arn,
        raw_message_delivery=True,
        filter_policy=json.dumps(filter_policy) if filter_policy else None,
        opts=child,
    )
    return SubscribedQueue(queue=queue, dead_letters=dead_letters)


def queue_consumer(
    name: str, *, queue_arn: pulumi.Input[str], function_arn: pulumi.Input[str], maximum_concurrency: int,
    parent: pulumi.Resource,
) -> aws.lambda_.EventSourceMapping:
    """Batches of ten, a one-second window, partial batch failures, and a concurrency cap."""
    return aws.lambda_.EventSourceMapping(
        name,
        event_source_arn=queue_arn,
        function_name=function_arn,
        batch_size=queues.BATCH_SIZE,
        maximum_batching_window_in_seconds=queues.BATCHING_WINDOW_SECONDS,
        function_response_types=["ReportBatchItemFailures"],
        scaling_config={"maximum_concurrency": maximum_concurrency},
        opts=pulumi.ResourceOptions(parent=parent),
    )
