"""End to end on the local emulator: the stack's graph, real handlers in their own processes, SES simulated."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from order_email.localmode import LocalSystem, run_local
from order_email.mockstack import run_stack
from tests.support.local_system import SIM, dlq, order, status


@pytest.fixture(scope="module")
def mixed() -> Iterator[LocalSystem]:
    """One system, one mixed batch: valid, duplicate, invalid, bounce, complaint, pre-suppressed."""
    with LocalSystem(stack="dev", concurrency=1) as system:
        system.suppress(f"success+blocked@{SIM}")
        system.publish_order(order("o-valid", f"success+1@{SIM}"))
        system.publish_order(order("o-dup", f"success+2@{SIM}"))
        system.publish_order(order("o-dup", f"success+2@{SIM}"))
        system.publish_order(order("o-bounce", f"bounce@{SIM}"))
        system.publish_order(order("o-complaint", f"complaint+3@{SIM}"))
        system.publish_order(order("o-suppressed", f"success+blocked@{SIM}"))
        system.publish_order(order("o-invalid", f"success+4@{SIM}", currency="XXX"))
        system.publish_raw("this is not JSON", {"eventType": "order.confirmed"})
        system.publish_raw(json.dumps(order("o-filtered", f"success+5@{SIM}")), {"eventType": "order.refunded"})
        system.publish_ses_event("Successfully validated SNS topic for Amazon SES event publishing.")
        system.publish_ses_event({"eventType": "Bounce", "mail": {"messageId": "m-1"}})  # no bounce object
        system.run_until_idle(timeout=90)
        yield system


def test_every_order_ends_with_the_status_its_recipient_dictates(mixed: LocalSystem) -> None:
    assert status(mixed, "o-valid") == "DELIVERED"
    assert status(mixed, "o-dup") == "DELIVERED"
    assert status(mixed, "o-bounce") == "BOUNCED"
    assert status(mixed, "o-complaint") == "COMPLAINED"
    assert status(mixed, "o-suppressed") == "SUPPRESSED"
    assert mixed.status_api("/orders/o-invalid")[0] == 404
    assert mixed.status_api("/orders/o-filtered")[0] == 404  # the subscription's filter policy dropped it


def test_one_email_per_order_with_tags_configuration_set_and_both_parts(mixed: LocalSystem) -> None:
    sent = mixed.sent_emails()
    assert sorted(email["tags"]["orderId"] for email in sent) == ["o-bounce", "o-complaint", "o-dup", "o-valid"]
    for email in sent:
        assert email["configurationSet"] == "order-email-dev"
        assert email["tags"]["kind"] == "order-confirmation"
        assert email["text"] and email["html"] and email["subject"]
        assert "orders@mail.dev.example-shop.com" in email["from"]
    assert mixed.metrics()["DuplicatesSkipped"] >= 1


def test_bounces_and_complaints_suppress_the_address(mixed: LocalSystem) -> None:
    assert mixed.is_suppressed(f"bounce@{SIM}")
    assert mixed.is_suppressed(f"complaint+3@{SIM}")
    assert not mixed.is_suppressed(f"success+1@{SIM}")


def test_inputs_that_can_never_succeed_are_dead_lettered_with_a_reason(mixed: LocalSystem) -> None:
    sender = dlq(mixed, "sender-queue-dlq")
    assert sorted(letter["attributes"]["errorType"] for letter in sender) == ["InvalidJson", "InvalidOrder"]
    assert any("o-invalid" in letter["body"] for letter in sender)
    assert all(letter["attributes"]["reason"] for letter in sender)
    feedback = dlq(mixed, "feedback-queue-dlq")
    assert [letter["attributes"]["errorType"] for letter in feedback] == ["InvalidSesEvent"]


def test_handlers_emit_emf_and_make_no_put_metric_data_calls(mixed: LocalSystem) -> None:
    metrics = mixed.metrics()
    assert metrics["EmailsSent"] == 4
    assert metrics["HardBounces"] == 1
    assert metrics["Complaints"] == 1
    calls = mixed.aws_calls()
    assert calls["sesv2.SendEmail"] == 4
    assert not any(name.startswith("cloudwatch.") for name in calls)
    assert mixed.errors() == []


def test_env_comes_from_the_graph_a_missing_variable_fails_loudly_and_dead_letters() -> None:
    graph = run_stack("dev")
    variables = graph.named("order-email-sender-function").state["environment"]["variables"]
    del variables["CONFIGURATION_SET"]
    with LocalSystem(stack="dev", graph=graph, concurrency=1, retry_delay=0) as system:
        system.publish_order(order("o-wiring", f"success@{SIM}"))
        system.run_until_idle(timeout=60)
        errors = system.errors()
        assert errors and all("CONFIGURATION_SET" in error["errorMessage"] for error in errors)
        assert len(errors) == 5  # maxReceiveCount from the queue's redrive policy in the graph
        assert system.sent_emails() == []
        assert ["o-wiring" in letter["body"] for letter in dlq(system, "sender-queue-dlq")] == [True]


def test_run_local_small_batch_reaches_every_expected_outcome() -> None:
    summary = run_local(orders=30, seed=11, concurrency=1)
    assert summary["ok"], {k: v for k, v in summary["outcomes"].items() if v["expected"] != v["actual"]}
    assert summary["suppressed"] == 1 and summary["deadLettered"] >= 1
    assert summary["duplicatesSkipped"] >= 1 and summary["emailsSentTwice"] == 0
    assert summary["putMetricDataCalls"] == 0


def test_no_log_line_holds_a_full_address(mixed: LocalSystem) -> None:
    """Every line every handler wrote (logs and EMF), scanned for an unmasked address."""
    from order_email.handlers.shared.masking import addresses_in

    lines = mixed.logs()
    assert len(lines) > 20, "the handlers logged nothing worth scanning"
    # the one address finder (ASCII and internationalised); a masked address ends its local part in ***
    assert [line for line in lines
            if any(not found.rpartition("@")[0].endswith("***") for found in addresses_in(line))] == []
    assert any("***@" in line for line in lines), "expected masked addresses in the logs"
