"""One SQS batch of status changes delivered to the webhook: the handler's core, AWS passed in.

Each record is an EventBridge event (the rule on the status bus targets the queue). Its `detail`,
serialised once, is the body; each attempt signs it with a fresh timestamp. A delivered change is
acknowledged; a failed one is reported in `batchItemFailures` after its visibility is set to the
backoff of its receive count (`retries`), so SQS itself schedules the next attempt and, after
`max_attempts` receives, moves it to the DLQ. A record that is not a status change can never be
delivered: it goes to the DLQ at once, with the reason.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..feedback.outbox import DETAIL_TYPE, SOURCE
from ..shared.sqs_batch import batch_response
from .retries import retry_delay
from .signing import signed_headers
from .transport import Attempt

DEADLINE_MARGIN_MS = 2000
"""Left for acknowledging the batch after the last POST may have used its whole timeout."""


@dataclass(frozen=True)
class DeliverySettings:
    url: str
    secret: bytes
    timeout_seconds: float
    max_attempts: int
    retry_base_seconds: int
    retry_max_seconds: int


Post = Callable[[str, bytes, Mapping[str, str], float], Attempt]
SetVisibility = Callable[[str, int], object]
"""(receipt handle, seconds)."""
DeadLetter = Callable[[Mapping[str, Any], str, str], None]
"""(record, reason, error type); raises when it could not."""


class NotAStatusChange(ValueError):
    """The record's body is not an `Email Status Changed` event of ours."""


def status_change(body: str) -> dict[str, Any]:
    """The event detail a record carries (pure); NotAStatusChange saying why when it carries none."""
    try:
        event = json.loads(body)
    except ValueError:
        raise NotAStatusChange("body is not JSON") from None
    if not isinstance(event, dict) or event.get("source") != SOURCE or event.get("detail-type") != DETAIL_TYPE:
        raise NotAStatusChange(f"not a {SOURCE!r} / {DETAIL_TYPE!r} event")
    detail = event.get("detail")
    if not isinstance(detail, dict) or not isinstance(detail.get("eventId"), str) or not detail["eventId"]:
        raise NotAStatusChange("the event's detail has no eventId")
    return detail


def encoded(detail: Mapping[str, Any]) -> bytes:
    """The exact body sent and signed: compact JSON with sorted keys (pure)."""
    return json.dumps(detail, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


class WebhookBatch:
    def __init__(self, settings: DeliverySettings, *, post: Post, set_visibility: SetVisibility,
                 dead_letter: DeadLetter, log: Any, clock: Callable[[], float] = time.time):
        self._settings = settings
        self._post = post
        self._set_visibility = set_visibility
        self._dead_letter = dead_letter
        self._log = log
        self._clock = clock

    def run(self, records: list[Mapping[str, Any]], remaining_ms: Callable[[], int]) -> dict[str, Any]:
        failed: list[str] = []
        for record in records:
            budget = (self._settings.timeout_seconds * 1000) + DEADLINE_MARGIN_MS
            if remaining_ms() < budget:  # no time for another full POST: this one waits for the next invocation
                failed.append(record["messageId"])
                continue
            if not self._one(record):
                failed.append(record["messageId"])
        return batch_response(failed)

    def _one(self, record: Mapping[str, Any]) -> bool:
        """Whether the record is done with (delivered, or dead-lettered as undeliverable)."""
        try:
            detail = status_change(record.get("body") or "")
        except NotAStatusChange as error:
            return self._undeliverable(record, str(error))
        attempt_number = int((record.get("attributes") or {}).get("ApproximateReceiveCount") or 1)
        body = encoded(detail)
        settings = self._settings
        headers = signed_headers(settings.secret, int(self._clock()), body, detail["eventId"])
        attempt = self._post(settings.url, body, headers, settings.timeout_seconds)
        facts = {"orderId": detail.get("orderId"), "eventId": detail["eventId"], "status": detail.get("status"),
                 "attempt": attempt_number, "maxAttempts": settings.max_attempts, "httpStatus": attempt.status}
        if attempt.delivered:
            self._log.info("webhook delivered", extra=facts)
            return True
        delay = retry_delay(attempt_number, max_attempts=settings.max_attempts,
                            base_seconds=settings.retry_base_seconds, max_seconds=settings.retry_max_seconds)
        last = attempt_number >= settings.max_attempts
        self._log.warning("webhook delivery failed; the queue dead-letters it" if last else
                          "webhook delivery failed; retried after the backoff",
                          extra={**facts, "error": attempt.error, "retryInSeconds": None if last else delay})
        try:
            self._set_visibility(record["receiptHandle"], delay)
        except Exception as error:  # the queue's own visibility timeout then decides when it comes back
            self._log.warning("could not set the retry delay", extra={"eventId": detail["eventId"],
                                                                      "error": type(error).__name__})
        return False

    def _undeliverable(self, record: Mapping[str, Any], reason: str) -> bool:
        try:
            self._dead_letter(record, reason, "NotAStatusChange")
        except Exception as error:
            self._log.error("could not dead-letter an undeliverable record",
                            extra={"messageId": record.get("messageId"), "error": type(error).__name__})
            return False
        self._log.error("undeliverable record dead-lettered", extra={"messageId": record.get("messageId"),
                                                                     "reason": reason})
        return True
