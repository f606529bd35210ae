"""The address check: email-validator's answer for every address, also when the shortcut for plain
ASCII addresses (`sender.addresses.valid_address`) gives it without importing email-validator."""

from __future__ import annotations

import string
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import email_validator
import pytest
from email_validator import rfc_constants
from hypothesis import example, given, settings
from hypothesis import strategies as st

from order_email.handlers.sender import addresses
from order_email.handlers.sender.addresses import checked_by_email_validator, valid_address

ROOT = Path(__file__).resolve().parents[2]


def _answer(check: Callable[[str], str], value: str) -> str:
    try:
        return check(value)
    except ValueError as refused:
        return f"refused: {refused}"


_ATEXT = string.ascii_letters + string.digits + "!#$%&'*+/=?^_`{|}~-"
_ALNUM = string.ascii_letters + string.digits
_ODD = " \"@\\.,;<>()[]é\u00a0ß"  # specials, quoting, and non-ASCII that email-validator must judge
_TOPS = ["com", "COM", "de", "io", "museum", "a" * 63]
_ODD_TOPS = ["c", "x1", "123", "a" * 64, "xn--p1ai", *email_validator.SPECIAL_USE_DOMAIN_NAMES, "Test", "LOCALHOST"]

# Mostly plain addresses, so the shortcut is taken often, each part with its edge cases beside it
local_parts = st.one_of(
    st.lists(st.text(_ATEXT, min_size=1, max_size=12), min_size=1, max_size=3).map(".".join),
    st.lists(st.text(_ATEXT, min_size=0, max_size=12), min_size=1, max_size=4).map(".".join),
    st.sampled_from(rfc_constants.CASE_INSENSITIVE_MAILBOX_NAMES).map(str.title),
    st.text(_ATEXT + _ODD, min_size=0, max_size=12),
    st.integers(60, 70).map(lambda n: "l" * n),
)
host_labels = st.one_of(
    st.builds(lambda first, middle, last: first + middle + last,
              st.sampled_from(_ALNUM), st.text(_ALNUM + "-", max_size=10), st.sampled_from(_ALNUM)),
    st.text(_ALNUM, min_size=1, max_size=8),
    st.text(_ALNUM + "-", min_size=0, max_size=12),
    st.sampled_from(["ab--cd", "xn--bcher-kva", "xn--zz", "-a", "a-", "b\u00fccher", "MiXeD"]),
    st.integers(61, 65).map(lambda n: "h" * n),
)
addresses_to_check = st.builds(
    lambda local, labels, top, at: f"{local}{at}{'.'.join([*labels, top])}",
    local_parts, st.lists(host_labels, min_size=1, max_size=4),
    st.one_of(st.sampled_from(_TOPS), st.sampled_from(_ODD_TOPS)),
    st.sampled_from(["@", "@", "@", "@", "@", "@", "@@", ""]),
)


@settings(max_examples=3000, deadline=None)
@given(addresses_to_check)
@example("Jane.Doe+order-7@Shop.Example.COM")
@example("PostMaster@example.com")
@example("a@" + ".".join(["h" * 63] * 3) + "." + "c" * 57)  # 254 characters
@example("ab@" + ".".join(["h" * 63] * 3) + "." + "c" * 57)  # 255
@example("a@sub.onion")
@example("a@xn--bcher-kva.example")
def test_the_shortcut_gives_email_validators_answer(address: str) -> None:
    assert _answer(valid_address, address) == _answer(checked_by_email_validator, address)


@pytest.mark.parametrize(("address", "answer"), [
    ("jane@example.com", "jane@example.com"),
    ("Jane.Doe+7@Mail.Shop.example", "Jane.Doe+7@mail.shop.example"),
    ("Info@X.co", "info@x.co"),
])
def test_plain_addresses_take_the_shortcut(address: str, answer: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def not_called(value: str) -> str:
        raise AssertionError("email-validator was asked")

    monkeypatch.setattr(addresses, "checked_by_email_validator", not_called)
    assert valid_address(address) == answer


def test_the_shortcut_knows_email_validators_reserved_names_and_role_mailboxes() -> None:
    """Its two lists are email-validator's: a new version that changes them fails here."""
    assert set(email_validator.SPECIAL_USE_DOMAIN_NAMES) == addresses.SPECIAL_USE_TOP_LEVEL
    assert set(rfc_constants.CASE_INSENSITIVE_MAILBOX_NAMES) == addresses.CASE_INSENSITIVE_MAILBOXES
    assert rfc_constants.EMAIL_MAX_LENGTH == addresses.EMAIL_MAX_LENGTH


def test_a_plain_order_is_checked_without_importing_email_validator() -> None:
    """The sender's cold start: its import and a first confirmation to a plain address."""
    code = (
        "import json, sys\n"
        "import order_email.handlers.send_order_email\n"
        "from order_email.handlers.sender.order import parse_order\n"
        "parse_order(json.dumps({'orderId': 'A-1', 'customerEmail': 'Jane@Example.com', 'customerName': 'Jane',"
        " 'items': [{'name': 'x', 'quantity': 1, 'unitPrice': 1}], 'total': 1, 'currency': 'EUR',"
        " 'timestamp': '2025-01-01T00:00:00Z'}))\n"
        "print('email_validator' in sys.modules)\n"
    )
    ran = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={"PATH": "/usr/bin:/bin", "AWS_DEFAULT_REGION": "us-east-1"})
    assert ran.stdout.strip() == "False", ran.stderr
