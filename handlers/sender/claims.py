"""The sender's writes to the deliveries table: claim, record, release, fail, suppress.

One conditional UpdateItem each, no reads: a failed claim returns the existing item
(`ReturnValuesOnConditionCheckFailure=ALL_OLD`), so deciding "duplicate or crash?" costs no extra
round trip. Every status write also sets the `recentByStatus` index keys.

History stays bounded without a read: the sender appends at most two entries per attempt
(Claimed, then Sent/Released/Failed), attempts are bounded by the send queue's maxReceiveCount,
and the feedback path trims the list when it appends its own events.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from handlers.sender.leases import Verdict, judge_existing
from handlers.shared import schema
from handlers.shared.masking import address_hash, mask_address
from handlers.shared.statuses import RANK, Status

_NAMES = {
    "#status": "status",
    "#rank": "statusRank",
    "#attempts": "attempts",
    "#lease": "leaseExpiresAt",
    "#messageId": schema.SES_MESSAGE_ID,
    "#history": "history",
    "#updated": "lastUpdated",
    "#shard": schema.STATUS_SHARD,
    "#sortKey": schema.STATUS_SORT_KEY,
    "#reason": "statusReason",
    "#orderId": schema.ORDER_ID,
}

CLAIMABLE = (
    "attribute_not_exists(#orderId) OR attribute_not_exists(#rank) OR "
    "(#rank < :sentRank AND attribute_not_exists(#messageId) AND #lease < :graceCutoff)"
)
"""DynamoDB's form of `leases.judge_existing(...) is CLAIMABLE`: new, reset by an operator's
`order-email resend` (no status left), or a dead claim past its grace."""

REASON_LIMIT = 500


@dataclass(frozen=True)
class Claim:
    verdict: Verdict
    attempt: int = 0
    existing_message_id: str | None = None


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _n(value: int) -> dict[str, str]:
    return {"N": str(value)}


def _plain(attribute: dict[str, Any]) -> Any:
    if "S" in attribute:
        return attribute["S"]
    if "N" in attribute:
        return int(float(attribute["N"]))
    return None


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def _entry(kind: str, at: str, entry_id: str) -> dict[str, Any]:
    return {"L": [{"M": {"type": _s(kind), "at": _s(at), "id": _s(entry_id)}}]}


@functools.cache
def _names_used(expression: str, condition: str) -> tuple[tuple[str, str], ...]:
    """The `#name` placeholders an update uses (expressions are a handful of constants: cached)."""
    return tuple((name, path) for name, path in _NAMES.items() if name in expression or name in condition)


def _conditional_failure(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class DeliveryRecords:
    """Adapter over the deliveries table for the send path (low-level client: no resource overhead)."""

    def __init__(self, dynamodb: Any, table: str, *, retention_days: int, lease_seconds: int,
                 grace_seconds: int):
        self._dynamodb = dynamodb
        self._table = table
        self._retention = timedelta(days=retention_days)
        self._lease_seconds = lease_seconds
        self._grace_seconds = grace_seconds

    def _key(self, order_id: str) -> dict[str, Any]:
        return {schema.ORDER_ID: _s(order_id), schema.KIND: _s(schema.ORDER_CONFIRMATION)}

    def _status_values(self, status: Status, now: datetime, order_id: str) -> dict[str, Any]:
        keys = schema.status_index_keys(status, now, order_id, schema.ORDER_CONFIRMATION)
        # the sort key starts with iso(now): reuse it rather than formatting the time again
        now_iso = keys[schema.STATUS_SORT_KEY].partition("#")[0]
        return {
            ":status": _s(status),
            ":rank": _n(RANK[status]),
            ":shard": _s(keys[schema.STATUS_SHARD]),
            ":sortKey": _s(keys[schema.STATUS_SORT_KEY]),
            ":now": _s(now_iso),
        }

    def _update(self, order_id: str, expression: str, condition: str, values: dict[str, Any],
                **extra: Any) -> Any:
        return self._dynamodb.update_item(
            TableName=self._table,
            Key=self._key(order_id),
            UpdateExpression=expression,
            ConditionExpression=condition,
            ExpressionAttributeNames=dict(_names_used(expression, condition)),
            ExpressionAttributeValues=values,
            **extra,
        )

    def _new_item_values(self, recipient: str, order_timestamp: datetime, now: datetime) -> dict[str, Any]:
        return {
            ":recipient": _s(recipient),
            ":recipientHash": _s(address_hash(recipient)),
            ":recipientMasked": _s(mask_address(recipient)),
            ":orderTimestamp": _s(schema.iso(order_timestamp)),
            ":expiresAt": _n(_epoch(now + self._retention)),
            ":empty": {"L": []},
            ":sentRank": _n(RANK[Status.SENT]),
            ":graceCutoff": _n(_epoch(now) - self._grace_seconds),
        }

    _NEW_ITEM_SETS = (
        "#status = :status, #rank = :rank, #updated = :now, #shard = :shard, #sortKey = :sortKey, "
        "recipient = :recipient, recipientHash = :recipientHash, recipientMasked = :recipientMasked, "
        "orderTimestamp = :orderTimestamp, createdAt = if_not_exists(createdAt, :now), "
        f"{schema.EXPIRES_AT} = :expiresAt, #history = list_append(if_not_exists(#history, :empty), :entry)"
    )

    def claim(self, order_id: str, recipient: str, delivered_to: str, order_timestamp: datetime,
              now: datetime) -> Claim:
        """Step 1 of DESIGN §3: SENDING + lease + attempts+1, or the verdict on the existing item."""
        values = self._status_values(Status.SENDING, now, order_id) | self._new_item_values(
            recipient, order_timestamp, now
        )
        values |= {
            ":deliveredTo": _s(delivered_to),
            ":lease": _n(_epoch(now) + self._lease_seconds),
            ":zero": _n(0),
            ":one": _n(1),
            ":entry": _entry("Claimed", values[":now"]["S"], "claim"),
        }
        try:
            answer = self._update(
                order_id,
                f"SET {self._NEW_ITEM_SETS}, deliveredTo = :deliveredTo, #lease = :lease, "
                "#attempts = if_not_exists(#attempts, :zero) + :one REMOVE #reason",
                CLAIMABLE,
                values,
                ReturnValues="UPDATED_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if not _conditional_failure(error):
                raise
            old: dict[str, Any] = dict(error.response.get("Item") or {})  # type: ignore[call-overload]
            existing = {name: _plain(value) for name, value in old.items()}
            verdict = judge_existing(existing or None, _epoch(now), self._grace_seconds)
            # CLAIMABLE here means the item changed between DynamoDB's check and ours: try again later
            return Claim(
                verdict=Verdict.BUSY if verdict is Verdict.CLAIMABLE else verdict,
                existing_message_id=existing.get(schema.SES_MESSAGE_ID),
            )
        return Claim(Verdict.CLAIMABLE, attempt=int(answer["Attributes"]["attempts"]["N"]))

    def record_sent(self, order_id: str, message_id: str, now: datetime) -> None:
        """Step 3: SENT + message id, never lowering a status the feedback path already raised."""
        values = self._status_values(Status.SENT, now, order_id)
        values |= {
            ":messageId": _s(message_id),
            ":entry": _entry("Sent", values[":now"]["S"], message_id),
            ":empty": {"L": []},
        }
        try:
            self._update(
                order_id,
                "SET #status = :status, #rank = :rank, #messageId = :messageId, sentAt = :now, "
                "#updated = :now, #shard = :shard, #sortKey = :sortKey, "
                "#history = list_append(if_not_exists(#history, :empty), :entry)",
                "attribute_exists(#orderId) AND #rank < :rank",
                values,
            )
        except ClientError as error:
            if not _conditional_failure(error):
                raise
            # a later status is already there: keep it, add only what it may lack
            self._update(
                order_id,
                "SET #messageId = if_not_exists(#messageId, :messageId), "
                "sentAt = if_not_exists(sentAt, :now), #updated = :now",
                "attribute_exists(#orderId)",
                {":messageId": _s(message_id), ":now": _s(schema.iso(now))},
            )

    def mark_sent_from_event(self, order_id: str, message_id: str, now: datetime) -> None:
        """A dead worker's e-mail whose Send event recorded the id: SENDING → SENT, nothing re-sent."""
        values = self._status_values(Status.SENT, now, order_id) | {":messageId": _s(message_id)}
        try:
            self._update(
                order_id,
                "SET #status = :status, #rank = :rank, #updated = :now, #shard = :shard, #sortKey = :sortKey",
                "#rank < :rank AND #messageId = :messageId",
                values,
            )
        except ClientError as error:
            if not _conditional_failure(error):
                raise

    def release(self, order_id: str, attempt: int, now: datetime, reason: str) -> None:
        """SES certainly did not accept: end the lease now so the retry can claim at once."""
        self._finish_attempt(
            order_id, attempt, now, "Released", reason,
            "SET #lease = :zero, #updated = :now, #reason = :reason, "
            "#history = list_append(if_not_exists(#history, :empty), :entry)",
            {":zero": _n(0)},
        )

    def fail(self, order_id: str, attempt: int, now: datetime, reason: str) -> None:
        """SES refused for good (permanent error): FAILED with the reason; the message is acknowledged."""
        self._finish_attempt(
            order_id, attempt, now, "Failed", reason,
            "SET #status = :failed, #rank = :failedRank, #shard = :shard, #sortKey = :sortKey, "
            "#updated = :now, #reason = :reason, "
            "#history = list_append(if_not_exists(#history, :empty), :entry)",
            self._failed_values(order_id, now),
        )

    def _failed_values(self, order_id: str, now: datetime) -> dict[str, Any]:
        values = self._status_values(Status.FAILED, now, order_id)
        return {":failed": values[":status"], ":failedRank": values[":rank"], ":shard": values[":shard"],
                ":sortKey": values[":sortKey"]}

    def _finish_attempt(self, order_id: str, attempt: int, now: datetime, kind: str, reason: str,
                        expression: str, extra_values: dict[str, Any]) -> None:
        values = {
            ":sending": _s(Status.SENDING),
            ":attempt": _n(attempt),
            ":now": _s(schema.iso(now)),
            ":reason": _s(reason[:REASON_LIMIT] or "unknown"),
            ":empty": {"L": []},
            ":entry": _entry(kind, schema.iso(now), f"attempt-{attempt}"),
        } | extra_values
        try:
            self._update(order_id, expression, "#status = :sending AND #attempts = :attempt", values)
        except ClientError as error:
            if not _conditional_failure(error):
                raise
            # someone else's claim by now: theirs to finish

    def suppress(self, order_id: str, recipient: str, order_timestamp: datetime, now: datetime,
                 reason: str) -> bool:
        """SUPPRESSED, nothing sent. False when the item already exists (another outcome stands)."""
        values = self._status_values(Status.SUPPRESSED, now, order_id) | self._new_item_values(
            recipient, order_timestamp, now
        )
        values |= {":reason": _s(reason), ":entry": _entry("Suppressed", schema.iso(now), "suppression")}
        try:
            self._update(order_id, f"SET {self._NEW_ITEM_SETS}, #reason = :reason", CLAIMABLE, values)
        except ClientError as error:
            if not _conditional_failure(error):
                raise
            return False
        return True
