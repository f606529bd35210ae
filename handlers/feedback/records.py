"""DynamoDB adapter of the deliveries table: find an event's item, apply its transition atomically.

Per event: one consistent GetItem, then (unless the event adds nothing: a redelivery, or a Send
event confirming the sender's record) one UpdateItem conditioned on the `version` and `status`
that were read (so neither a concurrent feedback invocation nor the sender can be overwritten);
on a lost race the item is read again and the pure `transition` recomputed. A GSI query
(`bySesMessageId`, KEYS_ONLY) is added only for events without our tags.

Status-change events that could not be published are parked on the item (`pendingEvents`, JSON
strings) by `hold_pending`; the next time the item is touched (normally the SQS retry of the same
record, which is otherwise a duplicate) they are handed back for publishing and removed in the
same conditional write.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from handlers.feedback.events import FeedbackEvent
from handlers.feedback.status_events import status_changed_detail
from handlers.feedback.transitions import StatusChange, transition
from handlers.shared.schema import KIND, MESSAGE_ID_INDEX, ORDER_ID, SES_MESSAGE_ID

VERSION = "version"
PENDING = "pendingEvents"
_ATTEMPTS = 5

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


class ConcurrentUpdateError(RuntimeError):
    """The item kept changing between read and write: retry the record later."""


@dataclass(frozen=True)
class Applied:
    duplicate: bool
    status_change: StatusChange | None = None
    item: dict[str, Any] = field(default_factory=dict)
    """The item as written (for logging: key and status)."""
    details: list[dict[str, Any]] = field(default_factory=list)
    """Status-change event details to publish: this change, plus any parked ones."""


class DeliveryRecords:
    def __init__(self, dynamodb: Any, table: str, *, history_limit: int):
        self._db = dynamodb
        self._table = table
        self._history_limit = history_limit

    def key_by_message_id(self, message_id: str) -> tuple[str, str] | None:
        """The delivery key for an SES message id, from the KEYS_ONLY GSI."""
        answer = self._db.query(
            TableName=self._table,
            IndexName=MESSAGE_ID_INDEX,
            Limit=1,
            KeyConditionExpression="#id = :id",
            ExpressionAttributeNames={"#id": SES_MESSAGE_ID},
            ExpressionAttributeValues={":id": {"S": message_id}},
        )
        items = answer.get("Items") or []
        if not items:
            return None
        return items[0][ORDER_ID]["S"], items[0][KIND]["S"]

    def apply(self, key: tuple[str, str], event: FeedbackEvent, clock: Callable[[], datetime]) -> Applied | None:
        """Apply `event` to the item at `key`; None if there is no such item."""
        for _ in range(_ATTEMPTS):
            stored = self._db.get_item(TableName=self._table, Key=_key(key), ConsistentRead=True).get("Item")
            if stored is None:
                return None
            item = {name: _deserializer.deserialize(value) for name, value in stored.items()}
            now = clock()
            result = transition(item, event, history_limit=self._history_limit, now=now)
            parked = [json.loads(text) for text in item.get(PENDING) or []]
            if result.duplicate and not parked:
                return Applied(duplicate=True, item=item)
            written = item | result.changes
            details = list(parked)
            if result.status_change is not None:
                details.append(status_changed_detail(written, event, result.status_change, now))
            if self._write(key, item, result.changes, drop_parked=bool(parked)):
                return Applied(result.duplicate, result.status_change, written, details)
        raise ConcurrentUpdateError(f"delivery {key[0]}/{key[1]} changed {_ATTEMPTS} times while applying an event")

    def hold_pending(self, key: tuple[str, str], details: list[dict[str, Any]]) -> None:
        """Park unpublished status-change events on the item, for the record's retry to publish."""
        self._db.update_item(
            TableName=self._table,
            Key=_key(key),
            UpdateExpression="SET #p = list_append(if_not_exists(#p, :empty), :new), "
            "#v = if_not_exists(#v, :zero) + :one",
            ConditionExpression="attribute_exists(#order)",
            ExpressionAttributeNames={"#p": PENDING, "#v": VERSION, "#order": ORDER_ID},
            ExpressionAttributeValues={
                ":empty": {"L": []},
                ":zero": {"N": "0"},
                ":one": {"N": "1"},
                ":new": {"L": [{"S": json.dumps(detail, separators=(",", ":"))} for detail in details]},
            },
        )

    def _write(self, key: tuple[str, str], item: dict[str, Any], changes: dict[str, Any], *, drop_parked: bool) -> bool:
        """Conditional on the version and status read; False if someone else wrote first."""
        names = {"#order": ORDER_ID, "#v": VERSION, "#status": "status"}
        values: dict[str, Any] = {":next": {"N": str(int(item.get(VERSION) or 0) + 1)}}
        assignments = ["#v = :next"]
        for index, (name, value) in enumerate(changes.items()):
            names[f"#a{index}"] = name
            values[f":a{index}"] = _serializer.serialize(value)
            assignments.append(f"#a{index} = :a{index}")
        conditions = ["attribute_exists(#order)"]
        if VERSION in item:
            conditions.append("#v = :version")
            values[":version"] = _serializer.serialize(item[VERSION])
        else:
            conditions.append("attribute_not_exists(#v)")
        if "status" in item:
            conditions.append("#status = :read_status")
            values[":read_status"] = _serializer.serialize(item["status"])
        else:
            conditions.append("attribute_not_exists(#status)")
        expression = "SET " + ", ".join(assignments)
        if drop_parked:
            names["#p"] = PENDING
            expression += " REMOVE #p"
        try:
            self._db.update_item(
                TableName=self._table,
                Key=_key(key),
                UpdateExpression=expression,
                ConditionExpression=" AND ".join(conditions),
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True


def _key(key: tuple[str, str]) -> dict[str, Any]:
    return {ORDER_ID: {"S": key[0]}, KIND: {"S": key[1]}}
