"""The local SES's rules, table-driven: every rule, both sides of every limit; then their order in LocalSes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from order_email.localmode import ses_rules as rules
from order_email.localmode.ses_rules import Account, ConfigurationSet, Identity, SesError, TokenBucket
from order_email.localmode.ses_service import LocalSes

REGION = "eu-west-1"
MB40 = 40 * 1024 * 1024
SIM = "simulator.amazonses.com"


def refused(call: Callable[[], Any]) -> tuple[str, str] | None:
    """(code, message) of the SesError `call` raises, None when it passes."""
    try:
        call()
    except SesError as error:
        return error.code, error.message
    return None


def simple(subject: str = "s", text: str | None = "t", html: str | None = None) -> dict[str, Any]:
    body = {name: {"Data": data} for name, data in (("Text", text), ("Html", html)) if data is not None}
    return {"Simple": {"Subject": {"Data": subject}, "Body": body}}


# -- request shape -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("content", "expected"), [
    (simple(), None), ({"Raw": {"Data": b"From: a@b.com\r\n\r\nx"}}, None),
    ({"Template": {"TemplateName": "t"}}, ("BadRequestException", "Content.Template is not emulated by local mode")),
    ({}, ("BadRequestException", "The message content must be Simple, Raw or Template.")),
])
def test_content_is_simple_or_raw(content: dict[str, Any], expected: tuple[str, str] | None) -> None:
    assert refused(lambda: rules.check_content(content)) == expected


def test_recipients_are_to_cc_and_bcc_as_written() -> None:
    destination = {"ToAddresses": ["A <a@x.com>"], "CcAddresses": ["c@x.com"], "BccAddresses": ["b@x.com"]}
    assert rules.recipients_of(destination) == ["A <a@x.com>", "c@x.com", "b@x.com"]
    assert rules.recipients_of(None) == []


@pytest.mark.parametrize(("count", "expected"), [
    (0, ("BadRequestException", "Missing required header 'To'.")), (1, None), (50, None),
    (51, ("MessageRejected", "Recipient count exceeds 50.")),
])
def test_recipient_count(count: int, expected: tuple[str, str] | None) -> None:
    assert refused(lambda: rules.check_recipient_count([f"r{i}@x.com" for i in range(count)])) == expected


CHARSET = "only alphanumeric ASCII characters, '_', and '-' are allowed."


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("orderId", "ord-1_A", None),
    ("n" * 256, "v" * 256, None),
    ("n" * 257, "v", ("BadRequestException", f"Invalid tag name <{'n' * 257}>: it must be 1 to 256 characters long.")),
    ("n", "v" * 257, ("BadRequestException", f"Invalid tag value <{'v' * 257}>: it must be 1 to 256 characters long.")),
    ("", "v", ("BadRequestException", "Invalid tag name <>: it must be 1 to 256 characters long.")),
    ("n", "", ("BadRequestException", "Invalid tag value <>: it must be 1 to 256 characters long.")),
    ("order.id", "v", ("BadRequestException", f"Invalid tag name <order.id>: {CHARSET}")),
    ("n", "ord.1", ("BadRequestException", f"Invalid tag value <ord.1>: {CHARSET}")),
    ("n", "Jörg", ("BadRequestException", f"Invalid tag value <Jörg>: {CHARSET}")),
    ("ses:feedback-id-a", "campaign-7", None),
    ("ses:other", "v", ("BadRequestException", f"Invalid tag name <ses:other>: {CHARSET}")),
    ("ses:feedback-id-b", "a:b", ("BadRequestException", f"Invalid tag value <a:b>: {CHARSET}")),
])
def test_message_tags(name: str, value: str, expected: tuple[str, str] | None) -> None:
    assert refused(lambda: rules.check_tags([{"Name": "kind", "Value": "x"}, {"Name": name, "Value": value}])) == expected


@pytest.mark.parametrize(("content", "size"), [
    (simple("ab", "cd", "ef"), 6), (simple("é", None, None), 2),  # bytes, not characters
    ({"Simple": {**simple()["Simple"], "Attachments": [{"RawContent": b"1234", "FileName": "a"}]}}, 6),
    ({"Raw": {"Data": b"x" * 10}}, 10),
])
def test_message_size_counts_bytes(content: dict[str, Any], size: int) -> None:
    assert rules.message_size(content) == size


TOO_BIG = ("MessageRejected", "Message length is more than 40 MB")


@pytest.mark.parametrize(("content", "expected"), [
    (simple("", "x" * MB40), None), (simple("", "x" * (MB40 + 1)), TOO_BIG),
    ({"Raw": {"Data": b"x" * MB40}}, None), ({"Raw": {"Data": b"x" * (MB40 + 1)}}, TOO_BIG),
])
def test_message_size_limit(content: dict[str, Any], expected: tuple[str, str] | None) -> None:
    assert refused(lambda: rules.check_message_size(content)) == expected


@pytest.mark.parametrize(("value", "valid"), [
    ("a@example.com", True), ("Jane Doe <jane@example.com>", True), ('"Doe, Jane" <j@example.com>', True),
    ("not an address", False), ("", False), ("a@b.com, c@d.com", False), ("jö@example.com", False),
    ("@example.com", False),
])
def test_address_syntax(value: str, valid: bool) -> None:
    expected = None if valid else ("BadRequestException", f"Invalid email address {value}.")
    assert refused(lambda: rules.check_addresses([value])) == expected


@pytest.mark.parametrize(("params", "expected"), [
    ({"FromEmailAddress": "Shop <o@x.com>", "Content": simple()}, "Shop <o@x.com>"),
    ({"Content": {"Raw": {"Data": b"From: Shop <o@x.com>\r\nTo: a@b.com\r\n\r\nbody"}}}, "Shop <o@x.com>"),
    ({"FromEmailAddress": "f@x.com", "Content": {"Raw": {"Data": b"From: o@x.com\r\n\r\nbody"}}}, "f@x.com"),
])
def test_sender_is_from_address_else_raw_from_header(params: dict[str, Any], expected: str) -> None:
    assert rules.sender_of(params) == expected


@pytest.mark.parametrize("params", [{"Content": simple()}, {"Content": {"Raw": {"Data": b"To: a@b.com\r\n\r\nx"}}}])
def test_sender_is_required(params: dict[str, Any]) -> None:
    assert refused(lambda: rules.sender_of(params)) == ("BadRequestException", "Missing required header 'From'.")


# -- identities and configuration sets ----------------------------------------------------------------


def test_identities_that_vouch_for_an_address_most_specific_first() -> None:
    assert rules.identity_names("Orders@Mail.Shop.Example.com") == [
        "orders@mail.shop.example.com", "mail.shop.example.com", "shop.example.com", "example.com"]
    known = {name: Identity(name) for name in ("example.com", "orders@mail.example.com", "other.com")}
    assert [i.name for i in rules.identities_for("orders@MAIL.example.com", known)] == [
        "orders@mail.example.com", "example.com"]


ADDRESS = Identity("o@x.com", configuration_set="address-set")
DOMAIN = Identity("x.com", configuration_set="domain-set")


@pytest.mark.parametrize(("requested", "sender", "existing", "expected"), [
    ("named", [ADDRESS, DOMAIN], {"named", "address-set"}, "named"),
    (None, [ADDRESS, DOMAIN], {"address-set", "domain-set"}, "address-set"),
    (None, [Identity("o@x.com"), DOMAIN], {"domain-set"}, "domain-set"),
    (None, [Identity("x.com")], set(), None),
    ("gone", [DOMAIN], {"domain-set"}, ("NotFoundException", "Configuration set gone does not exist.")),
    (None, [DOMAIN], set(), ("NotFoundException", "Configuration set domain-set does not exist.")),
])
def test_configuration_set_resolution(requested: str | None, sender: list[Identity], existing: set[str],
                                      expected: Any) -> None:
    outcome: list[Any] = []
    error = refused(lambda: outcome.append(rules.resolve_configuration_set(requested, sender, existing)))
    assert (error if error else outcome[0]) == expected


PAUSED_SET = "The message can't be sent because email sending is disabled for the configuration set cs."


@pytest.mark.parametrize(("account", "configuration_set", "expected"), [
    (Account(), None, None), (Account(), ConfigurationSet("cs"), None),
    (Account(), ConfigurationSet("cs", sending_enabled=True), None),
    (Account(), ConfigurationSet("cs", sending_enabled=False), ("SendingPausedException", PAUSED_SET)),
    (Account(sending_enabled=False), ConfigurationSet("cs", sending_enabled=False), (
        "SendingPausedException", "The message can't be sent because the account's ability to send email is "
        "currently paused.")),
    (Account(suspended=True, sending_enabled=False), None, (
        "AccountSuspendedException", "The message can't be sent because the account's ability to send email has "
        "been permanently restricted.")),
])
def test_sending_status(account: Account, configuration_set: ConfigurationSet | None, expected: Any) -> None:
    assert refused(lambda: rules.check_sending_status(account, configuration_set)) == expected


NOT_VERIFIED = "Email address is not verified. The following identities failed the check in region EU-WEST-1: "


@pytest.mark.parametrize(("identities", "matched"), [
    ([Identity("o@x.com", verified=True), Identity("x.com", verified=True)], "o@x.com"),
    ([Identity("o@x.com"), Identity("x.com", verified=True)], "x.com"),
    ([Identity("mail.x.com"), Identity("x.com", verified=True)], "x.com"),
    ([Identity("o@x.com"), Identity("x.com")], None), ([], None),
])
def test_sender_must_be_verified(identities: list[Identity], matched: str | None) -> None:
    outcome: list[Identity] = []
    error = refused(lambda: outcome.append(rules.check_sender_verified("Shop <o@x.com>", identities, REGION)))
    if matched is None:
        assert error == ("MessageRejected", NOT_VERIFIED + "Shop <o@x.com>")
    else:
        assert error is None and outcome[0].name == matched


def mail_from(behavior: str, verified: bool = False) -> Identity:
    return Identity("x.com", mail_from_domain="bounce.x.com", behavior_on_mx_failure=behavior, mail_from_verified=verified)


@pytest.mark.parametrize(("identity", "expected"), [
    (Identity("x.com"), None), (mail_from("REJECT_MESSAGE", verified=True), None), (mail_from("USE_DEFAULT_VALUE"), None),
    (mail_from("REJECT_MESSAGE"), ("MailFromDomainNotVerifiedException",
                                   "The message can't be sent because the sending domain isn't verified.")),
])
def test_mail_from(identity: Identity, expected: Any) -> None:
    assert refused(lambda: rules.check_mail_from(identity)) == expected


KNOWN = {"friend.com": Identity("friend.com", verified=True), "pending.com": Identity("pending.com"),
         "me@else.com": Identity("me@else.com", verified=True)}


@pytest.mark.parametrize(("account", "recipients", "failed"), [
    (Account(production_access=True), ["anyone@nowhere.com"], None),
    (Account(production_access=False), [f"bounce+1@{SIM}", f"Sim <success@{SIM.upper()}>"], None),
    (Account(production_access=False), ["a@friend.com", "b@sub.friend.com", "me@else.com"], None),
    (Account(production_access=False), ["a@friend.com", "x@pending.com", "Y <y@nowhere.com>"],
     "x@pending.com, Y <y@nowhere.com>"),
])
def test_sandbox_recipients(account: Account, recipients: list[str], failed: str | None) -> None:
    error = refused(lambda: rules.check_sandbox(account, recipients, KNOWN, REGION))
    assert error == (None if failed is None else ("MessageRejected", NOT_VERIFIED + failed))


# -- quotas -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("maximum", "sent", "recipients", "passes"), [
    (None, 10**9, 50, True), (10, 9, 1, True), (10, 8, 2, True), (10, 9, 2, False), (10, 10, 1, False),
    (0, 0, 1, False),
])
def test_daily_quota(maximum: float | None, sent: int, recipients: int, passes: bool) -> None:
    expected = None if passes else ("TooManyRequestsException", "Daily message quota exceeded.")
    assert refused(lambda: rules.check_daily_quota(maximum, sent, recipients)) == expected


RATE = ("TooManyRequestsException", "Maximum sending rate exceeded.")


@pytest.mark.parametrize(("bucket", "rate", "recipients", "now", "after"), [
    (None, None, 50, 0.0, None),  # unlimited: no bucket
    (None, 2.0, 2, 0.0, TokenBucket(0.0, 0.0)),  # full bucket, exactly its capacity
    (TokenBucket(0.0, 0.0), 2.0, 1, 0.5, TokenBucket(0.0, 0.5)),  # refilled exactly one token
    (TokenBucket(0.0, 0.0), 2.0, 1, 0.49, RATE),
    (TokenBucket(0.0, 0.0), 2.0, 2, 10.0, TokenBucket(0.0, 10.0)),  # refill stops at the capacity
    (None, 0.5, 1, 0.0, TokenBucket(0.0, 0.0)),  # capacity max(1, rate)
    (TokenBucket(0.0, 0.0), 0.5, 1, 1.99, RATE),
    (TokenBucket(0.0, 0.0), 0.5, 1, 2.0, TokenBucket(0.0, 2.0)),
    (None, 1.0, 5, 0.0, TokenBucket(-4.0, 0.0)),  # more recipients than the capacity: passes full, in debt
    (TokenBucket(-4.0, 0.0), 1.0, 1, 4.99, RATE),
    (TokenBucket(-4.0, 0.0), 1.0, 1, 5.0, TokenBucket(0.0, 5.0)),
])
def test_send_rate_token_bucket(bucket: TokenBucket | None, rate: float | None, recipients: int, now: float,
                                after: Any) -> None:
    outcome: list[Any] = []
    error = refused(lambda: outcome.append(rules.take_send_tokens(bucket, rate, recipients, now)))
    assert (error or outcome[0]) == after  # the tokens here are exact in binary floating point


# -- account-level suppression -----------------------------------------------------------------------


@pytest.mark.parametrize(("account", "configuration_set", "effective"), [
    (Account(), None, {"BOUNCE", "COMPLAINT"}),
    (Account(suppressed_reasons=("BOUNCE",)), ConfigurationSet("cs"), {"BOUNCE"}),
    (Account(), ConfigurationSet("cs", suppressed_reasons=("COMPLAINT",)), {"COMPLAINT"}),
    (Account(), ConfigurationSet("cs", suppressed_reasons=()), set()),
])
def test_effective_suppressed_reasons(account: Account, configuration_set: ConfigurationSet | None,
                                      effective: set[str]) -> None:
    assert rules.effective_suppressed_reasons(account, configuration_set) == effective


def test_suppressed_recipients_by_effective_reason_case_insensitively() -> None:
    listed = {"bounced@x.com": "BOUNCE", "complained@x.com": "COMPLAINT"}
    recipients = ["Bob <Bounced@X.com>", "complained@x.com", "fine@x.com"]
    assert rules.suppressed_recipients(recipients, listed, frozenset({"BOUNCE", "COMPLAINT"})) == [
        "Bounced@X.com", "complained@x.com"]
    assert rules.suppressed_recipients(recipients, listed, frozenset({"BOUNCE"})) == ["Bounced@X.com"]
    assert rules.suppressed_recipients(recipients, listed, frozenset()) == []


BOTH = {"BOUNCE", "COMPLAINT"}


@pytest.mark.parametrize(("recipient", "reasons", "reason"), [
    (f"bounce+3@{SIM}", BOTH, "BOUNCE"), (f"Jane <complaint@{SIM}>", BOTH, "COMPLAINT"),
    (f"bounce@{SIM}", {"COMPLAINT"}, None), (f"complaint@{SIM}", set(), None), (f"success@{SIM}", BOTH, None),
    (f"suppressionlist@{SIM}", BOTH, None), ("bounce@example.com", BOTH, None),
])
def test_simulator_bounces_and_complaints_join_the_list(recipient: str, reasons: set[str], reason: str | None) -> None:
    assert rules.simulator_suppression(recipient, frozenset(reasons)) == reason


@pytest.mark.parametrize(("values", "expected"), [
    (["BOUNCE", "COMPLAINT"], None), ([], None), (["bounce"], ("BadRequestException", "Invalid suppression reason bounce.")),
])
def test_suppression_reasons(values: list[str], expected: Any) -> None:
    assert refused(lambda: rules.suppression_reasons(values)) == expected


# -- list paging and what is not emulated -------------------------------------------------------------


@pytest.mark.parametrize(("params", "expected"), [
    ({}, {"Items": [0, 1, 2, 3, 4]}), ({"PageSize": 2}, {"Items": [0, 1], "NextToken": "2"}),
    ({"PageSize": 2, "NextToken": "4"}, {"Items": [4]}), ({"PageSize": 5}, {"Items": [0, 1, 2, 3, 4]}),
    ({"PageSize": 4, "NextToken": "1"}, {"Items": [1, 2, 3, 4]}),
])
def test_paging(params: dict[str, Any], expected: dict[str, Any]) -> None:
    assert rules.page(list(range(5)), params, "Items") == expected


BAD_TOKEN = ("InvalidNextTokenException", "The specified request includes an invalid or expired token.")


@pytest.mark.parametrize(("params", "expected"), [
    ({"NextToken": "6"}, BAD_TOKEN), ({"NextToken": "x"}, BAD_TOKEN),
    ({"PageSize": 0}, ("BadRequestException", "PageSize must be at least 1.")),
])
def test_paging_refusals(params: dict[str, Any], expected: Any) -> None:
    assert refused(lambda: rules.page(list(range(5)), params, "Items", "InvalidNextTokenException")) == expected


def test_members_that_are_not_emulated_are_refused() -> None:
    assert refused(lambda: rules.refuse_not_emulated({"TenantName": "t"}, ["TenantName"])) == (
        "BadRequestException", "TenantName is not emulated by local mode")
    assert refused(lambda: rules.refuse_not_emulated({"TenantName": None}, ["TenantName"])) is None


# -- LocalSes applies them in SES's order, on its own clocks -------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def account(clock: Clock) -> LocalSes:
    ses = LocalSes(clock=clock, wall=lambda: 1_767_261_600.0, region=REGION)
    ses.create_configuration_set({"ConfigurationSetName": "cs"})
    ses.create_email_identity({"EmailIdentity": "x.com", "ConfigurationSetName": "cs"})
    ses.set_verification("x.com", True)
    return ses


def send(ses: LocalSes, to: list[str], **extra: Any) -> str:
    return str(ses.send_email({"FromEmailAddress": "Shop <o@x.com>", "Destination": {"ToAddresses": to},
                               "Content": simple(), **extra})["MessageId"])


def test_first_failing_rule_wins() -> None:
    ses = account(Clock())
    ses.put_configuration_set_sending_options({"ConfigurationSetName": "cs", "SendingEnabled": False})
    ses.set_verification("x.com", False)
    bad_tag = [{"Name": "a.b", "Value": "v"}]
    assert refused(lambda: send(ses, [], EmailTags=bad_tag)) == ("BadRequestException", "Missing required header 'To'.")
    assert refused(lambda: send(ses, ["a@b.com"], EmailTags=bad_tag)) == (
        "BadRequestException", f"Invalid tag name <a.b>: {CHARSET}")
    assert refused(lambda: send(ses, ["a@b.com"], ConfigurationSetName="nope")) == (
        "NotFoundException", "Configuration set nope does not exist.")
    assert refused(lambda: send(ses, ["a@b.com"])) == ("SendingPausedException", PAUSED_SET)
    ses.put_configuration_set_sending_options({"ConfigurationSetName": "cs", "SendingEnabled": True})
    assert refused(lambda: send(ses, ["a@b.com"])) == ("MessageRejected", NOT_VERIFIED + "Shop <o@x.com>")
    assert ses.stats() == {"accepted": 0, "refused": {"BadRequestException": 2, "NotFoundException": 1,
                                                      "SendingPausedException": 1, "MessageRejected": 1}}


def test_quotas_count_recipients_over_a_trailing_day_and_refusals_consume_nothing() -> None:
    clock = Clock()
    ses = account(clock)
    ses.set_limits(max_send_rate=2, max_24_hour_send=4)
    send(ses, ["a@b.com", "c@d.com"])
    assert refused(lambda: send(ses, ["a@b.com"])) == RATE  # the bucket of 2 is empty
    clock.now += 0.5
    send(ses, ["a@b.com"])
    ses.set_limits(max_send_rate=2, max_24_hour_send=4)  # the bucket starts full again
    assert refused(lambda: send(ses, ["e@f.com", "g@h.com"])) == ("TooManyRequestsException", "Daily message quota exceeded.")
    send(ses, ["e@f.com"])
    assert ses.get_account({})["SendQuota"] == {"Max24HourSend": 4, "MaxSendRate": 2, "SentLast24Hours": 4}
    clock.now = 1_000.0 + 24 * 60 * 60 - 0.001
    assert refused(lambda: send(ses, ["a@b.com"])) == ("TooManyRequestsException", "Daily message quota exceeded.")
    clock.now += 0.001  # the first send (2 recipients) leaves the window
    send(ses, ["a@b.com", "c@d.com"])


def test_accepted_log_entries_and_the_account_suppression_list() -> None:
    ses = account(Clock())
    ses.put_suppressed_destination({"EmailAddress": "Listed@B.com", "Reason": "COMPLAINT"})
    first = send(ses, ["listed@b.com", f"bounce@{SIM}"], EmailTags=[{"Name": "orderId", "Value": "o-1"}])
    send(ses, [f"bounce@{SIM}"])
    last, emails = ses.accepted()
    assert last == 2 and [email["sequence"] for email in emails] == [1, 2]
    assert emails[0]["messageId"] == first and emails[0]["configurationSet"] == "cs"
    assert emails[0]["identity"] == "x.com" and emails[0]["tags"] == {"orderId": "o-1"}
    assert emails[0]["suppressedRecipients"] == ["listed@b.com"]
    assert emails[1]["suppressedRecipients"] == [f"bounce@{SIM}"]  # listed by the first send's bounce
    assert ses.get_suppressed_destination({"EmailAddress": "listed@b.com"})["SuppressedDestination"][
        "EmailAddress"] == "Listed@B.com"
    assert ses.accepted(after=1)[1] == emails[1:]
