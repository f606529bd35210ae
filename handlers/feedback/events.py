"""Both SES formats (event publishing `eventType`, identity notifications `notificationType`) parsed
into one typed `FeedbackEvent`.

Real payloads can be minimal (`mail` with only `messageId`, no subject header on templated sends),
so only what the handler relies on is required: `mail.messageId`, the event type and, for bounces,
`bounce.bounceType`. Unknown fields are ignored. `parse_event` never raises: it returns the event or
an `Invalid` with the reason.

Bounce classification: `Permanent` is hard. `Transient` and `Undetermined` are soft — including a
Transient bounce whose recipient DSN status is 5.x.x (mailbox full 5.2.2, message too large 5.3.4,
content rejected 5.7.1). SES only reports a Transient bounce after retrying for hours and its
`bounceType` is its verdict on the *address*; a 5.x.x there is about this message or this moment, so
suppressing a paying customer permanently would be wrong. It is still counted as a soft bounce (and
so suppresses temporarily if it repeats past SOFT_BOUNCE_COUNT), and `permanent_dsn` flags it in the
history and logs so an operator can see it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..shared.masking import normalise_address, redact_addresses
from ..shared.order_ids import from_tag_value
from ..shared.schema import KIND, ORDER_CONFIRMATION, ORDER_ID, iso
from .envelopes import Invalid


class EventKind(StrEnum):
    SEND = "Send"
    REJECT = "Reject"
    BOUNCE = "Bounce"
    COMPLAINT = "Complaint"
    DELIVERY = "Delivery"
    DELIVERY_DELAY = "DeliveryDelay"
    RENDERING_FAILURE = "Rendering Failure"
    OPEN = "Open"
    CLICK = "Click"
    SUBSCRIPTION = "Subscription"


_ALIASES = {"RenderingFailure": EventKind.RENDERING_FAILURE, "Deliverydelay": EventKind.DELIVERY_DELAY}
REASON_LIMIT = 300
CONFIGURATION_SET_TAG = "ses:configuration-set"
NOT_SPAM = "not-spam"


def _utc(moment: datetime) -> datetime:
    """SES timestamps carry a `Z`; a naive one is read as UTC so all comparisons are possible."""
    try:
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except OverflowError:
        raise ValueError("timestamp out of range") from None


Moment = Annotated[datetime, AfterValidator(_utc)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)


class _Mail(_Model):
    messageId: str = Field(min_length=1, max_length=1024)
    timestamp: Moment | None = None
    destination: list[str] = []
    tags: dict[str, Any] = {}

    @field_validator("destination", mode="before")
    @classmethod
    def _strings(cls, value: Any) -> Any:
        return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []

    @field_validator("tags", mode="before")
    @classmethod
    def _tags(cls, value: Any) -> Any:
        return value if isinstance(value, dict) else {}


class _Addressed(_Model):
    emailAddress: str
    status: str | None = None
    diagnosticCode: str | None = None


class _Bounce(_Model):
    bounceType: str
    bounceSubType: str | None = None
    bouncedRecipients: list[_Addressed] = []
    timestamp: Moment | None = None
    feedbackId: str | None = None


class _Complaint(_Model):
    complainedRecipients: list[_Addressed] = []
    timestamp: Moment | None = None
    feedbackId: str | None = None
    complaintFeedbackType: str | None = None


class _Delivery(_Model):
    timestamp: Moment | None = None
    recipients: list[str] = []


class _Delay(_Model):
    timestamp: Moment | None = None
    delayType: str | None = None
    delayedRecipients: list[_Addressed] = []


class _Timed(_Model):
    timestamp: Moment | None = None


class _Reject(_Model):
    reason: str | None = None


class _Failure(_Model):
    errorMessage: str | None = None
    templateName: str | None = None


class _SesEvent(_Model):
    eventType: str | None = None
    notificationType: str | None = None
    mail: _Mail
    bounce: _Bounce | None = None
    complaint: _Complaint | None = None
    delivery: _Delivery | None = None
    deliveryDelay: _Delay | None = None
    reject: _Reject | None = None
    failure: _Failure | None = None
    open: _Timed | None = None
    click: _Timed | None = None
    subscription: _Timed | None = None


@dataclass(frozen=True)
class FeedbackEvent:
    """One SES event, reduced to what the feedback loop decides on."""

    kind: EventKind
    message_id: str
    mail_timestamp: datetime | None
    occurred_at: datetime | None
    """The event's own time (sub-object timestamp), else the mail's; None only in minimal payloads."""
    recipients: tuple[str, ...]
    """Addresses the event is about (bounced, complained, delivered, delayed; else the destination)."""
    order_key: tuple[str, str] | None
    """(orderId, kind) from the mail's tags, when the sender's tags are there."""
    configuration_set: str | None = None
    """The configuration set SES sent it through (its own `ses:configuration-set` tag)."""
    hard_bounce: bool = False
    permanent_dsn: bool = False
    """A soft (Transient/Undetermined) bounce whose DSN status is 5.x.x — see the module docstring."""
    feedback_id: str | None = None
    complaint_type: str | None = None
    reason: str | None = None

    @property
    def identity(self) -> str:
        """SES identity of the event (message id + type + time or feedback id + recipients), hashed.

        The dedupe key: SNS/SQS redeliveries carry new envelope ids but the same identity.
        """
        moment = self.feedback_id or (iso(self.occurred_at) if self.occurred_at else "")
        who = ",".join(sorted({normalise_address(address) for address in self.recipients}))
        raw = "|".join((self.message_id, self.kind.value, moment, who))
        return hashlib.sha256(raw.encode()).hexdigest()[:24]

    @property
    def suppresses(self) -> bool:
        """Hard bounces and complaints (other than `not-spam`) suppress the addresses involved."""
        if self.kind is EventKind.BOUNCE:
            return self.hard_bounce
        return self.kind is EventKind.COMPLAINT and (self.complaint_type or "").lower() != NOT_SPAM

    @property
    def delivery_latency_ms(self) -> float | None:
        if self.kind is not EventKind.DELIVERY or not self.mail_timestamp or not self.occurred_at:
            return None
        return max(0.0, (self.occurred_at - self.mail_timestamp).total_seconds() * 1000)


def parse_event(data: dict[str, Any]) -> FeedbackEvent | Invalid:
    """Validate an SES event object (either format); never raises."""
    try:
        model = _SesEvent.model_validate(data)
    except ValidationError as error:
        return Invalid(f"invalid SES event: {_summary(error)}", "InvalidSesEvent")
    except Exception as error:  # a parser must classify every input, never crash the batch
        return Invalid(f"invalid SES event: {type(error).__name__}", "InvalidSesEvent")
    raw_kind = model.eventType or model.notificationType or ""
    try:
        kind = _ALIASES.get(raw_kind) or EventKind(raw_kind)
    except ValueError:
        return Invalid(f"unsupported SES event type {str(raw_kind)[:60]!r}", "UnsupportedEventType")
    if kind is EventKind.BOUNCE and model.bounce is None:
        return Invalid("Bounce event without a bounce object", "InvalidSesEvent")
    return _build(kind, model)


def _build(kind: EventKind, model: _SesEvent) -> FeedbackEvent:
    mail = model.mail
    base: dict[str, Any] = {
        "kind": kind,
        "message_id": mail.messageId,
        "mail_timestamp": mail.timestamp,
        "order_key": _order_key(mail.tags),
        "configuration_set": _first(mail.tags.get(CONFIGURATION_SET_TAG)),
    }
    destination = tuple(mail.destination)
    if kind is EventKind.BOUNCE and model.bounce is not None:
        bounce = model.bounce
        hard = bounce.bounceType == "Permanent"
        statuses = [recipient.status or "" for recipient in bounce.bouncedRecipients]
        diagnostic = next((r.diagnosticCode for r in bounce.bouncedRecipients if r.diagnosticCode), None)
        return FeedbackEvent(
            **base,
            occurred_at=bounce.timestamp or mail.timestamp,
            recipients=tuple(r.emailAddress for r in bounce.bouncedRecipients),
            hard_bounce=hard,
            permanent_dsn=not hard and any(s.startswith("5.") for s in statuses),
            feedback_id=bounce.feedbackId,
            reason=_reason(bounce.bounceType, bounce.bounceSubType, *statuses[:1], diagnostic),
        )
    if kind is EventKind.COMPLAINT:
        complaint = model.complaint or _Complaint()
        return FeedbackEvent(
            **base,
            occurred_at=complaint.timestamp or mail.timestamp,
            recipients=tuple(r.emailAddress for r in complaint.complainedRecipients),
            feedback_id=complaint.feedbackId,
            complaint_type=complaint.complaintFeedbackType,
            reason=_reason("complaint", complaint.complaintFeedbackType),
        )
    if kind is EventKind.DELIVERY:
        delivery = model.delivery or _Delivery()
        return FeedbackEvent(
            **base,
            occurred_at=delivery.timestamp or mail.timestamp,
            recipients=tuple(delivery.recipients) or destination,
        )
    if kind is EventKind.DELIVERY_DELAY:
        delay = model.deliveryDelay or _Delay()
        return FeedbackEvent(
            **base,
            occurred_at=delay.timestamp or mail.timestamp,
            recipients=tuple(r.emailAddress for r in delay.delayedRecipients) or destination,
            reason=_reason(delay.delayType),
        )
    if kind is EventKind.REJECT:
        return FeedbackEvent(
            **base,
            occurred_at=mail.timestamp,
            recipients=destination,
            reason=_reason((model.reject or _Reject()).reason),
        )
    if kind is EventKind.RENDERING_FAILURE:
        failure = model.failure or _Failure()
        return FeedbackEvent(
            **base,
            occurred_at=mail.timestamp,
            recipients=destination,
            reason=_reason(failure.templateName, failure.errorMessage),
        )
    timed = {
        EventKind.OPEN: model.open,
        EventKind.CLICK: model.click,
        EventKind.SUBSCRIPTION: model.subscription,
    }.get(kind)
    moment = timed.timestamp if timed is not None else None
    return FeedbackEvent(**base, occurred_at=moment or mail.timestamp, recipients=destination)


def _order_key(tags: dict[str, Any]) -> tuple[str, str] | None:
    """SES puts EmailTags in `mail.tags` as lists: {"orderId": ["A_2E1001"], "kind": ["order-confirmation"]}.

    The `orderId` tag carries the order id escape-encoded (`handlers.shared.order_ids`); a value that
    is not such an encoding (another sender's tag) gives no key, and the message id decides.
    """
    tagged = _first(tags.get(ORDER_ID))
    if not tagged:
        return None
    try:
        order_id = from_tag_value(tagged)
    except ValueError:
        return None
    return order_id, _first(tags.get(KIND)) or ORDER_CONFIRMATION


def _first(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    return value if isinstance(value, str) and value.strip() else None


def _reason(*parts: str | None) -> str | None:
    """The parts on one line, addresses masked (DSN diagnostics quote the recipient)."""
    text = " ".join(" ".join(part.split()) for part in parts if part)
    return redact_addresses(text)[:REASON_LIMIT] or None


def _summary(error: ValidationError) -> str:
    problems = [f"{'.'.join(str(p) for p in item['loc']) or '<root>'}: {item['msg']}" for item in error.errors()[:3]]
    return "; ".join(problems)[:500]
