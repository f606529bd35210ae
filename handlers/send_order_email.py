"""Lambda entry point of the sender: SQS batch of orders → one e-mail per order and kind (wiring only).

Configuration: `shared.environment.SENDER`, read on the first invocation; everything else
lives in `handlers.sender`. Templates are compiled and the model built at import; clients are
created on the first invocation and reused for the life of the execution environment.
"""

from __future__ import annotations

import functools
import os
from typing import Any

from aws_lambda_powertools import Metrics

from .sender.process import BatchSender
from .shared.logs import STREAM_KEYS, make_logger

logger = make_logger()
metrics = Metrics()


@functools.cache
def sender() -> BatchSender:
    """Built once per cold start; raises `ConfigurationError` naming every problem."""
    return BatchSender.from_env(os.environ, metrics=metrics, logger=logger)


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    logger.remove_keys(STREAM_KEYS)
    return sender().process(event, remaining_ms=context.get_remaining_time_in_millis)
