"""The sender's configuration: the variables `EmailSender` sets (`shared.environment.SENDER`), typed.

Read on the first invocation, before any record is touched: a missing or malformed variable fails it
with one error naming every problem, instead of a KeyError halfway through a batch.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..shared.environment import SENDER


@dataclass(frozen=True)
class SenderSettings:
    deliveries_table: str
    suppression_table: str
    dlq_url: str
    configuration_set: str
    from_address: str
    from_name: str
    reply_to: str | None
    sandbox: bool
    retention_days: int
    lease_seconds: int
    send_grace_seconds: int
    send_queue_url: str
    """The queue itself: waiting orders are re-enqueued on it with a delay (`deferrals`)."""
    send_rate_per_worker: float
    """This function's share of the SES send rate, kept to once SES has throttled it (`pacing`)."""
    hold_max_delay_seconds: int
    hold_give_up_seconds: int

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SenderSettings:
        return cls(**SENDER.read(env))
