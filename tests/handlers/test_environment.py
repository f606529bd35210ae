"""The environment contract: what a component writes is exactly what its handler reads."""

from __future__ import annotations

import pytest

from order_email.handlers.feedback.settings import FeedbackSettings
from order_email.handlers.intake.settings import IntakeSettings
from order_email.handlers.reputation_guard import GuardSettings
from order_email.handlers.sender.settings import SenderSettings
from order_email.handlers.shared.environment import (
    CONTRACTS,
    FEEDBACK,
    ORDER_INTAKE,
    REPUTATION_GUARD,
    SENDER,
    STATUS_API,
    ConfigurationError,
    powertools,
)
from order_email.handlers.status_api.settings import StatusApiSettings
from tests.support.feedback_rig import ENV as FEEDBACK_ENV
from tests.support.send_helpers import ENV as SENDER_ENV


def test_what_the_writer_writes_the_reader_reads() -> None:
    sender = SenderSettings.from_env(SENDER_ENV)
    assert sender.lease_seconds == 60 and sender.sandbox is False and sender.send_rate_per_worker == 5.0
    feedback = FeedbackSettings.from_env(FEEDBACK_ENV | {"DLQ_URL": "q"})
    assert feedback.history_limit == 20 and feedback.soft_bounce_count == 3
    api = StatusApiSettings.from_env(STATUS_API.environment(deliveries_table="t", **powertools("dev")))
    assert api == StatusApiSettings("t", True)
    intake = IntakeSettings.from_env(ORDER_INTAKE.environment(orders_topic_arn="arn:topic", **powertools("dev")))
    assert intake == IntakeSettings("arn:topic")
    guard = GuardSettings.from_env(REPUTATION_GUARD.environment(configuration_set_name="cs",
                                                                guarded_alarm_names=["a", "b"]))
    assert guard == GuardSettings("cs", ("a", "b"))


def test_the_writer_refuses_a_missing_unknown_or_malformed_setting_naming_each() -> None:
    with pytest.raises(ConfigurationError) as caught:
        FEEDBACK.environment(deliveries_table="d", suppression_table="s", configuration_set="c",
                             soft_bounce_count=0, soft_bounce_window_days=7, history_limt=5, **powertools("dev"))
    message = str(caught.value)
    assert "DLQ_URL (dlq_url=) is missing" in message
    assert "unknown setting 'history_limt'" in message
    assert "SOFT_BOUNCE_COUNT (soft_bounce_count=) must be >= 1, got 0" in message


def test_the_reader_names_every_problem_at_once() -> None:
    with pytest.raises(ConfigurationError) as caught:
        SENDER.read({"SEND_RATE_PER_WORKER": "0", "SANDBOX_MODE": "maybe", "HOLD_GIVE_UP_SECONDS": "x"})
    message = str(caught.value)
    assert message.startswith("sender configuration invalid: DELIVERIES_TABLE is not set")
    assert "SEND_RATE_PER_WORKER must be > 0, got 0" in message
    assert "SANDBOX_MODE must be 'true' or 'false', got 'maybe'" in message
    assert "HOLD_GIVE_UP_SECONDS must be an integer, got 'x'" in message


def test_an_optional_variable_left_out_is_written_as_its_default() -> None:
    written = STATUS_API.environment(deliveries_table="t", **powertools("prod"))
    assert written == {"DELIVERIES_TABLE": "t", "MASK_RECIPIENTS": "true", "POWERTOOLS_SERVICE_NAME":
                       "order-email-prod", "POWERTOOLS_METRICS_NAMESPACE": "OrderEmail", "POWERTOOLS_LOG_LEVEL": "INFO",
                       "PYDANTIC_DISABLE_PLUGINS": "__all__"}
    assert "GUARDED_ALARM_NAMES" not in REPUTATION_GUARD.environment(configuration_set_name="cs")


def test_each_function_declares_each_variable_once() -> None:
    for contract in CONTRACTS:
        assert len(set(contract.names)) == len(contract.names), contract.function
        assert all(variable.doc for variable in contract.variables)


def test_the_readme_lists_each_functions_variables_as_the_contract_declares_them() -> None:
    import re

    from order_email.handlers.shared.environment import QUOTA_PROBE, STATUS_OUTBOX, WEBHOOK
    from tests.support.paths import REPO

    handlers = {"handlers.send_order_email.handler": SENDER, "handlers.ses_feedback.handler": FEEDBACK,
                "handlers.delivery_status.handler": STATUS_API, "handlers.order_intake.handler": ORDER_INTAKE,
                "handlers.status_outbox.handler": STATUS_OUTBOX,
                "handlers.reputation_guard.handler": REPUTATION_GUARD, "handlers.quota_probe.handler": QUOTA_PROBE,
                "handlers.webhook_delivery.handler": WEBHOOK}
    section = (REPO / "README.md").read_text(encoding="utf-8").split("## Handler environment", 1)[1]
    rows = re.findall(r"^\| `(handlers\.[\w.]+)` \| (.+) \|$", section.split("\n## ", 1)[0], flags=re.M)
    listed = {handler: tuple(re.findall(r"`([A-Z_]+)`", variables)) for handler, variables in rows}
    assert listed == {handler: contract.names for handler, contract in handlers.items()}
    assert set(handlers.values()) == set(CONTRACTS)
