"""The DNS records a sending domain needs: DKIM, MAIL FROM (MX + SPF) and a starting DMARC policy."""

from collections.abc import Sequence
from typing import TypedDict

MAIL_FROM_LABEL = "bounce"
"""MAIL FROM subdomain label: bounces return to `bounce.<domain>`, aligning SPF with the domain."""


class DnsRecord(TypedDict):
    """One DNS record to publish for the sender domain (TXT values unquoted, as SES documents them)."""

    name: str
    """Fully qualified record name."""
    type: str
    """Record type: `CNAME`, `MX` or `TXT`."""
    value: str
    """Record value."""
    purpose: str
    """What the record is for (DKIM, MAIL FROM, SPF, DMARC)."""


def mail_from_domain(domain: str) -> str:
    return f"{MAIL_FROM_LABEL}.{domain}"


def dns_records(domain: str, dkim_tokens: Sequence[str], region: str) -> list[DnsRecord]:
    """Everything to publish for `domain`, in the form SES documents (TXT values unquoted)."""
    records: list[DnsRecord] = [
        {"name": f"{token}._domainkey.{domain}", "type": "CNAME", "value": f"{token}.dkim.amazonses.com",
         "purpose": "DKIM (Easy DKIM, 2048-bit)"}
        for token in dkim_tokens
    ]
    records += [
        {"name": mail_from_domain(domain), "type": "MX", "value": f"10 feedback-smtp.{region}.amazonses.com",
         "purpose": "MAIL FROM: bounces return to SES"},
        {"name": mail_from_domain(domain), "type": "TXT", "value": "v=spf1 include:amazonses.com ~all",
         "purpose": "SPF for the MAIL FROM domain"},
        {"name": f"_dmarc.{domain}", "type": "TXT",
         "value": f"v=DMARC1; p=none; rua=mailto:dmarc-reports@{domain}; adkim=s; aspf=r",
         "purpose": "DMARC: start with p=none, move to quarantine/reject once reports are clean"},
    ]
    return records
