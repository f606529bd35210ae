"""The quota probe end to end: the stack's scheduled function reads the local SES's quota and emits it by EMF.

The dev stack runs on the emulator with a small 24-hour quota, with prod's `full` observability profile
(dev's own is `lean`, which has no quota probe); orders are sent through the real
pipeline, then `run_scheduled()` fires the probe's schedule rule once, as EventBridge would, and
the metric the `send-quota-usage` alarm watches must cross the stack's threshold.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from order_email.components.config import parse_stack_config
from order_email.handlers.shared.telemetry import NAMESPACE, MetricName, service_name
from order_email.localmode import LocalSystem
from order_email.mockstack import stack_config
from tests.support.local_system import SIM, order, status
from tests.support.stacks import FULL_OBSERVABILITY

QUOTA = 10
PROBE = "order-email-observability-quota-probe"


@pytest.fixture(scope="module")
def system() -> Iterator[LocalSystem]:
    with LocalSystem(stack="dev", config=FULL_OBSERVABILITY) as running:
        running.ses.set_limits(max_24_hour_send=QUOTA)  # type: ignore[union-attr]
        yield running


def quota_documents(system: LocalSystem) -> list[dict[str, Any]]:
    return [document for document in system.emf_documents() if MetricName.SEND_QUOTA_USAGE.value in document]


def probe(system: LocalSystem, documents_before: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """Fire the schedule once; (the probe's answer, the EMF document it printed)."""
    answer = system.run_scheduled()[PROBE]
    deadline = time.monotonic() + 10
    while len(quota_documents(system)) <= documents_before:  # stdout is read by another thread
        assert time.monotonic() < deadline, "the probe emitted no SendQuotaUsage metric"
        time.sleep(0.05)
    return answer, quota_documents(system)[-1]


def test_an_idle_account_reads_zero(system: LocalSystem) -> None:
    answer, document = probe(system, 0)
    assert answer == {"usagePercent": 0.0, "sentLast24Hours": 0, "max24HourSend": QUOTA}
    assert document[MetricName.SEND_QUOTA_USAGE.value] == [0.0]
    (directive,) = document["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == NAMESPACE
    assert directive["Dimensions"] == [["service"]] and document["service"] == service_name("dev")
    assert directive["Metrics"] == [{"Name": "SendQuotaUsage", "Unit": "Percent"}]


def test_sends_push_the_emitted_usage_past_the_alarm_threshold(system: LocalSystem) -> None:
    ids = [f"Q-{index}" for index in range(9)]
    for order_id in ids:
        system.publish_order(order(order_id, f"success+{order_id}@{SIM}"))
    system.run_until_idle(timeout=120)
    assert [status(system, order_id) for order_id in ids] == ["DELIVERED"] * 9

    before = len(quota_documents(system))
    answer, document = probe(system, before)
    threshold = parse_stack_config(stack_config("dev")).alarms.send_quota_usage_percent
    assert answer["sentLast24Hours"] == 9 and answer["max24HourSend"] == QUOTA
    assert document[MetricName.SEND_QUOTA_USAGE.value] == [90.0] and 90.0 > threshold == 80
    assert system.metric_values()[MetricName.SEND_QUOTA_USAGE.value][-1] == 90.0
    # One call per run, and only the call its policy allows.
    assert system.aws_calls(PROBE) == {"sesv2.GetAccount": 2}
    assert not [error for error in system.errors() if error["function"] == PROBE]
