"""The stack configuration: one validated model for every `order-email:*` key.

A bad value must fail `pulumi preview` before any resource is declared, with a message that names
the key and says what is allowed. Unknown keys are rejected too, because a typo such as
`sandboxMod: false` would otherwise silently leave a production stack mailing the simulator.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator

from order_email.components.team_templates import TemplatesError, team_template_files
from order_email.handlers.intake.orders_topic import MIN_TIMEOUT_SECONDS as INTAKE_MIN_TIMEOUT_SECONDS
from order_email.handlers.webhook.endpoint import check_endpoint

PROJECT = "order-email"
"""Pulumi project name; every key of ours is `order-email:<key>`."""

_ENV_NAME = re.compile(r"^[a-z][a-z0-9-]{1,15}$")
_DOMAIN = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_ACCOUNT_ID = re.compile(r"^\d{12}$")
_PRINCIPAL_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:(root|role/[\w+=,.@/-]+|user/[\w+=,.@/-]+)$")
_ZONE_ID = re.compile(r"^Z[A-Z0-9]{4,31}$")


class StackConfigError(ValueError):
    """Raised for an invalid stack config; the message names every bad key."""


def _email(value: str) -> str:
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise ValueError(f"must be an e-mail address ({error})") from None


def _principal(value: str) -> str:
    if _ACCOUNT_ID.match(value) or _PRINCIPAL_ARN.match(value):
        return value
    raise ValueError("must be a 12-digit account id or an IAM root/role/user ARN")


def _domain(value: str) -> str:
    value = value.strip().lower()
    if not _DOMAIN.match(value):
        raise ValueError("must be a DNS domain name such as mail.example.com")
    return value


LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
                      2922, 3288, 3653)
"""The only retention periods CloudWatch Logs accepts."""


def _log_retention(value: int) -> int:
    if value not in LOG_RETENTION_DAYS:
        raise ValueError(f"must be one of the CloudWatch Logs retention periods {list(LOG_RETENTION_DAYS)}")
    return value


def _tags(value: dict[str, str]) -> dict[str, str]:
    for key, tag_value in value.items():
        if not 1 <= len(key) <= 128 or key.lower().startswith("aws:"):
            raise ValueError(f"tag key {key!r} must be 1-128 characters and not start with 'aws:'")
        if len(tag_value) > 256:
            raise ValueError(f"tag {key!r} value must be at most 256 characters")
    return value


def _templates_dir(value: Path) -> Path:
    """The directory as the program sees it: a relative path is the project directory's (Pulumi runs the
    program there); a missing directory, or a file in it that is not a template, is refused here."""
    directory = value.expanduser().resolve()
    try:
        team_template_files(directory, setting="templatesDir")
    except TemplatesError as error:
        raise ValueError(str(error).removeprefix("templatesDir: ")) from None
    return directory


Email = Annotated[str, AfterValidator(_email)]
Domain = Annotated[str, AfterValidator(_domain)]
Principal = Annotated[str, AfterValidator(_principal)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class LambdaSettings(_Section):
    """Memory of every function; timeouts of the sender, feedback, status API and order intake."""

    memory_mb: int = Field(256, alias="memoryMb", ge=128, le=10240)
    sender_timeout_seconds: int = Field(30, alias="senderTimeoutSeconds", ge=3, le=900)
    feedback_timeout_seconds: int = Field(30, alias="feedbackTimeoutSeconds", ge=3, le=900)
    status_timeout_seconds: int = Field(10, alias="statusTimeoutSeconds", ge=3, le=60)
    intake_timeout_seconds: int = Field(10, alias="intakeTimeoutSeconds", ge=INTAKE_MIN_TIMEOUT_SECONDS, le=60)


class AlarmSettings(_Section):
    """Alarm thresholds (rates in percent) and who is told."""

    bounce_rate_percent: float = Field(5.0, alias="bounceRatePercent", gt=0, le=100)
    complaint_rate_percent: float = Field(0.1, alias="complaintRatePercent", gt=0, le=100)
    reputation_bounce_rate_percent: float = Field(4.0, alias="reputationBounceRatePercent", gt=0, lt=5)
    reputation_complaint_rate_percent: float = Field(
        0.08, alias="reputationComplaintRatePercent", gt=0, lt=0.1
    )
    minimum_volume: int = Field(100, alias="minimumVolume", ge=1)
    oldest_message_age_seconds: int = Field(900, alias="oldestMessageAgeSeconds", ge=60)
    delivery_latency_p95_seconds: int = Field(600, alias="deliveryLatencyP95Seconds", ge=1)
    send_latency_p95_seconds: int = Field(60, alias="sendLatencyP95Seconds", ge=1)
    delivery_rate_percent: float = Field(95.0, alias="deliveryRatePercent", gt=0, le=100)
    send_quota_usage_percent: float = Field(80.0, alias="sendQuotaUsagePercent", gt=0, le=100)
    quota_probe_minutes: int = Field(5, alias="quotaProbeMinutes", ge=1, le=60)
    error_threshold: int = Field(5, alias="errorThreshold", ge=1)
    subscribers: list[Email] = Field(default_factory=list)
    reputation_guard: bool = Field(False, alias="reputationGuard")


class SuppressionSettings(_Section):
    """When soft bounces turn into a (temporary) suppression."""

    soft_bounce_count: int = Field(3, alias="softBounceCount", ge=1, le=100)
    soft_bounce_window_days: int = Field(7, alias="softBounceWindowDays", ge=1, le=90)


def _endpoint(value: str) -> str:
    check_endpoint(value)
    return value


def _signing_secret(value: SecretStr) -> SecretStr:
    if not 32 <= len(value.get_secret_value()) <= 256:
        raise ValueError("must be 32 to 256 characters (e.g. the output of `openssl rand -hex 32`)")
    return value


class WebhookSettings(_Section):
    """Where every status change is POSTed, signed, and how often a failing delivery is tried."""

    url: Annotated[str, AfterValidator(_endpoint)] = Field(max_length=2048)
    secret: Annotated[SecretStr, AfterValidator(_signing_secret)]
    """The HMAC-SHA256 key; a Pulumi secret (`pulumi config set --secret --path webhook.secret`).
    SecretStr keeps it out of every repr and error message."""
    max_attempts: int = Field(8, alias="maxAttempts", ge=2, le=50)
    """Deliveries tried (receives of the queued change) before it is dead-lettered."""


class StackConfig(_Section):
    """Every `order-email:*` key of a stack, validated together."""

    environment: str = Field(pattern=_ENV_NAME.pattern)
    sender_domain: Domain = Field(alias="senderDomain")
    from_address: Email = Field(alias="fromAddress")
    from_name: str = Field(alias="fromName", min_length=1, max_length=64, pattern=r"^[^\x00-\x1f\x7f]+$")
    reply_to: Email | None = Field(None, alias="replyTo")
    sandbox_mode: bool = Field(True, alias="sandboxMode")
    ses_max_send_rate: float = Field(alias="sesMaxSendRate", gt=0, le=10000)
    data_retention_days: int = Field(alias="dataRetentionDays", ge=1, le=3650)
    log_retention_days: Annotated[int, AfterValidator(_log_retention)] = Field(alias="logRetentionDays")
    kms: Literal["aws-managed", "customer-managed"] = "aws-managed"
    point_in_time_recovery: bool = Field(False, alias="pointInTimeRecovery")
    deletion_protection: bool = Field(False, alias="deletionProtection")
    max_receive_count: int = Field(5, alias="maxReceiveCount", ge=1, le=1000)
    lambda_: LambdaSettings = Field(default_factory=LambdaSettings, alias="lambda")  # type: ignore[arg-type]
    alarms: AlarmSettings = Field(default_factory=AlarmSettings)  # type: ignore[arg-type]
    suppression: SuppressionSettings = Field(default_factory=SuppressionSettings)  # type: ignore[arg-type]
    track_opens_and_clicks: bool = Field(False, alias="trackOpensAndClicks")
    publisher_principals: list[Principal] = Field(default_factory=list, alias="publisherPrincipals")
    status_readers: list[Principal] = Field(default_factory=list, alias="statusReaders")
    order_submitters: list[Principal] = Field(default_factory=list, alias="orderSubmitters")
    route53_zone_id: str | None = Field(None, alias="route53ZoneId", pattern=_ZONE_ID.pattern)
    tags: Annotated[dict[str, str], AfterValidator(_tags)] = Field(default_factory=dict)
    webhook: WebhookSettings | None = None
    """Optional: deliver every status change to the shop's endpoint (`components.webhook`)."""
    templates_dir: Annotated[Path, AfterValidator(_templates_dir)] | None = Field(None, alias="templatesDir")
    observability: Literal["full", "lean"] = "full"
    """`lean` drops the dashboard, the composite health alarm, the quota probe and every alarm but the
    lost-or-stuck ones (`alarm_catalog.in_lean_profile`): for a stack where nobody is paged."""

    @model_validator(mode="after")
    def _from_address_in_sender_domain(self) -> StackConfig:
        domain = self.from_address.rpartition("@")[2].lower()
        if domain != self.sender_domain and not domain.endswith("." + self.sender_domain):
            raise ValueError(
                f"fromAddress: {self.from_address!r} must be an address at senderDomain "
                f"{self.sender_domain!r} (or a subdomain of it), the SES identity this stack verifies"
            )
        return self

    @model_validator(mode="after")
    def _reputation_guard_needs_full_observability(self) -> StackConfig:
        if self.alarms.reputation_guard and self.observability == "lean":
            raise ValueError("alarms.reputationGuard: needs observability 'full' (the lean profile has no "
                             "reputation alarms for the guard to watch)")
        return self

    @property
    def resource_tags(self) -> dict[str, str]:
        """Tags put on every taggable resource: the configured ones plus ownership."""
        return {"app": PROJECT, "environment": self.environment, **self.tags}


def _key_name(location: tuple[int | str, ...]) -> str:
    path = ".".join(str(part) for part in location)
    return f"{PROJECT}:{path}" if path else PROJECT


def _decode(raw: str) -> Any:
    """Structured config arrives as JSON text; scalars stay strings for pydantic to coerce."""
    stripped = raw.strip()
    if stripped[:1] in ("{", "["):
        return json.loads(stripped)
    return raw


def parse_stack_config(raw: Mapping[str, str]) -> StackConfig:
    """Validate `{"order-email:key": "value"}` pairs (other namespaces are ignored)."""
    values: dict[str, Any] = {}
    for full_key, raw_value in raw.items():
        namespace, _, key = full_key.partition(":")
        if namespace == PROJECT:
            try:
                values[key] = _decode(raw_value)
            except json.JSONDecodeError as error:
                raise StackConfigError(f"{full_key}: not valid structured config ({error})") from None
    try:
        return StackConfig.model_validate(values)
    except ValidationError as error:
        problems = []
        for item in error.errors():
            reason = item["msg"].removeprefix("Value error, ")
            if item["type"] == "extra_forbidden":
                reason = "unknown key (see the config reference in README.md)"
            elif item["type"] == "missing":
                reason = "required key is missing"
            problems.append(f"{_key_name(item['loc'])}: {reason}")
        raise StackConfigError("invalid stack config:\n  " + "\n  ".join(problems)) from None


def load_stack_config() -> StackConfig:
    """Read and validate this stack's config as the running Pulumi program sees it."""
    from pulumi.runtime import config as runtime_config

    # The engine passes config through PULUMI_CONFIG; tests and mocks set it in-process.
    return parse_stack_config({**runtime_config.get_config_env(), **runtime_config.CONFIG.get()})
