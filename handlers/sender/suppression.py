"""Which of a batch's recipients are suppressed: one BatchGetItem for the whole batch.

Whether an item still applies is `shared.suppression_item.is_active`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..shared import schema
from ..shared.batch_reads import batch_get
from ..shared.suppression_item import REASON, is_active

UNPROCESSED_RETRIES = 2
"""Extra BatchGetItem calls for UnprocessedKeys (throttled partitions) before giving up on them."""


@dataclass(frozen=True)
class SuppressionCheck:
    suppressed: dict[str, str] = field(default_factory=dict)
    """addressHash → reason, for active suppressions."""
    unknown: frozenset[str] = frozenset()
    """Hashes DynamoDB did not answer for: their e-mails are retried, never sent unchecked."""


class SuppressionReader:
    def __init__(self, dynamodb: Any, table: str, sleep: Any = time.sleep):
        self._dynamodb = dynamodb
        self._table = table
        self._sleep = sleep

    def check(self, hashes: Iterable[str], now: datetime) -> SuppressionCheck:
        """Active suppressions among `hashes` (≤ 100, deduplicated here) in one round trip, normally."""
        wanted = sorted(set(hashes))
        if not wanted:
            return SuppressionCheck()
        request: dict[str, Any] = {
            "Keys": [{schema.ADDRESS_HASH: {"S": value}} for value in wanted],
            "ProjectionExpression": "#hash, #reason, #expires",
            "ExpressionAttributeNames": {
                "#hash": schema.ADDRESS_HASH,
                "#reason": REASON,
                "#expires": schema.EXPIRES_AT,
            },
        }
        now_epoch = int(now.timestamp())
        items, left = batch_get(self._dynamodb, self._table, request, retries=UNPROCESSED_RETRIES, sleep=self._sleep)
        suppressed = {item[schema.ADDRESS_HASH]["S"]: item.get(REASON, {}).get("S", "UNKNOWN") for item in items
                      if is_active(item.get(schema.EXPIRES_AT, {}).get("N"), now_epoch)}
        return SuppressionCheck(suppressed, frozenset(key[schema.ADDRESS_HASH]["S"] for key in left))
