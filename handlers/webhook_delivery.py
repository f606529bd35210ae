"""Lambda entry point of the webhook: status changes from the webhook queue POSTed, signed — wiring only.

The rule on the status bus puts every `Email Status Changed` event on the queue; this function
delivers each (`handlers.webhook.batch`). The signing secret lives in an SSM SecureString parameter
read once per cold start (never in the environment, never logged). Environment:
`shared.environment.WEBHOOK`, read on the first invocation.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any

import boto3

from .shared.environment import WEBHOOK, ConfigurationError
from .shared.logs import make_logger
from .shared.sqs_batch import DeadLetters
from .webhook.batch import DeliverySettings, WebhookBatch
from .webhook.endpoint import check_endpoint
from .webhook.transport import post

logger = make_logger()


@cache
def _batch() -> WebhookBatch:
    """Built on the first invocation of a cold start: settings, the secret and one SQS client."""
    env = WEBHOOK.read(os.environ)
    try:
        check_endpoint(env["webhook_url"])
    except ValueError as error:
        raise ConfigurationError(f"webhook configuration invalid: WEBHOOK_URL {error}") from None
    secret = boto3.client("ssm").get_parameter(Name=env["secret_parameter"], WithDecryption=True)["Parameter"]["Value"]
    sqs = boto3.client("sqs")
    queue_url = env["queue_url"]
    settings = DeliverySettings(url=env["webhook_url"], secret=secret.encode(), timeout_seconds=env["timeout_seconds"],
                                max_attempts=env["max_attempts"], retry_base_seconds=env["retry_base_seconds"],
                                retry_max_seconds=env["retry_max_seconds"])
    return WebhookBatch(
        settings,
        post=post,
        set_visibility=lambda receipt, seconds: sqs.change_message_visibility(
            QueueUrl=queue_url, ReceiptHandle=receipt, VisibilityTimeout=seconds),
        dead_letter=DeadLetters(sqs, env["dlq_url"], "webhook").send,
        log=logger,
    )


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _batch().run(list(event.get("Records") or []), context.get_remaining_time_in_millis)
