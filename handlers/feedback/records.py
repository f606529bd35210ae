"""DynamoDB adapter of the deliveries table: find an event's item, apply its transition atomically.

Per event: one consistent GetItem, then (unless the event adds nothing: a redelivery, or a Send
event confirming the sender's record) one UpdateItem conditioned on the `version` and `status`
that were read (so neither a concurrent feedback invocation nor the sender can be overwritten);
on a lost race the item is read again and the pure `transition` recomputed. A GSI query
(`bySesMessageId`, KEYS_ONLY) is added only for events whose tags name no record of theirs.

Only the record whose message id the event carries changes (`attribution`): an event for another
message — another app on the configuration set, an older message of a resent order — leaves the
record as it was. A status change is stamped on the item in the same write (`outbox`), which is
how it reaches the status bus: nothing is published from here, so nothing can be lost after it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from ..shared.schema import KIND, MESSAGE_ID_INDEX, ORDER_ID, SES_MESSAGE_ID
from .attribution import Attribution, attribute
from .events import FeedbackEvent
from .transitions import StatusChange, transition

VERSION = "version"
_ATTEMPTS = 5

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


class ConcurrentUpdateError(RuntimeError):
    """The item kept changing between read and write: retry the record later."""


class AwaitingClaim(RuntimeError):
    """A crashed send's event for an item whose claim is still live: retry the record later."""


@dataclass(frozen=True)
class Applied:
    duplicate: bool
    status_change: StatusChange | None = None
    item: dict[str, Any] = field(default_factory=dict)
    """The item as written (for logging: key and status)."""
    attribution: Attribution = Attribution.OURS


class FeedbackRecords:
    def __init__(self, dynamodb: Any, table: str, *, history_limit: int, configuration_set: str):
        self._db = dynamodb
        self._table = table
        self._history_limit = history_limit
        self._configuration_set = configuration_set

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
        """Apply `event` to the item at `key` if it is the item's message; None if there is no such item."""
        for _ in range(_ATTEMPTS):
            stored = self._db.get_item(TableName=self._table, Key=_key(key), ConsistentRead=True).get("Item")
            if stored is None:
                return None
            item = {name: _deserializer.deserialize(value) for name, value in stored.items()}
            now = clock()
            verdict = attribute(item, event, configuration_set=self._configuration_set, now=now)
            if verdict is Attribution.FOREIGN:
                return Applied(duplicate=True, item=item, attribution=verdict)
            if verdict is Attribution.WAIT:
                raise AwaitingClaim(f"delivery {key[0]}/{key[1]} is claimed: its sender may still record its message")
            result = transition(item, event, history_limit=self._history_limit, now=now)
            if result.duplicate:
                return Applied(duplicate=True, item=item, attribution=verdict)
            if self._write(key, item, result.changes):
                return Applied(False, result.status_change, item | result.changes, verdict)
        raise ConcurrentUpdateError(f"delivery {key[0]}/{key[1]} changed {_ATTEMPTS} times while applying an event")

    def _write(self, key: tuple[str, str], item: dict[str, Any], changes: dict[str, Any]) -> bool:
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
