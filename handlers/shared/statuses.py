"""Delivery statuses and their ranking: updates only ever move an e-mail up the ranking.

Whatever order SES events arrive in, applying `status_after` to each converges to the same final
status, so a late Delivery never overwrites a Bounce or a Complaint.
"""

from __future__ import annotations

from enum import StrEnum


class EmailStatus(StrEnum):
    HELD = "HELD"
    """Refused for an account or stack reason (paused, not verified, quota): waiting, retried, not failed."""
    SENDING = "SENDING"
    SENT = "SENT"
    DELAYED = "DELAYED"
    SOFT_BOUNCED = "SOFT_BOUNCED"
    DELIVERED = "DELIVERED"
    BOUNCED = "BOUNCED"
    COMPLAINED = "COMPLAINED"
    REJECTED = "REJECTED"
    RENDERING_FAILED = "RENDERING_FAILED"
    FAILED = "FAILED"
    SUPPRESSED = "SUPPRESSED"


TERMINAL = frozenset({EmailStatus.REJECTED, EmailStatus.RENDERING_FAILED, EmailStatus.FAILED, EmailStatus.SUPPRESSED})
"""Outcomes after which SES sends nothing more: no later event may replace them."""

_ORDERED = (EmailStatus.SENDING, EmailStatus.SENT, EmailStatus.DELAYED, EmailStatus.SOFT_BOUNCED, EmailStatus.DELIVERED,
            EmailStatus.BOUNCED, EmailStatus.COMPLAINED)
_TERMINAL_RANK = 100

RANK: dict[EmailStatus, int] = {status: index for index, status in enumerate(_ORDERED)} | {
    EmailStatus.HELD: 0,  # like SENDING: nothing sent yet, and claimable again once its lease is released
} | {status: _TERMINAL_RANK for status in TERMINAL}
"""Stored as `statusRank` so DynamoDB condition expressions can enforce the ranking."""


def status_after(current: EmailStatus | None, incoming: EmailStatus) -> EmailStatus:
    """The status an e-mail has after `incoming` is applied to `current` (None: no status yet)."""
    if current is None or RANK[incoming] > RANK[current]:
        return incoming
    return current
