"""What doctor reports: one `DoctorFinding` per check, the stack facts the checks read, and how an
AWS refusal becomes a finding."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from botocore.exceptions import ClientError

from order_email.components.config import PROJECT

Severity = Literal["ok", "warning", "error"]
T = TypeVar("T")

READ_PERMISSIONS = ("doctor reads with ses:GetAccount, ses:GetEmailIdentity, ses:ListEmailIdentities, "
                    "ses:GetConfigurationSet, ses:GetConfigurationSetEventDestinations, sns:GetTopicAttributes, "
                    "sqs:GetQueueAttributes, dynamodb:DescribeTable, events:DescribeEventBus and kms:DescribeKey: "
                    "run it with credentials that have them")
NOT_FOUND_CODES = {"NotFoundException", "NotFound", "ResourceNotFoundException",
                   "AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"}
"""Error codes meaning the resource asked about does not exist (each service spells it its own way)."""
PRODUCTION_ACCESS_DOCS = "https://docs.aws.amazon.com/ses/latest/dg/request-production-access.html"
QUOTA_DOCS = "https://docs.aws.amazon.com/ses/latest/dg/manage-sending-quotas-request-increase.html"
VERIFICATION_DOCS = "https://docs.aws.amazon.com/ses/latest/dg/troubleshoot-verification.html"
ENFORCEMENT_DOCS = "https://docs.aws.amazon.com/ses/latest/dg/faqs-enforcement.html"


@dataclass(frozen=True)
class DoctorFinding:
    """What one of doctor's checks found, and what to do about it (`--json` prints `as_json`)."""

    check: str
    """One of `doctor.CHECKS`."""
    severity: Severity
    detail: str
    remedy: str | None = None
    """What to do; None when nothing needs doing."""

    @property
    def ok(self) -> bool:
        """Nothing stops the stack sending (a warning is ok, an error is not)."""
        return self.severity != "error"

    def as_json(self) -> dict[str, Any]:
        return {"check": self.check, "ok": self.ok, "severity": self.severity, "detail": self.detail,
                "remedy": self.remedy}


@dataclass(frozen=True)
class StackFacts:
    """What doctor knows of the stack before asking AWS."""

    name: str
    outputs: Mapping[str, Any]
    config: Mapping[str, str]
    """`Pulumi.<stack>.yaml` as the engine passes it (flat keys, structured values as JSON); empty when unknown."""
    config_file: str | None
    """Where the config came from; None when no stack file was found."""

    def setting(self, key: str) -> str | None:
        return self.config.get(f"{PROJECT}:{key}")

    @property
    def sandbox_mode(self) -> bool | None:
        """The stack's sandboxMode (its default is true); None without a stack file."""
        if self.config_file is None:
            return None
        return (self.setting("sandboxMode") or "true").strip().lower() == "true"

    @property
    def region(self) -> str | None:
        """Where the stack is: the orders topic's region, else the config's aws:region."""
        arn = str(self.outputs.get("ordersTopicArn") or "")
        parts = arn.split(":")
        if len(parts) > 3 and parts[0] == "arn" and parts[3]:
            return parts[3]
        return self.config.get("aws:region") or None

    def command(self, text: str) -> str:
        """A command line for this stack (`pulumi …` commands get `--stack`)."""
        return f"{text} --stack {self.name}"


def error_code(error: ClientError) -> tuple[str, str]:
    details = error.response.get("Error", {})
    return str(details.get("Code") or "ClientError"), str(details.get("Message") or error)


def could_not_check(checks: Sequence[str], error: ClientError) -> list[DoctorFinding]:
    code, message = error_code(error)
    denied = "AccessDenied" in code or code in ("AuthorizationError", "UnauthorizedOperation")
    return [DoctorFinding(check, "error", f"could not check: {code}: {message}", READ_PERMISSIONS if denied else None)
            for check in checks]


def not_checked(checks: Sequence[str], reason: str, remedy: str | None = None) -> list[DoctorFinding]:
    return [DoctorFinding(check, "error", f"not checked: {reason}", remedy) for check in checks]


def if_exists(read: Callable[[], T]) -> T | None:
    """SES's answer to `read`, or None when SES answers NotFoundException (other refusals raise)."""
    try:
        return read()
    except ClientError as error:
        if error_code(error)[0] != "NotFoundException":
            raise
        return None


def missing(checks: Sequence[str], absent: str, remedy: str, context: str = "") -> list[DoctorFinding]:
    """SES has no such thing (`absent`, e.g. "SES has no identity x"): the first check fails, the rest of the
    thing's checks are not checked."""
    return [DoctorFinding(checks[0], "error", absent + context, remedy), *not_checked(checks[1:], absent)]


def guarded(checks: Sequence[str], run: Callable[[], list[DoctorFinding]]) -> list[DoctorFinding]:
    """The checks' findings; an AWS refusal is a failed finding for each of them (connection problems, which
    every check would meet, are left to `common.aws_errors`)."""
    try:
        return run()
    except ClientError as error:
        return could_not_check(checks, error)


def number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def count(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,g}"
