"""The sender's configuration: exactly the environment variables `EmailSender` sets, validated once.

A missing or malformed variable fails the first invocation before any record is touched, with one
error naming every problem, instead of a KeyError halfway through a batch.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

REQUIRED = (
    "DELIVERIES_TABLE",
    "SUPPRESSION_TABLE",
    "DLQ_URL",
    "CONFIGURATION_SET",
    "FROM_ADDRESS",
    "FROM_NAME",
    "SANDBOX_MODE",
    "RETENTION_DAYS",
    "LEASE_SECONDS",
    "SEND_GRACE_SECONDS",
    "SEND_QUEUE_URL",
    "SEND_RATE_PER_WORKER",
    "HOLD_MAX_DELAY_SECONDS",
    "HOLD_GIVE_UP_SECONDS",
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_METRICS_NAMESPACE",
)
"""Read by us (the POWERTOOLS_* ones by Powertools); REPLY_TO and POWERTOOLS_LOG_LEVEL are optional."""


class ConfigurationError(RuntimeError):
    """The function's environment is incomplete or malformed: a deployment bug, not a bad order."""


@dataclass(frozen=True)
class Settings:
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
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        problems = [f"{name} is not set" for name in REQUIRED if not env.get(name, "").strip()]
        numbers: dict[str, int] = {}
        for name, minimum in (("RETENTION_DAYS", 1), ("LEASE_SECONDS", 1), ("SEND_GRACE_SECONDS", 0),
                              ("HOLD_MAX_DELAY_SECONDS", 1), ("HOLD_GIVE_UP_SECONDS", 1)):
            raw = env.get(name, "").strip()
            if not raw:
                continue
            try:
                numbers[name] = int(raw)
            except ValueError:
                problems.append(f"{name} must be an integer, got {raw!r}")
                continue
            if numbers[name] < minimum:
                problems.append(f"{name} must be >= {minimum}, got {numbers[name]}")
        rate_raw = env.get("SEND_RATE_PER_WORKER", "").strip()
        rate = 0.0
        if rate_raw:
            try:
                rate = float(rate_raw)
            except ValueError:
                problems.append(f"SEND_RATE_PER_WORKER must be a number, got {rate_raw!r}")
            else:
                if not rate > 0:
                    problems.append(f"SEND_RATE_PER_WORKER must be > 0, got {rate_raw}")
        sandbox_raw = env.get("SANDBOX_MODE", "").strip().lower()
        if sandbox_raw and sandbox_raw not in ("true", "false"):
            problems.append(f"SANDBOX_MODE must be 'true' or 'false', got {sandbox_raw!r}")
        if problems:
            raise ConfigurationError("sender configuration invalid: " + "; ".join(problems))
        return cls(
            deliveries_table=env["DELIVERIES_TABLE"].strip(),
            suppression_table=env["SUPPRESSION_TABLE"].strip(),
            dlq_url=env["DLQ_URL"].strip(),
            configuration_set=env["CONFIGURATION_SET"].strip(),
            from_address=env["FROM_ADDRESS"].strip(),
            from_name=env["FROM_NAME"].strip(),
            reply_to=env.get("REPLY_TO", "").strip() or None,
            sandbox=sandbox_raw == "true",
            retention_days=numbers["RETENTION_DAYS"],
            lease_seconds=numbers["LEASE_SECONDS"],
            send_grace_seconds=numbers["SEND_GRACE_SECONDS"],
            send_queue_url=env["SEND_QUEUE_URL"].strip(),
            send_rate_per_worker=rate,
            hold_max_delay_seconds=numbers["HOLD_MAX_DELAY_SECONDS"],
            hold_give_up_seconds=numbers["HOLD_GIVE_UP_SECONDS"],
        )
