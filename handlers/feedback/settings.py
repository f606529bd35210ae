"""Configuration of the feedback handler, read once per cold start from the variables `FeedbackLoop` sets.

A missing or malformed required variable raises at import, so a misconfigured function fails its
init phase loudly instead of acknowledging (and losing) SES events.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from ..shared.schema import HISTORY_LIMIT as DEFAULT_HISTORY_LIMIT

REQUIRED = (
    "DELIVERIES_TABLE",
    "SUPPRESSION_TABLE",
    "DLQ_URL",
    "CONFIGURATION_SET",
    "SOFT_BOUNCE_COUNT",
    "SOFT_BOUNCE_WINDOW_DAYS",
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_METRICS_NAMESPACE",
)
"""POWERTOOLS_LOG_LEVEL and HISTORY_LIMIT are optional (Powertools defaults to INFO; history to 20)."""


class ConfigurationError(RuntimeError):
    """The function's environment is incomplete or malformed."""


@dataclass(frozen=True)
class FeedbackSettings:
    deliveries_table: str
    suppression_table: str
    dlq_url: str
    configuration_set: str
    """This stack's configuration set: only its events may recover a crashed send by tag."""
    soft_bounce_count: int
    """Soft bounces within the window at which an address is suppressed temporarily."""
    soft_bounce_window_days: int
    history_limit: int = DEFAULT_HISTORY_LIMIT
    """Newest history entries kept on a delivery item."""

    @property
    def soft_bounce_window_seconds(self) -> int:
        return self.soft_bounce_window_days * 86_400

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> FeedbackSettings:
        env = os.environ if env is None else env
        missing = [name for name in REQUIRED if not env.get(name, "").strip()]
        if missing:
            raise ConfigurationError(f"missing environment variables: {', '.join(missing)}")
        return cls(
            deliveries_table=env["DELIVERIES_TABLE"],
            suppression_table=env["SUPPRESSION_TABLE"],
            dlq_url=env["DLQ_URL"],
            configuration_set=env["CONFIGURATION_SET"],
            soft_bounce_count=_positive_int(env, "SOFT_BOUNCE_COUNT"),
            soft_bounce_window_days=_positive_int(env, "SOFT_BOUNCE_WINDOW_DAYS"),
            history_limit=_positive_int(env, "HISTORY_LIMIT", DEFAULT_HISTORY_LIMIT),
        )


def _positive_int(env: Mapping[str, str], name: str, default: int | None = None) -> int:
    raw = env.get(name, "").strip()
    if not raw and default is not None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be an integer, got {raw!r}") from None
    if value < 1:
        raise ConfigurationError(f"{name} must be at least 1, got {value}")
    return value
