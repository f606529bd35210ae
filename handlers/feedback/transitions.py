"""The pure state update of a delivery item for one SES event: no I/O, no clock of its own.

`transition(item, event, ...)` returns the attributes to set; a status change also stamps the item
for the outbox (`outbox.STATUS_EVENT_ID` …), which the table's stream carries to the status bus.
Applied in any order and any number of times, a message's events converge to one item: the status is
the highest-ranked one (`status_after`), the history holds the newest `history_limit` events sorted
by (time, id), counters count distinct events and first/last timestamps are min/max. A redelivered
event (same SES identity, see `FeedbackEvent.identity`) changes nothing, and neither does a Send
event for an e-mail the sender already recorded as sent (same message id, `sentAt` set): the
sender's own `Sent` history entry carries that message id, so skipping the write saves one
UpdateItem per e-mail.

Dedupe memory: identities of the last `seen_limit(history_limit)` events are kept in `seenEvents`
(24 hex chars each) besides the history, so a redelivery is recognised even after its history entry
was pushed out; a redelivery older than that many later events would count twice (SQS redelivers
within the visibility timeout, long before).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..shared import schema
from ..shared.statuses import RANK, EmailStatus, status_after
from . import outbox
from .events import EventKind, FeedbackEvent

_STATUS_OF = {
    EventKind.SEND: EmailStatus.SENT,
    EventKind.DELIVERY_DELAY: EmailStatus.DELAYED,
    EventKind.DELIVERY: EmailStatus.DELIVERED,
    EventKind.COMPLAINT: EmailStatus.COMPLAINED,
    EventKind.REJECT: EmailStatus.REJECTED,
    EventKind.RENDERING_FAILURE: EmailStatus.RENDERING_FAILED,
}
_COUNTERS = {
    EventKind.OPEN: ("opens", "firstOpenedAt", "lastOpenedAt"),
    EventKind.CLICK: ("clicks", "firstClickedAt", "lastClickedAt"),
}


def incoming_status(event: FeedbackEvent) -> EmailStatus | None:
    """The status an event stands for; None for Open, Click and Subscription (not statuses)."""
    if event.kind is EventKind.BOUNCE:
        return EmailStatus.BOUNCED if event.hard_bounce else EmailStatus.SOFT_BOUNCED
    return _STATUS_OF.get(event.kind)


def seen_limit(history_limit: int) -> int:
    return max(100, 5 * history_limit)


@dataclass(frozen=True)
class StatusChange:
    previous: EmailStatus | None
    current: EmailStatus
    reason: str | None


@dataclass(frozen=True)
class Transition:
    duplicate: bool
    """The event adds nothing the item does not hold already: nothing to write."""
    changes: dict[str, Any] = field(default_factory=dict)
    """Attributes to SET on the item (plain Python values)."""
    status_change: StatusChange | None = None


def current_status(item: Mapping[str, Any]) -> EmailStatus | None:
    try:
        return EmailStatus(item["status"])
    except (KeyError, ValueError):
        return None


def history_entry(event: FeedbackEvent, now: datetime) -> dict[str, Any]:
    """What the history keeps of an event: order-independent facts only, no address."""
    entry: dict[str, Any] = {
        "type": event.kind.value,
        "at": schema.iso(event.occurred_at or now),
        "id": event.identity,
    }
    if event.reason:
        entry["reason"] = event.reason
    if event.kind is EventKind.BOUNCE:
        entry["bounce"] = "hard" if event.hard_bounce else "soft"
        if event.permanent_dsn:
            entry["permanentDsn"] = True
    return entry


def transition(item: Mapping[str, Any], event: FeedbackEvent, *, history_limit: int, now: datetime) -> Transition:
    """New attribute values for `item` after `event`, or `duplicate=True` if it was applied before."""
    identity = event.identity
    history = [entry for entry in item.get("history") or [] if isinstance(entry, Mapping)]
    seen = [str(value) for value in item.get("seenEvents") or []]
    if identity in seen or any(entry.get("id") == identity for entry in history) or _confirms_send(item, event):
        return Transition(duplicate=True)

    entry = history_entry(event, now)
    merged = sorted([*history, entry], key=lambda e: (str(e.get("at", "")), str(e.get("id", ""))))
    changes: dict[str, Any] = {
        "history": merged[-history_limit:],
        "seenEvents": [*seen, identity][-seen_limit(history_limit) :],
        "lastUpdated": schema.iso(now),
    }
    if not item.get(schema.SES_MESSAGE_ID):
        changes[schema.SES_MESSAGE_ID] = event.message_id  # crash recovery: the Send event knows it
    moment = entry["at"]
    if event.kind is EventKind.SEND and not item.get("sentAt"):
        changes["sentAt"] = moment
    if event.kind is EventKind.DELIVERY:
        changes["deliveredAt"] = min(filter(None, (item.get("deliveredAt"), moment)))
    if event.kind in _COUNTERS:
        count, first, last = _COUNTERS[event.kind]
        changes[count] = int(item.get(count) or 0) + 1
        changes[first] = min(filter(None, (item.get(first), moment)))
        changes[last] = max(filter(None, (item.get(last), moment)))

    change = _status_change(item, event)
    if change is not None:
        order_id, kind = str(item[schema.ORDER_ID]), str(item[schema.KIND])
        changes.update(
            {
                "status": change.current.value,
                "statusRank": RANK[change.current],
                "statusReason": change.reason or event.kind.value,
                **schema.status_index_keys(change.current.value, now, order_id, kind),
                # the outbox stamp: the table's stream carries this write to the status bus
                outbox.STATUS_EVENT_ID: outbox.status_event_id(order_id, kind, change.current.value, identity),
                outbox.STATUS_EVENT_AT: entry["at"],
                outbox.STATUS_EVENT_REASON: change.reason,
            }
        )
    return Transition(duplicate=False, changes=changes, status_change=change)


def _confirms_send(item: Mapping[str, Any], event: FeedbackEvent) -> bool:
    """A Send event for the message the sender recorded as sent (an operator reset clears both)."""
    return (
        event.kind is EventKind.SEND
        and item.get(schema.SES_MESSAGE_ID) == event.message_id
        and bool(item.get("sentAt"))
    )


def _status_change(item: Mapping[str, Any], event: FeedbackEvent) -> StatusChange | None:
    incoming = incoming_status(event)
    if incoming is None:
        return None
    previous = current_status(item)
    after = status_after(previous, incoming)
    return None if after == previous else StatusChange(previous, after, event.reason)
