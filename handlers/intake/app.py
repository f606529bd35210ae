"""One request to the order intake, answered; 202 `{"orderId": ...}` once the order is on the orders topic.

Checks, in order: route, method and media type (`request`); size, before anything is parsed (413:
SNS's limit, `orders_topic`); characters the send queue cannot carry; JSON; the sender's own model
(400 naming every bad field, `fields`); then one publish (503 when SNS fails: the caller retries the
same order). A 202 therefore means the sender will accept the message: it validates the same text
with the same model.

Idempotent on the order id: posting an order again publishes it again and answers the same 202, and
the sender's claim sends one e-mail per order id. SNS cannot deduplicate on a standard topic, so the
same id with a different body is published too, and the first one the sender claims wins (normally
the first posted; a standard queue does not promise order); the other is acknowledged as a duplicate.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools import Logger
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ValidationError

from ..sender.kinds import KINDS
from ..sender.order import InvalidOrder, OrderEvent, order_document
from .answers import Refusal, answer
from .fields import invalid_order
from .orders_topic import SNS_MESSAGE_LIMIT_BYTES, OrdersTopic, message_size, uncarried_character
from .request import order_post

logger = Logger(child=True)


def accepted_order(body: str, event_type: str) -> OrderEvent:
    """The `event_type` event `body` holds, if the sender will take it as it is (its kind's model,
    `sender.kinds`); otherwise the `Refusal`."""
    size = message_size(body, event_type)
    if size > SNS_MESSAGE_LIMIT_BYTES:
        raise Refusal(413, {"error": f"the order is {size} bytes with its eventType attribute; SNS takes at most "
                                     f"{SNS_MESSAGE_LIMIT_BYTES}", "sizeBytes": size,
                            "limitBytes": SNS_MESSAGE_LIMIT_BYTES})
    uncarried = uncarried_character(body)
    if uncarried is not None:
        offset, character = uncarried
        escaped = "\\u" + character.removeprefix("U+")
        raise Refusal(400, {"error": f"the body holds {character} at character {offset}, which SQS cannot carry; "
                                     f"escape it in JSON ({escaped})"})
    try:
        document = order_document(body)
    except InvalidOrder as invalid:
        raise Refusal(400, {"error": invalid.reason}) from None
    try:
        return KINDS[event_type].model.model_validate(document)
    except ValidationError as error:
        raise Refusal(400, invalid_order(error)) from None


def take_order(event: Mapping[str, Any], topic: OrdersTopic) -> dict[str, Any]:
    """The function URL's answer to `event`."""
    try:
        post = order_post(event)
        order = accepted_order(post.body, post.event_type)
    except Refusal as refusal:
        # field locations only (top level): values are customer data, and the model never echoes them
        fields = sorted({entry["field"].split(".")[0] for entry in refusal.body.get("fields", [])})
        logger.info("order refused", extra={"statusCode": refusal.status_code, "fields": fields})
        return refusal.answer()
    try:
        message_id = topic.publish(post.body, post.event_type)
    except (ClientError, BotoCoreError) as error:
        code = error.response.get("Error", {}).get("Code") if isinstance(error, ClientError) else None
        logger.warning("orders topic publish failed", extra={"orderId": order.orderId,
                                                             "errorType": code or type(error).__name__})
        return answer(503, {"error": "the orders topic is unavailable; post the same order again later",
                            "orderId": order.orderId}, {"retry-after": "1"})
    logger.info("order accepted", extra={"orderId": order.orderId, "eventType": post.event_type,
                                         "snsMessageId": message_id})
    return answer(202, {"orderId": order.orderId})
