"""`erase ADDRESS`: the right to erasure over every store that can hold an address.

The address is matched in its one normalised form (`handlers.shared.masking`), however it is typed.
Delivery records are found by the `byRecipient` index and lose every trace of it (recipient,
deliveredTo, recipientHash, the kept order with the customer's name, and any attribute quoting an
address: status reason, history) but keep their status, so sending statistics stay right. A
suppression that protects our sender reputation (BOUNCE, COMPLAINT) or honours a block (MANUAL) is
kept — by hash only, without the masked address — and one is created when the records show a hard
bounce or complaint that was never suppressed; temporary soft-bounce suppressions and counters go.
SES's account-level list, which would hold the address in plain text, loses it too, and so do the
dead-letter queues: every dead letter naming it is deleted, the others are left as they were.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from order_email.cli import common
from order_email.cli.common import EXIT_PROBLEM, EXIT_USAGE, Endpoint, JsonFlag, StackName, YesFlag
from order_email.cli.dead_letters import names_address
from order_email.cli.ses_suppression import forget_in_ses
from order_email.handlers.shared import schema
from order_email.handlers.shared.masking import address_hash, mask_address, normalise_address
from order_email.handlers.shared.statuses import EmailStatus
from order_email.handlers.shared.suppression_item import PERMANENT_REASONS, is_active
from order_email.handlers.status_api.views import scrub_addresses
from order_email.json_keys import camel_fields

ERASED = "erased"
REMOVED = ("recipient", "deliveredTo", schema.RECIPIENT_HASH, schema.ORDER)
"""Record attributes that are the address, its hash or the kept order (the customer's name, and whatever its
metadata holds): removed; `recipientMasked` becomes "erased"."""
_KEPT_AS_THEY_ARE = frozenset({schema.ORDER_ID, schema.KIND, "recipientMasked", "erasedAt", *REMOVED})
DLQ_OUTPUTS = ("sendDeadLetterQueueUrl", "feedbackDeadLetterQueueUrl")
"""Stack outputs naming the dead-letter queues searched when no --dlq is given."""
HIDE_SECONDS = 300
"""Each dead letter read stays hidden this long, so the whole queue is read before any comes round again."""
RECEIVE_WAIT_SECONDS = 1
"""Long polling asks every SQS server, so one empty receive means no visible message is left."""
_deserializer, _serializer = TypeDeserializer(), TypeSerializer()


@dataclass
class ErasureReport:
    records_found: int = 0
    records_anonymised: int = 0
    records_gone: int = 0
    """Matched by the index but deleted (TTL) or changed before the update."""
    suppression: str = "none"
    """What happened to the suppression entry: kept, created, deleted or none."""
    suppression_reason: str | None = None
    ses_suppression: str = "not listed"
    """SES's account-level list, which stores addresses in plain text: "deleted" or "not listed"."""
    dead_letters_removed: dict[str, int] = field(default_factory=dict)
    """Dead-letter queue URL → messages deleted because they named the address."""
    dead_letters_failed: int = 0
    """Dead letters naming the address that SQS did not delete (the command then exits 1)."""
    orders: list[str] = field(default_factory=list)


def suppression_action(entry: dict[str, Any] | None, statuses: set[str], now: float) -> tuple[str, str | None]:
    """(action, reason): keep an active reputation/block entry, create one the records call for, or delete."""
    active = entry is not None and is_active(entry.get(schema.EXPIRES_AT), now)
    if entry is not None and active and entry.get("reason") in PERMANENT_REASONS:
        return "kept", str(entry["reason"])
    if EmailStatus.COMPLAINED in statuses:
        return "created", "COMPLAINT"
    if EmailStatus.BOUNCED in statuses:
        return "created", "BOUNCE"
    return ("deleted", str(entry.get("reason"))) if entry is not None else ("none", None)


def find_records(dynamodb: Any, table: str, hashed: str) -> list[dict[str, Any]]:
    """Every delivery item of the address, whole: the keys from the `byRecipient` index (the one the status
    API's `/recipients` reads), then each item by a strongly consistent GetItem (the index holds only keys;
    an item gone meanwhile is skipped)."""
    found = []
    pages = dynamodb.get_paginator("query").paginate(
        TableName=table, IndexName=schema.RECIPIENT_INDEX, KeyConditionExpression="#hash = :hash",
        ExpressionAttributeNames={"#hash": schema.RECIPIENT_HASH}, ExpressionAttributeValues={":hash": {"S": hashed}})
    for page in pages:
        for key in page["Items"]:
            raw = dynamodb.get_item(TableName=table, ConsistentRead=True, Key={
                schema.ORDER_ID: key[schema.ORDER_ID], schema.KIND: key[schema.KIND]}).get("Item")
            if raw:
                found.append({name: _deserializer.deserialize(value) for name, value in raw.items()})
    return found


def anonymise(dynamodb: Any, table: str, record: dict[str, Any], hashed: str, now: str) -> bool:
    """Strip the address from one record; False when the record is gone or no longer this address's.

    Besides `REMOVED` (through placeholders: `order` is a DynamoDB reserved word), every attribute that
    quotes an address (statusReason, history, whatever a later writer adds) has each address replaced
    by "[erased]".
    """
    sets = ["recipientMasked = :erased", "erasedAt = :now"]
    names = {f"#r{index}": name for index, name in enumerate(REMOVED)}
    values: dict[str, Any] = {":erased": {"S": ERASED}, ":now": {"S": now}, ":hash": {"S": hashed}}
    for index, (name, value) in enumerate(sorted(record.items())):
        scrubbed = value if name in _KEPT_AS_THEY_ARE else scrub_addresses(value, lambda _: f"[{ERASED}]")
        if scrubbed != value:
            sets.append(f"#a{index} = :a{index}")
            names[f"#a{index}"] = name
            values[f":a{index}"] = _serializer.serialize(scrubbed)
    try:
        dynamodb.update_item(
            TableName=table,
            Key={schema.ORDER_ID: {"S": record[schema.ORDER_ID]}, schema.KIND: {"S": record[schema.KIND]}},
            UpdateExpression=f"REMOVE {', '.join(f'#r{index}' for index in range(len(REMOVED)))} SET {', '.join(sets)}",
            ConditionExpression=f"#r{REMOVED.index(schema.RECIPIENT_HASH)} = :hash",
            ExpressionAttributeValues=values,
            ExpressionAttributeNames=names,
        )
    except dynamodb.exceptions.ConditionalCheckFailedException:
        return False
    return True


def update_suppression(dynamodb: Any, table: str, hashed: str, action: str, reason: str | None, now: str) -> None:
    key = {schema.ADDRESS_HASH: {"S": hashed}}
    dynamodb.delete_item(TableName=table, Key={schema.ADDRESS_HASH: {"S": schema.SOFT_BOUNCE_PREFIX + hashed}})
    if action == "kept":
        dynamodb.update_item(TableName=table, Key=key, UpdateExpression="REMOVE maskedAddress SET erasedAt = :now",
                             ExpressionAttributeValues={":now": {"S": now}})
    elif action == "created":
        dynamodb.put_item(TableName=table, Item={**key, "reason": {"S": str(reason)}, "suppressedAt": {"S": now},
                                                 "erasedAt": {"S": now}, "source": {"S": "erasure"}})
    elif action == "deleted":
        dynamodb.delete_item(TableName=table, Key=key)


def dead_letter_queues(explicit: list[str] | None, stack: str) -> list[str]:
    """The --dlq URLs, else the stack's send and feedback DLQs; a missing output is a usage error."""
    if explicit:
        return explicit
    urls = []
    for key in DLQ_OUTPUTS:
        url = common.stack_output(stack, key)
        if not url:
            common.fail(f"no dead-letter queue: pass --dlq (the pulumi CLI, which would give the {key} output of "
                        f"stack {stack!r}, is not available or has no such output)", EXIT_USAGE)
        urls.append(url)
    return urls


def erase_dead_letters(sqs: Any, queue_url: str, normalised: str) -> tuple[int, int]:
    """(deleted, not deleted): the queue's messages whose body names the address (`names_address`).

    Every message read stays hidden until the whole queue is read (so none is judged twice), then the
    ones kept are made visible again at once. A message another reader holds hidden meanwhile is not seen.
    """
    kept: dict[str, str] = {}
    """Message id → newest receipt handle, of the messages left in the queue."""
    deleted = failed = 0
    try:
        while True:
            messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=HIDE_SECONDS,
                                           WaitTimeSeconds=RECEIVE_WAIT_SECONDS).get("Messages", [])
            doomed: list[dict[str, str]] = []
            fresh = False
            for message in messages:
                fresh = fresh or message["MessageId"] not in kept
                if message["MessageId"] not in kept and names_address(message.get("Body", ""), normalised):
                    doomed.append({"Id": str(len(doomed)), "ReceiptHandle": message["ReceiptHandle"]})
                else:
                    kept[message["MessageId"]] = message["ReceiptHandle"]
            if doomed:
                answer = sqs.delete_message_batch(QueueUrl=queue_url, Entries=doomed)
                deleted += len(answer.get("Successful", []))
                failed += len(answer.get("Failed", []))
            if not fresh:
                break
    finally:
        _show_again(sqs, queue_url, list(kept.values()))
    return deleted, failed


def _show_again(sqs: Any, queue_url: str, handles: list[str]) -> None:
    for start in range(0, len(handles), 10):
        sqs.change_message_visibility_batch(QueueUrl=queue_url, Entries=[
            {"Id": str(index), "ReceiptHandle": handle, "VisibilityTimeout": 0}
            for index, handle in enumerate(handles[start:start + 10])])


def erase(
    address: Annotated[str, typer.Argument(help="The address to erase (never printed in full).")],
    table: Annotated[str | None, typer.Option("--table", help="Deliveries table.")] = None,
    suppression_table: Annotated[str | None, typer.Option("--suppression-table", help="Suppression table.")] = None,
    dlq: Annotated[list[str] | None, typer.Option(
        "--dlq", help="A dead-letter queue URL to search (repeatable; default: the stack's "
                      "sendDeadLetterQueueUrl and feedbackDeadLetterQueueUrl outputs).")] = None,
    stack: StackName = "dev",
    endpoint: Endpoint = None,
    yes: YesFlag = False,
    json_output: JsonFlag = False,
) -> None:
    """Erase an address from the delivery records (status kept), the suppression list (hash kept if needed),
    SES's account-level list and the dead-letter queues.

    Any spelling finds the address (case, Unicode or punycode domain). Records: recipient, deliveredTo,
    recipientHash and the kept order removed, recipientMasked set to "erased", addresses in any other attribute
    (statusReason, history) replaced. Suppression: BOUNCE/COMPLAINT/MANUAL entries are kept by hash only (masked address
    removed); one is created if the records show a hard bounce or complaint; soft-bounce entries and counters
    are deleted. Dead letters naming the address (order, SNS envelope, SES event, or any text) are deleted.
    Asks first unless --yes; exit 1 if declined or a dead letter could not be deleted.
    """
    if "@" not in address:
        common.fail("not an e-mail address", EXIT_USAGE)
    normalised = normalise_address(address)
    hashed = address_hash(normalised)
    deliveries = common.table_name(table, stack, "deliveriesTableName")
    suppression = common.table_name(suppression_table, stack, "suppressionTableName", "--suppression-table")
    queues = dead_letter_queues(dlq, stack)
    dynamodb = common.aws_client("dynamodb", endpoint)
    now = schema.iso(datetime.now(UTC))
    report = ErasureReport()
    with common.aws_errors():
        records = find_records(dynamodb, deliveries, hashed)
        raw_entry = dynamodb.get_item(TableName=suppression, Key={schema.ADDRESS_HASH: {"S": hashed}}).get("Item")
        entry = {key: _deserializer.deserialize(value) for key, value in (raw_entry or {}).items()} or None
        action, reason = suppression_action(entry, {str(r.get("status")) for r in records}, time.time())
        report.records_found, report.suppression, report.suppression_reason = len(records), action, reason
        report.orders = sorted({str(record[schema.ORDER_ID]) for record in records})
        question = (f"Erase {mask_address(address)} from {len(records)} delivery record(s) and {len(queues)} "
                    f"dead-letter queue(s); suppression entry: {action}{f' ({reason})' if reason else ''}. Continue?")
        if not yes and not typer.confirm(question):
            common.fail("erasure cancelled", EXIT_PROBLEM)
        for record in records:
            if anonymise(dynamodb, deliveries, record, hashed, now):
                report.records_anonymised += 1
            else:
                report.records_gone += 1
        update_suppression(dynamodb, suppression, hashed, action, reason, now)
        if forget_in_ses(common.aws_client("sesv2", endpoint), normalised):
            report.ses_suppression = "deleted"
        sqs = common.aws_client("sqs", endpoint)
        for queue in queues:
            deleted, failed = erase_dead_letters(sqs, queue, normalised)
            report.dead_letters_removed[queue] = deleted
            report.dead_letters_failed += failed
    if json_output:
        common.print_json(camel_fields(report))
    else:
        removed = ", ".join(f"{url.rpartition('/')[2]} {count}" for url, count in report.dead_letters_removed.items())
        common.console.print(f"records found: {report.records_found}, anonymised: {report.records_anonymised}, "
                             f"gone meanwhile: {report.records_gone}; suppression entry: {report.suppression}"
                             f"{f' ({report.suppression_reason})' if report.suppression_reason else ''}; "
                             f"SES account-level list: {report.ses_suppression}")
        common.console.print(f"dead letters removed: {removed}")
    if report.dead_letters_failed:
        common.fail(f"{report.dead_letters_failed} dead letter(s) naming the address were not deleted: run erase "
                    "again", EXIT_PROBLEM)
