"""One invocation's budget and bookkeeping: the time left, and the metrics to emit at the end."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from ..shared.telemetry import MetricName
from .clients import SAFETY_MARGIN_MS


@dataclass
class Tally:
    """Metrics of one invocation, added to Powertools once at the end (one EMF document)."""

    counts: Counter[str] = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)

    def flush(self, metrics: Any) -> None:
        for name, value in self.counts.items():
            metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
        for latency in self.latencies_ms:
            metrics.add_metric(name=MetricName.SEND_LATENCY, unit=MetricUnit.Milliseconds, value=latency)


class Deadline:
    """Lambda's remaining time: an e-mail is only started when its worst case fits."""

    def __init__(self, remaining_ms: Callable[[], int] | None):
        self._remaining_ms = remaining_ms

    def allows(self, cost_ms: float) -> bool:
        return self._remaining_ms is None or self._remaining_ms() >= cost_ms + SAFETY_MARGIN_MS
