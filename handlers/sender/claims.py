"""The sender's writes to the deliveries table: claim, record, release, fail, suppress.

One conditional UpdateItem each, no reads: a failed claim returns the existing item
(`ReturnValuesOnConditionCheckFailure=ALL_OLD`), so deciding "duplicate or crash?" costs no extra
round trip. Every status write also sets the `recentByStatus` index keys.

History stays bounded without a read: the claim's answer (`UPDATED_NEW`) already holds the
history, so an attempt that ends without a send (released, held) writes that history back with its
own entry, trimmed to the newest `HISTORY_LIMIT` entries: an order held for days, claimed again
every few minutes, keeps a small item (at most `HISTORY_LIMIT` + the last attempt's Claimed and
Sent). A send or a failure appends one entry and ends the attempts; the feedback path trims the
list when it appends its own events.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from botocore.exceptions import ClientError

from ..shared import schema
from ..shared.masking import address_hash, mask_address
from ..shared.statuses import RANK, EmailStatus
from .leases import LeaseVerdict, judge_existing

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
    "#keptOrder": schema.ORDER,
}

CLAIMABLE = (
    "attribute_not_exists(#orderId) OR attribute_not_exists(#rank) OR "
    "(#rank < :sentRank AND attribute_not_exists(#messageId) AND #lease < :graceCutoff)"
)
"""DynamoDB's form of `leases.judge_existing(...) is CLAIMABLE`: new, reset by an operator's
`order-email resend` (no status left), or a dead claim past its grace."""

REASON_LIMIT = 500


class DeliveryKey(NamedTuple):
    """A delivery record's key: the order and the e-mail kind (the table's partition and sort key)."""

    order_id: str
    kind: str


@dataclass(frozen=True)
class Claim:
    verdict: LeaseVerdict
    attempt: int = 0
    existing_message_id: str | None = None
    history: tuple[dict[str, Any], ...] = ()
    """The item's history after the claim (DynamoDB-typed entries), for `release` and `hold`."""
    wait_seconds: int | None = None
    """For BUSY and WAIT_FOR_SEND_EVENT: seconds until the item may be claimed (lease, then grace)."""


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


def _entry_value(kind: str, at: str, entry_id: str) -> dict[str, Any]:
    return {"M": {"type": _s(kind), "at": _s(at), "id": _s(entry_id)}}


def _entry(kind: str, at: str, entry_id: str) -> dict[str, Any]:
    return {"L": [_entry_value(kind, at, entry_id)]}


def trimmed_history(history: tuple[dict[str, Any], ...], entry: dict[str, Any]) -> dict[str, Any]:
    """`history` + `entry`, the newest `HISTORY_LIMIT` kept (DynamoDB-typed, pure)."""
    return {"L": [*history, entry][-schema.HISTORY_LIMIT:]}


def claimable_in(item: dict[str, Any], verdict: LeaseVerdict, now: int, grace_seconds: int) -> int | None:
    """Seconds until a BUSY item's lease, or a WAIT_FOR_SEND_EVENT item's grace, is over (pure)."""
    lease = int(item.get("leaseExpiresAt") or 0)
    if verdict is LeaseVerdict.BUSY:
        return max(1, lease - now + 1)
    if verdict is LeaseVerdict.WAIT_FOR_SEND_EVENT:
        return max(1, lease + grace_seconds - now + 1)
    return None


@functools.cache
def _names_used(expression: str, condition: str) -> tuple[tuple[str, str], ...]:
    """The `#name` placeholders an update uses (expressions are a handful of constants: cached)."""
    return tuple((name, path) for name, path in _NAMES.items() if name in expression or name in condition)


def _order_set(values: dict[str, Any]) -> str:
    """The SET clause that keeps the order (`stored_order`) on the record, when there is one to keep."""
    return ", #keptOrder = :order" if ":order" in values else ""


def _conditional_failure(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class ClaimStore:
    """Adapter over the deliveries table for the send path (low-level client: no resource overhead).

    Every write names its record by `DeliveryKey`: each kind of an order's e-mail is claimed, sent
    and recorded on its own."""

    def __init__(self, dynamodb: Any, table: str, *, retention_days: int, lease_seconds: int,
                 grace_seconds: int):
        self._dynamodb = dynamodb
        self._table = table
        self._retention = timedelta(days=retention_days)
        self._lease_seconds = lease_seconds
        self._grace_seconds = grace_seconds

    def _key(self, key: DeliveryKey) -> dict[str, Any]:
        return {schema.ORDER_ID: _s(key.order_id), schema.KIND: _s(key.kind)}

    def _status_values(self, status: EmailStatus, now: datetime, key: DeliveryKey) -> dict[str, Any]:
        keys = schema.status_index_keys(status, now, key.order_id, key.kind)
        # the sort key starts with iso(now): reuse it rather than formatting the time again
        now_iso = keys[schema.STATUS_SORT_KEY].partition("#")[0]
        return {
            ":status": _s(status),
            ":rank": _n(RANK[status]),
            ":shard": _s(keys[schema.STATUS_SHARD]),
            ":sortKey": _s(keys[schema.STATUS_SORT_KEY]),
            ":now": _s(now_iso),
        }

    def _update(self, key: DeliveryKey, expression: str, condition: str, values: dict[str, Any],
                **extra: Any) -> Any:
        return self._dynamodb.update_item(
            TableName=self._table,
            Key=self._key(key),
            UpdateExpression=expression,
            ConditionExpression=condition,
            ExpressionAttributeNames=dict(_names_used(expression, condition)),
            ExpressionAttributeValues=values,
            **extra,
        )

    def _new_item_values(self, recipient: str, order_timestamp: datetime, now: datetime,
                         order: dict[str, Any] | None) -> dict[str, Any]:
        values = {
            ":recipient": _s(recipient),
            ":recipientHash": _s(address_hash(recipient)),
            ":recipientMasked": _s(mask_address(recipient)),
            ":orderTimestamp": _s(schema.iso(order_timestamp)),
            ":expiresAt": _n(_epoch(now + self._retention)),
            ":empty": {"L": []},
            ":sentRank": _n(RANK[EmailStatus.SENT]),
            ":graceCutoff": _n(_epoch(now) - self._grace_seconds),
        }
        return values | {":order": order} if order is not None else values

    _NEW_ITEM_SETS = (
        "#status = :status, #rank = :rank, #updated = :now, #shard = :shard, #sortKey = :sortKey, "
        "recipient = :recipient, recipientHash = :recipientHash, recipientMasked = :recipientMasked, "
        "orderTimestamp = :orderTimestamp, createdAt = if_not_exists(createdAt, :now), "
        f"{schema.EXPIRES_AT} = :expiresAt, #history = list_append(if_not_exists(#history, :empty), :entry)"
    )

    def claim(self, key: DeliveryKey, recipient: str, delivered_to: str, order_timestamp: datetime,
              now: datetime, order: dict[str, Any] | None = None) -> Claim:
        """Step 1 of docs/architecture.md §3.2: SENDING + lease + attempts+1, or the verdict on the existing item.

        `order` is the `stored_order` map written with the claim (same UpdateItem: no extra call).
        """
        values = self._status_values(EmailStatus.SENDING, now, key) | self._new_item_values(
            recipient, order_timestamp, now, order
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
                key,
                f"SET {self._NEW_ITEM_SETS}{_order_set(values)}, deliveredTo = :deliveredTo, #lease = :lease, "
                "#attempts = if_not_exists(#attempts, :zero) + :one REMOVE #reason",
                CLAIMABLE,
                values,
                ReturnValues="UPDATED_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if not _conditional_failure(error):
                raise
            return self._refused(error, now)
        attributes = answer["Attributes"]
        return Claim(LeaseVerdict.CLAIMABLE, attempt=int(attributes["attempts"]["N"]),
                     history=tuple(attributes.get("history", {}).get("L", [])))

    def _refused(self, error: ClientError, now: datetime) -> Claim:
        """The verdict on the item that failed a claim-like condition (returned as ALL_OLD)."""
        old: dict[str, Any] = dict(error.response.get("Item") or {})  # type: ignore[call-overload]
        existing = {name: _plain(value) for name, value in old.items()}
        verdict = judge_existing(existing or None, _epoch(now), self._grace_seconds)
        # CLAIMABLE here means the item changed between DynamoDB's check and ours: try again later
        verdict = LeaseVerdict.BUSY if verdict is LeaseVerdict.CLAIMABLE else verdict
        return Claim(verdict=verdict, existing_message_id=existing.get(schema.SES_MESSAGE_ID),
                     wait_seconds=claimable_in(existing, verdict, _epoch(now), self._grace_seconds))

    def record_sent(self, key: DeliveryKey, message_id: str, now: datetime) -> None:
        """Step 3: SENT + message id, never lowering a status the feedback path already raised."""
        values = self._status_values(EmailStatus.SENT, now, key)
        values |= {
            ":messageId": _s(message_id),
            ":entry": _entry("Sent", values[":now"]["S"], message_id),
            ":empty": {"L": []},
        }
        try:
            self._update(
                key,
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
                key,
                "SET #messageId = if_not_exists(#messageId, :messageId), "
                "sentAt = if_not_exists(sentAt, :now), #updated = :now",
                "attribute_exists(#orderId)",
                {":messageId": _s(message_id), ":now": _s(schema.iso(now))},
            )

    def mark_sent_from_event(self, key: DeliveryKey, message_id: str, now: datetime) -> None:
        """A dead worker's e-mail whose Send event recorded the id: SENDING → SENT, nothing re-sent."""
        values = self._status_values(EmailStatus.SENT, now, key) | {":messageId": _s(message_id)}
        try:
            self._update(
                key,
                "SET #status = :status, #rank = :rank, #updated = :now, #shard = :shard, #sortKey = :sortKey",
                "#rank < :rank AND #messageId = :messageId",
                values,
            )
        except ClientError as error:
            if not _conditional_failure(error):
                raise

    def release(self, key: DeliveryKey, claim: Claim, now: datetime, reason: str) -> None:
        """SES certainly did not accept: end the lease now so the retry can claim at once."""
        self._finish_attempt(
            key, claim.attempt, now, "Released", reason,
            "SET #lease = :zero, #updated = :now, #reason = :reason, #history = :history",
            {":zero": _n(0)}, claim.history,
        )

    def hold(self, key: DeliveryKey, claim: Claim, now: datetime, reason: str) -> None:
        """An account or stack refusal: HELD with the reason, the lease released for the next try."""
        values = self._status_values(EmailStatus.HELD, now, key)
        self._finish_attempt(
            key, claim.attempt, now, "Held", reason,
            "SET #status = :held, #rank = :heldRank, #shard = :shard, #sortKey = :sortKey, #lease = :zero, "
            "#updated = :now, #reason = :reason, #history = :history, heldSince = if_not_exists(heldSince, :now)",
            {":held": values[":status"], ":heldRank": values[":rank"], ":shard": values[":shard"],
             ":sortKey": values[":sortKey"], ":zero": _n(0)},
            claim.history,
        )

    def mark_held(self, key: DeliveryKey, recipient: str, delivered_to: str, order_timestamp: datetime,
                  now: datetime, reason: str, order: dict[str, Any] | None = None) -> Claim:
        """HELD without an attempt: the rest of a batch whose first order the account refused.

        Conditional like a claim, with the same verdict when the item is not claimable (a duplicate,
        a live claim elsewhere); no history entry, so however often an order waits untried, its item
        does not grow. CLAIMABLE means it was marked held.
        """
        values = self._status_values(EmailStatus.HELD, now, key) | self._new_item_values(
            recipient, order_timestamp, now, order)
        values |= {":deliveredTo": _s(delivered_to), ":zero": _n(0), ":reason": _s(reason[:REASON_LIMIT])}
        del values[":empty"]
        try:
            self._update(
                key,
                "SET #status = :status, #rank = :rank, #updated = :now, #shard = :shard, #sortKey = :sortKey, "
                "recipient = :recipient, recipientHash = :recipientHash, recipientMasked = :recipientMasked, "
                "orderTimestamp = :orderTimestamp, createdAt = if_not_exists(createdAt, :now), "
                f"{schema.EXPIRES_AT} = :expiresAt, deliveredTo = :deliveredTo, #lease = :zero, "
                "#reason = :reason, heldSince = if_not_exists(heldSince, :now)"
                + _order_set(values),
                CLAIMABLE,
                values,
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if not _conditional_failure(error):
                raise
            return self._refused(error, now)
        return Claim(LeaseVerdict.CLAIMABLE)

    def fail(self, key: DeliveryKey, claim: Claim, now: datetime, reason: str) -> None:
        """SES refused this order for good: FAILED with the reason; the message is acknowledged."""
        self._finish_attempt(
            key, claim.attempt, now, "Failed", reason,
            "SET #status = :failed, #rank = :failedRank, #shard = :shard, #sortKey = :sortKey, "
            "#updated = :now, #reason = :reason, #history = :history",
            self._failed_values(key, now), claim.history,
        )

    def _failed_values(self, key: DeliveryKey, now: datetime) -> dict[str, Any]:
        values = self._status_values(EmailStatus.FAILED, now, key)
        return {":failed": values[":status"], ":failedRank": values[":rank"], ":shard": values[":shard"],
                ":sortKey": values[":sortKey"]}

    def _finish_attempt(self, key: DeliveryKey, attempt: int, now: datetime, entry_type: str, reason: str,
                        expression: str, extra_values: dict[str, Any], history: tuple[dict[str, Any], ...]) -> None:
        now_iso = schema.iso(now)
        values = {
            ":sending": _s(EmailStatus.SENDING),
            ":attempt": _n(attempt),
            ":now": _s(now_iso),
            ":reason": _s(reason[:REASON_LIMIT] or "unknown"),
            ":history": trimmed_history(history, _entry_value(entry_type, now_iso, f"attempt-{attempt}")),
        } | extra_values
        try:
            self._update(key, expression, "#status = :sending AND #attempts = :attempt", values)
        except ClientError as error:
            if not _conditional_failure(error):
                raise
            # someone else's claim by now: theirs to finish

    def suppress(self, key: DeliveryKey, recipient: str, order_timestamp: datetime, now: datetime,
                 reason: str, order: dict[str, Any] | None = None) -> bool:
        """SUPPRESSED, nothing sent. False when the item already exists (another outcome stands)."""
        values = self._status_values(EmailStatus.SUPPRESSED, now, key) | self._new_item_values(
            recipient, order_timestamp, now, order
        )
        values |= {":reason": _s(reason), ":entry": _entry("Suppressed", schema.iso(now), "suppression")}
        try:
            self._update(key, f"SET {self._NEW_ITEM_SETS}{_order_set(values)}, #reason = :reason", CLAIMABLE,
                         values)
        except ClientError as error:
            if not _conditional_failure(error):
                raise
            return False
        return True
