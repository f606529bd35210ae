"""Orders that must wait: re-enqueued on the send queue with a delay, never left to the DLQ.

Reporting a record as a batch failure makes SQS deliver it again after the visibility timeout, and
each delivery counts against `maxReceiveCount`: a day of paused sending, or an hour of throttling,
would dead-letter every valid order. Instead a waiting order is sent to its own queue again with a
`DelaySeconds` backoff (exponential, "equal jitter", at most SQS's 900 s) and the original record is
acknowledged, which starts the copy's receive count at zero. The copy carries how often it waited
and since when (`deferrals`, `deferredSince` message attributes), so the backoff grows and a hold
gives up — dead-letters with its reason, for a redrive once fixed — only after `give_up_seconds`
(72 h by default: a new domain's DNS can take that long to verify).

Exactly once still holds: the copy is a second delivery of the same order, and the claim protocol
turns every delivery after the first successful send into an acknowledged duplicate.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

DEFERRALS = "deferrals"
DEFERRED_SINCE = "deferredSince"
DEFER_REASON = "deferReason"
MAX_DELAY_SECONDS = 900
"""SQS's largest DelaySeconds."""
MAX_ATTRIBUTES = 10
"""SQS's limit of message attributes per message."""
THROTTLE_BASE_SECONDS = 1.0
THROTTLE_MAX_SECONDS = 60.0
SEND_BATCH = 10


def backoff_seconds(deferrals: int, base: float, cap: float, jitter: float) -> int:
    """Delay before the next try: base x 2^deferrals capped at `cap`, the upper half jittered (pure).

    `jitter` in [0, 1) draws the delay from [half, full] of the exponential value, so senders that
    were refused together do not all come back in the same second. Whole seconds, 1-900 (SQS).
    """
    exponential = min(cap, base * 2 ** min(deferrals, 32))
    delay = exponential * (0.5 + 0.5 * jitter)
    return max(1, min(MAX_DELAY_SECONDS, math.ceil(delay)))


@dataclass(frozen=True)
class DeferPolicy:
    hold_max_delay_seconds: int
    """Backoff cap of held orders (account or stack refusals); their base is a fifteenth of it."""
    give_up_seconds: int
    """How long an order may wait in all before it is dead-lettered with its reason."""

    def delay(self, held: bool, deferrals: int, jitter: float) -> int:
        if held:
            return backoff_seconds(deferrals, self.hold_max_delay_seconds / 15, self.hold_max_delay_seconds, jitter)
        return backoff_seconds(deferrals, THROTTLE_BASE_SECONDS, THROTTLE_MAX_SECONDS, jitter)


@dataclass(frozen=True)
class WaitState:
    """What a record says about its earlier waits (from its message attributes)."""

    deferrals: int = 0
    since: float | None = None
    """Epoch seconds of the first deferral, None for a record that never waited."""


def _attribute(record: Mapping[str, Any], name: str) -> str | None:
    value = (record.get("messageAttributes") or {}).get(name) or {}
    text = value.get("stringValue")
    return text if isinstance(text, str) else None


def wait_state(record: Mapping[str, Any]) -> WaitState:
    """The record's deferral count and first deferral time; a malformed attribute counts as none."""
    try:
        deferrals = int(_attribute(record, DEFERRALS) or 0)
        since_text = _attribute(record, DEFERRED_SINCE)
        since = float(since_text) if since_text else None
    except ValueError:
        return WaitState()
    return WaitState(max(0, deferrals), since)


@dataclass(frozen=True)
class Deferral:
    record: Mapping[str, Any]
    delay_seconds: int
    reason: str
    """The error code (or `deadline`) that made it wait: the `deferReason` attribute."""
    state: WaitState


def _copied_attributes(record: Mapping[str, Any]) -> dict[str, Any]:
    """The record's own message attributes (e.g. `eventType`), in SendMessage's shape."""
    copied: dict[str, Any] = {}
    for name, value in (record.get("messageAttributes") or {}).items():
        if name in (DEFERRALS, DEFERRED_SINCE, DEFER_REASON) or not isinstance(value, Mapping):
            continue
        data_type = str(value.get("dataType") or "String")
        if value.get("stringValue") is not None:
            copied[name] = {"DataType": data_type, "StringValue": str(value["stringValue"])}
        elif value.get("binaryValue") is not None:
            copied[name] = {"DataType": data_type, "BinaryValue": value["binaryValue"]}
    return dict(list(copied.items())[: MAX_ATTRIBUTES - 3])


def deferred_message(deferral: Deferral, now: float) -> dict[str, Any]:
    """The SendMessageBatch entry that re-enqueues one record (pure)."""
    record, state = deferral.record, deferral.state
    attributes = _copied_attributes(record) | {
        DEFERRALS: {"DataType": "Number", "StringValue": str(state.deferrals + 1)},
        DEFERRED_SINCE: {"DataType": "Number", "StringValue": f"{state.since if state.since is not None else now:.3f}"},
        DEFER_REASON: {"DataType": "String", "StringValue": deferral.reason[:256] or "unknown"},
    }
    return {"MessageBody": str(record.get("body") or ""), "DelaySeconds": deferral.delay_seconds,
            "MessageAttributes": attributes}


class Deferrer:
    """Re-enqueues waiting records on the send queue, ten per SendMessageBatch call."""

    def __init__(self, sqs: Any, queue_url: str, policy: DeferPolicy,
                 jitter: Callable[[], float] = random.random):
        self._sqs = sqs
        self._queue_url = queue_url
        self.policy = policy
        self._jitter = jitter

    def plan(self, record: Mapping[str, Any], reason: str, *, held: bool, delay: int | None = None) -> Deferral:
        """How the record waits: `delay` when the wait is known (capped at SQS's 900 s), else the backoff."""
        state = wait_state(record)
        seconds = self.policy.delay(held, state.deferrals, self._jitter()) if delay is None else delay
        return Deferral(record, max(1, min(MAX_DELAY_SECONDS, seconds)), reason, state)

    def gave_up(self, deferral: Deferral, now: float) -> bool:
        """The order has waited longer than the policy allows: dead-letter it instead."""
        since = deferral.state.since
        return since is not None and now - since > self.policy.give_up_seconds

    def send(self, deferrals: list[Deferral], now: float) -> list[str]:
        """Re-enqueue; returns the message ids of records that could not be (the caller retries them)."""
        failed: list[str] = []
        for start in range(0, len(deferrals), SEND_BATCH):
            chunk = deferrals[start:start + SEND_BATCH]
            ids = [str(deferral.record.get("messageId", "")) for deferral in chunk]
            try:
                answer = self._sqs.send_message_batch(QueueUrl=self._queue_url, Entries=[
                    {"Id": str(index)} | deferred_message(deferral, now) for index, deferral in enumerate(chunk)])
            except (ClientError, BotoCoreError):
                failed.extend(ids)
                continue
            failed.extend(ids[int(entry["Id"])] for entry in answer.get("Failed") or [])
        return failed
