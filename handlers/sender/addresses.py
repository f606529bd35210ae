"""Who an e-mail goes to and how addresses appear in headers, records and logs.

Pure functions: the sandbox rewrite and RFC 2047 `Name <address>` headers that can never carry a
line break. Redaction of addresses from free text is `handlers.shared.masking.redact_addresses`.
"""

from __future__ import annotations

from email.utils import formataddr

from email_validator import EmailNotValidError, validate_email

SIMULATOR_DOMAIN = "simulator.amazonses.com"
SANDBOX_RECIPIENT = f"success@{SIMULATOR_DOMAIN}"
"""Where sandbox mode sends every real customer's e-mail: SES accepts it and reports a delivery."""


def one_line(value: str) -> str:
    """Header-safe: every run of whitespace or control characters becomes one space."""
    if not value.isprintable():
        value = "".join(char if char.isprintable() else " " for char in value)
    return " ".join(value.split())


def valid_address(value: str) -> str:
    """Syntax only (no DNS); the ASCII (IDNA) form, the only one SES sends to; ValueError otherwise.

    The one address check of the system: an order's `customerEmail`, and the status API's
    `/recipients?address=` (an address no order could have is refused, not searched for).
    Suppression and records key on `masking.address_hash`, which gives every spelling one identity.
    """
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

