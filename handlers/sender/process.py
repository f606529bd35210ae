"""The batch loop: SQS records in, one e-mail per order out, a partial batch response back.

Per batch: validate every record (invalid → DLQ), drop duplicates inside the batch, read the
suppression of all recipients in one call; then per order: claim → SendEmail → record. That is the
call budget of DESIGN §6: two sequential round trips before SES (suppression, claim), three calls
per e-mail plus one per batch.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from botocore.exceptions import BotoCoreError, ClientError

from handlers.sender.addresses import delivery_address, mailbox_header, redact_addresses
from handlers.sender.claims import DeliveryRecords
from handlers.sender.clients import (
    CALL_WORST_CASE_MS,
    EMAIL_WORST_CASE_MS,
    SAFETY_MARGIN_MS,
    Clients,
    make_clients,
)
from handlers.sender.leases import RETRY_LATER, Verdict
from handlers.sender.mailer import Mailer, Sender, SendError, SendErrorKind
from handlers.sender.order import InvalidOrder, Order, parse_order
from handlers.sender.rendering import render_order_confirmation
from handlers.sender.settings import Settings
from handlers.sender.suppression import SuppressionCheck, SuppressionList
from handlers.shared.masking import address_hash, mask_address
from handlers.shared.schema import utc_now
from handlers.shared.sqs_batch import DeadLetters, batch_response
from handlers.shared.telemetry import MetricName

SOURCE = "send_order_email"
"""The `source` attribute on dead-lettered records."""

TRANSIENT_DYNAMODB_CODES = frozenset({
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "InternalServerError",
    "RequestLimitExceeded",
    "TransactionConflictException",
})


class Outcome(Enum):
    DONE = "done"
    """Acknowledge: sent, duplicate, suppressed, failed for good or dead-lettered."""
    RETRY = "retry"
    """Report in batchItemFailures: SQS delivers it again after the visibility timeout."""
    STOP = "stop"
    """Retry this one and everything after it (daily quota exhausted)."""


@dataclass
class Tally:
    """Metrics of one invocation, added to Powertools once at the end (one EMF document)."""

    counts: Counter[str] = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)

    def flush(self, metrics: Any) -> None:
        for name, value in self.counts.items():
            metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
        for latency in self.latencies_ms:
            metrics.add_metric(name=MetricName.SEND_LATENCY, unit=MetricUnit.Milliseconds, value=latency)


class Deadline:
    """Lambda's remaining time: an e-mail is only started when its worst case fits."""

    def __init__(self, remaining_ms: Callable[[], int] | None):
        self._remaining_ms = remaining_ms

    def allows(self, cost_ms: int) -> bool:
        return self._remaining_ms is None or self._remaining_ms() >= cost_ms + SAFETY_MARGIN_MS


def _aws_error_code(error: Exception) -> str:
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code", "Unknown"))
    return type(error).__name__


class BatchSender:
    def __init__(
        self,
        settings: Settings,
        *,
        records: DeliveryRecords,
        suppression: SuppressionList,
        mailer: Mailer,
        dead_letters: DeadLetters,
        metrics: Any,
        logger: Any,
        clock: Callable[[], datetime] = utc_now,
    ):
        self._settings = settings
        self._records = records
        self._suppression = suppression
        self._mailer = mailer
        self._dead_letters = dead_letters
        self._metrics = metrics
        self._logger = logger
        self._clock = clock

    @classmethod
    def build(cls, settings: Settings, clients: Clients, *, metrics: Any, logger: Any,
              clock: Callable[[], datetime] = utc_now) -> BatchSender:
        return cls(
            settings,
            records=DeliveryRecords(
                clients.dynamodb,
                settings.deliveries_table,
                retention_days=settings.retention_days,
                lease_seconds=settings.lease_seconds,
                grace_seconds=settings.send_grace_seconds,
            ),
            suppression=SuppressionList(clients.dynamodb, settings.suppression_table),
            mailer=Mailer(
                clients.sesv2,
                Sender(
                    from_header=mailbox_header(settings.from_name, settings.from_address),
                    reply_to=settings.reply_to,
                    configuration_set=settings.configuration_set,
                ),
            ),
            dead_letters=DeadLetters(clients.sqs, settings.dlq_url, SOURCE),
            metrics=metrics,
            logger=logger,
            clock=clock,
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str], *, metrics: Any, logger: Any) -> BatchSender:
        return cls.build(Settings.from_env(env), make_clients(), metrics=metrics, logger=logger)

    # -- the batch -------------------------------------------------------------------------------

    def process(self, event: Mapping[str, Any],
                remaining_ms: Callable[[], int] | None = None) -> dict[str, Any]:
        """The partial batch response for an SQS event; never raises for a single bad record."""
        deadline = Deadline(remaining_ms)
        tally = Tally()
        failed: list[str] = []
        try:
            records = list(event.get("Records") or [])
            tally.counts[MetricName.ORDERS_RECEIVED] += len(records)
            orders = self._valid_orders(records, deadline, tally, failed)
            if orders:
                self._send_all(orders, deadline, tally, failed)
        finally:
            tally.flush(self._metrics)
        return batch_response(failed)

    def _valid_orders(self, records: list[Mapping[str, Any]], deadline: Deadline, tally: Tally,
                      failed: list[str]) -> list[tuple[Mapping[str, Any], Order]]:
        """Parsed orders, first occurrence of each order id; invalid ones dead-lettered."""
        unique: dict[str, tuple[Mapping[str, Any], Order]] = {}
        for record in records:
            message_id = str(record.get("messageId", ""))
            try:
                order = parse_order(str(record.get("body") or ""))
            except InvalidOrder as invalid:
                if not (deadline.allows(CALL_WORST_CASE_MS) and self._dead_letter(record, invalid, tally)):
                    failed.append(message_id)
                continue
            if order.orderId in unique:
                tally.counts[MetricName.DUPLICATES_SKIPPED] += 1
                self._logger.info("duplicate order in batch", extra={"orderId": order.orderId,
                                                                     "messageId": message_id})
                continue
            unique[order.orderId] = (record, order)
        return list(unique.values())

    def _dead_letter(self, record: Mapping[str, Any], invalid: InvalidOrder, tally: Tally) -> bool:
        reason = redact_addresses(invalid.reason)
        tally.counts[MetricName.INVALID_ORDERS] += 1
        self._logger.warning("invalid order dead-lettered", extra={
            "messageId": record.get("messageId"), "errorType": invalid.error_type, "reason": reason})
        try:
            self._dead_letters.send(record, reason, invalid.error_type)
        except (ClientError, BotoCoreError) as error:
            self._logger.error("dead-lettering failed; SQS will retry", extra={
                "messageId": record.get("messageId"), "error": _aws_error_code(error)})
            return False
        return True

    def _send_all(self, orders: list[tuple[Mapping[str, Any], Order]], deadline: Deadline, tally: Tally,
                  failed: list[str]) -> None:
        check = self._check_suppression(orders, deadline)
        if check is None:
            failed.extend(str(record.get("messageId", "")) for record, _ in orders)
            return
        stopped = False
        for record, order in orders:
            message_id = str(record.get("messageId", ""))
            if stopped or not deadline.allows(EMAIL_WORST_CASE_MS):
                failed.append(message_id)
                continue
            outcome = self._deliver_safely(order, check, tally)
            if outcome is not Outcome.DONE:
                failed.append(message_id)
            stopped = outcome is Outcome.STOP

    def _check_suppression(self, orders: list[tuple[Mapping[str, Any], Order]],
                           deadline: Deadline) -> SuppressionCheck | None:
        if not deadline.allows(CALL_WORST_CASE_MS + EMAIL_WORST_CASE_MS):
            return None
        try:
            return self._suppression.check(
                (address_hash(order.customerEmail) for _, order in orders), self._clock()
            )
        except (ClientError, BotoCoreError) as error:
            self._logger.warning("suppression check failed; batch retried",
                                 extra={"error": _aws_error_code(error)})
            return None

    # -- one order -------------------------------------------------------------------------------

    def _deliver_safely(self, order: Order, check: SuppressionCheck, tally: Tally) -> Outcome:
        log = {"orderId": order.orderId, "recipient": mask_address(order.customerEmail)}
        try:
            return self._deliver(order, check, tally, log)
        except (ClientError, BotoCoreError) as error:
            code = _aws_error_code(error)
            level = self._logger.warning if code in TRANSIENT_DYNAMODB_CODES else self._logger.error
            level("delivery store call failed; message retried", extra=log | {"error": code})
            return Outcome.RETRY
        except Exception:
            self._logger.exception("unexpected error; message retried", extra=log)
            return Outcome.RETRY

    def _deliver(self, order: Order, check: SuppressionCheck, tally: Tally, log: dict[str, Any]) -> Outcome:
        recipient = order.customerEmail
        recipient_hash = address_hash(recipient)
        if recipient_hash in check.unknown:
            self._logger.warning("suppression unknown (unprocessed key); message retried", extra=log)
            return Outcome.RETRY
        if recipient_hash in check.suppressed:
            return self._suppress(order, check.suppressed[recipient_hash], tally, log)

        delivered_to = delivery_address(recipient, self._settings.sandbox)
        email = render_order_confirmation(order)
        claim = self._records.claim(order.orderId, recipient, delivered_to, order.timestamp, self._clock())
        if claim.verdict is not Verdict.CLAIMABLE:
            return self._not_claimed(order, claim.verdict, claim.existing_message_id, tally, log)

        try:
            to_header = mailbox_header(order.customerName, delivered_to)
            ses_message_id = self._mailer.send(to_header, email, order.orderId)
        except SendError as error:
            return self._send_failed(order, claim.attempt, error, tally, log)

        accepted = self._clock()
        tally.counts[MetricName.EMAILS_SENT] += 1
        tally.latencies_ms.append(max(0.0, (accepted - order.timestamp).total_seconds() * 1000))
        log |= {"sesMessageId": ses_message_id, "deliveredTo": mask_address(delivered_to)}
        try:
            self._records.record_sent(order.orderId, ses_message_id, accepted)
        except Exception as error:
            # SES has the e-mail: never retry the message (that could mail twice). The SES Send
            # event records the message id on the item, and a later duplicate sees it.
            self._logger.error("sent but not recorded; the Send event will record it",
                               extra=log | {"error": _aws_error_code(error)})
            return Outcome.DONE
        self._logger.info("order confirmation sent", extra=log | {"attempt": claim.attempt})
        return Outcome.DONE

    def _suppress(self, order: Order, reason: str, tally: Tally, log: dict[str, Any]) -> Outcome:
        written = self._records.suppress(order.orderId, order.customerEmail, order.timestamp, self._clock(),
                                         f"address suppressed ({reason})")
        if written:
            tally.counts[MetricName.SUPPRESSED] += 1
            self._logger.info("recipient suppressed; not sent", extra=log | {"suppressionReason": reason})
        else:
            tally.counts[MetricName.DUPLICATES_SKIPPED] += 1
            self._logger.info("suppressed recipient, delivery item already exists", extra=log)
        return Outcome.DONE

    def _not_claimed(self, order: Order, verdict: Verdict, existing_message_id: str | None, tally: Tally,
                     log: dict[str, Any]) -> Outcome:
        if verdict in RETRY_LATER:
            self._logger.info("order claimed elsewhere or awaiting its Send event; retried",
                              extra=log | {"verdict": verdict})
            return Outcome.RETRY
        if verdict is Verdict.ALREADY_SENT and existing_message_id:
            self._records.mark_sent_from_event(order.orderId, existing_message_id, self._clock())
        tally.counts[MetricName.DUPLICATES_SKIPPED] += 1
        self._logger.info("duplicate order; not sent again",
                          extra=log | {"verdict": verdict, "sesMessageId": existing_message_id})
        return Outcome.DONE

    def _send_failed(self, order: Order, attempt: int, error: SendError, tally: Tally,
                     log: dict[str, Any]) -> Outcome:
        log = log | {"error": error.code, "errorKind": error.kind, "reason": error.message}
        now = self._clock()
        if error.kind is SendErrorKind.PERMANENT:
            tally.counts[MetricName.SEND_FAILURES] += 1
            self._records.fail(order.orderId, attempt, now, str(error))
            self._logger.error("SES refused the e-mail; marked FAILED", extra=log)
            return Outcome.DONE
        if error.kind is SendErrorKind.UNKNOWN:
            # SES may have accepted it: keep the claim, the retry waits for lease + grace
            self._logger.warning("SES outcome unknown; retried after the lease", extra=log)
            return Outcome.RETRY
        tally.counts[MetricName.SEND_THROTTLED] += error.kind is not SendErrorKind.NOT_SENT
        self._release_quietly(order, attempt, now, error, log)
        if error.kind is SendErrorKind.DAILY_QUOTA:
            self._logger.error("SES daily quota exhausted; rest of batch retried", extra=log)
            return Outcome.STOP
        self._logger.warning("SES did not take the e-mail; claim released, retried", extra=log)
        return Outcome.RETRY

    def _release_quietly(self, order: Order, attempt: int, now: datetime, error: SendError,
                         log: dict[str, Any]) -> None:
        try:
            self._records.release(order.orderId, attempt, now, str(error))
        except (ClientError, BotoCoreError) as release_error:
            # the lease still expires on its own; the retry just waits for it (and the grace period)
            self._logger.warning("claim release failed",
                                 extra=log | {"releaseError": _aws_error_code(release_error)})
