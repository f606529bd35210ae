"""Lambda entry point of the delivery status API (function URL) — wiring only.

GET /orders/{orderId}, GET /deliveries?status=…, GET /recipients?address=…, GET /health; see `handlers.status_api.app`.
Environment: `shared.environment.STATUS_API`, read on the first request.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools.event_handler import LambdaFunctionUrlResolver
from aws_lambda_powertools.logging import correlation_paths

from .shared.logs import make_logger
from .status_api.app import build_resolver
from .status_api.queries import DeliveriesReader
from .status_api.settings import StatusApiSettings

logger = make_logger()


@cache
def resolver() -> LambdaFunctionUrlResolver:
    """Built on the first request of a cold start: one client, one reader, for every later request."""
    settings = StatusApiSettings.from_env()
    reader = DeliveriesReader(boto3.client("dynamodb"), settings.deliveries_table)
    return build_resolver(reader, mask_recipients=settings.mask_recipients)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.LAMBDA_FUNCTION_URL)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    caller = ((event.get("requestContext") or {}).get("authorizer") or {}).get("iam") or {}
    logger.append_keys(caller=caller.get("userArn"), route=event.get("rawPath"))
    return resolver().resolve(event, context)
