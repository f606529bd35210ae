"""Hand-built resources in the engine's shape (camelCase inputs, mock-like outputs) for rule tests."""

from __future__ import annotations

import json
from typing import Any

from order_email.policy import resource_types as t
from order_email.policy.check import Recorded

ACCOUNT = "123456789012"
REGION = "eu-west-1"
TAGS = {"app": "order-email", "environment": "prod", "team": "t", "cost-center": "cc"}


def arn(service: str, rest: str) -> str:
    return f"arn:aws:{service}:{REGION}:{ACCOUNT}:{rest}"


def resource(type_: str, name: str, inputs: dict[str, Any] | None = None, **outputs: Any) -> Recorded:
    """A custom resource whose outputs are its inputs plus `outputs` (as the mocks return them)."""
    inputs = dict(inputs or {})
    return Recorded(type=type_, name=name, urn=f"urn:pulumi:test::order-email::{type_}::{name}", parent=None,
                    inputs=inputs, state={"name": name, **inputs, **outputs})


def queue(name: str, dlq: str | None = None, **inputs: Any) -> Recorded:
    body: dict[str, Any] = {"sqsManagedSseEnabled": True, "tags": TAGS, **inputs}
    if dlq:
        body["redrivePolicy"] = json.dumps({"deadLetterTargetArn": arn("sqs", dlq), "maxReceiveCount": 5})
    return resource(t.SQS_QUEUE, name, body, arn=arn("sqs", name),
                    url=f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{name}")


def function(name: str, **inputs: Any) -> Recorded:
    body = {"timeout": 30, "tags": TAGS, "loggingConfig": {"logGroup": f"/aws/lambda/{name}"}, **inputs}
    return resource(t.LAMBDA_FUNCTION, name, body, arn=arn("lambda", f"function:{name}"))


def log_group(name: str, retention: int | None = 7) -> Recorded:
    inputs: dict[str, Any] = {"name": name, "tags": TAGS}
    if retention is not None:
        inputs["retentionInDays"] = retention
    return resource(t.LOG_GROUP, name.replace("/", "-"), inputs, arn=arn("logs", f"log-group:{name}"))


def mapping(name: str, queue_name: str, function_name: str, maximum_concurrency: int | None = 2) -> Recorded:
    inputs: dict[str, Any] = {"eventSourceArn": arn("sqs", queue_name),
                              "functionName": arn("lambda", f"function:{function_name}")}
    if maximum_concurrency is not None:
        inputs["scalingConfig"] = {"maximumConcurrency": maximum_concurrency}
    return resource(t.LAMBDA_EVENT_SOURCE_MAPPING, name, inputs)


def dlq_alarm(name: str, queue_name: str) -> Recorded:
    return resource(t.METRIC_ALARM, name, {
        "namespace": "AWS/SQS", "metricName": "ApproximateNumberOfMessagesVisible",
        "dimensions": {"QueueName": queue_name}, "alarmActions": [arn("sns", "alarms")], "tags": TAGS})


def tls_queue_policy(name: str, queue_name: str, **extra: Any) -> Recorded:
    document = {"Version": "2012-10-17", "Statement": [{
        "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "sqs:*",
        "Resource": arn("sqs", queue_name), "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}
    return resource(t.SQS_QUEUE_POLICY, name, {
        "queueUrl": f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{queue_name}", "policy": json.dumps(document),
        **extra})


def consumed_queue(prefix: str = "work", *, timeout: int = 30, visibility: int = 181) -> list[Recorded]:
    """A well-formed SQS → Lambda path: queue + DLQ (+ policies, alarm), function, log group, mapping."""
    return [
        queue(f"{prefix}-dlq"),
        queue(prefix, dlq=f"{prefix}-dlq", visibilityTimeoutSeconds=visibility),
        tls_queue_policy(f"{prefix}-policy", prefix),
        tls_queue_policy(f"{prefix}-dlq-policy", f"{prefix}-dlq"),
        function(f"{prefix}-fn", timeout=timeout),
        log_group(f"/aws/lambda/{prefix}-fn"),
        mapping(f"{prefix}-mapping", prefix, f"{prefix}-fn"),
        dlq_alarm(f"{prefix}-dlq-alarm", f"{prefix}-dlq"),
    ]
