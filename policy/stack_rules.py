"""Rules that need more than one resource: a function and its queue, a queue and its DLQ's alarm.

They read the outputs (`props`) the engine hands a stack policy and follow ARNs, URLs and names
between resources (`policy.stack_graph`). Security rules are mandatory, operations rules advisory.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, ReportViolation, StackValidationArgs, StackValidationPolicy

from . import documents
from . import resource_types as t
from .stack_graph import (
    LAMBDA_DEFAULT_TIMEOUT_SECONDS,
    SQS_DEFAULT_VISIBILITY_TIMEOUT_SECONDS,
    Resource,
    StackGraph,
    alarm_watches_queue,
    dead_letter_arn,
    number,
    pipe_dead_letter_arn,
)

MANDATORY = EnforcementLevel.MANDATORY
ADVISORY = EnforcementLevel.ADVISORY

VISIBILITY_TIMEOUT_FACTOR = 6
"""AWS's guidance for SQS event sources: visibility timeout at least six times the function timeout."""
REQUIRED_SES_EVENT_TYPES = ("SEND", "REJECT", "BOUNCE", "COMPLAINT", "DELIVERY", "DELIVERY_DELAY",
                            "RENDERING_FAILURE")
"""Events delivery tracking and suppression need (the same list `components.feedback_loop` declares;
the pack does not import the components, a test keeps the two equal)."""


def _graph(args: StackValidationArgs) -> StackGraph:
    return StackGraph(args.resources)


# --- dead-letter queues ------------------------------------------------------------------------


def _sqs_dead_letter_queue(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    graph = _graph(args)
    dead_letters = graph.dead_letter_arns()
    for queue in graph.of_type(t.SQS_QUEUE):
        if queue.props.get("arn") in dead_letters:
            continue  # a DLQ itself: its messages wait there for an operator
        if dead_letter_arn(queue.props) is None:
            report_violation(
                f"SQS queue '{queue.name}' has no dead-letter queue, so a message that always fails is retried "
                "until it expires. Set redrive_policy with deadLetterTargetArn and maxReceiveCount.",
                queue.urn)


def _has_function_dlq(graph: StackGraph, function: Resource) -> bool:
    config = function.props.get("deadLetterConfig")
    if isinstance(config, Mapping) and config.get("targetArn"):
        return True
    for invoke_config in graph.invoke_configs_of(function):
        destination = invoke_config.props.get("destinationConfig")
        on_failure = destination.get("onFailure") if isinstance(destination, Mapping) else None
        if isinstance(on_failure, Mapping) and on_failure.get("destination"):
            return True
    return False


def _lambda_dead_letter_queue(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """Failures must land somewhere: a function DLQ (or on-failure destination) for asynchronous
    invokers, the queue's DLQ for SQS-driven functions; callers of a function URL get the error."""
    graph = _graph(args)
    for function in graph.of_type(t.LAMBDA_FUNCTION):
        if _has_function_dlq(graph, function):
            continue
        asynchronous = graph.async_sources_of(function)
        if asynchronous:
            report_violation(
                f"Lambda function '{function.name}' is invoked asynchronously (by "
                f"{', '.join(source.name for source in asynchronous)}) but failed events are dropped. Set "
                "dead_letter_config={'target_arn': <queue or topic>} or a FunctionEventInvokeConfig "
                "on-failure destination.",
                function.urn)
            continue
        pipes = graph.pipes_enriched_by(function)
        if pipes and all(pipe_dead_letter_arn(pipe.props) for pipe in pipes):
            continue  # a pipe's synchronous enrichment: the pipe retries the batch, then dead-letters it
        mappings = graph.mappings_of(function)
        queues_without_dlq = [
            mapping.name for mapping in mappings
            if (queue := graph.queue_by_arn(mapping.props.get("eventSourceArn"))) is None
            or dead_letter_arn(queue.props) is None
        ]
        if queues_without_dlq:
            report_violation(
                f"Lambda function '{function.name}' consumes queues without a dead-letter queue (mappings "
                f"{queues_without_dlq}). Give each source queue a redrive_policy to a DLQ.",
                function.urn)
        elif not mappings and not graph.urls_of(function):
            report_violation(
                f"Lambda function '{function.name}' has no dead-letter queue and no event source in the stack "
                "that would keep its failures. Set dead_letter_config, or drive it from an SQS queue with a DLQ.",
                function.urn)


def _sqs_dlq_alarm(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """A DLQ nobody watches hides lost work: every consumed queue's DLQ has an alarm on its depth."""
    graph = _graph(args)
    alarms = graph.of_type(t.METRIC_ALARM)
    for mapping, queue, _ in graph.queue_mappings():
        if queue is None:
            continue
        target = dead_letter_arn(queue.props)
        dead_letters = graph.queue_by_arn(target) if target else None
        if dead_letters is None:
            continue  # sqs-dead-letter-queue reports the missing DLQ
        name = str(dead_letters.props.get("name") or dead_letters.name)
        if not any(alarm_watches_queue(alarm.props, name) for alarm in alarms):
            report_violation(
                f"Dead-letter queue '{dead_letters.name}' of consumed queue '{queue.name}' (mapping "
                f"'{mapping.name}') has no alarm. Add an AWS/SQS ApproximateNumberOfMessagesVisible >= 1 alarm "
                "on it with alarm actions (the Observability component does, given dead_letter_queue_names).",
                dead_letters.urn)


# --- Lambda concurrency and timeouts -----------------------------------------------------------


def _reserved(function: Resource) -> bool:
    reserved = function.props.get("reservedConcurrentExecutions")
    return isinstance(reserved, int | float) and not isinstance(reserved, bool) and reserved >= 0


def _capped(mapping: Resource) -> bool:
    scaling = mapping.props.get("scalingConfig")
    return isinstance(scaling, Mapping) and number(scaling.get("maximumConcurrency"), 0) >= 2


def _lambda_concurrency(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """Reserved concurrency, or — for a function driven only by SQS — `MaximumConcurrency` on every
    event source mapping: that caps the function just as well, without carving the account's pool."""
    graph = _graph(args)
    for function in graph.of_type(t.LAMBDA_FUNCTION):
        if _reserved(function):
            continue
        mappings = graph.mappings_of(function)
        other_invokers = [*graph.urls_of(function), *graph.permissions_of(function),
                          *graph.async_sources_of(function)]
        if mappings and all(_capped(mapping) for mapping in mappings) and not other_invokers:
            continue
        if graph.pipes_enriched_by(function) and not mappings and not other_invokers:
            continue  # a pipe enriches one batch per stream shard at a time: its concurrency is the shard count
        report_violation(
            f"Lambda function '{function.name}' has no concurrency limit, so a burst can exhaust the account's "
            "concurrency or a downstream quota. Set reserved_concurrent_executions, or (if SQS is its only "
            "trigger) scaling_config={'maximum_concurrency': N} on every event source mapping.",
            function.urn)


def _visibility_timeout(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    graph = _graph(args)
    for _, queue, function in graph.queue_mappings():
        if queue is None or function is None:
            continue
        timeout = number(function.props.get("timeout"), LAMBDA_DEFAULT_TIMEOUT_SECONDS)
        visibility = number(queue.props.get("visibilityTimeoutSeconds"), SQS_DEFAULT_VISIBILITY_TIMEOUT_SECONDS)
        if visibility < VISIBILITY_TIMEOUT_FACTOR * timeout:
            report_violation(
                f"SQS queue '{queue.name}' has a {visibility:g}s visibility timeout but its consumer "
                f"'{function.name}' may run {timeout:g}s: messages reappear while still being processed. Set "
                f"visibility_timeout_seconds >= {VISIBILITY_TIMEOUT_FACTOR * timeout:g} "
                "(components.queues.visibility_timeout).",
                queue.urn)


def _log_group_declared(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """A function whose log group is not in the stack logs to one Lambda creates, kept forever."""
    graph = _graph(args)
    declared = {str(group.props.get("name")) for group in graph.of_type(t.LOG_GROUP) if group.props.get("name")}
    for function in graph.of_type(t.LAMBDA_FUNCTION):
        logging = function.props.get("loggingConfig")
        group = logging.get("logGroup") if isinstance(logging, Mapping) else None
        group = group or f"/aws/lambda/{graph.function_name(function)}"
        if group not in declared:
            report_violation(
                f"Lambda function '{function.name}' logs to '{group}', which the stack does not declare, so "
                "Lambda creates it with no retention. Declare the log group with retention_in_days and point "
                "logging_config.log_group at it.",
                function.urn)


# --- SES ---------------------------------------------------------------------------------------


def ses_event_type(value: str) -> str:
    """SESv2 spelling of an event type: `renderingFailure` (SES v1) → `RENDERING_FAILURE`."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", "_", value).upper()


def _destinations(graph: StackGraph) -> dict[str, list[tuple[Resource, bool, set[str]]]]:
    """Configuration set name → (destination, enabled, event types) for v2 and v1 destinations."""
    found: dict[str, list[tuple[Resource, bool, set[str]]]] = {}
    for destination in graph.of_type(t.SESV2_EVENT_DESTINATION):
        body = destination.props.get("eventDestination")
        body = body if isinstance(body, Mapping) else {}
        types = {ses_event_type(str(value)) for value in documents.as_list(body.get("matchingEventTypes"))}
        found.setdefault(str(destination.props.get("configurationSetName")), []).append(
            (destination, body.get("enabled") is True, types))
    for destination in graph.of_type(t.SES_EVENT_DESTINATION):
        types = {ses_event_type(str(value)) for value in documents.as_list(destination.props.get("matchingTypes"))}
        found.setdefault(str(destination.props.get("configurationSetName")), []).append(
            (destination, destination.props.get("enabled") is True, types))
    return found


def _ses_event_types(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    """Without Bounce and Complaint events nothing is suppressed and SES reviews the account."""
    graph = _graph(args)
    destinations = _destinations(graph)
    sets: dict[str, Resource | None] = {
        str(item.props.get("configurationSetName") or item.props.get("name")): item
        for item in graph.of_type(t.SESV2_CONFIGURATION_SET, t.SES_CONFIGURATION_SET)
    }
    for name in destinations:
        sets.setdefault(name, None)
    for name, configuration_set in sets.items():
        covered: set[str] = set()
        for _, enabled, types in destinations.get(name, []):
            if enabled:
                covered |= types
        missing = [event for event in REQUIRED_SES_EVENT_TYPES if event not in covered]
        if missing:
            urn = configuration_set.urn if configuration_set else destinations[name][0][0].urn
            report_violation(
                f"SES configuration set '{name}' publishes no enabled event destination for {missing}: those "
                "e-mails' outcomes are never recorded (and bounces/complaints never suppressed). Add them to "
                "matching_event_types of an enabled event destination (components.feedback_loop).",
                urn)


# --- TLS-only resource policies ----------------------------------------------------------------


def _tls_only(policy: Any, action: str, arn: Any) -> bool:
    document = documents.parse(policy)
    return any(
        documents.denies_insecure_transport(statement)
        and documents.covers_action(statement, action)
        and any(resource in ("*", arn) for resource in documents.resources(statement))
        for statement in documents.statements(document)
    )


_TLS_CHECKED = (
    (t.SNS_TOPIC, t.SNS_TOPIC_POLICY, "arn", "arn", "sns:Publish"),
    (t.SQS_QUEUE, t.SQS_QUEUE_POLICY, "url", "queueUrl", "sqs:SendMessage"),
)
"""Resource type, its policy resource's type, how the policy names the resource, the action it must deny."""


def _deny_insecure_transport(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    graph = _graph(args)
    checks = [
        (resource, action, [resource.props.get("policy")] + [
            policy.props.get("policy") for policy in graph.of_type(policy_type)
            if resource.props.get(key) and policy.props.get(policy_key) == resource.props.get(key)])
        for resource_type, policy_type, key, policy_key, action in _TLS_CHECKED
        for resource in graph.of_type(resource_type)
    ]
    for resource, action, policies in checks:
        arn = resource.props.get("arn")
        if not any(_tls_only(policy, action, arn) for policy in policies if policy):
            kind = "topic" if resource.resource_type == t.SNS_TOPIC else "queue"
            service = action.split(":")[0]
            report_violation(
                f"{kind.capitalize()} '{resource.name}' accepts requests without TLS. Give it a {kind} policy with "
                f"a Deny for Principal '*' on {service}:* when aws:SecureTransport is false "
                "(components.policies.deny_insecure_transport).",
                resource.urn)


def stack_policy(
    name: str, description: str, validate: Callable[[StackValidationArgs, ReportViolation], None],
    level: EnforcementLevel,
) -> StackValidationPolicy:
    return StackValidationPolicy(name=name, description=description, validate=validate, enforcement_level=level)


STACK_POLICIES: tuple[StackValidationPolicy, ...] = (
    stack_policy("sqs-dead-letter-queue", "Every work queue has a dead-letter queue.", _sqs_dead_letter_queue,
                 ADVISORY),
    stack_policy("lambda-dead-letter-queue-required",
                 "Failed asynchronous invocations and failed queue messages end up in a DLQ.",
                 _lambda_dead_letter_queue, ADVISORY),
    stack_policy("lambda-concurrent-execution-limits-required",
                 "Every function's concurrency is capped (reserved concurrency or ESM maximum concurrency).",
                 _lambda_concurrency, ADVISORY),
    stack_policy("sqs-visibility-timeout-covers-consumer",
                 "A consumed queue's visibility timeout is at least 6x its Lambda consumer's timeout.",
                 _visibility_timeout, ADVISORY),
    stack_policy("lambda-log-group-declared", "Every function logs to a log group the stack manages.",
                 _log_group_declared, ADVISORY),
    stack_policy("sqs-dlq-alarm-required", "Every consumed queue's dead-letter queue has an alarm.",
                 _sqs_dlq_alarm, ADVISORY),
    stack_policy("ses-event-destination-required-types",
                 "Every SES configuration set publishes the events delivery tracking and suppression need.",
                 _ses_event_types, MANDATORY),
    stack_policy("sns-sqs-deny-insecure-transport", "Every topic and queue denies requests made without TLS.",
                 _deny_insecure_transport, MANDATORY),
)
