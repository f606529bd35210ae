"""Reputation guard: pause SES sending on our configuration set when an SES reputation alarm fires.

Invoked by an EventBridge rule on "CloudWatch Alarm State Change" (the Observability component
matches only the reputation alarms entering ALARM). Pausing is one SESv2 call and is idempotent;
resuming is deliberately manual (see `components.observability`).

Depends on boto3, the standard library and `shared.environment` only — no layer — so the safety
switch works even when the shared dependency layer is broken. Its variables are
`shared.environment.REPUTATION_GUARD`, read on the first invocation. Lambda's JSON log format (set
by the component) turns the standard `logging` records, with their `extra` keys, into structured
JSON lines.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import boto3

from .shared.environment import REPUTATION_GUARD

ALARM_STATE_CHANGE = "CloudWatch Alarm State Change"

logger = logging.getLogger("reputation_guard")
logger.setLevel(logging.INFO)


def alarm_that_fired(event: Mapping[str, Any], guarded: frozenset[str]) -> str | None:
    """The alarm name when `event` says a guarded alarm entered ALARM; None for anything else.

    The rule already filters, but the function checks again: a retried or hand-crafted event must not
    pause sending because an OK transition or an unrelated alarm reached it.
    """
    if event.get("detail-type") != ALARM_STATE_CHANGE or event.get("source") != "aws.cloudwatch":
        return None
    detail = event.get("detail") or {}
    name = detail.get("alarmName")
    state = (detail.get("state") or {}).get("value")
    if state != "ALARM" or not isinstance(name, str):
        return None
    if guarded and name not in guarded:
        return None
    return name


@cache
def _sesv2() -> Any:
    """One client per cold start."""
    return boto3.client("sesv2")


@dataclass(frozen=True)
class GuardSettings:
    configuration_set_name: str
    guarded_alarm_names: tuple[str, ...]
    """Empty: every alarm the rule lets through may pause sending."""

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> GuardSettings:
        return cls(**REPUTATION_GUARD.read(env))


@cache
def _settings() -> GuardSettings:
    """Read on the first invocation, kept for the life of the execution environment."""
    return GuardSettings.from_env(os.environ)


def pause_sending(client: Any, configuration_set_name: str) -> None:
    client.put_configuration_set_sending_options(ConfigurationSetName=configuration_set_name, SendingEnabled=False)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    settings = _settings()
    configuration_set = settings.configuration_set_name
    alarm = alarm_that_fired(event, frozenset(settings.guarded_alarm_names))
    if alarm is None:
        logger.info(
            "event ignored: not a guarded alarm entering ALARM",
            extra={"detailType": event.get("detail-type"), "eventId": event.get("id")},
        )
        return {"paused": False}
    pause_sending(_sesv2(), configuration_set)
    logger.warning(
        "SES sending paused on the configuration set; resume with "
        f"`aws sesv2 put-configuration-set-sending-options --configuration-set-name {configuration_set} "
        "--sending-enabled` once the cause is fixed",
        extra={"alarmName": alarm, "configurationSet": configuration_set, "eventId": event.get("id")},
    )
    return {"paused": True, "alarmName": alarm, "configurationSet": configuration_set}
