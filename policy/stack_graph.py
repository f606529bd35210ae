"""Following references between resources of one stack: a mapping's queue and function, a queue's DLQ.

Stack rules see each resource's outputs (`props`, camelCase) the way the engine hands them over,
and find collaborators by the ARNs, URLs and names those outputs hold.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from . import resource_types as t

LAMBDA_DEFAULT_TIMEOUT_SECONDS = 3
SQS_DEFAULT_VISIBILITY_TIMEOUT_SECONDS = 30


class Resource(Protocol):
    """What a stack rule reads of a resource (`pulumi_policy.PolicyResource` has these)."""

    resource_type: str
    props: Mapping[str, Any]
    urn: str
    name: str


def function_name_of(reference: Any) -> str | None:
    """The function name in a name, ARN, qualified ARN or `account:function:name` reference."""
    if not isinstance(reference, str) or not reference:
        return None
    if ":function:" in reference:
        return reference.split(":function:", 1)[1].split(":", 1)[0]
    return reference


def dead_letter_arn(queue_props: Mapping[str, Any]) -> str | None:
    """`deadLetterTargetArn` from the queue's redrive policy (JSON text or an object)."""
    policy = queue_props.get("redrivePolicy")
    if isinstance(policy, str) and policy.strip():
        try:
            policy = json.loads(policy)
        except ValueError:
            return None
    if isinstance(policy, Mapping):
        target = policy.get("deadLetterTargetArn")
        return str(target) if target else None
    return None


def pipe_dead_letter_arn(pipe_props: Mapping[str, Any]) -> str | None:
    """The DLQ of a pipe with a stream source (Kinesis or DynamoDB), where failed batches are described."""
    source = pipe_props.get("sourceParameters")
    if not isinstance(source, Mapping):
        return None
    for key in ("dynamodbStreamParameters", "kinesisStreamParameters"):
        parameters = source.get(key)
        config = parameters.get("deadLetterConfig") if isinstance(parameters, Mapping) else None
        arn = config.get("arn") if isinstance(config, Mapping) else None
        if isinstance(arn, str) and arn:
            return arn
    return None


def number(value: Any, default: float) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else default


class StackGraph:
    """Lookups over one stack's resources."""

    def __init__(self, resources: Iterable[Resource]):
        self.resources: list[Resource] = list(resources)

    def of_type(self, *types: str) -> list[Resource]:
        return [resource for resource in self.resources if resource.resource_type in types]

    def queue_by_arn(self, arn: Any) -> Resource | None:
        return next((queue for queue in self.of_type(t.SQS_QUEUE) if arn and queue.props.get("arn") == arn), None)

    def queue_by_url(self, url: Any) -> Resource | None:
        return next((queue for queue in self.of_type(t.SQS_QUEUE) if url and queue.props.get("url") == url), None)

    def dead_letter_arns(self) -> set[str]:
        """Queues that are some queue's redrive target, or a pipe's dead-letter queue."""
        redrive = {arn for queue in self.of_type(t.SQS_QUEUE) if (arn := dead_letter_arn(queue.props))}
        return redrive | {arn for pipe in self.of_type(t.PIPE) if (arn := pipe_dead_letter_arn(pipe.props))}

    def pipes_enriched_by(self, function: Resource) -> list[Resource]:
        """Pipes that call the function synchronously as their enrichment step."""
        arn = function.props.get("arn")
        return [pipe for pipe in self.of_type(t.PIPE) if arn and pipe.props.get("enrichment") == arn]

    def function_name(self, function: Resource) -> str:
        return str(function.props.get("name") or function.name)

    def _targets(self, type_token: str, field: str, function: Resource) -> list[Resource]:
        name = self.function_name(function)
        return [item for item in self.of_type(type_token) if function_name_of(item.props.get(field)) == name]

    def mappings_of(self, function: Resource) -> list[Resource]:
        return self._targets(t.LAMBDA_EVENT_SOURCE_MAPPING, "functionName", function)

    def urls_of(self, function: Resource) -> list[Resource]:
        return self._targets(t.LAMBDA_FUNCTION_URL, "functionName", function)

    def permissions_of(self, function: Resource) -> list[Resource]:
        return self._targets(t.LAMBDA_PERMISSION, "function", function)

    def invoke_configs_of(self, function: Resource) -> list[Resource]:
        return self._targets(t.LAMBDA_EVENT_INVOKE_CONFIG, "functionName", function)

    def async_sources_of(self, function: Resource) -> list[Resource]:
        """Who invokes the function asynchronously: EventBridge targets, SNS subscriptions, and
        service permissions for services that invoke asynchronously (S3, SNS, EventBridge, ...)."""
        arn = function.props.get("arn")
        targets = [item for item in self.of_type(t.EVENT_TARGET) if arn and item.props.get("arn") == arn]
        subscriptions = [item for item in self.of_type(t.SNS_SUBSCRIPTION)
                         if item.props.get("protocol") == "lambda" and arn and item.props.get("endpoint") == arn]
        permissions = [item for item in self.permissions_of(function)
                       if str(item.props.get("principal", "")) in ASYNC_SERVICE_PRINCIPALS]
        return targets + subscriptions + permissions

    def queue_mappings(self) -> list[tuple[Resource, Resource | None, Resource | None]]:
        """(mapping, its SQS queue or None, its function or None) for every event source mapping."""
        functions = {self.function_name(function): function for function in self.of_type(t.LAMBDA_FUNCTION)}
        return [
            (mapping, self.queue_by_arn(mapping.props.get("eventSourceArn")),
             functions.get(function_name_of(mapping.props.get("functionName")) or ""))
            for mapping in self.of_type(t.LAMBDA_EVENT_SOURCE_MAPPING)
        ]


ASYNC_SERVICE_PRINCIPALS: frozenset[str] = frozenset({
    "events.amazonaws.com", "scheduler.amazonaws.com", "sns.amazonaws.com", "s3.amazonaws.com",
    "ses.amazonaws.com", "logs.amazonaws.com", "iot.amazonaws.com", "cloudwatch.amazonaws.com",
    "codecommit.amazonaws.com", "config.amazonaws.com",
})
"""Services that invoke Lambda with `InvocationType=Event`: failures go nowhere without a DLQ."""


def alarm_watches_queue(alarm_props: Mapping[str, Any], queue_name: str) -> bool:
    """A CloudWatch alarm on an `AWS/SQS` metric of `queue_name` (plain metric or inside metric math)."""
    metrics: list[Mapping[str, Any]] = [alarm_props]
    metrics += [query["metric"] for query in _as_sequence(alarm_props.get("metricQueries"))
                if isinstance(query, Mapping) and isinstance(query.get("metric"), Mapping)]
    return any(
        metric.get("namespace") == "AWS/SQS"
        and isinstance(metric.get("dimensions"), Mapping)
        and metric["dimensions"].get("QueueName") == queue_name
        for metric in metrics
    )


def _as_sequence(value: Any) -> Sequence[Any]:
    return value if isinstance(value, Sequence) and not isinstance(value, str | bytes) else []
