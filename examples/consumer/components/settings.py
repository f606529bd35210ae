"""This project's stack settings: the `shop-mail:*` keys of `Pulumi.<stack>.yaml`, checked up front.

A bad value fails `pulumi preview` before any resource is declared, naming the key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pulumi


class SettingsError(ValueError):
    """A `shop-mail:*` key has a value we cannot deploy; the message names the key."""


@dataclass(frozen=True)
class ShopSettings:
    stage: str
    """`dev`, `prod`, …: part of every physical name."""
    mail_domain: str
    """The domain we send from (verified in SES by order-email's EmailSender)."""
    from_address: str
    from_name: str
    reply_to: str | None
    simulator_only: bool
    """Send every e-mail to the SES mailbox simulator instead of the customer (order-email's sandbox mode)."""
    ses_send_rate: float
    """Our SES account's sending quota, e-mails per second."""
    publisher_principals: list[str]
    """IAM principals (our checkout service) that may publish order events."""
    alert_emails: list[str]
    audit_retention_days: int
    log_retention_days: int
    cost_center: str

    @property
    def name_prefix(self) -> str:
        return f"shop-mail-{self.stage}"

    @property
    def environment(self) -> str:
        """What order-email's components call the environment: the `service` dimension of their metrics
        (`order-email-shop-dev`) and part of alarm names, so ours never collide with another team's."""
        return f"shop-{self.stage}"

    @property
    def tags(self) -> dict[str, str]:
        return {"app": "shop-mail", "environment": self.stage, "team": "web-shop", "cost-center": self.cost_center}


_STAGE = re.compile(r"^[a-z][a-z0-9]{1,9}$")
_ADDRESS = re.compile(r"^[^@\s]+@([a-z0-9.-]+)$")


def load_settings(config: pulumi.Config | None = None) -> ShopSettings:
    """Read this project's keys (namespace: the project name, `shop-mail`)."""
    config = config or pulumi.Config()
    stage = config.require("stage")
    if not _STAGE.match(stage):
        raise SettingsError(f"shop-mail:stage: {stage!r} must be 2-10 lowercase letters or digits")
    domain = config.require("mailDomain").strip().lower()
    from_address = config.require("fromAddress").strip()
    match = _ADDRESS.match(from_address.lower())
    if not match or not (match.group(1) == domain or match.group(1).endswith("." + domain)):
        raise SettingsError(f"shop-mail:fromAddress: {from_address!r} must be an address at {domain}")
    send_rate = config.require_float("sesSendRate")
    if send_rate <= 0:
        raise SettingsError("shop-mail:sesSendRate: must be positive")
    retention = config.get_int("auditRetentionDays") or 90
    if not 1 <= retention <= 3650:
        raise SettingsError("shop-mail:auditRetentionDays: must be 1-3650")
    return ShopSettings(
        stage=stage,
        mail_domain=domain,
        from_address=from_address,
        from_name=config.require("fromName"),
        reply_to=config.get("replyTo"),
        simulator_only=config.get_bool("simulatorOnly") is not False,
        ses_send_rate=send_rate,
        publisher_principals=[str(item) for item in config.get_object("publisherPrincipals") or []],
        alert_emails=[str(item) for item in config.get_object("alertEmails") or []],
        audit_retention_days=retention,
        log_retention_days=config.get_int("logRetentionDays") or 14,
        cost_center=config.require("costCenter"),
    )
