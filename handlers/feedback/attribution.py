"""Whose e-mail an SES event is about: only the message a record holds may change that record (pure).

An event names its record through our `orderId` tag, but a tag is only a claim: another app sending
through the same configuration set, or an older message of the same order (before an operator's
`resend`), carries it too. So an event changes a record only when its message id is the record's.
The tag alone is trusted for exactly one case — recovering a crashed send, where SES accepted the
e-mail but the sender died before recording the message id — and then only when

* the event comes from this stack's configuration set (`ses:configuration-set` tag SES adds),
* the record has no message id and nothing later than SENDING/HELD (a SUPPRESSED or FAILED record
  was never sent; a SENT one knows its id),
* the e-mail was sent after the record was last reset by `order-email resend` (`resetAt`), and
* the claim's lease is over: while a live sender may still record its own message id, the event
  waits (its record is retried) rather than adopt an id that may be someone else's.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

from ..shared import schema
from ..shared.statuses import RANK, EmailStatus
from .events import FeedbackEvent

RESET_AT = "resetAt"
"""When `order-email resend` last reset the record: older messages are not this attempt's."""


class Attribution(StrEnum):
    OURS = "OURS"
    """The event's message is the record's: apply it."""
    RECOVER = "RECOVER"
    """A crashed send's event: apply it and record its message id."""
    WAIT = "WAIT"
    """Maybe a crashed send's, but a live claim may still record its own id: retry the event later."""
    FOREIGN = "FOREIGN"
    """Another message's event: it changes nothing on this record."""


def _rank(item: Mapping[str, Any]) -> int:
    if item.get("statusRank") is not None:
        return int(item["statusRank"])
    try:
        return RANK[EmailStatus(str(item.get("status")))]
    except ValueError:
        return 0


def _moment(text: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text)) if text else None
    except ValueError:
        return None


def attribute(item: Mapping[str, Any], event: FeedbackEvent, *, configuration_set: str, now: datetime) -> Attribution:
    """How `event` relates to the record `item` (plain values) at `now`."""
    recorded = item.get(schema.SES_MESSAGE_ID)
    if recorded:
        return Attribution.OURS if recorded == event.message_id else Attribution.FOREIGN
    if event.configuration_set != configuration_set or _rank(item) >= RANK[EmailStatus.SENT]:
        return Attribution.FOREIGN
    reset_at = _moment(item.get(RESET_AT))
    if reset_at is not None and (event.mail_timestamp is None or event.mail_timestamp < reset_at):
        return Attribution.FOREIGN
    if int(item.get("leaseExpiresAt") or 0) > now.timestamp():
        return Attribution.WAIT
    return Attribution.RECOVER
