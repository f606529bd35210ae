"""One suppression-table item: why an address is suppressed, the item's shape, and whether it applies.

Written by the feedback loop (bounces, complaints), the operator CLI (`suppression add`, `erase`)
and local mode; read by the sender and the CLI. Every writer builds it with `suppression_item` and
every reader asks `is_active`, so the shape and the rule exist once.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from .masking import address_hash, mask_address
from .schema import ADDRESS_HASH, EXPIRES_AT, iso

MASKED_ADDRESS = "maskedAddress"
REASON = "reason"
SUPPRESSED_AT = "suppressedAt"
SOURCE = "source"


class SuppressionReason(StrEnum):
    """The stored `reason` (values unchanged since the first release)."""

    BOUNCE = "BOUNCE"
    COMPLAINT = "COMPLAINT"
    SOFT_BOUNCE = "SOFT_BOUNCE"
    """Temporary: carries `expiresAt` (the soft-bounce window after the newest bounce)."""
    MANUAL = "MANUAL"
    """An operator's block (`order-email suppression add`)."""
    ERASURE = "ERASURE"


PERMANENT_REASONS = frozenset({SuppressionReason.BOUNCE, SuppressionReason.COMPLAINT, SuppressionReason.MANUAL,
                               SuppressionReason.ERASURE})
"""Never replaced by a temporary suppression, and kept (by hash only) when an address is erased."""


def suppression_item(address: str, reason: SuppressionReason, at: datetime, source: str,
                     expires_at: int | None = None) -> dict[str, Any]:
    """The DynamoDB item suppressing `address` (stored by hash, shown masked); temporary with `expires_at`."""
    item: dict[str, Any] = {
        ADDRESS_HASH: {"S": address_hash(address)},
        MASKED_ADDRESS: {"S": mask_address(address)},
        REASON: {"S": reason.value},
        SUPPRESSED_AT: {"S": iso(at)},
        SOURCE: {"S": source},
    }
    if expires_at is not None:
        item[EXPIRES_AT] = {"N": str(expires_at)}
    return item


def is_active(expires_at: Any, now_epoch: float) -> bool:
    """Suppressed unless a temporary suppression's `expiresAt` (epoch seconds, any numeric form) has
    passed: DynamoDB's TTL deletes late (up to days), so an expired item may still be there."""
    return expires_at is None or int(float(expires_at)) > now_epoch
