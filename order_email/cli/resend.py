"""`resend ORDER_ID`: an operator-forced new attempt at an e-mail, recorded as such.

The record keeps the validated order (`handlers.sender.stored_order`), so the order event is rebuilt
from it and published again to the orders topic (the stack's `ordersTopicArn`, or `--topic-arn`);
`--order-file` publishes a corrected order instead, and is the only way for a record that keeps no
order (written before orders were kept, or erased). Before that, the record is reset — status,
rank, lease, SES message id and index keys removed, a `ResendRequested` history entry appended —
so the sender's conditional claim (which accepts an item without a status) succeeds once.

Allowed without --force: FAILED, REJECTED, RENDERING_FAILED, SUPPRESSED (the sender re-checks the
suppression list), BOUNCED and SOFT_BOUNCED (e.g. after correcting the address in the order file),
SENDING with an expired lease and no SES message id (a stuck claim), and a record already reset by
an earlier resend whose publish failed. Needs --force: SENT, DELAYED, DELIVERED, COMPLAINED, and
SENDING with an expired lease but a message id (SES may have accepted it). Always refused: SENDING
with a live lease (a sender is working on it right now).
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from order_email.cli import common
from order_email.cli.common import EXIT_PROBLEM, EXIT_USAGE, Endpoint, JsonFlag, StackName, YesFlag
from order_email.handlers.sender.kinds import EVENT_TYPE_OF_KIND
from order_email.handlers.sender.stored_order import order_event
from order_email.handlers.shared import schema
from order_email.handlers.shared.event_types import EVENT_TYPE_ATTRIBUTE
from order_email.handlers.shared.statuses import EmailStatus

RESENDABLE = frozenset({EmailStatus.HELD, EmailStatus.FAILED, EmailStatus.REJECTED, EmailStatus.RENDERING_FAILED,
                        EmailStatus.SUPPRESSED, EmailStatus.BOUNCED, EmailStatus.SOFT_BOUNCED})
NEEDS_FORCE = frozenset({EmailStatus.SENT, EmailStatus.DELAYED, EmailStatus.DELIVERED, EmailStatus.COMPLAINED})
RESET_ATTRIBUTES = ("#status", "statusRank", "statusReason", "sesMessageId", "leaseExpiresAt", "statusShard",
                    "statusSortKey", "sentAt", "deliveredAt")
_deserializer, _serializer = TypeDeserializer(), TypeSerializer()


@dataclass(frozen=True)
class ResendDecision:
    allowed: bool
    reason: str
    forced: bool = False


def resend_verdict(item: dict[str, Any], now: float, force: bool) -> ResendDecision:
    """Whether an operator may force a new attempt at this e-mail; never silently a duplicate."""
    status = item.get("status")
    if status is None:
        return ResendDecision(True, "the record was reset by an earlier resend request")
    if status == EmailStatus.SENDING:
        lease = item.get("leaseExpiresAt")
        if lease is not None and float(lease) > now:
            return ResendDecision(False, "a sender holds a live lease on it right now; wait for it to finish")
        if item.get(schema.SES_MESSAGE_ID):
            if force:
                return ResendDecision(True, "stuck in SENDING with a message id", forced=True)
            return ResendDecision(False, "stuck in SENDING but SES may have accepted it (it has a message id); --force")
        return ResendDecision(True, "stuck in SENDING (lease expired, nothing sent)")
    if status in RESENDABLE:
        return ResendDecision(True, f"final non-success status {status}")
    if status in NEEDS_FORCE:
        if force:
            return ResendDecision(True, f"status {status}, forced", forced=True)
        return ResendDecision(False, f"status {status}: the e-mail went out; use --force to send it again anyway")
    return ResendDecision(False, f"unknown status {status!r}")


def read_order(path: Path, order_id: str) -> str:
    """The order JSON to publish, checked to be this order's."""
    try:
        text = path.read_text()
        order = json.loads(text)
    except (OSError, ValueError) as error:
        common.fail(f"--order-file: {error}", EXIT_USAGE)
    if not isinstance(order, dict) or order.get("orderId") != order_id:
        common.fail(f"--order-file: its orderId is {order.get('orderId') if isinstance(order, dict) else None!r}, "
                    f"not {order_id!r}", EXIT_USAGE)
    return text


def kept_order(item: dict[str, Any]) -> str:
    """The order event JSON rebuilt from the record, or a clear refusal when the record keeps none."""
    if item.get("erasedAt"):
        common.fail(f"the record was erased at {item['erasedAt']}: its order and address are gone; "
                    "pass --order-file with the order to send")
    if not item.get(schema.ORDER) or not item.get("recipient"):
        common.fail("the record keeps no order (it was written before orders were kept, or the order was too "
                    "large to keep): pass --order-file with the original order JSON")
    return json.dumps(order_event(str(item[schema.ORDER_ID]), str(item["recipient"]), item[schema.ORDER]),
                      default=str)


def reset_record(dynamodb: Any, table: str, item: dict[str, Any], by: str, now: datetime) -> dict[str, Any]:
    """Conditional on the record not having changed since it was judged; returns the history entry.

    `resetAt` tells the feedback path that messages sent before now are not this record's any more
    (`handlers.feedback.attribution`).
    """
    entry = {"type": "ResendRequested", "at": schema.iso(now), "id": str(uuid.uuid4()), "by": by,
             "previousStatus": item.get("status") or "none"}
    if item.get(schema.SES_MESSAGE_ID):
        entry["previousSesMessageId"] = item[schema.SES_MESSAGE_ID]
    names = {"#status": "status", "#updated": "lastUpdated"}
    values: dict[str, Any] = {":entry": _serializer.serialize([entry]), ":empty": {"L": []},
                              ":now": {"S": schema.iso(now)}, ":one": {"N": "1"}}
    condition = ["attribute_exists(orderId)"]
    if item.get("status") is None:
        condition.append("attribute_not_exists(#status)")
    else:
        condition.append("#status = :seen")
        values[":seen"] = {"S": str(item["status"])}
    if item.get("lastUpdated"):
        condition.append("#updated = :seenUpdated")
        values[":seenUpdated"] = {"S": str(item["lastUpdated"])}
    dynamodb.update_item(
        TableName=table,
        Key={schema.ORDER_ID: {"S": item[schema.ORDER_ID]}, schema.KIND: {"S": item[schema.KIND]}},
        UpdateExpression="REMOVE " + ", ".join(RESET_ATTRIBUTES)
        + " SET history = list_append(if_not_exists(history, :empty), :entry), #updated = :now, resetAt = :now"
        " ADD version :one",
        ConditionExpression=" AND ".join(condition),
        ExpressionAttributeNames=names,
        ExpressionAttributeValues=values,
    )
    return entry


def resend(
    order_id: Annotated[str, typer.Argument(help="The order whose e-mail to send again.")],
    order_file: Annotated[Path | None, typer.Option(
        "--order-file", help="An order event JSON to publish instead of the order the record keeps "
                             "(a corrected address, say, or a record that keeps none).")] = None,
    topic_arn: Annotated[str | None, typer.Option(
        "--topic-arn", help="The orders topic to publish to (default: the stack's ordersTopicArn output).")] = None,
    table: Annotated[str | None, typer.Option("--table", help="Deliveries table.")] = None,
    kind: Annotated[str, typer.Option("--kind", help="The e-mail kind (order-confirmation, order-shipped, "
                                                     "order-cancelled).")] = schema.ORDER_CONFIRMATION,
    force: Annotated[bool, typer.Option("--force", help="Also resend an e-mail that went out.")] = False,
    by: Annotated[str | None, typer.Option("--by", help="Operator recorded in the history.")] = None,
    stack: StackName = "dev",
    endpoint: Endpoint = None,
    yes: YesFlag = False,
    json_output: JsonFlag = False,
) -> None:
    """Send an order's e-mail again: reset its record (audited) and re-publish the order the record keeps.

    Allowed for FAILED, REJECTED, RENDERING_FAILED, SUPPRESSED, BOUNCED, SOFT_BOUNCED and stuck SENDING
    records; SENT, DELAYED, DELIVERED and COMPLAINED need --force; SENDING with a live lease is always
    refused. Exit 1 when refused, declined, the record keeps no order (pass --order-file) or changed
    meanwhile; 2 for a bad --order-file or no topic.
    """
    if kind not in EVENT_TYPE_OF_KIND:
        common.fail(f"--kind: {kind!r} is not one of {', '.join(EVENT_TYPE_OF_KIND)}", EXIT_USAGE)
    body = read_order(order_file, order_id) if order_file is not None else None
    name = common.table_name(table, stack, "deliveriesTableName")
    topic = topic_arn or common.stack_output(stack, "ordersTopicArn")
    if not topic:
        common.fail(f"no orders topic: pass --topic-arn (the pulumi CLI, which would give the ordersTopicArn "
                    f"output of stack {stack!r}, is not available or has no such output)", EXIT_USAGE)
    operator = by or common.operator()
    dynamodb = common.aws_client("dynamodb", endpoint)
    with common.aws_errors():
        raw = dynamodb.get_item(TableName=name, ConsistentRead=True,
                                Key={schema.ORDER_ID: {"S": order_id}, schema.KIND: {"S": kind}}).get("Item")
        if not raw:
            common.fail(f"no {kind} e-mail recorded for order {order_id!r}: publish the order normally instead")
        item = {key: _deserializer.deserialize(value) for key, value in raw.items()}
        verdict = resend_verdict(item, time.time(), force)
        if not verdict.allowed:
            common.fail(f"refusing to resend: {verdict.reason}")
        body = body or kept_order(item)
        if not yes and not typer.confirm(f"Resend the {kind} e-mail of {order_id} ({verdict.reason})?"):
            common.fail("resend cancelled", EXIT_PROBLEM)
        try:
            entry = reset_record(dynamodb, name, item, operator, datetime.now(UTC))
        except dynamodb.exceptions.ConditionalCheckFailedException:
            common.fail("the record changed while deciding; look again with `order-email status`")
    with common.aws_errors():
        published = common.aws_client("sns", endpoint).publish(
            TopicArn=topic, Message=body,
            MessageAttributes={EVENT_TYPE_ATTRIBUTE: {"DataType": "String", "StringValue": EVENT_TYPE_OF_KIND[kind]}})
    result = {"orderId": order_id, "kind": kind, "previousStatus": entry["previousStatus"], "by": operator,
              "forced": verdict.forced, "snsMessageId": published.get("MessageId")}
    if json_output:
        common.print_json(result)
    else:
        common.console.print(f"reset {order_id}/{kind} (was {entry['previousStatus']}) and re-published the order "
                             f"(SNS message {published.get('MessageId')})")
