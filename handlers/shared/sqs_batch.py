"""SQS plumbing both queue consumers share: dead-lettering with a reason, partial batch responses.

An input that can never succeed goes to the DLQ at once (with why, as message attributes) and is
acknowledged; everything else that fails is reported in `batchItemFailures` and retried by SQS.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .event_types import EVENT_TYPE_ATTRIBUTE, record_event_type

REASON_LIMIT = 1000
"""Characters of a rejection reason kept in the DLQ attribute (full reasons can be huge)."""


def batch_response(failed_message_ids: Iterable[str]) -> dict[str, list[dict[str, str]]]:
    """The `ReportBatchItemFailures` answer: only these messages become visible again."""
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed_message_ids]}


class DeadLetters:
    """Sends a record that can never succeed to the queue's DLQ, keeping its body and its reason."""

    def __init__(self, sqs_client: Any, queue_url: str, source: str):
        self._sqs = sqs_client
        self._queue_url = queue_url
        self._source = source

    def send(self, record: Mapping[str, Any], reason: str, error_type: str) -> None:
        """Raises on failure, so the caller reports the record as a batch failure instead.

        The record's `eventType` goes with it, so a redrive delivers it as the same kind of event."""
        attributes = {
            "reason": {"DataType": "String", "StringValue": reason[:REASON_LIMIT] or "unknown"},
            "errorType": {"DataType": "String", "StringValue": error_type},
            "source": {"DataType": "String", "StringValue": self._source},
            "originalMessageId": {"DataType": "String", "StringValue": record.get("messageId", "unknown")},
        }
        event_type = record_event_type(record)
        if event_type is not None:
            attributes[EVENT_TYPE_ATTRIBUTE] = {"DataType": "String", "StringValue": event_type}
        self._sqs.send_message(QueueUrl=self._queue_url, MessageBody=record.get("body") or "<empty body>",
                               MessageAttributes=attributes)
