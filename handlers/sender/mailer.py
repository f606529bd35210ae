"""SESv2 SendEmail, and what each way it can fail means for the order (pure `classify_send_error`).

| class       | examples                                                   | the loop                       |
|-------------|------------------------------------------------------------|--------------------------------|
| THROTTLED   | TooManyRequestsException, Throttling, "Maximum sending …"  | release claim, retry it        |
| DAILY_QUOTA | LimitExceededException, "Daily message quota exceeded"     | release, retry rest of batch   |
| PERMANENT   | MessageRejected, MailFromDomainNotVerified, NotFound, …    | FAILED with reason, acknowledge|
| NOT_SENT    | no connection made (connect timeout, endpoint unreachable) | release claim, retry           |
| UNKNOWN     | read timeout, 5xx, anything else: SES may have accepted it | keep claim (lease+grace), retry|

botocore classes the daily-quota error as a throttle, so it is classified here, before the code.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, ConnectTimeoutError, EndpointConnectionError

from handlers.sender.addresses import redact_addresses
from handlers.sender.rendering import RenderedEmail
from handlers.shared import schema


class SendErrorKind(StrEnum):
    THROTTLED = "THROTTLED"
    DAILY_QUOTA = "DAILY_QUOTA"
    PERMANENT = "PERMANENT"
    NOT_SENT = "NOT_SENT"
    UNKNOWN = "UNKNOWN"


THROTTLE_CODES = frozenset({"TooManyRequestsException", "Throttling", "ThrottlingException", "Throttled"})
QUOTA_CODES = frozenset({"LimitExceededException"})
PERMANENT_CODES = frozenset({
    "MessageRejected",
    "MailFromDomainNotVerifiedException",
    "NotFoundException",
    "AccountSuspendedException",
    "SendingPausedException",
    "BadRequestException",
})


def classify_send_error(code: str, message: str) -> SendErrorKind:
    lowered = message.lower()
    if "daily message quota exceeded" in lowered or code in QUOTA_CODES:
        return SendErrorKind.DAILY_QUOTA
    if "maximum sending rate exceeded" in lowered or code in THROTTLE_CODES:
        return SendErrorKind.THROTTLED
    if code in PERMANENT_CODES:
        return SendErrorKind.PERMANENT
    return SendErrorKind.UNKNOWN


@dataclass(frozen=True)
class SendError(Exception):
    kind: SendErrorKind
    code: str
    message: str
    """Addresses already masked: safe for logs and the delivery item's `statusReason`."""

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


@dataclass(frozen=True)
class Sender:
    """Who the mail is from: fixed per function, headers built once."""

    from_header: str
    reply_to: str | None
    configuration_set: str


class Mailer:
    def __init__(self, sesv2: Any, sender: Sender):
        self._ses = sesv2
        self._sender = sender

    def request(self, to_header: str, email: RenderedEmail, order_id: str) -> dict[str, Any]:
        """The SendEmail parameters: tags let the SES events find the delivery item."""
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
                {"Name": "orderId", "Value": order_id},
                {"Name": "kind", "Value": schema.ORDER_CONFIRMATION},
            ],
            "ConfigurationSetName": self._sender.configuration_set,
        }
        if self._sender.reply_to:
            request["ReplyToAddresses"] = [self._sender.reply_to]
        return request

    def send(self, to_header: str, email: RenderedEmail, order_id: str) -> str:
        """The SES message id, or `SendError` saying what the failure means."""
        try:
            answer = self._ses.send_email(**self.request(to_header, email, order_id))
        except ClientError as error:
            details = error.response.get("Error", {})
            code = str(details.get("Code", "Unknown"))
            message = redact_addresses(str(details.get("Message", "")))
            raise SendError(classify_send_error(code, message), code, message) from error
        except BotoCoreError as error:
            # connection never made: SES cannot have the e-mail; anything else (read timeout): it may
            unreached = isinstance(error, ConnectTimeoutError | EndpointConnectionError)
            kind = SendErrorKind.NOT_SENT if unreached else SendErrorKind.UNKNOWN
            raise SendError(kind, type(error).__name__, redact_addresses(str(error))) from error
        return str(answer["MessageId"])
