"""`erase ADDRESS`: the right to erasure over the delivery records and the suppression list.

Delivery records lose every trace of the address (recipient, deliveredTo, recipientHash, addresses
quoted in history or status reason) but keep their status, so sending statistics stay right. A
suppression that protects our sender reputation (BOUNCE, COMPLAINT) or honours a block (MANUAL) is
kept — by hash only, without the masked address — and one is created when the records show a hard
bounce or complaint that was never suppressed; temporary soft-bounce suppressions and counters go.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from handlers.shared import schema
from handlers.shared.masking import address_hash, mask_address
from handlers.shared.statuses import Status
from handlers.status_api.views import scrub_addresses
from order_email_cli import common
from order_email_cli.common import EXIT_PROBLEM, EXIT_USAGE, Endpoint, JsonFlag, StackName, YesFlag

ERASED = "erased"
KEPT_REASONS = frozenset({"BOUNCE", "COMPLAINT", "MANUAL", "ERASURE"})
"""Suppressions that outlive an erasure (by hash only): they protect reputation or honour a block."""
_deserializer, _serializer = TypeDeserializer(), TypeSerializer()


@dataclass
class ErasureReport:
    records_found: int = 0
    records_anonymised: int = 0
    records_gone: int = 0
    """Matched by the scan but deleted (TTL) or changed before the update."""
    suppression: str = "none"
    """What happened to the suppression entry: kept, created, deleted or none."""
    suppression_reason: str | None = None
    orders: list[str] = field(default_factory=list)


def suppression_action(entry: dict[str, Any] | None, statuses: set[str], now: float) -> tuple[str, str | None]:
    """(action, reason): keep an active reputation/block entry, create one the records call for, or delete."""
    active = entry is not None and (entry.get(schema.EXPIRES_AT) is None or int(entry[schema.EXPIRES_AT]) > now)
    if entry is not None and active and entry.get("reason") in KEPT_REASONS:
        return "kept", str(entry["reason"])
    if Status.COMPLAINED in statuses:
        return "created", "COMPLAINT"
    if Status.BOUNCED in statuses:
        return "created", "BOUNCE"
    return ("deleted", str(entry.get("reason"))) if entry is not None else ("none", None)


def find_records(dynamodb: Any, table: str, hashed: str) -> list[dict[str, Any]]:
    """Every delivery item of the address (a paginated Scan: erasure is rare, an index would cost always)."""
    found = []
    pages = dynamodb.get_paginator("scan").paginate(
        TableName=table, FilterExpression="recipientHash = :hash",
        ProjectionExpression="#order, #kind, #status, history, statusReason",
        ExpressionAttributeNames={"#order": schema.ORDER_ID, "#kind": schema.KIND, "#status": "status"},
        ExpressionAttributeValues={":hash": {"S": hashed}})
    for page in pages:
        found += [{key: _deserializer.deserialize(value) for key, value in raw.items()} for raw in page["Items"]]
    return found


def anonymise(dynamodb: Any, table: str, record: dict[str, Any], hashed: str, now: str) -> bool:
    """Strip the address from one record; False when the record is gone or no longer this address's."""
    sets = ["recipientMasked = :erased", "erasedAt = :now"]
    values: dict[str, Any] = {":erased": {"S": ERASED}, ":now": {"S": now}, ":hash": {"S": hashed}}
    for name in ("history", "statusReason"):
        if record.get(name):
            sets.append(f"{name} = :{name}")
            values[f":{name}"] = _serializer.serialize(scrub_addresses(record[name], lambda _: f"[{ERASED}]"))
    try:
        dynamodb.update_item(
            TableName=table,
            Key={schema.ORDER_ID: {"S": record[schema.ORDER_ID]}, schema.KIND: {"S": record[schema.KIND]}},
            UpdateExpression="REMOVE recipient, deliveredTo, recipientHash SET " + ", ".join(sets),
            ConditionExpression="recipientHash = :hash",
            ExpressionAttributeValues=values,
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


def erase(
    address: Annotated[str, typer.Argument(help="The address to erase (never printed in full).")],
    table: Annotated[str | None, typer.Option("--table", help="Deliveries table.")] = None,
    suppression_table: Annotated[str | None, typer.Option("--suppression-table", help="Suppression table.")] = None,
    stack: StackName = "dev",
    endpoint: Endpoint = None,
    yes: YesFlag = False,
    json_output: JsonFlag = False,
) -> None:
    """Erase an address from the delivery records (status kept) and the suppression list (hash kept if needed).

    Records: recipient, deliveredTo and recipientHash removed, recipientMasked set to "erased", addresses
    in history/statusReason replaced. Suppression: BOUNCE/COMPLAINT/MANUAL entries are kept by hash only
    (masked address removed); one is created if the records show a hard bounce or complaint; soft-bounce
    entries and counters are deleted. Asks first unless --yes; exit 1 if declined.
    """
    if "@" not in address:
        common.fail("not an e-mail address", EXIT_USAGE)
    hashed = address_hash(address)
    deliveries = common.table_name(table, stack, "deliveriesTableName")
    suppression = common.table_name(suppression_table, stack, "suppressionTableName", "--suppression-table")
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
        question = (f"Erase {mask_address(address)} from {len(records)} delivery record(s); suppression entry: "
                    f"{action}{f' ({reason})' if reason else ''}. Continue?")
        if not yes and not typer.confirm(question):
            common.fail("erasure cancelled", EXIT_PROBLEM)
        for record in records:
            if anonymise(dynamodb, deliveries, record, hashed, now):
                report.records_anonymised += 1
            else:
                report.records_gone += 1
        update_suppression(dynamodb, suppression, hashed, action, reason, now)
    if json_output:
        common.print_json(vars(report))
        return
    common.console.print(f"records found: {report.records_found}, anonymised: {report.records_anonymised}, "
                         f"gone meanwhile: {report.records_gone}; suppression entry: {report.suppression}"
                         f"{f' ({report.suppression_reason})' if report.suppression_reason else ''}")
