"""Publishing an accepted order to the orders topic, within what SNS and the send queue take.

* Size: SNS counts the body *and* every message attribute's name, data type and value, in UTF-8
  bytes, against the topic's `MaximumMessageSize`, 262,144 bytes (256 KiB) by default and on the
  orders topic, and refuses a larger message with `InvalidParameter` (botocore's sns `Publish`
  `Message` and `MessageAttributeValue` documentation). `message_size` counts the same way.
* Characters: the send queue takes only `#x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD |
  #x10000-#x10FFFF` and rejects anything else with `InvalidMessageContents` (botocore's sqs
  `SendMessage` `MessageBody` documentation). JSON text only carries tab, LF and CR raw, but U+FFFE
  and U+FFFF are legal JSON: such an order would be published and never reach the queue.
* Retries: Publish has no idempotency token, so a retry after a lost answer may publish twice; that
  is harmless here, because the sender's claim sends one e-mail per order id whatever arrives twice.
"""

from __future__ import annotations

import re
from typing import Any

from botocore.config import Config

from ..shared.event_types import EVENT_TYPE_ATTRIBUTE, ORDER_EVENT_TYPE

SNS_MESSAGE_LIMIT_BYTES = 262_144
"""The orders topic's MaximumMessageSize (SNS's default; `EmailSender` does not raise it)."""

def event_attributes(event_type: str) -> dict[str, dict[str, str]]:
    """The message attribute the send queue's subscription filter routes by (`EmailSender.SUBSCRIPTION_FILTER`)."""
    return {EVENT_TYPE_ATTRIBUTE: {"DataType": "String", "StringValue": event_type}}


ORDER_ATTRIBUTES = event_attributes(ORDER_EVENT_TYPE)
"""An order confirmation's attributes (a POST without `eventType`)."""

SNS_CONFIG = Config(connect_timeout=1, read_timeout=2, retries={"mode": "standard", "total_max_attempts": 2})
PUBLISH_WORST_CASE_SECONDS = 7
"""2 attempts x (1 s connect + 2 s read) + at most 1 s of backoff: the longest a publish can take."""
MIN_TIMEOUT_SECONDS = PUBLISH_WORST_CASE_SECONDS + 1
"""The shortest function timeout that still answers 503 when SNS is unreachable (not a Lambda timeout)."""

_NOT_CARRIED = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def message_size(body: str, event_type: str = ORDER_EVENT_TYPE) -> int:
    """Bytes SNS counts for `body` published with the attributes of `event_type`."""
    attributes = sum(len(name.encode()) + len(value["DataType"].encode()) + len(value["StringValue"].encode())
                     for name, value in event_attributes(event_type).items())
    return len(body.encode("utf-8")) + attributes


def uncarried_character(body: str) -> tuple[int, str] | None:
    """(offset, code point as `U+FFFE`) of the first character the send queue would reject, if any."""
    found = _NOT_CARRIED.search(body)
    return (found.start(), f"U+{ord(found.group()):04X}") if found else None


class OrdersTopic:
    """The one call the intake makes: `sns:Publish` to the orders topic, with the order attribute."""

    def __init__(self, sns: Any, topic_arn: str):
        self._sns = sns
        self._topic_arn = topic_arn

    def publish(self, body: str, event_type: str = ORDER_EVENT_TYPE) -> str:
        """Publish the event text exactly as posted; the SNS message id. Raises botocore's errors."""
        answer = self._sns.publish(TopicArn=self._topic_arn, Message=body,
                                   MessageAttributes=event_attributes(event_type))
        return str(answer["MessageId"])
