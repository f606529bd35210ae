"""The reputation guard handler: pauses sending only for a guarded alarm entering ALARM.

moto 5.2 does not implement SESv2 PutConfigurationSetSendingOptions, so the SES call is checked with
botocore's Stubber, which validates the request against the real SESv2 service model; the client is
still created under moto so nothing can reach AWS.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from order_email.handlers import reputation_guard
from order_email.handlers.shared.environment import REPUTATION_GUARD

GUARDED = "order-email-prod-ses-reputation-bounce-rate"


def _event(alarm: str = GUARDED, state: str = "ALARM", **changes: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "version": "0",
        "id": "c4c1c1c9-6542-e61b-6ef0-8c4d36933a92",
        "detail-type": "CloudWatch Alarm State Change",
        "source": "aws.cloudwatch",
        "account": "123456789012",
        "time": "2026-01-01T00:00:00Z",
        "region": "eu-west-1",
        "resources": [f"arn:aws:cloudwatch:eu-west-1:123456789012:alarm:{alarm}"],
        "detail": {
            "alarmName": alarm,
            "state": {"value": state, "reason": "Threshold Crossed"},
            "previousState": {"value": "OK"},
        },
    }
    event.update(changes)
    return event


@pytest.fixture
def ses(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stubber]:
    for variable in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    for name, value in REPUTATION_GUARD.environment(
            configuration_set_name="order-email-prod",
            guarded_alarm_names=[GUARDED, "order-email-prod-ses-reputation-complaint-rate"]).items():
        monkeypatch.setenv(name, value)
    reputation_guard._settings.cache_clear()  # a fresh cold start reads this environment
    with mock_aws():
        client = boto3.client("sesv2", region_name="eu-west-1")
        monkeypatch.setattr(reputation_guard, "_sesv2", lambda: client)
        with Stubber(client) as stubber:
            yield stubber
            stubber.assert_no_pending_responses()


def test_guarded_alarm_entering_alarm_pauses_sending(ses: Stubber) -> None:
    ses.add_response(
        "put_configuration_set_sending_options",
        {},
        {"ConfigurationSetName": "order-email-prod", "SendingEnabled": False},
    )
    result = reputation_guard.handler(_event(), None)
    assert result == {"paused": True, "alarmName": GUARDED, "configurationSet": "order-email-prod"}


@pytest.mark.parametrize(
    "event",
    [
        _event(state="OK"),
        _event(state="INSUFFICIENT_DATA"),
        _event(alarm="order-email-prod-errors-sender"),
        _event(**{"detail-type": "Scheduled Event"}),
        _event(source="aws.events"),
        {"detail-type": "CloudWatch Alarm State Change", "source": "aws.cloudwatch"},
        {},
    ],
)
def test_anything_else_changes_nothing(ses: Stubber, event: dict[str, Any]) -> None:
    assert reputation_guard.handler(event, None) == {"paused": False}  # the stubber fails on any call


def test_ses_error_propagates_so_eventbridge_retries(ses: Stubber) -> None:
    ses.add_client_error("put_configuration_set_sending_options", "TooManyRequestsException", http_status_code=429)
    with pytest.raises(Exception, match="TooManyRequests"):
        reputation_guard.handler(_event(), None)


@pytest.mark.parametrize(
    ("guarded", "expected"),
    [
        (frozenset({GUARDED}), GUARDED),
        (frozenset({"other"}), None),
        (frozenset(), GUARDED),  # no list configured: the rule's filter is the only filter
    ],
)
def test_alarm_that_fired(guarded: frozenset[str], expected: str | None) -> None:
    assert reputation_guard.alarm_that_fired(_event(), guarded) == expected


def test_client_is_created_once_per_cold_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    reputation_guard._sesv2.cache_clear()
    assert reputation_guard._sesv2() is reputation_guard._sesv2()
    reputation_guard._sesv2.cache_clear()


def test_guard_is_packaged_alone_so_it_may_import_only_boto3_and_the_standard_library() -> None:
    import ast
    import sys

    from order_email.components.reputation_guard import GUARD_HANDLER

    tree = ast.parse(GUARD_HANDLER.read_text())
    modules = {
        alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    }
    modules |= {
        (node.module or "").split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.level == 0
    }
    assert modules - {"__future__", "boto3"} <= sys.stdlib_module_names


def test_the_guards_archive_holds_every_module_its_handler_imports(tmp_path: Path) -> None:
    """Lambda imports `handlers.reputation_guard` from the archive alone: nothing of the checkout may be needed."""
    import subprocess
    import sys

    from order_email.components.reputation_guard import guard_code
    from order_email.localmode.function_code import unpack

    root = unpack("guard", guard_code().archive, tmp_path / "task")
    environment = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(root), "AWS_DEFAULT_REGION": "eu-west-1"}
    subprocess.run([sys.executable, "-I", "-c", "import sys; sys.path.insert(0, sys.argv[1]); "
                    "import handlers.reputation_guard", str(root)], cwd=root, env=environment, check=True)
