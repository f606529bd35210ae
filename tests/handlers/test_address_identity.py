"""One identity per address across every path: the normalisation, the hash, the mask and the redaction
in `handlers.shared.masking`, and the sender, feedback loop, status API and CLI agreeing on them."""

from __future__ import annotations

import importlib
import re
import string
import unicodedata

import boto3
import idna
import pytest
from aws_lambda_powertools import Logger
from hypothesis import assume, given
from hypothesis import strategies as st

from order_email.cli.suppression import checked_address
from order_email.handlers.feedback.events import FeedbackEvent, parse_event
from order_email.handlers.feedback.settings import FeedbackSettings
from order_email.handlers.sender.order import parse_order
from order_email.handlers.shared.masking import (
    address_hash,
    addresses_in,
    mask_address,
    normalise_address,
    redact_addresses,
)
from order_email.handlers.shared.statuses import EmailStatus
from order_email.handlers.status_api.views import email_view, scrub_addresses
from tests.support import feedback_samples as s
from tests.support.aws import REGION, Tables
from tests.support.send_helpers import World, body, order

IDN = "xn--bcher-kva.example"
"""`bücher.example` as IDNA A-labels: what SES sends to and reports."""


def test_the_hash_of_a_plain_address_is_pinned() -> None:
    """Suppression entries are stored by this hash: it must never change for a plain ASCII address."""
    pinned = "86e0b9e56c17cc4d12387e1949b85053fbe73bc3ce5a1188713a9d300cc6133d"
    assert address_hash("jane.doe@example.com") == pinned
    assert address_hash("  Jane.Doe@EXAMPLE.com\n") == pinned


@pytest.mark.parametrize(("typed", "normalised"), [
    ("jane.doe@example.com", "jane.doe@example.com"),
    (" Jane.Doe@Example.COM ", "jane.doe@example.com"),
    ("Jane@Bücher.Example", f"jane@{IDN}"),
    ("JANE@BÜCHER.EXAMPLE", f"jane@{IDN}"),
    (f"jane@{IDN}", f"jane@{IDN}"),
    ("Jane@XN--BCHER-KVA.EXAMPLE", f"jane@{IDN}"),
    ("jane@bu\u0308cher.example", f"jane@{IDN}"),  # decomposed ü
    ("jane@\uff22ücher\uff0eexample", f"jane@{IDN}"),  # full-width B and full stop
    ("info@例え。テスト", "info@xn--r8jz45g.xn--zckzah"),  # ideographic full stop
    ("Jürgen@example.com", "jürgen@example.com"),
    ("Ju\u0308rgen@example.com", "jürgen@example.com"),  # NFC before comparing
    ("\"Quoted@Local\"@Example.com", "\"quoted@local\"@example.com"),  # the domain is after the last @
    ("jane@☃.example", "jane@☃.example"),  # no IDN: lower-cased, never an error
    ("jane@bücher..example", "jane@bücher..example"),
    ("  Not An Address ", "not an address"),
    ("@Example.com", "@example.com"),
    ("Jane@", "jane@"),
    ("", ""),
])
def test_normalise_address(typed: str, normalised: str) -> None:
    assert normalise_address(typed) == normalised
    assert address_hash(typed) == address_hash(normalised)


@pytest.mark.parametrize(("address", "masked"), [
    ("jane.doe@example.com", "j***@example.com"),
    ("Jane.Doe@Bücher.Example", f"j***@{IDN}"),
    (f"JANE@{IDN.upper()}", f"j***@{IDN}"),
    ("j***@bücher.example", f"j***@{IDN}"),  # a stored mask of the old form comes to the one form
    (f"j***@{IDN}", f"j***@{IDN}"),
    ("Ürsula@example.com", "ü***@example.com"),
    ("no address", "***"),
    ("@example.com", "***"),
])
def test_mask_address(address: str, masked: str) -> None:
    assert mask_address(address) == masked


@pytest.mark.parametrize(("text", "expected"), [
    ("550 5.1.1 <jane.doe@example.com>: user unknown", "550 5.1.1 <j***@example.com>: user unknown"),
    ("smtp; 550 5.1.1 <Jane@Bücher.example>: no such user", f"smtp; 550 5.1.1 <j***@{IDN}>: no such user"),
    (f"Final-Recipient: rfc822; JANE@{IDN.upper()}", f"Final-Recipient: rfc822; j***@{IDN}"),
    ("to a@b.co and x.y+tag@sub.example.org", "to a***@b.co and x***@sub.example.org"),
    ("'jane@bücher.example' and \"bob@x.org\"", f"'j***@{IDN}' and \"b***@x.org\""),
    ("“jane@bücher.example”", f"“j***@{IDN}”"),
    ('{"customerEmail": "Jane@Bücher.example"}', f'{{"customerEmail": "j***@{IDN}"}}'),
    ('{\\"customerEmail\\":\\"jane@x.org\\"}', '{\\"customerEmail\\":\\"j***@x.org\\"}'),  # JSON in JSON
    ("mail jane@example.com.", "mail j***@example.com."),
    ("jane@x.org?cc=bob@y.org", "j***@x.org?c***@y.org"),
    ("jane@x.org、bob@例え。テスト。", "j***@x.org、b***@xn--r8jz45g.xn--zckzah。"),
    ("Jürgen@उदाहरण.परीक्षा wrote", "j***@xn--p1b6ci4b4b3a.xn--11b5bs3a9aj6g wrote"),
    ("o'brien@example.com", "o***@example.com"),
    ("already j***@example.com", "already j***@example.com"),
    ("no address here @ all, nor @x or x@", "no address here @ all, nor @x or x@"),
])
def test_redact_addresses_finds_every_address(text: str, expected: str) -> None:
    assert redact_addresses(text) == expected
    assert redact_addresses(expected) == expected


def test_addresses_in_text_as_written() -> None:
    assert addresses_in("from <Jane@Bücher.example>, to bob@x.org.") == ["Jane@Bücher.example", "bob@x.org"]


# --- every path agrees ------------------------------------------------------------------------------


def test_sender_feedback_api_and_cli_share_one_identity(tables: Tables, monkeypatch: pytest.MonkeyPatch) -> None:
    world = World(tables, monkeypatch)
    world.process(body(order(customerEmail="Jane@Bücher.example")))
    record = world.item()
    assert record["status"] == EmailStatus.SENT
    assert record["recipient"] == f"Jane@{IDN}"  # the form SES sends to
    assert record["recipientMasked"] == f"j***@{IDN}"
    sender_hash = record["recipientHash"]

    for name, value in {"SOFT_BOUNCE_COUNT": "3", "SOFT_BOUNCE_WINDOW_DAYS": "7"}.items():
        monkeypatch.setenv(name, value)
    feedback = importlib.import_module("order_email.handlers.ses_feedback").build_processor(
        FeedbackSettings.from_env(), boto3.session.Session(region_name=REGION))
    feedback.logger = Logger(service="test", level="WARNING")
    bounce = s.event("Bounce", record["sesMessageId"], "ORD-1001", recipient=f"jane@{IDN}")
    assert feedback.process(s.sqs_event(bounce)) == {"batchItemFailures": []}
    suppressed = world.dynamodb.get_item(TableName=tables.suppression,
                                         Key={"addressHash": {"S": sender_hash}}).get("Item")
    assert suppressed is not None and suppressed["maskedAddress"]["S"] == f"j***@{IDN}"
    parsed = parse_event(bounce)
    assert isinstance(parsed, FeedbackEvent) and parsed.reason and f"<j***@{IDN}>" in parsed.reason

    assert address_hash(checked_address("JANE@BÜCHER.EXAMPLE")) == sender_hash
    bounced = world.item()
    assert bounced["status"] == EmailStatus.BOUNCED and "jane@" not in bounced["statusReason"].lower()
    assert email_view(bounced)["recipient"] == f"j***@{IDN}"

    world.process(body(order("ORD-2", customerEmail="JANE@BÜCHER.EXAMPLE")))
    assert world.item("ORD-2")["status"] == EmailStatus.SUPPRESSED and world.sent_count() == 1


def test_the_order_model_keeps_the_ascii_form_ses_sends_to() -> None:
    parsed = parse_order(body(order(customerEmail=" Jane@Bücher.Example ")))
    assert parsed.customerEmail == f"Jane@{IDN}"
    assert address_hash(parsed.customerEmail) == address_hash(f"jane@{IDN}")


def test_status_api_views_mask_internationalised_addresses() -> None:
    view = email_view({"orderId": "o", "kind": "k", "recipient": "Jane@Bücher.example",
                       "statusReason": "550 <JANE@BÜCHER.EXAMPLE> unknown",
                       "history": [{"type": "Bounce", "at": "t", "id": "1", "detail": f"to jane@{IDN}"}]})
    assert view["recipient"] == f"j***@{IDN}"
    assert view["statusReason"] == f"550 <j***@{IDN}> unknown"
    assert view["history"][0]["detail"] == f"to j***@{IDN}"
    assert scrub_addresses({"jane@x.org", "bob@x.org"}) == {"j***@x.org", "b***@x.org"}  # a set stays a set


# --- properties -------------------------------------------------------------------------------------

_LOCAL_ALPHABET = string.ascii_letters + string.digits + "äöüéñçøå"
"""Local-part letters whose upper and lower case map onto each other (ß, for one, does not)."""
_LABEL_ALPHABET = string.ascii_lowercase + string.digits + "äöüéñçøåбвгдж"
locals_ = st.builds(lambda head, tail: head + tail, st.sampled_from(_LOCAL_ALPHABET),
                    st.text(_LOCAL_ALPHABET + "._+-", max_size=12)).filter(lambda text: ".." not in text
                                                                          and not text.endswith("."))
labels = st.text(_LABEL_ALPHABET, min_size=1, max_size=12)
domains = st.lists(labels, min_size=2, max_size=3).map(".".join)


def _ascii(domain: str) -> str | None:
    try:
        return idna.encode(domain, uts46=True).decode()
    except idna.IDNAError:
        return None


@given(st.text() | st.text("aZüÜ\u0308\u0130ß@.\u3002\uff22-xn "))
def test_normalise_is_idempotent_on_any_text(text: str) -> None:
    assert normalise_address(normalise_address(text)) == normalise_address(text)


@given(locals_, domains)
def test_normalise_is_idempotent_on_addresses(local: str, domain: str) -> None:
    address = f"{local}@{domain}"
    assert normalise_address(normalise_address(address)) == normalise_address(address)


@given(locals_, domains, st.data())
def test_every_spelling_of_an_address_has_one_hash(local: str, domain: str, data: st.DataObject) -> None:
    ascii_domain = _ascii(domain)
    assume(ascii_domain is not None)
    assert ascii_domain is not None
    spellings = [
        f"{local}@{domain}", f"{local.upper()}@{domain.upper()}", f"{local.lower()}@{ascii_domain}",
        f"{local.swapcase()}@{ascii_domain.upper()}", unicodedata.normalize("NFD", f"{local}@{domain}"),
        f" {local}@{domain.title()}\t",
    ]
    chosen = data.draw(st.lists(st.sampled_from(spellings), min_size=2, max_size=4))
    assert len({address_hash(spelling) for spelling in chosen}) == 1
    assert len({mask_address(spelling) for spelling in chosen}) == 1


_SEPARATORS = [" ", " <", "> ", ": ", "; ", ", ", " (", ") ", '"', "'", "\n", "\\\"", "“", "”"]
fillers = st.text(st.characters(blacklist_characters="@", blacklist_categories=("Cs",)), max_size=15)


@given(st.lists(st.tuples(fillers, st.sampled_from(_SEPARATORS), locals_, domains, st.sampled_from(_SEPARATORS)),
                min_size=1, max_size=4), fillers)
def test_masking_leaves_at_most_one_local_character_of_any_address(
        parts: list[tuple[str, str, str, str, str]], tail: str) -> None:
    text = "".join(f"{filler}{before}{local}@{domain}{after}" for filler, before, local, domain, after in parts) + tail
    masked = redact_addresses(text)
    assert masked.count("@") == text.count("@")
    for at in (match.start() for match in re.finditer("@", masked)):
        assert at >= 4 and masked[at - 3:at] == "***", masked
    for _, _, local, _, _ in parts:
        assert len(local) < 2 or f"{local}@" not in masked
    assert redact_addresses(masked) == masked
