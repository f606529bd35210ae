"""Configuration of the feedback handler: the variables `FeedbackLoop` sets (`shared.environment.FEEDBACK`).

Read on the first invocation, before any SES event is acknowledged, so a misconfigured function
fails loudly (the messages stay on the queue) instead of acknowledging and losing events.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from ..shared.environment import FEEDBACK
from ..shared.schema import HISTORY_LIMIT as DEFAULT_HISTORY_LIMIT


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
        return cls(**FEEDBACK.read(os.environ if env is None else env))
