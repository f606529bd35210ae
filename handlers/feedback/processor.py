"""One Lambda invocation of the feedback handler: envelopes → events → suppression → item update →
metrics. Status changes reach the bus from the table's stream (`outbox`), not from here.

Per record: unwrap the envelope (not an SES event → log and drop; unparseable → DLQ with reason,
InvalidEvents); suppress (idempotent, before the item update so a retry redoes it, and whatever
message it is about); find the item (tags, else GSI) and apply the transition if the event is the
item's message (`attribution`; another message's event changes nothing: ForeignEvents). Any
exception on a record reports that record in `batchItemFailures` (SQS retries it; nothing is lost);
the rest of the batch goes on. Records from SNS or EventBridge (asynchronous invocations) cannot
fail alone: a failure raises, so Lambda retries the invocation, which is safe because every step is
idempotent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from ..shared.masking import mask_address
from ..shared.schema import utc_now
from ..shared.sqs_batch import DeadLetters, batch_response
from ..shared.suppression_item import SuppressionReason
from ..shared.telemetry import MetricName
from .attribution import Attribution
from .envelopes import Ignored, InboundRecord, Invalid, inbound_records, unwrap
from .events import EventKind, FeedbackEvent, parse_event
from .records import Applied, AwaitingClaim, FeedbackRecords
from .suppression import SuppressionWriter

COUNT = "Count"
MILLISECONDS = "Milliseconds"

_EVENT_METRIC = {
    EventKind.DELIVERY: MetricName.DELIVERIES,
    EventKind.COMPLAINT: MetricName.COMPLAINTS,
    EventKind.REJECT: MetricName.REJECTS,
    EventKind.DELIVERY_DELAY: MetricName.DELAYS,
    EventKind.RENDERING_FAILURE: MetricName.RENDERING_FAILURES,
    EventKind.OPEN: MetricName.OPENS,
    EventKind.CLICK: MetricName.CLICKS,
}


class MetricsSink(Protocol):
    def add_metric(self, name: str, unit: Any, value: float) -> None: ...


class RetryableFailure(RuntimeError):
    """Some records of an asynchronous (SNS/EventBridge) invocation failed: let Lambda retry it."""


def event_metric(event: FeedbackEvent) -> MetricName | None:
    if event.kind is EventKind.BOUNCE:
        return MetricName.HARD_BOUNCES if event.hard_bounce else MetricName.SOFT_BOUNCES
    return _EVENT_METRIC.get(event.kind)


@dataclass
class FeedbackProcessor:
    records: FeedbackRecords
    suppression: SuppressionWriter
    dead_letters: DeadLetters
    metrics: MetricsSink
    logger: Any
    clock: Callable[[], datetime] = utc_now

    def process(self, lambda_event: Any) -> dict[str, list[dict[str, str]]]:
        inbound = inbound_records(lambda_event)
        failed: dict[str, None] = {}
        for record in inbound:
            try:
                self._process_record(record)
            except AwaitingClaim as waiting:
                self.logger.info("event waits for a live claim; retried", extra={
                    "recordId": record.record_id, "reason": str(waiting)})
                failed[record.record_id] = None
            except Exception:
                self.logger.exception(
                    "feedback record failed; it will be retried",
                    extra={"recordId": record.record_id, "origin": record.origin},
                )
                failed[record.record_id] = None
        if failed and any(record.origin != "sqs" for record in inbound):
            raise RetryableFailure(f"{len(failed)} record(s) failed; retrying the invocation")
        return batch_response(failed)

    def _process_record(self, record: InboundRecord) -> None:
        unwrapped = unwrap(record.content)
        if isinstance(unwrapped, Ignored):
            self.logger.info(
                "not an SES e-mail event; dropped",
                extra={"recordId": record.record_id, "reason": unwrapped.reason},
            )
            return
        parsed = parse_event(unwrapped.data) if not isinstance(unwrapped, Invalid) else unwrapped
        if isinstance(parsed, Invalid):
            self._dead_letter(record, parsed)
            return
        self._apply(record, parsed)

    def _dead_letter(self, record: InboundRecord, invalid: Invalid) -> None:
        self.dead_letters.send({"body": record.body, "messageId": record.record_id}, invalid.reason, invalid.error_type)
        self.metrics.add_metric(MetricName.INVALID_EVENTS, COUNT, 1)
        self.logger.warning(
            "invalid feedback record sent to the DLQ",
            extra={
                "recordId": record.record_id,
                "origin": record.origin,
                "reason": invalid.reason,
                "errorType": invalid.error_type,
            },
        )

    def _apply(self, record: InboundRecord, event: FeedbackEvent) -> None:
        self._suppress(event)
        log = {"recordId": record.record_id, "eventType": event.kind.value, "sesMessageId": event.message_id}
        key = event.order_key
        applied = self.records.apply(key, event, self.clock) if key else None
        if applied is None or applied.attribution is Attribution.FOREIGN:
            # the tags name no record of this message: its message id decides (or nothing does)
            by_id = self.records.key_by_message_id(event.message_id)
            if by_id is not None and by_id != key:
                key, applied = by_id, self.records.apply(by_id, event, self.clock)
        if applied is None or key is None:
            self.metrics.add_metric(MetricName.UNKNOWN_MESSAGE_EVENTS, COUNT, 1)
            self._count(event)
            self.logger.info("event for an unknown message; acknowledged", extra=log)
            return
        if applied.attribution is Attribution.FOREIGN:
            self.metrics.add_metric(MetricName.FOREIGN_EVENTS, COUNT, 1)
            self.logger.info("event for another message of the record; record unchanged",
                             extra=log | {"orderId": key[0], "kind": key[1]})
            return
        self._log_applied(applied, key, event, log)

    def _log_applied(self, applied: Applied, key: tuple[str, str], event: FeedbackEvent, log: dict[str, Any]) -> None:
        """One INFO line per event that changed the record; a duplicate (a redelivery, or the Send event
        confirming what the sender recorded: half of all events) only at DEBUG, since it changed
        nothing and log bytes are paid per e-mail (docs/architecture.md §6)."""
        if not applied.duplicate:
            self._count(event)
        (self.logger.debug if applied.duplicate else self.logger.info)(
            "event applied",
            extra=log
            | {
                "orderId": key[0],
                "kind": key[1],
                "duplicate": applied.duplicate,
                "status": applied.item.get("status"),
                "statusChanged": applied.status_change is not None,
                "recovered": applied.attribution is Attribution.RECOVER or None,
                "permanentDsn": event.permanent_dsn or None,
            },
        )

    def _suppress(self, event: FeedbackEvent) -> None:
        at = event.occurred_at or self.clock()
        for address in dict.fromkeys(event.recipients):
            if event.suppresses:
                reason = (SuppressionReason.BOUNCE if event.kind is EventKind.BOUNCE
                          else SuppressionReason.COMPLAINT)
                added = self.suppression.suppress(address, reason, at)
            elif event.kind is EventKind.BOUNCE:
                added = self.suppression.record_soft_bounce(address, event.identity, at)
                reason = SuppressionReason.SOFT_BOUNCE
            else:
                return
            if added:
                self.metrics.add_metric(MetricName.SUPPRESSIONS_ADDED, COUNT, 1)
                self.logger.info(
                    "address suppressed",
                    extra={
                        "recipient": mask_address(address),
                        "reason": reason,
                        "sesMessageId": event.message_id,
                    },
                )

    def _count(self, event: FeedbackEvent) -> None:
        metric = event_metric(event)
        if metric is not None:
            self.metrics.add_metric(metric, COUNT, 1)
        latency = event.delivery_latency_ms
        if latency is not None:
            self.metrics.add_metric(MetricName.DELIVERY_LATENCY, MILLISECONDS, latency)
