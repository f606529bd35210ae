"""The batch loop: SQS records in, one e-mail per order and kind out, a partial batch response back.

Per batch: validate every record by its `eventType` (`kinds`; invalid → DLQ), drop duplicates
(same order and kind) inside the batch, read the suppression of all recipients in one call; then
per e-mail: claim → SendEmail → record. That is the
call budget of docs/architecture.md §6: two sequential round trips before SES (suppression, claim), three calls
per e-mail plus one per batch.

Orders that must wait — held for an account or stack refusal, throttled, SES unreachable, or out of
invocation time — are re-enqueued with a backoff delay in one SendMessageBatch (`deferrals`), never
left to the visibility timeout, which would count each retry against maxReceiveCount. When the
refusal is the account's (sending paused, say) the rest of the batch is held without calling SES.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from ..shared.masking import address_hash, mask_address, redact_addresses
from ..shared.schema import iso, utc_now
from ..shared.sqs_batch import DeadLetters, batch_response
from ..shared.telemetry import MetricName
from .addresses import delivery_address, mailbox_header
from .claims import Claim, ClaimStore, DeliveryKey
from .clients import (
    CALL_WORST_CASE_MS,
    DEFER_WORST_CASE_MS,
    EMAIL_WORST_CASE_MS,
    Clients,
    make_clients,
)
from .deferrals import DeferPolicy, Deferral, Deferrer, wait_state
from .invocation import Deadline, Tally
from .kinds import parse_event
from .leases import RETRY_LATER, LeaseVerdict
from .mailer import Mailer, Sender, SendError, SendErrorKind
from .order import InvalidOrder, OrderEvent
from .pacing import SendPacer
from .rendering import render
from .settings import SenderSettings
from .stored_order import stored_order
from .suppression import SuppressionCheck, SuppressionReader

SOURCE = "send_order_email"
"""The `source` attribute on dead-lettered records."""
OUT_OF_TIME = "deadline"
"""`deferReason` of an order re-enqueued because the invocation had no time left for it."""

TRANSIENT_DYNAMODB_CODES = frozenset({
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "InternalServerError",
    "RequestLimitExceeded",
    "TransactionConflictException",
})


class SendOutcome(Enum):
    DONE = "done"
    """Acknowledge: sent, duplicate, suppressed, failed for good or dead-lettered."""
    RETRY = "retry"
    """Report in batchItemFailures: SQS delivers it again after the visibility timeout (SES may
    have the e-mail, or the delivery store failed: the claim protocol needs the lease to run out)."""


@dataclass(frozen=True)
class Wait:
    """The order must wait and be tried again later (re-enqueued with a delay)."""

    reason: str
    """The `deferReason`: SES's error code, or the claim verdict that made it wait."""
    held: bool = False
    """An account or stack refusal: the hold backoff (longer) rather than the throttle backoff."""
    delay_seconds: int | None = None
    """A known wait (a live claim's lease, a crash's grace period); else the backoff decides."""
    blocking: SendError | None = None
    """An account-wide refusal: the rest of the batch is held without calling SES."""

    @classmethod
    def after(cls, error: SendError) -> Wait:
        return cls(error.code, held=error.kind is SendErrorKind.HELD, blocking=error if error.whole_batch else None)


def _aws_error_code(error: Exception) -> str:
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code", "Unknown"))
    return type(error).__name__


class BatchSender:
    def __init__(
        self,
        settings: SenderSettings,
        *,
        records: ClaimStore,
        suppression: SuppressionReader,
        mailer: Mailer,
        dead_letters: DeadLetters,
        deferrer: Deferrer,
        pacer: SendPacer,
        metrics: Any,
        logger: Any,
        clock: Callable[[], datetime] = utc_now,
    ):
        self._settings = settings
        self._records = records
        self._suppression = suppression
        self._mailer = mailer
        self._dead_letters = dead_letters
        self._deferrer = deferrer
        self._pacer = pacer
        self._metrics = metrics
        self._logger = logger
        self._clock = clock

    @classmethod
    def build(cls, settings: SenderSettings, clients: Clients, *, metrics: Any, logger: Any,
              clock: Callable[[], datetime] = utc_now, pacer: SendPacer | None = None) -> BatchSender:
        return cls(
            settings,
            records=ClaimStore(
                clients.dynamodb,
                settings.deliveries_table,
                retention_days=settings.retention_days,
                lease_seconds=settings.lease_seconds,
                grace_seconds=settings.send_grace_seconds,
            ),
            suppression=SuppressionReader(clients.dynamodb, settings.suppression_table),
            mailer=Mailer(
                clients.sesv2,
                Sender.configured(settings.from_name, settings.from_address, settings.reply_to,
                                  settings.configuration_set),
            ),
            dead_letters=DeadLetters(clients.sqs, settings.dlq_url, SOURCE),
            deferrer=Deferrer(clients.sqs, settings.send_queue_url,
                              DeferPolicy(settings.hold_max_delay_seconds, settings.hold_give_up_seconds)),
            pacer=pacer or SendPacer(settings.send_rate_per_worker),
            metrics=metrics,
            logger=logger,
            clock=clock,
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str], *, metrics: Any, logger: Any) -> BatchSender:
        return cls.build(SenderSettings.from_env(env), make_clients(), metrics=metrics, logger=logger)

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
                      failed: list[str]) -> list[tuple[Mapping[str, Any], OrderEvent, DeliveryKey]]:
        """Parsed events, first occurrence of each order and kind; invalid ones dead-lettered."""
        unique: dict[DeliveryKey, tuple[Mapping[str, Any], OrderEvent, DeliveryKey]] = {}
        for record in records:
            message_id = str(record.get("messageId", ""))
            try:
                parsed = parse_event(record)
            except InvalidOrder as invalid:
                tally.counts[MetricName.INVALID_ORDERS] += 1
                reason = redact_addresses(invalid.reason)
                self._logger.warning("invalid order dead-lettered", extra={
                    "messageId": message_id, "errorType": invalid.error_type, "reason": reason})
                if not (deadline.allows(CALL_WORST_CASE_MS) and self._dead_letter(record, reason, invalid.error_type)):
                    failed.append(message_id)
                continue
            order, key = parsed.event, DeliveryKey(parsed.event.orderId, parsed.kind)
            if key in unique:
                tally.counts[MetricName.DUPLICATES_SKIPPED] += 1
                self._logger.info("duplicate order in batch", extra={"orderId": order.orderId, "kind": key.kind,
                                                                     "messageId": message_id})
                continue
            unique[key] = (record, order, key)
        return list(unique.values())

    def _dead_letter(self, record: Mapping[str, Any], reason: str, error_type: str) -> bool:
        try:
            self._dead_letters.send(record, reason, error_type)
        except (ClientError, BotoCoreError) as error:
            self._logger.error("dead-lettering failed; SQS will retry", extra={
                "messageId": record.get("messageId"), "error": _aws_error_code(error)})
            return False
        return True

    def _send_all(self, orders: list[tuple[Mapping[str, Any], OrderEvent, DeliveryKey]], deadline: Deadline,
                  tally: Tally, failed: list[str]) -> None:
        check = self._check_suppression(orders, deadline)
        if check is None:
            failed.extend(str(record.get("messageId", "")) for record, _, _ in orders)
            return
        waits: list[Deferral] = []
        blocked: SendError | None = None  # an account-wide refusal: the rest of the batch is held untried
        for record, order, key in orders:
            message_id = str(record.get("messageId", ""))
            if blocked is None and not deadline.allows(
                    EMAIL_WORST_CASE_MS + DEFER_WORST_CASE_MS + self._pacer.wait_seconds() * 1000):
                waits.append(Deferral(record, 1, OUT_OF_TIME, wait_state(record)))
                continue
            result = self._deliver_safely(order, key, check, tally, blocked)
            if isinstance(result, Wait):
                waits.append(self._deferrer.plan(record, result.reason, held=result.held, delay=result.delay_seconds))
                blocked = blocked or result.blocking
            elif result is SendOutcome.RETRY:
                failed.append(message_id)
        if waits:
            failed.extend(self._settle_waits(waits, tally))

    def _check_suppression(self, orders: list[tuple[Mapping[str, Any], OrderEvent, DeliveryKey]],
                           deadline: Deadline) -> SuppressionCheck | None:
        if not deadline.allows(CALL_WORST_CASE_MS + EMAIL_WORST_CASE_MS + DEFER_WORST_CASE_MS):
            return None
        try:
            return self._suppression.check(
                (address_hash(order.customerEmail) for _, order, _ in orders), self._clock()
            )
        except (ClientError, BotoCoreError) as error:
            self._logger.warning("suppression check failed; batch retried",
                                 extra={"error": _aws_error_code(error)})
            return None

    def _settle_waits(self, waits: list[Deferral], tally: Tally) -> list[str]:
        """Re-enqueue the waiting orders; dead-letter those that waited too long. Failed ids back."""
        now = self._clock().timestamp()
        failed: list[str] = []
        again: list[Deferral] = []
        for wait in waits:
            if not self._deferrer.gave_up(wait, now):
                again.append(wait)
                continue
            since = iso(datetime.fromtimestamp(wait.state.since or now, self._clock().tzinfo))
            reason = f"waited since {since} ({wait.state.deferrals} tries), last refusal {wait.reason}"
            tally.counts[MetricName.HELD_TOO_LONG] += 1
            self._logger.error("order waited too long; dead-lettered for a redrive once fixed",
                               extra={"messageId": wait.record.get("messageId"), "reason": reason})
            if not self._dead_letter(wait.record, reason, "HeldTooLong"):
                failed.append(str(wait.record.get("messageId", "")))
        tally.counts[MetricName.DEFERRED] += len(again)
        unsent = self._deferrer.send(again, now)
        if unsent:
            self._logger.warning("re-enqueueing waiting orders failed; SQS will retry them",
                                 extra={"messageIds": unsent})
        return failed + unsent

    # -- one order -------------------------------------------------------------------------------

    def _deliver_safely(self, order: OrderEvent, key: DeliveryKey, check: SuppressionCheck, tally: Tally,
                        blocked: SendError | None) -> SendOutcome | Wait:
        log = {"orderId": order.orderId, "kind": key.kind, "recipient": mask_address(order.customerEmail)}
        try:
            return self._deliver(order, key, check, tally, log, blocked)
        except (ClientError, BotoCoreError) as error:
            code = _aws_error_code(error)
            level = self._logger.warning if code in TRANSIENT_DYNAMODB_CODES else self._logger.error
            level("delivery store call failed; message retried", extra=log | {"error": code})
            return SendOutcome.RETRY
        except Exception:
            self._logger.exception("unexpected error; message retried", extra=log)
            return SendOutcome.RETRY

    def _deliver(self, order: OrderEvent, key: DeliveryKey, check: SuppressionCheck, tally: Tally,
                 log: dict[str, Any], blocked: SendError | None) -> SendOutcome | Wait:
        recipient = order.customerEmail
        recipient_hash = address_hash(recipient)
        if recipient_hash in check.unknown:
            self._logger.warning("suppression unknown (unprocessed key); message retried", extra=log)
            return SendOutcome.RETRY
        if recipient_hash in check.suppressed:
            return self._suppress(order, key, check.suppressed[recipient_hash], tally, log)

        delivered_to = delivery_address(recipient, self._settings.sandbox)
        if blocked is not None:
            return self._hold_untried(order, key, delivered_to, blocked, tally, log)
        email = render(key.kind, order)
        claim = self._records.claim(key, recipient, delivered_to, order.timestamp, self._clock(),
                                    stored_order(order))
        if claim.verdict is not LeaseVerdict.CLAIMABLE:
            return self._not_claimed(key, claim, tally, log)

        try:
            to_header = mailbox_header(order.customerName, delivered_to)
            self._pacer.before_send()
            ses_message_id = self._mailer.send(to_header, email, order.orderId, key.kind)
        except SendError as error:
            return self._send_failed(key, claim, error, tally, log)

        accepted = self._clock()
        tally.counts[MetricName.EMAILS_SENT] += 1
        tally.latencies_ms.append(max(0.0, (accepted - order.timestamp).total_seconds() * 1000))
        log |= {"sesMessageId": ses_message_id, "deliveredTo": mask_address(delivered_to)}
        try:
            self._records.record_sent(key, ses_message_id, accepted)
        except Exception as error:
            # SES has the e-mail: never retry the message (that could mail twice). The SES Send
            # event records the message id on the item, and a later duplicate sees it.
            self._logger.error("sent but not recorded; the Send event will record it",
                               extra=log | {"error": _aws_error_code(error)})
            return SendOutcome.DONE
        self._logger.info("order e-mail sent", extra=log | {"attempt": claim.attempt})
        return SendOutcome.DONE

    def _suppress(self, order: OrderEvent, key: DeliveryKey, reason: str, tally: Tally,
                  log: dict[str, Any]) -> SendOutcome:
        written = self._records.suppress(key, order.customerEmail, order.timestamp, self._clock(),
                                         f"address suppressed ({reason})", stored_order(order))
        if written:
            tally.counts[MetricName.SUPPRESSED] += 1
            self._logger.info("recipient suppressed; not sent", extra=log | {"suppressionReason": reason})
        else:
            tally.counts[MetricName.DUPLICATES_SKIPPED] += 1
            self._logger.info("suppressed recipient, delivery item already exists", extra=log)
        return SendOutcome.DONE

    def _not_claimed(self, key: DeliveryKey, claim: Claim, tally: Tally, log: dict[str, Any]) -> SendOutcome | Wait:
        if claim.verdict in RETRY_LATER:
            # waits on the queue until the lease (and, after a crash, the grace period) is over: a
            # visibility-timeout retry would count receives and could dead-letter the order meanwhile
            self._logger.info("order claimed elsewhere or awaiting its Send event; it waits",
                              extra=log | {"verdict": claim.verdict, "waitSeconds": claim.wait_seconds})
            return Wait(str(claim.verdict), delay_seconds=claim.wait_seconds)
        if claim.verdict is LeaseVerdict.ALREADY_SENT and claim.existing_message_id:
            self._records.mark_sent_from_event(key, claim.existing_message_id, self._clock())
        tally.counts[MetricName.DUPLICATES_SKIPPED] += 1
        self._logger.info("duplicate order; not sent again",
                          extra=log | {"verdict": claim.verdict, "sesMessageId": claim.existing_message_id})
        return SendOutcome.DONE

    def _hold_untried(self, order: OrderEvent, key: DeliveryKey, delivered_to: str, blocked: SendError,
                      tally: Tally, log: dict[str, Any]) -> SendOutcome | Wait:
        """Held because an earlier order of the batch got an account-wide refusal; SES not called."""
        claim = self._records.mark_held(key, order.customerEmail, delivered_to, order.timestamp,
                                        self._clock(), blocked.held_reason, stored_order(order))
        if claim.verdict is not LeaseVerdict.CLAIMABLE:
            return self._not_claimed(key, claim, tally, log)
        tally.counts[MetricName.HELD_ORDERS] += 1
        self._logger.info("order held with its batch", extra=log | {"error": blocked.code})
        return Wait.after(blocked)

    def _send_failed(self, key: DeliveryKey, claim: Claim, error: SendError, tally: Tally,
                     log: dict[str, Any]) -> SendOutcome | Wait:
        log = log | {"error": error.code, "errorKind": error.kind, "reason": error.message}
        now = self._clock()
        if error.kind is SendErrorKind.ORDER:
            tally.counts[MetricName.SEND_FAILURES] += 1
            self._records.fail(key, claim, now, str(error))
            self._logger.error("SES refused the e-mail; marked FAILED", extra=log)
            return SendOutcome.DONE
        if error.kind is SendErrorKind.UNKNOWN:
            # SES may have accepted it: keep the claim, the retry waits for lease + grace
            self._logger.warning("SES outcome unknown; retried after the lease", extra=log)
            return SendOutcome.RETRY
        if error.kind is SendErrorKind.HELD:
            tally.counts[MetricName.HELD_ORDERS] += 1
            self._finish_quietly(self._records.hold, key, claim, now, error.held_reason, log)
            self._logger.error(f"order held, not failed: {error.remedy}", extra=log | {"remedy": error.remedy})
            return Wait.after(error)
        if error.kind is SendErrorKind.THROTTLED:
            tally.counts[MetricName.SEND_THROTTLED] += 1
            self._pacer.throttled()
        self._finish_quietly(self._records.release, key, claim, now, str(error), log)
        self._logger.warning("SES did not take the e-mail; claim released, retried with backoff", extra=log)
        return Wait.after(error)

    def _finish_quietly(self, finish: Callable[[DeliveryKey, Claim, datetime, str], None], key: DeliveryKey,
                        claim: Claim,
                        now: datetime, reason: str, log: dict[str, Any]) -> None:
        """Release or hold the claim; if that write fails the lease still expires on its own."""
        try:
            finish(key, claim, now, reason)
        except (ClientError, BotoCoreError) as release_error:
            self._logger.warning("claim release failed",
                                 extra=log | {"releaseError": _aws_error_code(release_error)})
