"""Lambda entry point of the status-event outbox: the enrichment of the deliveries-stream pipe.

EventBridge Pipes reads the deliveries table's stream (filtered to writes that carry a status-change
stamp), hands this function a batch of stream records and puts what it returns on the status bus,
one event per array element, as source `order-email` and detail type `Email Status Changed`
(`handlers.feedback.outbox`). It makes no AWS call: a failure can only be a bug, and Pipes then
retries the batch and finally dead-letters it. Environment: `shared.environment.STATUS_OUTBOX`
(Powertools' variables only: nothing here reads the environment).
"""

from __future__ import annotations

from typing import Any

from .feedback.outbox import details_from_stream
from .shared.logs import make_logger

logger = make_logger()


def handler(event: Any, context: Any) -> list[dict[str, Any]]:
    records = event if isinstance(event, list) else (event or {}).get("Records") or []
    details = details_from_stream(records)
    logger.info("status changes handed to the bus", extra={"records": len(records), "events": len(details)})
    return details
