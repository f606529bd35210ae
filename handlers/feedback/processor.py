"""One Lambda invocation of the feedback handler: envelopes → events → suppression → item update →
metrics, then one batched publish of the status changes.

Per record: unwrap the envelope (not an SES event → log and drop; unparseable → DLQ with reason,
InvalidEvents); suppress (idempotent, before the item update so a retry redoes it); find the item
(tags, else GSI); apply the transition. Any exception on a record reports that record in
`batchItemFailures` (SQS retries it; nothing is lost); the rest of the batch goes on. Records from
SNS or EventBridge (asynchronous invocations) cannot fail alone: a failure raises, so Lambda retries
the invocation, which is safe because every step is idempotent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from handlers.feedback.envelopes import Ignored, InboundRecord, Invalid, inbound_records, unwrap
from handlers.feedback.events import EventKind, FeedbackEvent, parse_event
from handlers.feedback.records import DeliveryRecords
from handlers.feedback.status_events import OutgoingEvent, StatusEventPublisher
from handlers.feedback.suppression import REASON_BOUNCE, REASON_COMPLAINT, SuppressionList
from handlers.shared.masking import mask_address
from handlers.shared.schema import utc_now
from handlers.shared.sqs_batch import DeadLetters, batch_response
from handlers.shared.telemetry import MetricName

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
    records: DeliveryRecords
    suppression: SuppressionList
    publisher: StatusEventPublisher
    dead_letters: DeadLetters
    metrics: MetricsSink
    logger: Any
    clock: Callable[[], datetime] = utc_now

    def process(self, lambda_event: Any) -> dict[str, list[dict[str, str]]]:
        inbound = inbound_records(lambda_event)
        failed: dict[str, None] = {}
        outbox: list[OutgoingEvent] = []
        for record in inbound:
            try:
                outbox.extend(self._process_record(record))
            except Exception:
                self.logger.exception(
                    "feedback record failed; it will be retried",
                    extra={"recordId": record.record_id, "origin": record.origin},
                )
                failed[record.record_id] = None
        for record_id in self._publish(outbox):
            failed[record_id] = None
        if failed and any(record.origin != "sqs" for record in inbound):
            raise RetryableFailure(f"{len(failed)} record(s) failed; retrying the invocation")
        return batch_response(failed)

    def _process_record(self, record: InboundRecord) -> list[OutgoingEvent]:
        unwrapped = unwrap(record.content)
        if isinstance(unwrapped, Ignored):
            self.logger.info(
                "not an SES e-mail event; dropped",
                extra={"recordId": record.record_id, "reason": unwrapped.reason},
            )
            return []
        parsed = parse_event(unwrapped.data) if not isinstance(unwrapped, Invalid) else unwrapped
        if isinstance(parsed, Invalid):
            self._dead_letter(record, parsed)
            return []
        return self._apply(record, parsed)

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

    def _apply(self, record: InboundRecord, event: FeedbackEvent) -> list[OutgoingEvent]:
        self._suppress(event)
        log = {"recordId": record.record_id, "eventType": event.kind.value, "sesMessageId": event.message_id}
        key = event.order_key
        applied = self.records.apply(key, event, self.clock) if key else None
        if applied is None:
            key = self.records.key_by_message_id(event.message_id)
            applied = self.records.apply(key, event, self.clock) if key else None
        if applied is None or key is None:
            self.metrics.add_metric(MetricName.UNKNOWN_MESSAGE_EVENTS, COUNT, 1)
            self._count(event)
            self.logger.info("event for an unknown message; acknowledged", extra=log)
            return []
        if not applied.duplicate:
            self._count(event)
        change = applied.status_change
        self.logger.info(
            "event applied",
            extra=log
            | {
                "orderId": key[0],
                "kind": key[1],
                "duplicate": applied.duplicate,
                "status": applied.item.get("status"),
                "statusChanged": change is not None,
                "permanentDsn": event.permanent_dsn or None,
            },
        )
        return [OutgoingEvent(record.record_id, key, detail) for detail in applied.details]

    def _suppress(self, event: FeedbackEvent) -> None:
        at = event.occurred_at or self.clock()
        for address in dict.fromkeys(event.recipients):
            if event.suppresses:
                reason = REASON_BOUNCE if event.kind is EventKind.BOUNCE else REASON_COMPLAINT
                added = self.suppression.suppress(address, reason, at)
            elif event.kind is EventKind.BOUNCE:
                added = self.suppression.record_soft_bounce(address, event.identity, at)
                reason = "SOFT_BOUNCE"
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

    def _publish(self, outbox: list[OutgoingEvent]) -> list[str]:
        """Publish; park what failed on its item and return the records to retry."""
        if not outbox:
            return []
        failed = self.publisher.publish(outbox)
        by_key: dict[tuple[str, str], list[OutgoingEvent]] = {}
        for event in failed:
            by_key.setdefault(event.key, []).append(event)
        for key, events in by_key.items():
            try:
                self.records.hold_pending(key, [event.detail for event in events])
            except Exception:
                self.logger.exception(
                    "status-change event could not be parked; it is lost",
                    extra={
                        "orderId": key[0],
                        "kind": key[1],
                        "eventIds": [e.detail.get("eventId") for e in events],
                    },
                )
        return [event.record_id for event in failed]
