"""What Amazon SES checks before it accepts a SendEmail, as pure functions (no I/O, clock or state).

Each refusal is an `SesError` with the SESv2 error code (an error shape of botocore's `sesv2` model)
and SES's wording: the text SES is known to answer, else the error shape's documentation. `LocalSes`
calls the checks in SES's order (`send_email`); the first that fails wins. The records the checks
read (`Account`, `Identity`, `ConfigurationSet`, in `ses_records`) are immutable: `LocalSes` replaces them on change.

Reproduced: recipient count, message tag syntax, the 40 MB size limit, address syntax, configuration
set resolution, account and configuration-set pauses, suspension, sender verification (address,
domain or parent domain), MAIL FROM with REJECT_MESSAGE, the sandbox, the daily quota, the send rate
and account-level suppression. Not reproduced: content checks (MIME validity, attachment types,
line length), sending authorization policies, templates, tenants and dedicated IPs.
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterable, Mapping, Sequence
from email.parser import BytesHeaderParser
from email.utils import getaddresses
from typing import Any

from order_email.localmode.mailbox import SIMULATOR_DOMAIN, SimulatorOutcome, outcome_for
from order_email.localmode.ses_records import (
    CONTACT_LANGUAGES,
    MAIL_TYPES,
    MAX_ADDITIONAL_CONTACTS,
    SUPPRESSION_REASONS,
    Account,
    ConfigurationSet,
    Identity,
    SesError,
    TokenBucket,
)

MAX_RECIPIENTS = 50
"""botocore ses `SendEmail` docs: "The message may not include more than 50 recipients, across the To:, CC: and
BCC: fields"."""
MAX_MESSAGE_BYTES = 40 * 1024 * 1024
"""SESv2's maximum message size, 40 MB, counted after MIME encoding."""
MAX_TAG_LENGTH = 256
PAGE_SIZE = 1000
"""Page size when a list request gives none (the largest SES accepts for its list operations)."""
FEEDBACK_TAGS = frozenset({"ses:feedback-id-a", "ses:feedback-id-b"})
"""The tag names SES allows outside the rule (SES developer guide, fine-grained feedback, 2024)."""
_TAG_CHARACTERS = re.compile(r"[A-Za-z0-9_-]*")



def refuse_not_emulated(params: Mapping[str, Any], members: Iterable[str]) -> None:
    """Members local mode does not emulate are refused, never silently ignored."""
    for member in members:
        if params.get(member) is not None:
            raise SesError("BadRequestException", f"{member} is not emulated by local mode")


def suppression_reasons(values: Iterable[str]) -> tuple[str, ...]:
    """Reasons as given, each BOUNCE or COMPLAINT (botocore sesv2 `SuppressionListReason`)."""
    reasons = tuple(values)
    for reason in reasons:
        if reason not in SUPPRESSION_REASONS:
            raise SesError("BadRequestException", f"Invalid suppression reason {reason}.")
    return reasons


def page(items: list[Any], params: Mapping[str, Any], key: str,
         paging_error: str = "BadRequestException") -> dict[str, Any]:
    """One page of a list answer, `{key: items, "NextToken": …}`; a token is an offset, PageSize at least 1.

    `paging_error` is the operation's modelled error for a bad token (InvalidNextTokenException where it has one).
    """
    token, size = params.get("NextToken"), int(params.get("PageSize", PAGE_SIZE))
    if not (token is None or (str(token).isdigit() and int(token) <= len(items))):
        raise SesError(paging_error, "The specified request includes an invalid or expired token.")
    if size < 1:
        raise SesError("BadRequestException", "PageSize must be at least 1.")
    start = int(token or 0)
    answer: dict[str, Any] = {key: items[start:start + size]}
    if start + size < len(items):
        answer["NextToken"] = str(start + size)
    return answer


def account_details(params: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    """PutAccountDetails' details as GetAccount answers them (ProductionAccessEnabled is the request, not a detail).

    botocore checks the required members and the list's minimum; the enums and the list's maximum are SES's own.
    """
    if params.get("MailType") not in MAIL_TYPES:
        raise SesError("BadRequestException", f"Invalid MailType {params.get('MailType')}.")
    if params.get("ContactLanguage") not in (None, *CONTACT_LANGUAGES):
        raise SesError("BadRequestException", f"Invalid ContactLanguage {params.get('ContactLanguage')}.")
    contacts = list(params.get("AdditionalContactEmailAddresses") or [])
    if len(contacts) > MAX_ADDITIONAL_CONTACTS:
        raise SesError("BadRequestException",
                       f"At most {MAX_ADDITIONAL_CONTACTS} additional contact email addresses are allowed.")
    check_addresses(contacts)
    members = ("MailType", "WebsiteURL", "ContactLanguage", "UseCaseDescription", "AdditionalContactEmailAddresses")
    return tuple((member, tuple(value) if isinstance(value, list) else value)
                 for member in members if (value := params.get(member)) is not None)


def not_verified(identities: Iterable[str], region: str) -> SesError:
    """SES's sender and sandbox refusal, naming every identity that failed, as written in the request."""
    return SesError("MessageRejected", "Email address is not verified. The following identities failed the check "
                                       f"in region {region.upper()}: {', '.join(identities)}")


def bare_address(value: str) -> str:
    """The address of a `Name <address>` value; "" unless the value holds exactly one address."""
    parsed = getaddresses([value])
    return parsed[0][1] if len(parsed) == 1 else ""


def recipients_of(destination: Mapping[str, Any] | None) -> list[str]:
    """To, Cc and Bcc values as written (SESv2 Raw messages also take their recipients from here)."""
    destination = destination or {}
    return [value for field in ("ToAddresses", "CcAddresses", "BccAddresses")
            for value in destination.get(field) or []]


def check_content(content: Mapping[str, Any]) -> None:
    """Simple or Raw content; templates are refused as not emulated, so no send passes unchecked."""
    if "Template" in content:
        raise SesError("BadRequestException", "Content.Template is not emulated by local mode")
    if "Simple" not in content and "Raw" not in content:
        raise SesError("BadRequestException", "The message content must be Simple, Raw or Template.")


def check_recipient_count(recipients: Sequence[str]) -> None:
    """At least one recipient (SES's text: "Missing required header 'To'."); at most `MAX_RECIPIENTS`."""
    if not recipients:
        raise SesError("BadRequestException", "Missing required header 'To'.")
    if len(recipients) > MAX_RECIPIENTS:
        raise SesError("MessageRejected", f"Recipient count exceeds {MAX_RECIPIENTS}.")


def check_tags(tags: Iterable[Mapping[str, Any]]) -> None:
    """Tag names and values: ASCII letters, digits, `_`, `-`; 1-256 characters (botocore sesv2 `MessageTag`).

    The wording is SES's ("Invalid tag name <x>: only alphanumeric ASCII characters, '_', and '-' are allowed.").
    """
    for tag in tags:
        for part in ("name", "value"):
            text = str(tag.get(part.capitalize()) or "")
            if part == "name" and text in FEEDBACK_TAGS:
                continue
            if not _TAG_CHARACTERS.fullmatch(text):
                raise SesError("BadRequestException", f"Invalid tag {part} <{text}>: only alphanumeric ASCII "
                                                      "characters, '_', and '-' are allowed.")
            if not 1 <= len(text) <= MAX_TAG_LENGTH:
                raise SesError("BadRequestException", f"Invalid tag {part} <{text}>: it must be 1 to "
                                                      f"{MAX_TAG_LENGTH} characters long.")


def message_size(content: Mapping[str, Any]) -> int:
    """Bytes of the message: Raw data, or Simple subject + text + html + attachments.

    SES counts the MIME-encoded message (headers, base64 attachments); the raw bytes approximate it
    from below, so a message just under the limit here can be just over it in SES.
    """
    raw = content.get("Raw")
    if raw is not None:
        return len(raw.get("Data") or b"")
    simple = content.get("Simple") or {}
    body = simple.get("Body") or {}
    parts = [(simple.get("Subject") or {}).get("Data"), (body.get("Text") or {}).get("Data"),
             (body.get("Html") or {}).get("Data")]
    size = sum(len(part.encode()) for part in parts if part)
    return size + sum(len(attachment.get("RawContent") or b"") for attachment in simple.get("Attachments") or [])


def check_message_size(content: Mapping[str, Any]) -> None:
    """At most 40 MB (SESv2 quotas: "maximum message size, including attachments, is 40 MB")."""
    if message_size(content) > MAX_MESSAGE_BYTES:
        raise SesError("MessageRejected", "Message length is more than 40 MB")


def check_addresses(values: Iterable[str]) -> None:
    """Each value is one `local@domain` address with a 7-bit ASCII local part (sesv2 `Destination` docs)."""
    for value in values:
        local, _, domain = bare_address(value).rpartition("@")
        if not local or not domain or not local.isascii():
            raise SesError("BadRequestException", f"Invalid email address {value}.")


def sender_of(params: Mapping[str, Any]) -> str:
    """FromEmailAddress, else a Raw message's From header (SES's text when neither is there)."""
    sender = params.get("FromEmailAddress")
    raw = (params.get("Content") or {}).get("Raw")
    if not sender and raw is not None:
        sender = BytesHeaderParser().parsebytes(raw.get("Data") or b"").get("From")
    if not sender:
        raise SesError("BadRequestException", "Missing required header 'From'.")
    check_addresses([str(sender)])
    return str(sender)


def identity_names(address: str) -> list[str]:
    """Identities that can vouch for an address, most specific first: itself, its domain, parent domains."""
    address = address.lower()
    domain = address.rpartition("@")[2]
    names = [address] if "@" in address else []
    while "." in domain:
        names.append(domain)
        domain = domain.partition(".")[2]
    return names


def identities_for(address: str, identities: Mapping[str, Identity]) -> list[Identity]:
    """The existing identities (keyed by lower-case name) that match an address, most specific first."""
    return [identities[name] for name in identity_names(address) if name in identities]


def resolve_configuration_set(requested: str | None, sender: Sequence[Identity],
                              existing: Container[str]) -> str | None:
    """The request's configuration set, else the most specific sender identity's default.

    SES developer guide: a default set on an address identity overrides the domain's; a named or
    default set that does not exist fails the send.
    """
    name = requested or next((identity.configuration_set for identity in sender if identity.configuration_set), None)
    if name and name not in existing:
        raise SesError("NotFoundException", f"Configuration set {name} does not exist.")
    return name


def check_sending_status(account: Account, configuration_set: ConfigurationSet | None) -> None:
    """Suspended account, paused account, paused configuration set (sesv2 error shapes' documentation)."""
    if account.suspended:
        raise SesError("AccountSuspendedException", "The message can't be sent because the account's ability to "
                                                    "send email has been permanently restricted.")
    if not account.sending_enabled:
        raise SesError("SendingPausedException", "The message can't be sent because the account's ability to "
                                                 "send email is currently paused.")
    if configuration_set is not None and configuration_set.sending_enabled is False:
        raise SesError("SendingPausedException", "The message can't be sent because email sending is disabled "
                                                 f"for the configuration set {configuration_set.name}.")


def check_sender_verified(sender: str, identities: Sequence[Identity], region: str) -> Identity:
    """The most specific verified identity of the From address (address, domain or parent domain)."""
    for identity in identities:
        if identity.verified:
            return identity
    raise not_verified([sender], region)


def check_mail_from(identity: Identity) -> None:
    """A MAIL FROM domain that is not verified refuses the send only with REJECT_MESSAGE.

    With USE_DEFAULT_VALUE SES falls back to a subdomain of amazonses.com and sends (SES developer guide,
    "Using a custom MAIL FROM domain").
    """
    if identity.mail_from_domain and not identity.mail_from_verified \
            and identity.behavior_on_mx_failure == "REJECT_MESSAGE":
        raise SesError("MailFromDomainNotVerifiedException",
                       "The message can't be sent because the sending domain isn't verified.")


def check_sandbox(account: Account, recipients: Iterable[str], identities: Mapping[str, Identity],
                  region: str) -> None:
    """In the sandbox every recipient is a verified identity or a mailbox-simulator address (SES sandbox docs)."""
    if account.production_access:
        return
    failed = []
    for recipient in recipients:
        address = bare_address(recipient)
        if address.lower().rpartition("@")[2] == SIMULATOR_DOMAIN:
            continue
        if not any(identity.verified for identity in identities_for(address, identities)):
            failed.append(recipient)
    if failed:
        raise not_verified(failed, region)


def check_daily_quota(max_24_hour_send: float | None, sent_last_24_hours: float, recipients: int) -> None:
    """Recipients in the trailing 24 hours, this message's included, stay within the quota.

    SES documents this refusal as "Daily message quota exceeded" with a throttling error code; SESv2
    models every throttle as TooManyRequestsException (HTTP 429), so botocore retries it.
    """
    if max_24_hour_send is not None and sent_last_24_hours + recipients > max_24_hour_send:
        raise SesError("TooManyRequestsException", "Daily message quota exceeded.")


def take_send_tokens(bucket: TokenBucket | None, max_send_rate: float | None, recipients: int,
                     now: float) -> TokenBucket | None:
    """The bucket after this message: capacity max(1, rate), refilled at `rate` tokens a second, one per recipient.

    None is a full bucket. A message with more recipients than the capacity passes when the bucket is
    full and leaves it in debt, so it is slowed down, not refused forever (SES counts recipients).
    """
    if max_send_rate is None:
        return None
    capacity = max(1.0, max_send_rate)
    tokens = capacity if bucket is None else min(capacity, bucket.tokens + (now - bucket.at) * max_send_rate)
    if tokens < recipients and tokens < capacity:
        raise SesError("TooManyRequestsException", "Maximum sending rate exceeded.")
    return TokenBucket(tokens - recipients, now)


def effective_suppressed_reasons(account: Account, configuration_set: ConfigurationSet | None) -> frozenset[str]:
    """The configuration set's SuppressionOptions if it has them (empty: no account list), else the account's."""
    if configuration_set is not None and configuration_set.suppressed_reasons is not None:
        return frozenset(configuration_set.suppressed_reasons)
    return frozenset(account.suppressed_reasons)


def suppressed_recipients(recipients: Iterable[str], suppression_list: Mapping[str, str],
                          reasons: frozenset[str]) -> list[str]:
    """Bare addresses (spelled as in the request) of the recipients on the account list for an effective reason.

    `suppression_list` is keyed by lower-case address. SES accepts these recipients and then reports
    a Bounce with bounceSubType OnAccountSuppressionList.
    """
    addresses = [bare_address(recipient) for recipient in recipients]
    return [address for address in addresses if suppression_list.get(address.lower()) in reasons]


def simulator_suppression(recipient: str, reasons: frozenset[str]) -> str | None:
    """The reason a mailbox-simulator recipient joins the account list once its bounce or complaint arrives."""
    reasons_by_outcome = {SimulatorOutcome.BOUNCE: "BOUNCE", SimulatorOutcome.COMPLAINT: "COMPLAINT"}
    reason = reasons_by_outcome.get(outcome_for(bare_address(recipient)))
    return reason if reason in reasons else None
