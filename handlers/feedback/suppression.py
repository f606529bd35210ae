"""Suppression policy (pure) and its DynamoDB adapter.

Policy: a hard bounce suppresses the bounced recipients, a complaint the complained recipients
(unless `not-spam`), both permanently. Soft bounces are counted per address in a counter item
(`SOFT_BOUNCE_PREFIX + address_hash`, bounce times keyed by the event identity so a redelivery never
counts twice, TTL = window); once SOFT_BOUNCE_COUNT of them fall within SOFT_BOUNCE_WINDOW_DAYS of
the newest, the address is suppressed temporarily (`expiresAt` = newest bounce + window). A permanent
suppression (BOUNCE, COMPLAINT, MANUAL, ERASURE: no `expiresAt`) is never replaced by a temporary one:
every write is conditional. Suppression applies to the address even when the message is unknown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from ..shared.masking import address_hash
from ..shared.schema import ADDRESS_HASH, EXPIRES_AT, SOFT_BOUNCE_PREFIX
from ..shared.suppression_item import SuppressionReason, suppression_item

SOURCE = "ses-feedback"
_ATTEMPTS = 4


@dataclass(frozen=True)
class SoftBounceTally:
    bounces: dict[str, int]
    """Event identity → epoch seconds of the bounces that still count."""
    suppress: bool
    expires_at: int
    """Epoch seconds: TTL of the counter and end of a temporary suppression."""


def tally_soft_bounces(
    previous: Mapping[str, Any], event_key: str, at: int, *, window_seconds: int, threshold: int
) -> SoftBounceTally:
    """Bounces within `window_seconds` of the newest one, this one included; suppress at `threshold`."""
    merged = {str(key): int(value) for key, value in previous.items()} | {event_key: at}
    newest = max(merged.values())
    recent = {key: moment for key, moment in merged.items() if moment > newest - window_seconds}
    return SoftBounceTally(recent, len(recent) >= threshold, newest + window_seconds)


def _conditional_failure(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class SuppressionWriter:
    """Writes to the suppression table; each method is idempotent (safe on SQS redelivery)."""

    def __init__(self, dynamodb: Any, table: str, *, window_seconds: int, threshold: int):
        self._db = dynamodb
        self._table = table
        self._window = window_seconds
        self._threshold = threshold

    def suppress(self, address: str, reason: SuppressionReason, at: datetime) -> bool:
        """Permanent suppression; True if the address was not permanently suppressed before."""
        written, _ = self._put(suppression_item(address, reason, at, SOURCE),
                               "attribute_not_exists(#key) OR attribute_exists(#expires)", {})
        return written

    def record_soft_bounce(self, address: str, event_key: str, at: datetime) -> bool:
        """Count a soft bounce; True if it added (or extended from expired) a temporary suppression."""
        key = {ADDRESS_HASH: {"S": SOFT_BOUNCE_PREFIX + address_hash(address)}}
        for _ in range(_ATTEMPTS):
            stored = self._db.get_item(TableName=self._table, Key=key, ConsistentRead=True).get("Item")
            previous = {k: int(v["N"]) for k, v in (stored or {}).get("bounces", {}).get("M", {}).items()}
            tally = tally_soft_bounces(
                previous,
                event_key,
                int(at.timestamp()),
                window_seconds=self._window,
                threshold=self._threshold,
            )
            if event_key not in previous and not self._save_tally(key, stored, tally):
                continue
            if not tally.suppress:
                return False
            item = suppression_item(address, SuppressionReason.SOFT_BOUNCE, at, SOURCE, tally.expires_at)
            written, old = self._put(
                item,
                "attribute_not_exists(#key) OR #expires < :expires",
                {":expires": {"N": str(tally.expires_at)}},
            )
            return written and (not old or int(old.get(EXPIRES_AT, {}).get("N", "0")) <= int(at.timestamp()))
        raise RuntimeError("soft-bounce counter kept changing under us")

    def _save_tally(self, key: dict[str, Any], stored: dict[str, Any] | None, tally: SoftBounceTally) -> bool:
        version = int((stored or {}).get("version", {}).get("N", "0"))
        try:
            self._db.put_item(
                TableName=self._table,
                Item=key
                | {
                    "bounces": {"M": {k: {"N": str(v)} for k, v in tally.bounces.items()}},
                    EXPIRES_AT: {"N": str(tally.expires_at)},
                    "version": {"N": str(version + 1)},
                },
                ConditionExpression="attribute_not_exists(#key)" if stored is None else "#version = :version",
                ExpressionAttributeNames={"#key": ADDRESS_HASH} if stored is None else {"#version": "version"},
                **({} if stored is None else {"ExpressionAttributeValues": {":version": {"N": str(version)}}}),
            )
        except ClientError as error:
            if _conditional_failure(error):
                return False
            raise
        return True

    def _put(self, item: dict[str, Any], condition: str, values: dict[str, Any]) -> tuple[bool, dict[str, Any] | None]:
        """(written, previous item); not written when the condition protected what was there."""
        try:
            answer = self._db.put_item(
                TableName=self._table,
                Item=item,
                ConditionExpression=condition,
                ReturnValues="ALL_OLD",
                ExpressionAttributeNames={"#key": ADDRESS_HASH, "#expires": EXPIRES_AT},
                **({"ExpressionAttributeValues": values} if values else {}),
            )
        except ClientError as error:
            if _conditional_failure(error):
                return False, None
            raise
        return True, answer.get("Attributes")
