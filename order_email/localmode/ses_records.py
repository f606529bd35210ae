"""The records an SES account keeps, as local mode's SES holds them: immutable, replaced on change.

`ses_rules` checks a SendEmail against them; `LocalSes` stores and answers them. `SesError` is a
refusal as SES answers it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SUPPRESSION_REASONS = ("BOUNCE", "COMPLAINT")
"""botocore sesv2 `SuppressionListReason`; also SES's default account reasons (accounts since 2019)."""


class SesError(Exception):
    """A refusal as SES answers it: the error code (an sesv2 error shape's name) and its message."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Account:
    """The account settings SendEmail depends on (defaults: a production account, no limits)."""

    production_access: bool = True
    sending_enabled: bool = True
    suspended: bool = False
    max_send_rate: float | None = None
    """Recipients per second; None = unlimited."""
    max_24_hour_send: float | None = None
    """Recipients per trailing 24 hours; None = unlimited."""
    suppressed_reasons: tuple[str, ...] = SUPPRESSION_REASONS
    probation: bool = False
    """Under review for its reputation (EnforcementStatus PROBATION); it still sends."""
    details: tuple[tuple[str, Any], ...] = ()
    """What PutAccountDetails stored (MailType, WebsiteURL, …), in GetAccount's `Details`."""
    review_status: str | None = None
    """The production-access request's review: PENDING, GRANTED, DENIED or FAILED (botocore `ReviewStatus`)."""
    case_id: str | None = None
    """The support case of that request."""

    @property
    def enforcement_status(self) -> str:
        """GetAccount's EnforcementStatus: SHUTDOWN (suspended), PROBATION (under review) or HEALTHY."""
        if self.suspended:
            return "SHUTDOWN"
        return "PROBATION" if self.probation else "HEALTHY"


@dataclass(frozen=True)
class Identity:
    """An email address or domain identity."""

    name: str
    verified: bool = False
    configuration_set: str | None = None
    """Its default configuration set."""
    dkim_tokens: tuple[str, ...] = ()
    signing_key_length: str = "RSA_2048_BIT"
    mail_from_domain: str | None = None
    mail_from_verified: bool = False
    behavior_on_mx_failure: str = "USE_DEFAULT_VALUE"
    tags: tuple[tuple[str, str], ...] = ()
    unverified_status: str = "PENDING"
    """The status SES reports while the identity is not verified: PENDING, FAILED or TEMPORARY_FAILURE."""
    mail_from_unverified_status: str = "PENDING"
    """The MAIL FROM status while it is not verified: PENDING, FAILED or TEMPORARY_FAILURE."""

    @property
    def is_domain(self) -> bool:
        return "@" not in self.name

    @property
    def identity_type(self) -> str:
        return "DOMAIN" if self.is_domain else "EMAIL_ADDRESS"

    @property
    def verification_status(self) -> str:
        return "SUCCESS" if self.verified else self.unverified_status

    def mail_from_attributes(self) -> dict[str, Any]:
        """As SES answers: only BehaviorOnMxFailure until a MAIL FROM domain is set."""
        attributes: dict[str, Any] = {"BehaviorOnMxFailure": self.behavior_on_mx_failure}
        if self.mail_from_domain:
            attributes.update(MailFromDomain=self.mail_from_domain,
                              MailFromDomainStatus="SUCCESS" if self.mail_from_verified
                              else self.mail_from_unverified_status)
        return attributes

    def dkim_attributes(self) -> dict[str, Any]:
        """Easy DKIM on a domain follows its verification; an address identity has no keys of its own."""
        dkim = {"SigningAttributesOrigin": "AWS_SES", "NextSigningKeyLength": self.signing_key_length}
        if not self.is_domain:
            return {**dkim, "SigningEnabled": False, "Status": "NOT_STARTED"}
        return {**dkim, "SigningEnabled": True, "Status": self.verification_status, "Tokens": list(self.dkim_tokens),
                "CurrentSigningKeyLength": self.signing_key_length}


UNVERIFIED_STATUSES = ("PENDING", "FAILED", "TEMPORARY_FAILURE")
"""Statuses of botocore sesv2 `VerificationStatus` / `DkimStatus` / `MailFromDomainStatus` that are not SUCCESS
(NOT_STARTED is an address identity's DKIM, which local mode answers by itself)."""
REVIEW_STATUSES = ("PENDING", "GRANTED", "DENIED", "FAILED")
"""botocore sesv2 `ReviewStatus`."""
MAIL_TYPES = ("MARKETING", "TRANSACTIONAL")
CONTACT_LANGUAGES = ("EN", "JA")
MAX_ADDITIONAL_CONTACTS = 4
"""botocore sesv2 `PutAccountDetails` AdditionalContactEmailAddresses: 1 to 4 addresses."""


@dataclass(frozen=True)
class ConfigurationSet:
    name: str
    sending_enabled: bool | None = None
    """None: SendingOptions never set (sending is enabled)."""
    suppressed_reasons: tuple[str, ...] | None = None
    """None: no SuppressionOptions, the account's reasons apply; (): the account list is not used."""
    options: tuple[tuple[str, Any], ...] = ()
    """Every other option as given (TrackingOptions, DeliveryOptions, ReputationOptions, Tags …)."""


@dataclass(frozen=True)
class TokenBucket:
    tokens: float
    at: float
    """The `clock` reading the tokens were counted at."""
