"""The configuration set and its event destinations, and every resource the stack's outputs name."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from botocore.exceptions import ClientError

from order_email.cli.doctor_checks.findings import (
    NOT_FOUND_CODES,
    DoctorFinding,
    StackFacts,
    error_code,
    if_exists,
    missing,
    not_checked,
)
from order_email.components.feedback_loop import REQUIRED_EVENT_TYPES

CONFIGURATION_SET_CHECKS = ("configuration-set", "configuration-set-events")


@dataclass(frozen=True)
class ResourceOutput:
    key: str
    """The stack output naming the resource."""
    kind: Literal["topic", "queue", "dead-letter-queue", "table", "event-bus", "key"]
    required: bool = True
    """The `order-email` commands read it; a stack without it is broken. Others are checked when exported."""


RESOURCE_OUTPUTS = (
    ResourceOutput("ordersTopicArn", "topic"),
    ResourceOutput("sendQueueUrl", "queue"),
    ResourceOutput("sendDeadLetterQueueUrl", "dead-letter-queue"),
    ResourceOutput("feedbackDeadLetterQueueUrl", "dead-letter-queue"),
    ResourceOutput("statusEventsDeadLetterQueueUrl", "dead-letter-queue", required=False),
    ResourceOutput("deliveriesTableName", "table"),
    ResourceOutput("suppressionTableName", "table"),
    ResourceOutput("statusBusName", "event-bus", required=False),
    ResourceOutput("kmsKeyArn", "key", required=False),
)


def configuration_set_findings(ses: Any, sns: Any, facts: StackFacts) -> list[DoctorFinding]:
    name = facts.outputs.get("configurationSetName")
    if not name:
        return not_checked(CONFIGURATION_SET_CHECKS, "the stack has no configurationSetName output",
                           f"{facts.command('pulumi up')} (the program exports it)")
    found = if_exists(lambda: ses.get_configuration_set(ConfigurationSetName=name))
    if found is None:
        return missing(CONFIGURATION_SET_CHECKS, f"SES has no configuration set {name}",
                       f"{facts.command('pulumi refresh')}, then {facts.command('pulumi up')} recreates it")
    if (found.get("SendingOptions") or {}).get("SendingEnabled", True) is False:
        state = DoctorFinding("configuration-set", "error",
                              f"sending is paused on configuration set {name} (the reputation guard pauses it when a "
                              "reputation alarm fires)",
                              "find the cause (the bounce and complaint rates: CloudWatch's AWS/SES "
                              "Reputation.BounceRate and Reputation.ComplaintRate, charted on a full stack's "
                              "dashboard), then: "
                              f"aws sesv2 put-configuration-set-sending-options --configuration-set-name {name} "
                              "--sending-enabled")
    else:
        state = DoctorFinding("configuration-set", "ok", f"configuration set {name} exists and sending is enabled")
    destinations = ses.get_configuration_set_event_destinations(ConfigurationSetName=name)
    return [state, event_destinations(name, destinations.get("EventDestinations") or [], sns, facts)]


def event_destinations(name: str, destinations: Sequence[Mapping[str, Any]], sns: Any,
                       facts: StackFacts) -> DoctorFinding:
    check = "configuration-set-events"
    enabled = [destination for destination in destinations if destination.get("Enabled")]
    covered = {event for destination in enabled for event in destination.get("MatchingEventTypes") or []}
    missing = [event for event in REQUIRED_EVENT_TYPES if event not in covered]
    remedy = f"{facts.command('pulumi refresh')}, then {facts.command('pulumi up')} restores the event destination"
    if missing:
        return DoctorFinding(check, "error", f"no enabled event destination of {name} publishes {', '.join(missing)}: "
                                             "delivery status and suppression miss those events", remedy)
    for destination in enabled:
        topic = (destination.get("SnsDestination") or {}).get("TopicArn")
        if not topic:
            continue
        try:
            sns.get_topic_attributes(TopicArn=topic)
        except ClientError as error:
            if error_code(error)[0] not in NOT_FOUND_CODES:
                raise
            return DoctorFinding(check, "error", f"event destination {destination.get('Name')} publishes to {topic}, "
                                                 "which does not exist", remedy)
    return DoctorFinding(check, "ok", f"{len(enabled)} enabled event destination(s) publish "
                                      f"{', '.join(REQUIRED_EVENT_TYPES)}")



def resource_finding(output: ResourceOutput, facts: StackFacts, client: Callable[[str], Any]) -> DoctorFinding:
    check = f"output:{output.key}"
    value = facts.outputs.get(output.key)
    if not value:
        return DoctorFinding(check, "error" if output.required else "warning", f"the stack has no {output.key} output",
                             f"{facts.command('pulumi up')} with this project's program (it exports {output.key})")
    recreate = f"{facts.command('pulumi refresh')}, then {facts.command('pulumi up')} recreates it"
    try:
        return _describe(output, str(value), facts, client)
    except ClientError as error:
        code = error_code(error)[0]
        if code in NOT_FOUND_CODES:
            return DoctorFinding(check, "error", f"{output.key}: {output.kind} {value} does not exist ({code})",
                                 recreate)
        raise


def _describe(output: ResourceOutput, value: str, facts: StackFacts, client: Callable[[str], Any]) -> DoctorFinding:
    check = f"output:{output.key}"
    if output.kind == "topic":
        client("sns").get_topic_attributes(TopicArn=value)
        return DoctorFinding(check, "ok", f"topic {value.rpartition(':')[2]} exists")
    if output.kind in ("queue", "dead-letter-queue"):
        attributes = client("sqs").get_queue_attributes(
            QueueUrl=value, AttributeNames=["QueueArn", "ApproximateNumberOfMessages"])["Attributes"]
        name, waiting = value.rstrip("/").rpartition("/")[2], int(attributes.get("ApproximateNumberOfMessages", 0))
        if output.kind == "dead-letter-queue" and waiting:
            return DoctorFinding(check, "warning", f"dead-letter queue {name} holds about {waiting} message(s)",
                                 f"order-email dlq list {value}; redrive once the cause is fixed: "
                                 f"order-email dlq redrive {value}")
        return DoctorFinding(check, "ok", f"queue {name} exists" + (f" ({waiting} waiting)" if waiting else ""))
    if output.kind == "table":
        status = client("dynamodb").describe_table(TableName=value)["Table"].get("TableStatus", "ACTIVE")
        if status != "ACTIVE":
            return DoctorFinding(check, "warning", f"table {value} is {status}", "wait until it is ACTIVE")
        return DoctorFinding(check, "ok", f"table {value} is ACTIVE")
    if output.kind == "event-bus":
        client("events").describe_event_bus(Name=value)
        return DoctorFinding(check, "ok", f"event bus {value} exists")
    state = client("kms").describe_key(KeyId=value)["KeyMetadata"].get("KeyState", "Enabled")
    if state == "Enabled":
        return DoctorFinding(check, "ok", f"KMS key {value.rpartition('/')[2]} is enabled")
    fix = (f"aws kms cancel-key-deletion --key-id {value} && aws kms enable-key --key-id {value}"
           if state == "PendingDeletion" else f"aws kms enable-key --key-id {value}")
    return DoctorFinding(check, "error", f"KMS key {value.rpartition('/')[2]} is {state}: nothing encrypted with it "
                                         "can be published, queued or read", fix)
