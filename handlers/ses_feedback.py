"""Lambda entry point of the SES feedback loop — wiring only (logic lives in `handlers.feedback`).

Environment: `shared.environment.FEEDBACK`, read on the first invocation with the AWS clients,
which are then reused for the life of the execution environment (a local emulator is reached through
the standard AWS_ENDPOINT_URL).
"""

from __future__ import annotations

from typing import Any

import boto3
from aws_lambda_powertools import Metrics
from botocore.config import Config

from .feedback.processor import FeedbackProcessor
from .feedback.records import FeedbackRecords
from .feedback.settings import FeedbackSettings
from .feedback.suppression import SuppressionWriter
from .shared.logs import make_logger
from .shared.sqs_batch import DeadLetters

logger = make_logger()
metrics = Metrics()
# Three attempts in all (`total_max_attempts` counts the first; `max_attempts` would count retries).
_CLIENT_CONFIG = Config(retries={"mode": "standard", "total_max_attempts": 3}, connect_timeout=2, read_timeout=5)
_processor: FeedbackProcessor | None = None


def build_processor(settings: FeedbackSettings, session: Any = None) -> FeedbackProcessor:
    """The processor with real clients; tests and local mode call it with their own session."""
    session = session or boto3.session.Session()
    dynamodb = session.client("dynamodb", config=_CLIENT_CONFIG)
    return FeedbackProcessor(
        records=FeedbackRecords(dynamodb, settings.deliveries_table, history_limit=settings.history_limit,
                                configuration_set=settings.configuration_set),
        suppression=SuppressionWriter(
            dynamodb,
            settings.suppression_table,
            window_seconds=settings.soft_bounce_window_seconds,
            threshold=settings.soft_bounce_count,
        ),
        dead_letters=DeadLetters(session.client("sqs", config=_CLIENT_CONFIG), settings.dlq_url, "ses-feedback"),
        metrics=metrics,
        logger=logger,
    )


@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    global _processor
    if _processor is None:
        _processor = build_processor(FeedbackSettings.from_env())
    return _processor.process(event)
