"""The order events the sender accepts, and how an SQS body becomes one.

Every event names its order and customer (`OrderEvent`); each kind adds what its e-mail says: the
basket of a confirmation (`Order`), the carrier and tracking link of a shipment (`ShippedOrder`), the
reason of a cancellation (`CancelledOrder`). Which model a body is validated with is the message's
`eventType` (`sender.kinds`).

Money arrives as JSON numbers or strings and becomes `Decimal` (JSON is parsed with
`parse_float=Decimal`; floats and booleans are refused). Every size is bounded so a hostile or
broken publisher gets a validation error, never a crash or a multi-megabyte e-mail.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, TypeVar
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    StringConstraints,
    ValidationError,
    model_validator,
)

from ..shared.event_types import EVENT_TYPE_ATTRIBUTE
from ..shared.order_ids import ORDER_ID_PATTERN
from .addresses import valid_address
from .money import CURRENCIES, fits_minor_units, format_money

MAX_ITEMS = 500
"""Far above a real basket (a 200-item order renders fine), far below a hostile 10,000."""
MAX_METADATA_ENTRIES = 20
MAX_REASON_ERRORS = 10

_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})
"""Control characters, lone surrogates (unencodable in UTF-8) and line/paragraph separators."""


def _no_control_characters(value: str) -> str:
    if any(unicodedata.category(char) in _FORBIDDEN_CATEGORIES for char in value):
        raise ValueError("must not contain control characters or line breaks")
    return value


def _money_input(value: Any) -> Any:
    if isinstance(value, bool | float):
        raise ValueError("money must be a JSON string or a number parsed as Decimal, not a float or boolean")
    return value


_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]*)?")
"""What pydantic reads as Unix time when given as a string."""


def _iso_string(value: Any) -> Any:
    """Only an ISO-8601 string: pydantic would also read a number, or a string of digits ("2026"), as
    Unix seconds, so a bare year would become a 1970 order time."""
    if not isinstance(value, str) or len(value) > 40 or _NUMBER.fullmatch(value.strip()):
        raise ValueError("must be an ISO-8601 string with a timezone")
    return value


def _representable_in_utc(value: datetime) -> datetime:
    """Refuse a time whose UTC form is outside years 1-9999 (`9999-12-31T23:59:59-01:00`): it cannot
    be stored or formatted (`astimezone(UTC)` overflows), so the order would crash on every retry."""
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise ValueError("must be between years 1 and 9999 in UTC") from None
    return value


def _currency_code(value: str) -> str:
    if value not in CURRENCIES:
        raise ValueError("not an active ISO-4217 currency code")
    return value


def _https_url(value: str) -> str:
    """An absolute `https://host/...` URL: the customer clicks it, so no other scheme (`javascript:`,
    `http:`) and no spaces; the link is printed as given, never normalised."""
    if any(char.isspace() or not char.isprintable() or not char.isascii() for char in value):
        raise ValueError("must be an https URL of printable ASCII characters without spaces")
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        raise ValueError("must be an https URL") from None
    if parts.scheme != "https" or not host:
        raise ValueError("must be an absolute https:// URL with a host")
    return value


OrderId = Annotated[str, StringConstraints(pattern=rf"^{ORDER_ID_PATTERN.pattern}$")]
"""See `handlers.shared.order_ids`: any printable ASCII id up to 80 characters; tagged escape-encoded."""
_CLEAN = AfterValidator(_no_control_characters)
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), _CLEAN]
Sku = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64), _CLEAN]
MetadataKey = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64), _CLEAN]
MetadataValue = Annotated[str, StringConstraints(max_length=512), _CLEAN]
Email = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=254), AfterValidator(valid_address)
]
Money = Annotated[
    Decimal, BeforeValidator(_money_input), Field(ge=0, lt=Decimal("1e12"), allow_inf_nan=False)
]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$"), AfterValidator(_currency_code)]
Timestamp = Annotated[AwareDatetime, BeforeValidator(_iso_string), AfterValidator(_representable_in_utc)]
Carrier = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), _CLEAN]
TrackingNumber = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), _CLEAN]
TrackingUrl = Annotated[str, StringConstraints(max_length=2048), AfterValidator(_https_url)]
CancelReason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500), _CLEAN]
Metadata = Annotated[dict[MetadataKey, MetadataValue], Field(max_length=MAX_METADATA_ENTRIES)]

_MODEL_CONFIG = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)
_DEFERRED_CONFIG = _MODEL_CONFIG | ConfigDict(defer_build=True)
"""For the models a cold start may never validate with (the base, shipment, cancellation): pydantic
builds their validators on first use, once per execution environment, instead of at import. The
order confirmation, the kind nearly every e-mail is, keeps its validator built at import."""


class AmountsTooPrecise(ValueError):
    """Every amount with more decimal places than the order's currency has, by location.

    One model-level error (the check needs the currency and every amount); pydantic keeps this
    exception in the error's `ctx["error"]`, so the order intake can name each field on its own."""

    def __init__(self, locations: tuple[str, ...], currency: str):
        verb = "has" if len(locations) == 1 else "have"
        super().__init__(f"{', '.join(locations)} {verb} more decimal places than {currency} allows")
        self.locations = locations
        self.currency = currency


class Item(BaseModel):
    """One order line. Unknown fields are rejected, like on `Order`."""

    model_config = _MODEL_CONFIG

    name: Name
    quantity: Annotated[StrictInt, Field(ge=1, le=10_000)]
    unitPrice: Money
    sku: Sku | None = None


class OrderEvent(BaseModel):
    """What every order event carries: the order, its customer, when it happened, free-form context.

    Unknown fields are REJECTED (`extra="forbid"`), not kept: a field we do not know is either a
    publisher bug we want to see in the DLQ, or data the e-mail would silently ignore. Free-form
    context belongs in `metadata`, a bounded string map. Validation errors never echo the input
    (`hide_input_in_errors`), so DLQ reasons and logs carry no customer data.
    """

    model_config = _DEFERRED_CONFIG

    orderId: OrderId
    customerEmail: Email
    customerName: Name
    timestamp: Timestamp
    metadata: Metadata = Field(default_factory=dict)

    def template_context(self) -> dict[str, Any]:
        """What every kind's templates see: display strings only."""
        return {"order_id": self.orderId, "customer_name": self.customerName}


EventT = TypeVar("EventT", bound=OrderEvent)


class Order(OrderEvent):
    """An order confirmation (`order.confirmed`): the basket, money as `Decimal`."""

    model_config = ConfigDict(defer_build=False)  # merged over the base's config: built at import

    items: Annotated[list[Item], Field(min_length=1, max_length=MAX_ITEMS)]
    total: Money
    currency: Currency

    @model_validator(mode="after")
    def _amounts_fit_the_currency(self) -> Order:
        amounts = [("total", self.total)] + [
            (f"items.{index}.unitPrice", item.unitPrice) for index, item in enumerate(self.items)
        ]
        misfits = tuple(where for where, amount in amounts if not fits_minor_units(amount, self.currency))
        if misfits:
            raise AmountsTooPrecise(misfits, self.currency)
        return self

    def template_context(self) -> dict[str, Any]:
        """The common context, the basket and every amount formatted in the order's currency."""
        return super().template_context() | {
            "placed_on": self.timestamp.strftime("%Y-%m-%d"),
            "items": [
                {
                    "name": item.name,
                    "sku": item.sku,
                    "quantity": item.quantity,
                    "unit_price": format_money(item.unitPrice, self.currency),
                    "line_total": format_money(item.unitPrice * item.quantity, self.currency),
                }
                for item in self.items
            ],
            "total": format_money(self.total, self.currency),
        }


class ShippedOrder(OrderEvent):
    """An order on its way (`order.shipped`): who carries it and where the customer follows it."""

    carrier: Carrier
    trackingNumber: TrackingNumber
    trackingUrl: TrackingUrl

    def template_context(self) -> dict[str, Any]:
        return super().template_context() | {
            "shipped_on": self.timestamp.strftime("%Y-%m-%d"), "carrier": self.carrier,
            "tracking_number": self.trackingNumber, "tracking_url": self.trackingUrl}


class CancelledOrder(OrderEvent):
    """A cancelled order (`order.cancelled`) and the reason the customer is told."""

    reason: CancelReason

    def template_context(self) -> dict[str, Any]:
        return super().template_context() | {
            "cancelled_on": self.timestamp.strftime("%Y-%m-%d"), "reason": self.reason}


@dataclass(frozen=True)
class InvalidOrder(Exception):
    """A body that can never become an order: goes to the DLQ with `reason` (no customer data)."""

    reason: str
    error_type: str

    def __str__(self) -> str:
        return f"{self.error_type}: {self.reason}"


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def _loads(text: str) -> Any:
    return json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)


def _envelope_event_type(envelope: Mapping[str, Any]) -> str | None:
    """`eventType` of an SNS envelope (`MessageAttributes: {"eventType": {"Type", "Value"}}`), if any."""
    attributes = envelope.get("MessageAttributes")
    value = attributes.get(EVENT_TYPE_ATTRIBUTE) if isinstance(attributes, Mapping) else None
    text = value.get("Value") if isinstance(value, Mapping) else None
    return text if isinstance(text, str) else None


def order_message(body: str) -> tuple[Any, str | None]:
    """The event JSON inside an SQS body — raw SNS delivery (the event itself) or an SNS envelope —
    and the `eventType` the envelope carries (None for raw delivery: it is an SQS attribute then)."""
    event_type = None
    try:
        document = _loads(body)
        if isinstance(document, dict) and document.get("Type") == "Notification" and "Message" in document:
            message = document["Message"]
            if not isinstance(message, str):
                raise InvalidOrder("SNS notification Message is not a string", "InvalidEnvelope")
            event_type = _envelope_event_type(document)
            document = _loads(message)
    except (ValueError, RecursionError) as error:
        # json.JSONDecodeError is a ValueError; its message holds a position, never the text
        raise InvalidOrder(f"body is not JSON: {type(error).__name__}", "InvalidJson") from None
    return document, event_type


def order_document(body: str) -> Any:
    """The event JSON inside an SQS body (see `order_message`)."""
    return order_message(body)[0]


def validation_problems(error: ValidationError) -> list[str]:
    """`items.0.quantity: Input should be greater than or equal to 1`, one per problem: locations and
    messages only (the operator CLI's `render` lists them all)."""
    return [
        f"{'.'.join(str(part) for part in problem['loc']) or 'order'}: {problem['msg']}"
        for problem in error.errors(include_url=False, include_input=False, include_context=False)
    ]


def validation_reason(error: ValidationError) -> str:
    """`items.0.quantity: Input should be greater than or equal to 1; …` — at most MAX_REASON_ERRORS."""
    problems = validation_problems(error)
    shown = problems[:MAX_REASON_ERRORS]
    if len(problems) > MAX_REASON_ERRORS:
        shown.append(f"... and {len(problems) - MAX_REASON_ERRORS} more")
    return "; ".join(shown)


def validated(model: type[EventT], document: Any) -> EventT:
    """`document` as a `model`; raises `InvalidOrder` (locations and messages only) and nothing else."""
    try:
        return model.model_validate(document)
    except ValidationError as error:
        raise InvalidOrder(validation_reason(error), "InvalidOrder") from None


def parse_order(body: str) -> Order:
    """The validated order confirmation in an SQS body; raises `InvalidOrder` and nothing else."""
    return validated(Order, order_document(body))
