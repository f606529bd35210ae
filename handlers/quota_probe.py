"""Quota probe: how much of the SES 24-hour sending quota is used, as a metric (SES publishes none).

Invoked on a schedule (an EventBridge rule, `components.quota_probe`). One SESv2 `GetAccount` call
reads `SendQuota` (`SentLast24Hours`, `Max24HourSend`); the share used is emitted as the EMF metric
`SendQuotaUsage` (%), which the `send-quota-usage` alarm watches — through the function's stdout,
never PutMetricData. A failed call raises: the invocation fails (EventBridge retries it) and no
datapoint is written, which the alarm treats as breaching once three intervals pass in silence.

Environment: `shared.environment.QUOTA_PROBE` (Powertools' variables: its metric needs the
namespace and the `service` dimension), read on the first invocation.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit
from botocore.config import Config

from .shared.environment import QUOTA_PROBE
from .shared.logs import make_logger
from .shared.telemetry import MetricName

SES_CONFIG = Config(connect_timeout=2, read_timeout=5, retries={"mode": "standard", "total_max_attempts": 3})
"""GetAccount is a read: retrying it is harmless; 3 x 7 s stays inside the function's 30 s timeout."""

logger = make_logger()
metrics = Metrics()


def quota_usage_percent(send_quota: Mapping[str, Any]) -> float:
    """100 x SentLast24Hours / Max24HourSend; 0 for an unlimited quota.

    SES answers `Max24HourSend` -1 for an unlimited quota (botocore's sesv2 model, `SendQuota`:
    "A value of -1 signifies an unlimited quota"); a quota of 0 allows nothing, so it reads as used up.
    """
    maximum = float(send_quota["Max24HourSend"])
    sent = float(send_quota.get("SentLast24Hours") or 0)
    if maximum < 0:
        return 0.0
    if maximum == 0:
        return 100.0
    return round(100 * sent / maximum, 2)


@cache
def _sesv2() -> Any:
    """One client per cold start; the environment is checked first, so a misconfigured function fails loudly."""
    QUOTA_PROBE.read(os.environ)
    return boto3.client("sesv2", config=SES_CONFIG)


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    quota = _sesv2().get_account()["SendQuota"]
    usage = quota_usage_percent(quota)
    metrics.add_metric(name=MetricName.SEND_QUOTA_USAGE, unit=MetricUnit.Percent, value=usage)
    answer = {"usagePercent": usage, "sentLast24Hours": quota.get("SentLast24Hours"),
              "max24HourSend": quota.get("Max24HourSend")}
    logger.info("SES sending quota read", extra={**answer, "scheduleRule": (event.get("resources") or [None])[0]})
    return answer
