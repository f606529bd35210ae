"""The Lambda environment contract: every function's variables, declared once, written and read here.

A component writes its function's environment with `Contract.environment(**settings)` (which refuses
a missing or unknown setting while `pulumi preview` runs, naming it); the handler reads it back with
`Contract.read(env)`, which checks every variable and raises one `ConfigurationError` naming every
problem. Tests, benchmarks and local mode take the names from here too.

When it is read: once per execution environment, on the first invocation, before any record is
touched. A module therefore imports without its environment (the packaging checks, local mode and
benchmarks import handlers freely), and a misconfigured function fails every invocation loudly
with the same message until it is fixed; SQS keeps the messages meanwhile.

Standard library only: the reputation guard, which runs without the dependency layer, reads it too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from .schema import HISTORY_LIMIT
from .telemetry import NAMESPACE, service_name


class ConfigurationError(RuntimeError):
    """A function's environment is incomplete or malformed: a deployment bug, not a bad input."""


class Kind(StrEnum):
    """How a variable's text is read, and what a component passes for it."""

    TEXT = "text"
    """The stripped text; None when empty (which only an optional variable may be)."""
    INTEGER = "integer"
    NUMBER = "number"
    FLAG = "flag"
    """Exactly "true" or "false" (any case)."""
    SAFE_FLAG = "safe flag"
    """On unless explicitly off ("false", "0", "no", "off"): a typo keeps the safe setting."""
    LIST = "list"
    """Comma-separated names (or URLs); empty entries dropped."""


_OFF = frozenset({"false", "0", "no", "off"})


@dataclass(frozen=True)
class Variable:
    name: str
    doc: str
    kind: Kind = Kind.TEXT
    required: bool = True
    default: str = ""
    """The text an optional variable has when unset; components write it when given nothing."""
    minimum: float | None = None
    """Smallest value allowed (numbers)."""
    above: float | None = None
    """Value it must exceed (numbers)."""
    setting: str = ""
    """Keyword and settings attribute for it; the lower-cased name when empty."""
    ours: bool = True
    """False for a variable only a library (Powertools) reads: checked and written, not handed back."""

    @property
    def key(self) -> str:
        return self.setting or self.name.lower()

    def parse(self, raw: str) -> Any:
        """The value of `raw` (already stripped and defaulted); ValueError says what is wrong."""
        if self.kind is Kind.TEXT:
            return raw or None
        if self.kind is Kind.FLAG:
            if raw.lower() not in ("true", "false"):
                raise ValueError(f"must be 'true' or 'false', got {raw.lower()!r}")
            return raw.lower() == "true"
        if self.kind is Kind.SAFE_FLAG:
            return raw.lower() not in _OFF
        if self.kind is Kind.LIST:
            return tuple(item.strip() for item in raw.split(",") if item.strip())
        return self._bounded(self._number(raw))

    def render(self, value: Any) -> Any:
        """The text a component writes for `value` (a Pulumi output passes through as text)."""
        if self.kind is Kind.TEXT:
            return value
        if self.kind in (Kind.FLAG, Kind.SAFE_FLAG):
            if not isinstance(value, bool):
                raise ValueError(f"must be a bool, got {value!r}")
            return "true" if value else "false"
        if self.kind is Kind.LIST:
            if hasattr(value, "apply"):  # a Pulumi output of a list (of resource URLs): joined once known
                return value.apply(",".join)
            if isinstance(value, str) or not isinstance(value, Sequence):
                raise ValueError(f"must be a list of names, got {value!r}")
            return ",".join(value)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"must be a number, got {value!r}")
        if self.kind is Kind.INTEGER and not float(value).is_integer():
            raise ValueError(f"must be an integer, got {value!r}")
        number = self._bounded(int(value) if self.kind is Kind.INTEGER else float(value))
        return str(number) if self.kind is Kind.INTEGER else f"{number:g}"

    def _number(self, raw: str) -> int | float:
        try:
            return int(raw) if self.kind is Kind.INTEGER else float(raw)
        except ValueError:
            raise ValueError(f"must be {'an integer' if self.kind is Kind.INTEGER else 'a number'}, "
                             f"got {raw!r}") from None

    def _bounded(self, value: int | float) -> int | float:
        if self.minimum is not None and value < self.minimum:
            raise ValueError(f"must be >= {self.minimum:g}, got {value:g}")
        if self.above is not None and not value > self.above:
            raise ValueError(f"must be > {self.above:g}, got {value:g}")
        return value


@dataclass(frozen=True)
class Contract:
    """One function's variables: what its component writes and its handler reads."""

    function: str
    variables: tuple[Variable, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(variable.name for variable in self.variables)

    def read(self, env: Mapping[str, str]) -> dict[str, Any]:
        """Our settings from `env`, by key; one ConfigurationError naming every problem."""
        problems: list[str] = []
        values: dict[str, Any] = {}
        for variable in self.variables:
            raw = env.get(variable.name, "").strip()
            if not raw and variable.required:
                problems.append(f"{variable.name} is not set")
                continue
            try:
                value = variable.parse(raw or variable.default)
            except ValueError as error:
                problems.append(f"{variable.name} {error}")
                continue
            if variable.ours:
                values[variable.key] = value
        if problems:
            raise ConfigurationError(f"{self.function} configuration invalid: " + "; ".join(problems))
        return values

    def environment(self, **settings: Any) -> dict[str, Any]:
        """The `environment` variables for `settings`; an optional setting left out is written as
        its default (not at all when that is empty). Refuses a missing, unknown or malformed
        setting, naming it."""
        known = {variable.key for variable in self.variables}
        problems = [f"unknown setting {key!r}" for key in settings if key not in known]
        written: dict[str, Any] = {}
        for variable in self.variables:
            value = settings.get(variable.key)
            if value is None:
                if variable.required:
                    problems.append(f"{variable.name} ({variable.key}=) is missing")
                elif variable.default:
                    written[variable.name] = variable.default
                continue
            try:
                written[variable.name] = variable.render(value)
            except ValueError as error:
                problems.append(f"{variable.name} ({variable.key}=) {error}")
        if problems:
            raise ConfigurationError(f"{self.function} environment refused: " + "; ".join(problems))
        return written


def powertools(stack_environment: str) -> dict[str, str]:
    """The Powertools settings every function of one stack is given: its `service` and namespace."""
    return {"powertools_service_name": service_name(stack_environment), "powertools_metrics_namespace": NAMESPACE}


def _library_variables(*, required: bool) -> tuple[Variable, ...]:
    """Powertools' and pydantic's own variables; `required` where the function's metrics depend on them."""
    return (
        Variable("POWERTOOLS_SERVICE_NAME", "Powertools' `service` dimension of metrics and logs.",
                 required=required, ours=False),
        Variable("POWERTOOLS_METRICS_NAMESPACE", "Powertools' metrics namespace.", required=required, ours=False),
        Variable("POWERTOOLS_LOG_LEVEL", "Powertools' log level.", required=False, default="INFO", ours=False),
        # pydantic looks for plugins in every installed distribution's entry points when it builds its
        # first model: about 9 ms of each cold start here, for plugins no handler uses
        Variable("PYDANTIC_DISABLE_PLUGINS", "pydantic's plugin discovery, off (no handler uses a plugin).",
                 required=False, default="__all__", ours=False),
    )


DELIVERIES_TABLE = Variable("DELIVERIES_TABLE", "The deliveries table (one item per e-mail).")
SUPPRESSION_TABLE = Variable("SUPPRESSION_TABLE", "The suppression table (one item per address hash).")
DLQ_URL = Variable("DLQ_URL", "The function's dead-letter queue, for records it can never process.")
CONFIGURATION_SET = Variable("CONFIGURATION_SET", "This stack's SES configuration set.")
SEND_QUEUE_URL = Variable("SEND_QUEUE_URL", "The send queue itself: waiting orders are re-enqueued on it.")
"""Only the sender is told it: local mode recognises the sender by it (`localmode.roles`)."""
SOFT_BOUNCE_COUNT = Variable("SOFT_BOUNCE_COUNT", "Soft bounces within the window that suppress an address "
                             "temporarily.", Kind.INTEGER, minimum=1)
"""Only the feedback function is told it: local mode recognises that function by it."""

SENDER = Contract("sender", (
    DELIVERIES_TABLE,
    SUPPRESSION_TABLE,
    DLQ_URL,
    CONFIGURATION_SET,
    Variable("FROM_ADDRESS", "The verified From address."),
    Variable("FROM_NAME", "The From display name."),
    Variable("REPLY_TO", "Reply-To address; none when empty.", required=False),
    Variable("SANDBOX_MODE", "SES sandbox: only verified recipients.", Kind.FLAG, setting="sandbox"),
    Variable("RETENTION_DAYS", "Days a delivery record is kept (its TTL).", Kind.INTEGER, minimum=1),
    Variable("LEASE_SECONDS", "How long a claim keeps other workers off an e-mail.", Kind.INTEGER, minimum=1),
    Variable("SEND_GRACE_SECONDS", "How long a crashed send waits for SES's Send event.", Kind.INTEGER,
             minimum=0),
    SEND_QUEUE_URL,
    Variable("SEND_RATE_PER_WORKER", "This function's share of the SES send rate.", Kind.NUMBER, above=0),
    Variable("HOLD_MAX_DELAY_SECONDS", "Longest delay between two tries of a held order.", Kind.INTEGER,
             minimum=1),
    Variable("HOLD_GIVE_UP_SECONDS", "How long a held order waits before it fails.", Kind.INTEGER, minimum=1),
    *_library_variables(required=True),
))
"""`EmailSender`'s function (`handlers.send_order_email`)."""

FEEDBACK = Contract("feedback", (
    DELIVERIES_TABLE,
    SUPPRESSION_TABLE,
    DLQ_URL,
    CONFIGURATION_SET,
    SOFT_BOUNCE_COUNT,
    Variable("SOFT_BOUNCE_WINDOW_DAYS", "The soft-bounce window.", Kind.INTEGER, minimum=1),
    Variable("HISTORY_LIMIT", "Newest history entries kept on a delivery record.", Kind.INTEGER,
             required=False, default=str(HISTORY_LIMIT), minimum=1),
    *_library_variables(required=True),
))
"""`FeedbackLoop`'s function (`handlers.ses_feedback`)."""

STATUS_API = Contract("status API", (
    DELIVERIES_TABLE,
    Variable("SUPPRESSION_TABLE", "The suppression list `/suppressions` pages through; none when empty "
             "(that route then answers 404).", required=False),
    Variable("DEAD_LETTER_QUEUE_URLS", "Dead-letter queues whose waiting messages `/overview` counts.", Kind.LIST,
             required=False),
    Variable("MASK_RECIPIENTS", "Keep full addresses out of answers.", Kind.SAFE_FLAG, required=False,
             default="true"),
    *_library_variables(required=False),
))
"""`StatusApi`'s function (`handlers.delivery_status`)."""

ORDERS_TOPIC_ARN = Variable("ORDERS_TOPIC_ARN", "The orders topic accepted orders are published to.")
"""Only the order intake is told it: local mode recognises that function by it."""

ORDER_INTAKE = Contract("order intake", (
    ORDERS_TOPIC_ARN,
    *_library_variables(required=False),
))
"""`OrderIntake`'s function (`handlers.order_intake`): validates a posted order and publishes it."""

STATUS_OUTBOX = Contract("status outbox", _library_variables(required=False))
"""The deliveries-stream pipe's enrichment (`handlers.status_outbox`): makes no AWS call."""

REPUTATION_GUARD = Contract("reputation guard", (
    Variable("CONFIGURATION_SET_NAME", "The configuration set whose sending it pauses."),
    Variable("GUARDED_ALARM_NAMES", "Alarms that may pause sending; any when empty (the rule filters).",
             Kind.LIST, required=False),
))
"""The reputation guard (`handlers.reputation_guard`): boto3 and the standard library only."""

QUOTA_PROBE = Contract("quota probe", _library_variables(required=True))
"""The scheduled quota probe (`handlers.quota_probe`): its one call, SESv2 GetAccount, needs no setting."""

WEBHOOK = Contract("webhook", (
    Variable("WEBHOOK_URL", "The shop's endpoint every status change is POSTed to (https; http only to loopback)."),
    Variable("WEBHOOK_SECRET_PARAMETER", "SSM SecureString parameter holding the signing secret (read at cold "
             "start, never in the environment).", setting="secret_parameter"),
    Variable("WEBHOOK_QUEUE_URL", "The webhook queue: a failed delivery's visibility (its backoff) is set on it.",
             setting="queue_url"),
    DLQ_URL,
    Variable("WEBHOOK_TIMEOUT_SECONDS", "Seconds one POST may take.", Kind.NUMBER, above=0,
             setting="timeout_seconds"),
    Variable("WEBHOOK_MAX_ATTEMPTS", "Receives before the queue dead-letters a change (its maxReceiveCount).",
             Kind.INTEGER, minimum=1, setting="max_attempts"),
    Variable("RETRY_BASE_SECONDS", "Wait after the first failed attempt; doubled after each further one.",
             Kind.INTEGER, minimum=1),
    Variable("RETRY_MAX_SECONDS", "Longest wait between two attempts.", Kind.INTEGER, minimum=1),
    *_library_variables(required=False),
))
"""`Webhook`'s function (`handlers.webhook_delivery`)."""

CONTRACTS = (SENDER, FEEDBACK, STATUS_API, ORDER_INTAKE, STATUS_OUTBOX, REPUTATION_GUARD, QUOTA_PROBE, WEBHOOK)
