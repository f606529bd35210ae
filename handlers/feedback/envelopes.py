"""Every envelope an SES event can arrive in, unwrapped to the SES event itself (or a classified reason).

Accepted, nested in any order up to `MAX_DEPTH` levels:
- SQS record body with SNS raw delivery: the SES event JSON itself;
- SQS record body holding an SNS notification (`Type: Notification`, `Message` a JSON *string*,
  sometimes ending in "\\n"; HTTP bodies spell `SigningCertURL`, which we never need);
- SNS→Lambda record (`EventSource: aws:sns`, `Sns.Message`; Lambda spells `SigningCertUrl`);
- EventBridge event (`source: aws.ses`, `detail-type: "Email Delivered"` …, the SES event in
  `detail`), delivered to Lambda directly or through SQS/SNS.

Not SES events, logged and dropped: SNS Subscription/UnsubscribeConfirmation, the plain-string
"Successfully validated SNS topic for Amazon SES event publishing." test message, identity-topic
`AmazonSnsSubscriptionSucceeded` notifications and SES EventBridge events that are not about an
e-mail (advisor, sending status). Everything else that is not an SES event is `Invalid`: it goes to
the DLQ with the reason. Nothing here raises on any input.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

MAX_DEPTH = 4
VALIDATION_MESSAGE = "Successfully validated SNS topic for Amazon SES event publishing."

EVENTBRIDGE_DETAIL_TYPES = {
    "Email Sent": "Send",
    "Email Delivered": "Delivery",
    "Email Bounced": "Bounce",
    "Email Complaint Received": "Complaint",
    "Email Rejected": "Reject",
    "Email Opened": "Open",
    "Email Clicked": "Click",
    "Email Rendering Failed": "Rendering Failure",
    "Email Delivery Delayed": "DeliveryDelay",
    "Email Subscribed": "Subscription",
}
"""SES's EventBridge detail-types; the detail carries `eventType` itself, this is the fallback."""


@dataclass(frozen=True)
class Payload:
    """An SES event object (event publishing or identity notification), still unvalidated."""

    data: dict[str, Any]


@dataclass(frozen=True)
class Ignored:
    """Not an SES e-mail event, but expected on the topic: acknowledge and log."""

    reason: str


@dataclass(frozen=True)
class Invalid:
    """Can never be processed: dead-letter with this reason."""

    reason: str
    error_type: str = "InvalidEnvelope"


Unwrapped = Payload | Ignored | Invalid


@dataclass(frozen=True)
class InboundRecord:
    """One unit of work from the Lambda event, with what the DLQ keeps of it."""

    record_id: str
    body: str
    """The original text, dead-lettered as is when the record is invalid."""
    content: Any
    origin: Literal["sqs", "sns", "eventbridge", "unknown"]


def inbound_records(event: Any) -> list[InboundRecord]:
    """Split a Lambda event (SQS batch, SNS records or one EventBridge event) into records."""
    if isinstance(event, dict) and isinstance(event.get("Records"), list):
        return [_record(index, record) for index, record in enumerate(event["Records"])]
    if isinstance(event, dict) and "detail-type" in event:
        return [InboundRecord(str(event.get("id") or "eventbridge"), _dump(event), event, "eventbridge")]
    return [InboundRecord("unknown", _dump(event), event, "unknown")]


def _record(index: int, record: Any) -> InboundRecord:
    if isinstance(record, dict) and record.get("eventSource") == "aws:sqs":
        body = record.get("body")
        return InboundRecord(str(record.get("messageId") or index), body if isinstance(body, str) else "", body, "sqs")
    if isinstance(record, dict) and record.get("EventSource") == "aws:sns" and isinstance(record.get("Sns"), dict):
        sns = record["Sns"]
        return InboundRecord(str(sns.get("MessageId") or index), _dump(sns), record, "sns")
    return InboundRecord(str(index), _dump(record), record, "unknown")


def _dump(value: Any) -> str:
    try:
        return json.dumps(value, default=str)[:200_000]
    except (TypeError, ValueError):
        return repr(value)[:200_000]


def unwrap(content: Any, depth: int = 0) -> Unwrapped:
    """Peel envelopes until the SES event; classify anything else. Total over every input."""
    if depth > MAX_DEPTH:
        return Invalid("envelopes nested too deeply")
    if isinstance(content, (str, bytes)):
        return _unwrap_text(content, depth)
    if not isinstance(content, dict):
        return Invalid(f"expected a JSON object, got {type(content).__name__}")
    if "eventType" in content or "notificationType" in content:
        return _ses_event(content)
    if "Sns" in content:
        return unwrap(content["Sns"], depth + 1)
    kind = content.get("Type")
    if kind in ("SubscriptionConfirmation", "UnsubscribeConfirmation"):
        return Ignored(f"SNS {kind}")
    if kind == "Notification" and "Message" in content:
        return unwrap(content["Message"], depth + 1)
    if "detail-type" in content and "detail" in content:
        return _eventbridge(content)
    return Invalid("not an SES event: no eventType, notificationType, SNS or EventBridge envelope", "NotSesEvent")


def _unwrap_text(content: str | bytes, depth: int) -> Unwrapped:
    if isinstance(content, bytes):
        try:
            content = content.decode()
        except UnicodeDecodeError:
            return Invalid("body is not UTF-8", "Unparseable")
    text = content.strip()
    if text.startswith("Successfully validated SNS topic"):
        return Ignored("SES event-publishing validation message")
    if not text:
        return Invalid("empty body", "Unparseable")
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError) as error:
        return Invalid(f"body is not JSON: {str(error)[:200]}", "Unparseable")
    return unwrap(parsed, depth + 1)


def _ses_event(content: dict[str, Any]) -> Unwrapped:
    if content.get("notificationType") == "AmazonSnsSubscriptionSucceeded":
        return Ignored("SES identity-topic subscription notice")
    return Payload(content)


def _eventbridge(content: dict[str, Any]) -> Unwrapped:
    if content.get("source") != "aws.ses":
        return Invalid(f"EventBridge event from {str(content.get('source'))[:100]!r}, not aws.ses", "NotSesEvent")
    detail_type = content.get("detail-type")
    detail = content.get("detail")
    fallback = EVENTBRIDGE_DETAIL_TYPES.get(detail_type) if isinstance(detail_type, str) else None
    if fallback is None:
        return Ignored(f"SES EventBridge event {str(detail_type)[:100]!r} is not about an e-mail")
    if not isinstance(detail, dict):
        return Invalid("EventBridge SES event without an object detail", "NotSesEvent")
    if "eventType" not in detail and "notificationType" not in detail:
        detail = {**detail, "eventType": fallback}
    return Payload(detail)
