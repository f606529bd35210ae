"""Who an e-mail goes to and how addresses appear in headers, records and logs.

Pure functions: the address check, the sandbox rewrite and RFC 2047 `Name <address>` headers that
can never carry a line break. Redaction of addresses from free text is
`handlers.shared.masking.redact_addresses`.
"""

from __future__ import annotations

import re
from email.utils import formataddr

from ..shared.masking import ATEXT_SPECIALS

SIMULATOR_DOMAIN = "simulator.amazonses.com"
SANDBOX_RECIPIENT = f"success@{SIMULATOR_DOMAIN}"
"""Where sandbox mode sends every real customer's e-mail: SES accepts it and reports a delivery."""


def one_line(value: str) -> str:
    """Header-safe: every run of whitespace or control characters becomes one space."""
    if not value.isprintable():
        value = "".join(char if char.isprintable() else " " for char in value)
    return " ".join(value.split())


_ATEXT = f"[A-Za-z0-9{re.escape(ATEXT_SPECIALS)}]+"
_HOST_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_PLAIN_ADDRESS = re.compile(rf"(?P<local>{_ATEXT}(?:\.{_ATEXT})*)@(?P<domain>(?:{_HOST_LABEL}\.)+[A-Za-z]{{2,63}})")
"""A dot-atom local part at an all-ASCII host name whose top-level label is letters: the shape of
nearly every customer's address. `valid_address` checks the rest of email-validator's rules for it."""

EMAIL_MAX_LENGTH = 254
"""RFC 5321 §4.5.3.1.3 as email-validator applies it (`rfc_constants.EMAIL_MAX_LENGTH`)."""
SPECIAL_USE_TOP_LEVEL = frozenset({"arpa", "invalid", "local", "localhost", "onion", "test"})
"""email-validator's `SPECIAL_USE_DOMAIN_NAMES`: reserved names no address can be at."""
CASE_INSENSITIVE_MAILBOXES = frozenset({
    "info", "marketing", "sales", "support", "abuse", "noc", "security", "postmaster", "hostmaster",
    "usenet", "news", "webmaster", "www", "uucp", "ftp",
})
"""email-validator's `CASE_INSENSITIVE_MAILBOX_NAMES` (RFC 2142 role mailboxes): written lower case."""


def valid_address(value: str) -> str:
    """Syntax only (no DNS); the ASCII (IDNA) form, the only one SES sends to; ValueError otherwise.

    The one address check of the system: an order's `customerEmail`, and the status API's
    `/recipients?address=` (an address no order could have is refused, not searched for).
    Suppression and records key on `masking.address_hash`, which gives every spelling one identity.

    email-validator judges every address but one kind, for which it is known to answer the same: a
    plain ASCII address (`_PLAIN_ADDRESS`, no `--` in the host name, not at a special-use name).
    Importing email-validator compiles four patterns with ranges up to U+10FFFF, 21-43 ms of a cold
    start on Python 3.11-3.13 (docs/architecture.md §6), which the first e-mail of nearly every
    execution environment is thereby spared. `tests/handlers/test_addresses.py` holds both to the
    same answers.
    """
    plain = _PLAIN_ADDRESS.fullmatch(value) if len(value) <= EMAIL_MAX_LENGTH else None
    if plain is None:
        return checked_by_email_validator(value)
    local, domain = plain["local"], plain["domain"].lower()
    if "--" in domain or domain.rpartition(".")[2] in SPECIAL_USE_TOP_LEVEL:
        return checked_by_email_validator(value)
    if local.lower() in CASE_INSENSITIVE_MAILBOXES:
        local = local.lower()
    return f"{local}@{domain}"


def checked_by_email_validator(value: str) -> str:
    """email-validator's answer, imported on first use (see `valid_address`)."""
    from email_validator import EmailNotValidError, validate_email

    try:
        checked = validate_email(value, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        # email-validator's messages quote parts of the address: keep PII out of DLQ reasons and logs
        raise ValueError("not a valid e-mail address") from None
    return checked.ascii_email or checked.normalized


def delivery_address(recipient: str, sandbox: bool) -> str:
    """The address actually mailed: the recipient, or in sandbox mode the mailbox simulator.

    An address already at the simulator passes unchanged, so dev tests can choose an outcome
    (`bounce@`, `complaint@`, `success+label@` …).
    """
    if not sandbox or recipient.rpartition("@")[2].lower() == SIMULATOR_DOMAIN:
        return recipient
    return SANDBOX_RECIPIENT


def mailbox_header(display_name: str | None, address: str) -> str:
    """`Name <address>`, the name RFC 2047-encoded when not ASCII; never contains CR or LF."""
    name = one_line(display_name or "")
    header = formataddr((name, one_line(address)), charset="utf-8") if name else one_line(address)
    return header.replace("\r", " ").replace("\n", " ")

