"""Pure parts of the sender: order model (with hypothesis), money, rendering, addresses, decisions."""

from __future__ import annotations

import contextlib
import json
from decimal import Decimal
from email.utils import parseaddr
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from order_email.handlers.sender.addresses import delivery_address, mailbox_header, one_line
from order_email.handlers.sender.leases import LeaseVerdict, judge_existing
from order_email.handlers.sender.mailer import SendErrorKind, classify_send_error
from order_email.handlers.sender.money import CURRENCIES, fits_minor_units, format_money, minor_units
from order_email.handlers.sender.order import InvalidOrder, Order, parse_order
from order_email.handlers.sender.rendering import render
from order_email.handlers.sender.settings import SenderSettings
from order_email.handlers.shared import schema
from order_email.handlers.shared.environment import ConfigurationError
from order_email.handlers.shared.masking import redact_addresses
from tests.support.fuzzing import fuzz, fuzz_target
from tests.support.send_helpers import ENV, body, order

# -- order model --------------------------------------------------------------------------------------


def test_valid_order_parses_money_as_decimal() -> None:
    parsed = parse_order('{"orderId": "A.1_b-2", "customerEmail": "Jane@Example.COM", "customerName": "Jane",'
                         '"items": [{"name": "x", "quantity": 3, "unitPrice": 0.1}], "total": 0.30,'
                         '"currency": "EUR", "timestamp": "2025-01-01T00:00:00+01:00"}')
    assert parsed.items[0].unitPrice == Decimal("0.1") and isinstance(parsed.total, Decimal)
    assert parsed.items[0].unitPrice * 3 == parsed.total  # no float drift
    assert parsed.customerEmail == "Jane@example.com"
    assert parsed.metadata == {}


@pytest.mark.parametrize(("overrides", "where"), [
    ({"orderId": ""}, "orderId"),
    ({"orderId": "a" * 81}, "orderId"),
    ({"orderId": " leading-space"}, "orderId"),
    ({"orderId": "trailing-space "}, "orderId"),
    ({"orderId": "tab\tinside"}, "orderId"),
    ({"orderId": "ümlaut"}, "orderId"),
    ({"customerEmail": "jane@"}, "customerEmail"),
    ({"customerEmail": "Jane <jane@example.com>"}, "customerEmail"),
    ({"customerName": ""}, "customerName"),
    ({"customerName": "x" * 1_000_000}, "customerName"),
    ({"customerName": "Jane\r\nBcc: a@b.c"}, "customerName"),
    ({"customerName": "Jane\u2028Doe"}, "customerName"),
    ({"items": []}, "items"),
    ({"items": [{"name": "x", "quantity": 1, "unitPrice": "1"}] * 10_000}, "items"),
    ({"items": [{"name": "x", "quantity": 0, "unitPrice": "1"}]}, "items.0.quantity"),
    ({"items": [{"name": "x", "quantity": True, "unitPrice": "1"}]}, "items.0.quantity"),
    ({"items": [{"name": "x", "quantity": 1, "unitPrice": "-1"}]}, "items.0.unitPrice"),
    ({"items": [{"name": "x", "quantity": 1, "unitPrice": "1", "color": "red"}]}, "items.0.color"),
    ({"total": "NaN"}, "total"),
    ({"total": True}, "total"),
    ({"currency": "EURO"}, "currency"),
    ({"currency": "XXX"}, "currency"),
    ({"currency": "JPY", "total": "10.5"}, "total"),
    ({"timestamp": "2025-01-01T00:00:00"}, "timestamp"),
    ({"timestamp": 1735689600}, "timestamp"),
    ({"metadata": {"k": 1}}, "metadata"),
    ({"metadata": {f"k{n}": "v" for n in range(21)}}, "metadata"),
    ({"coupon": "SAVE10"}, "coupon"),
])
def test_invalid_orders_are_validation_errors(overrides: dict[str, Any], where: str) -> None:
    document = order(**overrides)
    if overrides.get("currency") == "JPY":
        document["items"] = [{"name": "x", "quantity": 1, "unitPrice": "10"}]
    with pytest.raises(InvalidOrder) as caught:
        parse_order(body(document))
    assert where.split(".")[0] in caught.value.reason
    assert caught.value.error_type == "InvalidOrder"
    assert "jane.doe@example.com" not in caught.value.reason


def test_float_money_is_refused_when_validating_python_objects() -> None:
    with pytest.raises(ValidationError):
        Order.model_validate(order(total=49.9))


@pytest.mark.parametrize("text", ["", "{", "[1,", "NaN", "Infinity", "[" * 50_000])
def test_unparseable_bodies(text: str) -> None:
    with pytest.raises(InvalidOrder) as caught:
        parse_order(text)
    assert caught.value.error_type in {"InvalidJson", "InvalidOrder"}


def test_sns_envelope_with_non_string_message_is_invalid() -> None:
    with pytest.raises(InvalidOrder):
        parse_order(json.dumps({"Type": "Notification", "Message": {"orderId": "x"}}))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=30,
)


@fuzz_target
@fuzz(300)
@given(json_values)
def test_arbitrary_json_only_ever_fails_validation(document: Any) -> None:
    with contextlib.suppress(InvalidOrder):
        parse_order(json.dumps(document))


@fuzz_target
@fuzz(200)
@given(st.fixed_dictionaries({}, optional={
    "orderId": st.text(max_size=70) | st.integers(),
    "customerEmail": st.emails() | st.text(max_size=30),
    "customerName": st.text(max_size=250),
    "items": st.lists(st.fixed_dictionaries({"name": st.text(max_size=20), "quantity": st.integers(),
                                             "unitPrice": st.decimals(allow_nan=True) | st.text(max_size=8)}),
                      max_size=3),
    "total": st.decimals(allow_nan=True, allow_infinity=True).map(str),
    "currency": st.sampled_from(["EUR", "JPY", "KWD", "eur", "ABC", ""]),
    "timestamp": st.datetimes().map(lambda moment: moment.isoformat()) | st.text(max_size=30),
    "metadata": st.dictionaries(st.text(max_size=70), st.text(max_size=600), max_size=25),
}))
def test_order_shaped_json_only_fails_validation_and_valid_ones_render(document: dict[str, Any]) -> None:
    try:
        parsed = parse_order(json.dumps(document, default=str))
    except InvalidOrder:
        return
    rendered = render(schema.ORDER_CONFIRMATION, parsed)
    assert "\n" not in rendered.subject and parsed.orderId in rendered.subject


# -- money --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("amount", "currency", "shown"), [
    ("1234.5", "EUR", "1,234.50 EUR"),
    ("0", "USD", "0.00 USD"),
    ("-0", "USD", "0.00 USD"),
    ("1500", "JPY", "1,500 JPY"),
    ("1.5", "KWD", "1.500 KWD"),
    ("0.005", "EUR", "0.01 EUR"),
    ("1E+3", "GBP", "1,000.00 GBP"),
])
def test_format_money(amount: str, currency: str, shown: str) -> None:
    assert format_money(Decimal(amount), currency) == shown


def test_minor_units_table() -> None:
    assert (minor_units("EUR"), minor_units("JPY"), minor_units("BHD")) == (2, 0, 3)
    assert {"EUR", "USD", "JPY", "GBP", "CHF"} <= CURRENCIES and "XAU" not in CURRENCIES
    assert fits_minor_units(Decimal("10.00"), "JPY") and not fits_minor_units(Decimal("10.001"), "EUR")


# -- rendering ----------------------------------------------------------------------------------------


def test_rendering_escapes_html_and_never_evaluates_names() -> None:
    rendered = render(schema.ORDER_CONFIRMATION, parse_order(body(order(
        customerName="<script>alert(1)</script> {{7*7}}",
        items=[{"name": "A & B <i>", "quantity": 3, "unitPrice": "0.10", "sku": "{% raw %}"}],
        total="0.30",
    ))))
    assert "&lt;script&gt;" in rendered.html and "<script>" not in rendered.html
    assert "A &amp; B &lt;i&gt;" in rendered.html
    assert "{{7*7}}" in rendered.text and "{{7*7}}" in rendered.html and "49" not in rendered.text
    assert "3 x A & B <i> ({% raw %}): 0.10 EUR each, 0.30 EUR" in rendered.text
    assert rendered.subject == "Your order ORD-1001 is confirmed"


def test_one_line_strips_every_line_break() -> None:
    assert one_line("a\r\nb\tc\u2028d\x00e") == "a b c d e"


# -- addresses ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("recipient", "sandbox", "expected"), [
    ("jane@example.com", False, "jane@example.com"),
    ("jane@example.com", True, "success@simulator.amazonses.com"),
    ("bounce@simulator.amazonses.com", True, "bounce@simulator.amazonses.com"),
    ("success+order-7@Simulator.AmazonSES.com", True, "success+order-7@Simulator.AmazonSES.com"),
    ("someone@simulator.amazonses.com.evil.example", True, "success@simulator.amazonses.com"),
])
def test_delivery_address(recipient: str, sandbox: bool, expected: str) -> None:
    assert delivery_address(recipient, sandbox) == expected


@fuzz_target
@fuzz(200)
@given(st.text(max_size=100))
def test_mailbox_header_never_has_a_line_break(name: str) -> None:
    header = mailbox_header(name, "jane@example.com")
    assert "\r" not in header and "\n" not in header
    assert parseaddr(header)[1] == "jane@example.com"


def test_redact_addresses() -> None:
    assert redact_addresses("failed for jane.doe@example.com, <bob@x.org>") == "failed for j***@example.com, <b***@x.org>"


# -- decisions ----------------------------------------------------------------------------------------

NOW, GRACE = 1_000_000, 300


@pytest.mark.parametrize(("item", "verdict"), [
    (None, LeaseVerdict.CLAIMABLE),
    ({"status": "SENT", "statusRank": 1}, LeaseVerdict.DUPLICATE),
    ({"status": "DELIVERED", "statusRank": 4}, LeaseVerdict.DUPLICATE),
    ({"status": "FAILED", "statusRank": 100}, LeaseVerdict.DUPLICATE),
    ({"status": "SUPPRESSED", "statusRank": 100}, LeaseVerdict.DUPLICATE),
    ({"status": "BOUNCED"}, LeaseVerdict.DUPLICATE),
    ({"status": "SENDING", "statusRank": 0, "leaseExpiresAt": NOW + 10}, LeaseVerdict.BUSY),
    ({"status": "SENDING", "statusRank": 0, "leaseExpiresAt": NOW - 10, "sesMessageId": "m"},
     LeaseVerdict.ALREADY_SENT),
    ({"status": "SENDING", "statusRank": 0, "leaseExpiresAt": NOW + 10, "sesMessageId": "m"},
     LeaseVerdict.ALREADY_SENT),
    ({"status": "SENDING", "statusRank": 0, "leaseExpiresAt": NOW - 10}, LeaseVerdict.WAIT_FOR_SEND_EVENT),
    ({"status": "SENDING", "statusRank": 0, "leaseExpiresAt": NOW - GRACE}, LeaseVerdict.WAIT_FOR_SEND_EVENT),
    ({"status": "SENDING", "statusRank": 0, "leaseExpiresAt": NOW - GRACE - 1}, LeaseVerdict.CLAIMABLE),
    ({"status": "SENDING", "statusRank": 0, "leaseExpiresAt": 0}, LeaseVerdict.CLAIMABLE),
])
def test_judge_existing(item: dict[str, Any] | None, verdict: LeaseVerdict) -> None:
    assert judge_existing(item, NOW, GRACE) is verdict


FROM = "orders@mail.shop.example"
UNVERIFIED = "Email address is not verified. The following identities failed the check in region EU-WEST-1: "


@pytest.mark.parametrize(("code", "message", "kind", "whole_batch"), [
    # order-level: this order's fault, FAILED
    ("MessageRejected", "Illegal address", SendErrorKind.ORDER, False),
    ("MessageRejected", "Message length is more than 40 MB", SendErrorKind.ORDER, False),
    ("BadRequestException", "", SendErrorKind.ORDER, False),
    # account- or stack-level: held, and the rest of the batch with it
    ("SendingPausedException", "", SendErrorKind.HELD, True),
    ("AccountSuspendedException", "", SendErrorKind.HELD, True),
    ("MailFromDomainNotVerifiedException", "", SendErrorKind.HELD, True),
    ("NotFoundException", "Configuration set order-email-dev does not exist.", SendErrorKind.HELD, True),
    ("Throttling", "Daily message quota exceeded.", SendErrorKind.HELD, True),
    ("TooManyRequestsException", "Daily message quota exceeded.", SendErrorKind.HELD, True),
    ("LimitExceededException", "Daily message quota exceeded", SendErrorKind.HELD, True),
    ("LimitExceededException", "", SendErrorKind.HELD, True),
    ("MessageRejected", UNVERIFIED + FROM, SendErrorKind.HELD, True),
    ("MessageRejected", UNVERIFIED + "mail.shop.example", SendErrorKind.HELD, True),
    ("MessageRejected", UNVERIFIED + "shop.example", SendErrorKind.HELD, True),
    ("MessageRejected", UNVERIFIED + f'"Shop, Inc." <{FROM}>', SendErrorKind.HELD, True),
    ("MessageRejected", UNVERIFIED + f"Jane <jane@example.com>, Shop <{FROM}>", SendErrorKind.HELD, True),
    # the sandbox refusing one recipient: held, but the other orders may go to verified recipients
    ("MessageRejected", UNVERIFIED + "jane@example.com", SendErrorKind.HELD, False),
    ("MessageRejected", "Email address is not verified.", SendErrorKind.HELD, False),
    # the rate: backs off
    ("TooManyRequestsException", "Too many requests", SendErrorKind.THROTTLED, False),
    ("TooManyRequestsException", "Maximum sending rate exceeded.", SendErrorKind.THROTTLED, False),
    ("Throttling", "Maximum sending rate exceeded.", SendErrorKind.THROTTLED, False),
    ("ThrottlingException", "", SendErrorKind.THROTTLED, False),
    # SES may have the e-mail
    ("InternalFailure", "", SendErrorKind.UNKNOWN, False),
    ("ServiceUnavailable", "", SendErrorKind.UNKNOWN, False),
])
def test_classify_send_error(code: str, message: str, kind: SendErrorKind, whole_batch: bool) -> None:
    verdict = classify_send_error(code, message, FROM)
    assert (verdict.kind, verdict.whole_batch) == (kind, whole_batch)
    assert (verdict.remedy is not None) is (kind is SendErrorKind.HELD)


def test_every_held_refusal_says_what_to_fix() -> None:
    remedies = {classify_send_error(code, message, FROM).remedy for code, message in (
        ("SendingPausedException", ""), ("MessageRejected", UNVERIFIED + FROM),
        ("MessageRejected", UNVERIFIED + "jane@example.com"), ("TooManyRequestsException", "Daily message quota exceeded."),
        ("MailFromDomainNotVerifiedException", ""), ("NotFoundException", ""), ("AccountSuspendedException", ""))}
    assert len(remedies) == 7
    assert any("resume" in remedy for remedy in remedies if remedy)
    assert any("publish the DKIM records" in remedy for remedy in remedies if remedy)
    assert any("production access" in remedy for remedy in remedies if remedy)


# -- settings -----------------------------------------------------------------------------------------


def test_settings_from_env() -> None:
    parsed = SenderSettings.from_env(ENV | {"DLQ_URL": "https://sqs/dlq", "REPLY_TO": "", "SANDBOX_MODE": "true"})
    assert parsed.sandbox and parsed.reply_to is None and parsed.lease_seconds == 60


def test_settings_name_every_problem() -> None:
    broken = {name: value for name, value in ENV.items() if name not in {"DLQ_URL", "FROM_ADDRESS"}}
    with pytest.raises(ConfigurationError) as caught:
        SenderSettings.from_env(broken | {"LEASE_SECONDS": "soon", "SANDBOX_MODE": "yes"})
    message = str(caught.value)
    for expected in ("DLQ_URL", "FROM_ADDRESS", "LEASE_SECONDS", "SANDBOX_MODE"):
        assert expected in message
