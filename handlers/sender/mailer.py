"""SESv2 SendEmail, and whose fault each way it can fail is (pure `classify_send_error`).

| kind      | examples                                                        | the loop                              |
|-----------|-----------------------------------------------------------------|---------------------------------------|
| ORDER     | MessageRejected (bad address, content), BadRequestException     | FAILED with the reason, acknowledged  |
| HELD      | SendingPaused, AccountSuspended, identity or MAIL FROM not      | held: re-enqueued with a growing delay|
|           | verified, configuration set NotFound, sandbox recipient, daily  | for days; never FAILED, never         |
|           | quota ("Daily message quota exceeded")                          | dead-lettered before the hold limit   |
| THROTTLED | TooManyRequestsException "Maximum sending rate exceeded"        | re-enqueued with backoff and jitter   |
| NOT_SENT  | no connection made (connect timeout, endpoint unreachable)      | re-enqueued with backoff and jitter   |
| UNKNOWN   | read timeout, 5xx, anything else: SES may have accepted it      | keep the claim (lease + grace), retry |

An order-level refusal is about this order and will never succeed; an account- or stack-level one
(HELD) is about the account or the stack and answers every order until an operator fixes it, so
`remedy` says what to fix, and `whole_batch` says the rest of the batch need not even be tried.
botocore classes the daily-quota error as a throttle, so it is classified here, before the code.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import getaddresses
from enum import StrEnum
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, ConnectTimeoutError, EndpointConnectionError

from ..shared.masking import redact_addresses
from ..shared.order_ids import to_tag_value
from .addresses import mailbox_header
from .rendering import RenderedEmail


class SendErrorKind(StrEnum):
    ORDER = "ORDER"
    HELD = "HELD"
    THROTTLED = "THROTTLED"
    NOT_SENT = "NOT_SENT"
    UNKNOWN = "UNKNOWN"


THROTTLE_CODES = frozenset({"TooManyRequestsException", "Throttling", "ThrottlingException", "Throttled"})
ORDER_CODES = frozenset({"MessageRejected", "BadRequestException"})
NOT_VERIFIED = "email address is not verified"
"""SES's MessageRejected text for an unverified sender identity, or (sandbox) an unverified recipient."""
_FAILED_IDENTITIES = "failed the check in region"

REMEDIES = {
    "SendingPausedException": "sending is paused for the configuration set or the account (the reputation guard "
                              "pauses it on a reputation alarm): fix the cause, then resume with `aws sesv2 "
                              "put-configuration-set-sending-options --configuration-set-name <set> "
                              "--sending-enabled`",
    "AccountSuspendedException": "the SES account is suspended: contact AWS Support; orders are held until "
                                 "sending is restored",
    "MailFromDomainNotVerifiedException": "MAIL FROM domain not verified: publish the MX and SPF records of "
                                          "`pulumi stack output dnsRecords`",
    "NotFoundException": "configuration set not found: run `pulumi up` for this stack (CONFIGURATION_SET "
                         "names a set that does not exist)",
    "LimitExceededException": "SES refused for an account limit: check the account's quotas in the SES console",
}
QUOTA_REMEDY = ("daily sending quota reached: orders resume as the 24-hour window moves; request a quota "
                "increase in the SES console")
IDENTITY_REMEDY = ("identity not verified: publish the DKIM records of `pulumi stack output dnsRecords` and "
                   "wait for SES to verify the domain")
SANDBOX_REMEDY = ("the SES account is in the sandbox and the recipient is not verified: request production "
                  "access for this account and region")


@dataclass(frozen=True)
class Classification:
    kind: SendErrorKind
    whole_batch: bool = False
    """The same refusal answers every other order of the batch: hold them without calling SES."""
    remedy: str | None = None
    """For HELD: what an operator must fix, for the log line and the record."""


def _sender_unverified(message: str, from_address: str) -> bool:
    """Whether SES's "not verified" list names our From address or a domain it belongs to.

    SES lists the identities as the request wrote them (`Shop <orders@shop.example>`, a bare address
    or domain), comma-separated, so the list is parsed as address headers.
    """
    _, found, listed = message.lower().partition(_FAILED_IDENTITIES)
    if not found:
        return False
    sender = from_address.strip().lower()
    domain = sender.rpartition("@")[2]
    identities = [address.strip(" .") for _, address in getaddresses([listed.partition(":")[2]])]
    return any(identity and (identity == sender or domain == identity or domain.endswith("." + identity))
               for identity in identities)


def classify_send_error(code: str, message: str, from_address: str = "") -> Classification:
    """Whose fault a SendEmail error is, from its code and SES's (unredacted) message."""
    lowered = message.lower()
    if "daily message quota exceeded" in lowered:
        return Classification(SendErrorKind.HELD, whole_batch=True, remedy=QUOTA_REMEDY)
    if "maximum sending rate exceeded" in lowered or code in THROTTLE_CODES:
        return Classification(SendErrorKind.THROTTLED)
    if code in REMEDIES:
        return Classification(SendErrorKind.HELD, whole_batch=True, remedy=REMEDIES[code])
    if code == "MessageRejected" and NOT_VERIFIED in lowered:
        if _sender_unverified(message, from_address):
            return Classification(SendErrorKind.HELD, whole_batch=True, remedy=IDENTITY_REMEDY)
        return Classification(SendErrorKind.HELD, remedy=SANDBOX_REMEDY)
    if code in ORDER_CODES:
        return Classification(SendErrorKind.ORDER)
    return Classification(SendErrorKind.UNKNOWN)


@dataclass(frozen=True)
class SendError(Exception):
    kind: SendErrorKind
    code: str
    message: str
    """Addresses already masked: safe for logs and the delivery item's `statusReason`."""
    whole_batch: bool = False
    remedy: str | None = None

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    @property
    def held_reason(self) -> str:
        """A held record's `statusReason`: SES's refusal and what to fix."""
        return f"held: {self}; to fix: {self.remedy}" if self.remedy else f"held: {self}"


@dataclass(frozen=True)
class Sender:
    """Who the mail is from: fixed per function, headers built once."""

    from_header: str
    from_address: str
    reply_to: str | None
    configuration_set: str

    @classmethod
    def configured(cls, from_name: str, from_address: str, reply_to: str | None, configuration_set: str) -> Sender:
        """As the stack configures it (fromName, fromAddress, replyTo): `Name <address>`, no Reply-To when empty."""
        return cls(mailbox_header(from_name, from_address), from_address, reply_to or None, configuration_set)


class Mailer:
    def __init__(self, sesv2: Any, sender: Sender):
        self._ses = sesv2
        self._sender = sender

    def request(self, to_header: str, email: RenderedEmail, order_id: str, kind: str) -> dict[str, Any]:
        """The SendEmail parameters: the `orderId` and `kind` tags let the SES events find the delivery item."""
        request: dict[str, Any] = {
            "FromEmailAddress": self._sender.from_header,
            "Destination": {"ToAddresses": [to_header]},
            "Content": {
                "Simple": {
                    "Subject": {"Data": email.subject, "Charset": "UTF-8"},
                    "Body": {
                        "Text": {"Data": email.text, "Charset": "UTF-8"},
                        "Html": {"Data": email.html, "Charset": "UTF-8"},
                    },
                }
            },
            "EmailTags": [
                {"Name": "orderId", "Value": to_tag_value(order_id)},
                {"Name": "kind", "Value": kind},
            ],
            "ConfigurationSetName": self._sender.configuration_set,
        }
        if self._sender.reply_to:
            request["ReplyToAddresses"] = [self._sender.reply_to]
        return request

    def send(self, to_header: str, email: RenderedEmail, order_id: str, kind: str) -> str:
        """The SES message id, or `SendError` saying what the failure means."""
        try:
            answer = self._ses.send_email(**self.request(to_header, email, order_id, kind))
        except ClientError as error:
            details = error.response.get("Error", {})
            code, raw = str(details.get("Code", "Unknown")), str(details.get("Message", ""))
            verdict = classify_send_error(code, raw, self._sender.from_address)
            raise SendError(verdict.kind, code, redact_addresses(raw), verdict.whole_batch, verdict.remedy) from error
        except BotoCoreError as error:
            # connection never made: SES cannot have the e-mail; anything else (read timeout): it may
            unreached = isinstance(error, ConnectTimeoutError | EndpointConnectionError)
            outcome = SendErrorKind.NOT_SENT if unreached else SendErrorKind.UNKNOWN
            raise SendError(outcome, type(error).__name__, redact_addresses(str(error))) from error
        return str(answer["MessageId"])
