"""Orders that must wait, against moto: held for account refusals, throttled, out of time — re-enqueued
with a delay on the send queue (receive count reset), never FAILED, never dead-lettered early."""

from __future__ import annotations

from typing import Any

import pytest

from order_email.handlers.sender.deferrals import DEFERRALS, DEFERRED_SINCE
from order_email.handlers.shared import schema
from order_email.handlers.shared.order_ids import from_tag_value
from order_email.handlers.shared.statuses import EmailStatus
from tests.support.send_helpers import START, World, body, failed_ids, order, sqs_event

PAUSED = ("SendingPausedException", "Sending paused for this configuration set.")
THROTTLE = ("TooManyRequestsException", "Maximum sending rate exceeded.")
UNVERIFIED_SENDER = ("MessageRejected", "Email address is not verified. The following identities failed the check "
                     "in region EU-WEST-1: shop.example.com")


@pytest.fixture
def world(tables, monkeypatch: pytest.MonkeyPatch) -> World:
    return World(tables, monkeypatch)


def attribute(entry: dict[str, Any], name: str) -> str:
    return str(entry["MessageAttributes"][name]["StringValue"])


def refuse_next(world: World, refusal: tuple[str, str]) -> None:
    world.ses.failures = [refusal]


def test_throttled_order_backs_off_through_the_queue_and_is_sent_once(world: World) -> None:
    refuse_next(world, THROTTLE)
    assert world.process(body(order()), ids=["m"]) == {"batchItemFailures": []}  # acknowledged, not failed
    item = world.item()
    assert item["status"] == EmailStatus.SENDING and item["leaseExpiresAt"] == 0 and world.sent_count() == 0
    assert world.metrics.total("SendThrottled") == 1 and world.metrics.total("Deferred") == 1
    [entry] = world.deferred
    assert entry["MessageBody"] == body(order()) and 1 <= entry["DelaySeconds"] <= 900
    assert attribute(entry, DEFERRALS) == "1" and attribute(entry, "deferReason") == "TooManyRequestsException"
    assert world.again() == {"batchItemFailures": []}
    assert world.sent_count() == 1 and world.item()["status"] == EmailStatus.SENT and world.item()["attempts"] == 2


def test_sustained_throttling_never_dead_letters_and_backs_off(world: World) -> None:
    refuse_next(world, THROTTLE)
    world.process(body(order()))
    delays = []
    for _ in range(12):  # far beyond maxReceiveCount
        delays.append(world.deferred[0]["DelaySeconds"])
        refuse_next(world, THROTTLE)
        world.clock.advance(60)
        assert world.again() == {"batchItemFailures": []}
    assert world.dlq_messages() == [] and world.sent_count() == 0
    assert attribute(world.deferred[0], DEFERRALS) == "13"
    assert delays[0] <= 1 and max(delays) <= 60 and delays[-1] >= 30  # exponential, jittered, capped
    assert world.again() == {"batchItemFailures": []}
    assert world.sent_count() == 1 and world.item()["status"] == EmailStatus.SENT
    assert len(world.item()["history"]) <= schema.HISTORY_LIMIT + 2  # + the last attempt's Claimed and Sent


def test_pause_holds_the_whole_batch_without_calling_ses_again(world: World) -> None:
    world.ses.failures = [PAUSED]
    bodies = [body(order(f"ORD-{n}")) for n in range(4)]
    assert world.process(*bodies, ids=["a", "b", "c", "d"]) == {"batchItemFailures": []}
    assert len(world.ses.requests) == 1  # the rest were held untried
    for n in range(4):
        item = world.item(f"ORD-{n}")
        assert item["status"] == EmailStatus.HELD and item["leaseExpiresAt"] == 0
        assert "SendingPausedException" in item["statusReason"] and "sending-enabled" in item["statusReason"]
        assert item["statusShard"].startswith("HELD#") and item["heldSince"]
    assert world.metrics.total("HeldOrders") == 4 and world.metrics.total("SendFailures") == 0
    assert [attribute(entry, "deferReason") for entry in world.deferred] == ["SendingPausedException"] * 4
    assert all(attribute(entry, DEFERRALS) == "1" and 30 <= entry["DelaySeconds"] <= 60 for entry in world.deferred)
    assert world.dlq_messages() == []
    # sending resumed: every held order goes out, exactly once
    assert world.again() == {"batchItemFailures": []}
    assert world.sent_count() == 4
    assert {world.item(f"ORD-{n}")["status"] for n in range(4)} == {EmailStatus.SENT}
    world.process(*bodies)
    assert world.sent_count() == 4


def test_unverified_sender_identity_holds_the_batch(world: World) -> None:
    world.ses.failures = [UNVERIFIED_SENDER]
    world.process(body(order("A")), body(order("B")), ids=["a", "b"])
    assert len(world.ses.requests) == 1
    assert world.item("A")["status"] == world.item("B")["status"] == EmailStatus.HELD
    assert "publish the DKIM records" in world.item("B")["statusReason"]


def test_sandbox_refusing_one_recipient_holds_only_that_order(world: World) -> None:
    world.ses.failures = [("MessageRejected", "Email address is not verified. The following identities failed the "
                                              "check in region EU-WEST-1: jane.doe@example.com")]
    world.process(body(order("A")), body(order("B", customerEmail="bob@example.com")), ids=["a", "b"])
    assert world.item("A")["status"] == EmailStatus.HELD and "production access" in world.item("A")["statusReason"]
    assert "jane.doe@example.com" not in world.item("A")["statusReason"]
    assert world.item("B")["status"] == EmailStatus.SENT


def test_daily_quota_holds_the_rest_of_the_batch(world: World) -> None:
    world.process(body(order("ORD-0")))
    world.ses.failures = [("TooManyRequestsException", "Daily message quota exceeded.")]
    bodies = [body(order(f"ORD-{n}")) for n in range(3)]
    assert world.process(*bodies, ids=["a", "b", "c"]) == {"batchItemFailures": []}
    assert world.item("ORD-0")["status"] == EmailStatus.SENT  # the duplicate is acknowledged as before
    assert {world.item(f"ORD-{n}")["status"] for n in (1, 2)} == {EmailStatus.HELD}
    assert len(world.requeued()) == 2


def test_a_duplicate_in_a_held_batch_is_acknowledged_not_held(world: World) -> None:
    world.process(body(order("DONE")))
    world.ses.failures = [PAUSED]
    world.process(body(order("NEW")), body(order("DONE")), ids=["n", "d"])
    assert world.item("DONE")["status"] == EmailStatus.SENT
    assert [entry["MessageBody"] for entry in world.requeued()] == [body(order("NEW"))]


def test_a_hold_gives_up_only_after_the_limit_then_a_redrive_sends(world: World) -> None:
    refuse_next(world, PAUSED)
    world.process(body(order()))
    assert float(attribute(world.deferred[0], DEFERRED_SINCE)) == pytest.approx(START.timestamp())
    world.clock.advance(71 * 3600)  # still held after 71 hours: waits again
    refuse_next(world, PAUSED)
    world.again()
    assert attribute(world.deferred[0], DEFERRALS) == "2" and world.dlq_messages() == []
    world.clock.advance(2 * 3600)  # past 72 hours: dead-lettered with its reason
    refuse_next(world, PAUSED)
    assert world.again() == {"batchItemFailures": []}
    letters = world.dlq_messages()
    assert len(letters) == 1 and world.deferred == []
    assert letters[0]["MessageAttributes"]["errorType"]["StringValue"] == "HeldTooLong"
    assert "SendingPausedException" in letters[0]["MessageAttributes"]["reason"]["StringValue"]
    assert world.metrics.total("HeldTooLong") == 1
    assert world.item()["status"] == EmailStatus.HELD  # still claimable: a redrive sends it
    world.process(letters[0]["Body"])
    assert world.sent_count() == 1


def test_a_long_hold_keeps_the_item_small(world: World) -> None:
    refuse_next(world, PAUSED)
    world.process(body(order()))
    for _ in range(60):
        refuse_next(world, PAUSED)
        world.clock.advance(900)
        world.again()
    item = world.item()
    assert item["attempts"] == 61 and len(item["history"]) == schema.HISTORY_LIMIT
    assert item["history"][-1]["type"] == "Held"


def test_a_throttled_sender_paces_its_next_sends(world: World) -> None:
    refuse_next(world, THROTTLE)
    started = world.clock.now
    world.process(*(body(order(f"ORD-{n}")) for n in range(6)))
    # rate 5/s per worker: after the throttle, five sends take at least 4 intervals of 0.2 s
    assert (world.clock.now - started).total_seconds() >= 0.8 - 1e-9
    assert world.sent_count() == 5


def test_an_unthrottled_sender_does_not_pace(world: World) -> None:
    started = world.clock.now
    world.process(*(body(order(f"ORD-{n}")) for n in range(6)))
    assert world.clock.now == started and world.sent_count() == 6


def test_out_of_time_orders_wait_instead_of_failing(world: World) -> None:
    remaining = iter([60_000, 60_000, 60_000, 5_000, 5_000, 5_000, 5_000])
    response = world.sender.process(sqs_event(*(body(order(f"ORD-{n}")) for n in range(3)), ids=["a", "b", "c"]),
                                    remaining_ms=lambda: next(remaining))
    assert failed_ids(response) == []
    assert world.sent_count() < 3
    reasons = [attribute(entry, "deferReason") for entry in world.requeued()]
    assert reasons and set(reasons) == {"deadline"}
    assert len(reasons) + world.sent_count() == 3


@pytest.mark.parametrize("order_id", ["A.1001", "#1001", "2026/11/0042", "shop:eu:77", "PO 1001", "a_b", "x" * 80])
def test_any_accepted_order_id_is_tagged_so_ses_accepts_it(world: World, order_id: str) -> None:
    world.process(body(order(order_id)))
    tags = {tag["Name"]: tag["Value"] for tag in world.ses.requests[0]["EmailTags"]}
    assert from_tag_value(tags["orderId"]) == order_id
    assert world.item(order_id)["status"] == EmailStatus.SENT
