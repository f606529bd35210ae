"""`GET /suppressions`: the suppression list, a page at a time, addresses masked.

The table is keyed by the address hash alone (`shared.suppression_item`), with no index to list by:
a page is a Scan, in the table's (hash) order, not by time. The soft-bounce counters that share the
table (`softbounce#…` keys) and temporary suppressions whose `expiresAt` has passed but that DynamoDB's
TTL has not deleted yet are not suppressions: they are skipped (`is_active`), so a page may hold fewer
than `limit` entries while a cursor still says more may follow.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..shared import schema
from ..shared.masking import mask_address
from ..shared.suppression_item import MASKED_ADDRESS, REASON, SOURCE, SUPPRESSED_AT, is_active
from .params import BadParameter, parse_limit
from .queries import Item, from_dynamodb

SUPPRESSION_PARAMETERS = frozenset({"limit", "cursor"})
_HASH = re.compile(r"[0-9a-f]{64}")
_CURSOR_VERSION = 1
MAX_CURSOR_LENGTH = 256


@dataclass(frozen=True)
class SuppressionPage:
    entries: list[dict[str, Any]]
    cursor: str | None
    """Where the next page starts; None when the table has been read to its end."""


def _epoch_iso(value: Any) -> str | None:
    return schema.iso(datetime.fromtimestamp(int(value), UTC)) if value is not None else None


def entry_view(item: Mapping[str, Any], now: float) -> dict[str, Any]:
    """One suppression for display: masked address, reason, since, expiry, and whether it applies.

    The stored mask is masked again: older entries show an internationalised domain as it was typed,
    and re-masking a mask only brings it to today's one form (`masking.mask_address`).
    """
    expires, masked = item.get(schema.EXPIRES_AT), item.get(MASKED_ADDRESS)
    return {
        "address": mask_address(str(masked)) if masked else f"(erased) {str(item[schema.ADDRESS_HASH])[:12]}…",
        "reason": item.get(REASON),
        "since": item.get(SUPPRESSED_AT),
        "expires": _epoch_iso(expires),
        "source": item.get(SOURCE),
        "active": is_active(expires, now),
    }


def encode_cursor(address_hash: str) -> str:
    raw = json.dumps({"v": _CURSOR_VERSION, "k": address_hash}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str) -> str:
    """The address hash a page starts after; BadParameter("cursor") unless this API made the token.

    Like the `/deliveries` cursor it is bounded, not signed: a forged one only starts a Scan at another
    key of the same table, which any caller may page to anyway.
    """
    try:
        if len(token) > MAX_CURSOR_LENGTH:
            raise ValueError("too long")
        document = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError, RecursionError):
        raise BadParameter("cursor", "cursor: not a cursor returned by this API") from None
    key = document.get("k") if isinstance(document, dict) and document.get("v") == _CURSOR_VERSION else None
    if not isinstance(key, str) or not _HASH.fullmatch(key):
        raise BadParameter("cursor", "cursor: not a cursor returned by this API")
    return key


def parse_suppressions_query(query: Mapping[str, str] | None) -> tuple[int, str | None]:
    """(limit, hash to start after) of a `/suppressions` query string."""
    query = query or {}
    unknown = sorted(set(query) - SUPPRESSION_PARAMETERS)
    if unknown:
        raise BadParameter(unknown[0], f"unknown parameter {unknown[0][:40]!r}; allowed: "
                           + ", ".join(sorted(SUPPRESSION_PARAMETERS)))
    return parse_limit(query.get("limit")), decode_cursor(query["cursor"]) if query.get("cursor") else None


def _is_entry(item: Item, now: float) -> bool:
    key = str(item.get(schema.ADDRESS_HASH, ""))
    return not key.startswith(schema.SOFT_BOUNCE_PREFIX) and bool(item.get(REASON)) and is_active(
        item.get(schema.EXPIRES_AT), now)


class SuppressionsReader:
    """Scans of the suppression table with a low-level DynamoDB client; never writes."""

    def __init__(self, client: Any, table_name: str):
        self._client = client
        self._table = table_name

    def page(self, limit: int, after: str | None, now: float | None = None) -> SuppressionPage:
        """Up to `limit` active suppressions after the key `after`, and the cursor of the rest."""
        now = time.time() if now is None else now
        request: dict[str, Any] = {"TableName": self._table}
        if after:
            request["ExclusiveStartKey"] = {schema.ADDRESS_HASH: {"S": after}}
        entries: list[dict[str, Any]] = []
        last_key: str | None = None
        while True:
            response = self._client.scan(**request, Limit=limit - len(entries) + 1)
            for raw in response.get("Items", []):
                item = from_dynamodb(raw)
                if not _is_entry(item, now):
                    continue
                if len(entries) == limit:  # one more exists: the page ends at the last one returned
                    return SuppressionPage(entries, encode_cursor(str(last_key)))
                entries.append(entry_view(item, now))
                last_key = str(item[schema.ADDRESS_HASH])
            if "LastEvaluatedKey" not in response:
                return SuppressionPage(entries, None)
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
