"""Lambda entry point of the order intake (function URL, AWS_IAM auth) — wiring only.

POST /orders with an order as JSON; see `handlers.intake.app`.
Environment: `shared.environment.ORDER_INTAKE`, read on the first request.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools.logging import correlation_paths

from .intake.app import take_order
from .intake.orders_topic import SNS_CONFIG, OrdersTopic
from .intake.settings import IntakeSettings
from .shared.logs import make_logger

logger = make_logger()


@cache
def orders_topic() -> OrdersTopic:
    """Built on the first request of a cold start: one client for every later request."""
    settings = IntakeSettings.from_env()
    return OrdersTopic(boto3.client("sns", config=SNS_CONFIG), settings.orders_topic_arn)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.LAMBDA_FUNCTION_URL)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    caller = ((event.get("requestContext") or {}).get("authorizer") or {}).get("iam") or {}
    logger.append_keys(caller=caller.get("userArn"))
    return take_order(event, orders_topic())
