"""What to do with an order whose delivery item already exists: the crash-safety rules of docs/architecture.md §3.2.

Pure: given the item DynamoDB returned when our conditional claim failed, the clock and the grace
period, say whether this is a duplicate, someone else's live claim, or a crash to wait out. The
claim's condition expression (`claims.CLAIMABLE`) is the same rule evaluated by DynamoDB.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from ..shared.statuses import RANK, EmailStatus


class LeaseVerdict(StrEnum):
    CLAIMABLE = "CLAIMABLE"
    """No item, or a SENDING item whose lease and grace period are over and no message id arrived."""
    DUPLICATE = "DUPLICATE"
    """SENT or later (including terminal outcomes): the e-mail is done, acknowledge."""
    ALREADY_SENT = "ALREADY_SENT"
    """SENDING, but the SES Send event recorded a message id: a worker died after SES accepted."""
    BUSY = "BUSY"
    """SENDING under a live lease: another worker has it; retry later."""
    WAIT_FOR_SEND_EVENT = "WAIT_FOR_SEND_EVENT"
    """Lease over but within the grace period: SES may have accepted it; wait for its Send event."""


RETRY_LATER = frozenset({LeaseVerdict.BUSY, LeaseVerdict.WAIT_FOR_SEND_EVENT})


def judge_existing(item: Mapping[str, Any] | None, now: int, grace_seconds: int) -> LeaseVerdict:
    """The verdict for `item` (plain values) at epoch second `now`."""
    if item is None:
        return LeaseVerdict.CLAIMABLE
    rank = item.get("statusRank")
    if rank is None:
        rank = RANK.get(EmailStatus(item["status"]), 0) if item.get("status") in EmailStatus.__members__ else 0
    if int(rank) >= RANK[EmailStatus.SENT]:
        return LeaseVerdict.DUPLICATE
    if item.get("sesMessageId"):
        return LeaseVerdict.ALREADY_SENT
    lease = int(item.get("leaseExpiresAt") or 0)
    if lease > now:
        return LeaseVerdict.BUSY
    if lease + grace_seconds >= now:
        return LeaseVerdict.WAIT_FOR_SEND_EVENT
    return LeaseVerdict.CLAIMABLE
