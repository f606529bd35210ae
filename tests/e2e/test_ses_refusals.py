"""SES's real rules end to end: the local SES refuses what SES refuses, and no refusal loses an order.

Each test runs the dev stack on the emulator, makes SES refuse for an account or stack reason (a
pause, an unverified identity, a 1 e-mail/s send rate), publishes valid orders, fixes the cause and
checks that every order was e-mailed exactly once, none FAILED and none dead-lettered.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator

import pytest

from order_email.localmode import LocalSystem
from order_email.localmode.run import tagged_order
from tests.support.local_system import SIM, dlq, order, status

ORDERS = 6


@pytest.fixture
def system() -> Iterator[LocalSystem]:
    with LocalSystem(stack="dev") as running:
        yield running


def publish(system: LocalSystem, prefix: str, count: int = ORDERS) -> list[str]:
    ids = [f"{prefix}.{index}" for index in range(count)]  # ids with "." SES tags could not carry raw
    for order_id in ids:
        system.publish_order(order(order_id, f"success+{order_id}@{SIM}"))
    return ids


def wait_for(condition, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not reached")
        time.sleep(0.2)


def held(system: LocalSystem, ids: list[str]) -> bool:
    return all(status(system, order_id) == "HELD" for order_id in ids)


def assert_each_mailed_once(system: LocalSystem, ids: list[str]) -> None:
    per_order = Counter(tagged_order(email) for email in system.sent_emails())
    assert {order_id: per_order[order_id] for order_id in ids} == dict.fromkeys(ids, 1)
    assert {order_id: status(system, order_id) for order_id in ids} == dict.fromkeys(ids, "DELIVERED")
    assert dlq(system, "sender") == [] and dlq(system, "feedback") == []
    assert system.errors() == []


def test_a_pause_holds_orders_and_resume_sends_each_once(system: LocalSystem) -> None:
    assert system.ses is not None
    system.ses.pause()
    ids = publish(system, "P")
    wait_for(lambda: held(system, ids))
    answer = system.deliveries(ids[0])
    assert "SendingPausedException" in answer["emails"][0]["statusReason"]
    assert system.sent_emails() == [] and system.metrics()["HeldOrders"] >= ORDERS
    assert system.ses.stats()["refused"].get("SendingPausedException", 0) >= 1
    resumed = time.monotonic()
    system.ses.resume()
    system.run_until_idle(timeout=120)
    assert time.monotonic() - resumed < 60  # held orders go out within about a minute (hold delays compressed)
    assert_each_mailed_once(system, ids)
    assert system.metrics().get("SendFailures", 0) == 0


def test_an_unverified_identity_holds_orders_until_it_is_verified(system: LocalSystem) -> None:
    assert system.ses is not None
    system.ses.verify_identity(False)
    ids = publish(system, "V")
    wait_for(lambda: held(system, ids))
    reason = system.deliveries(ids[0])["emails"][0]["statusReason"]
    assert "not verified" in reason and "publish the DKIM records" in reason
    system.ses.verify_identity(True)
    system.run_until_idle(timeout=120)
    assert_each_mailed_once(system, ids)


def test_a_one_per_second_send_rate_loses_nothing_with_every_sender_worker(system: LocalSystem) -> None:
    """Two workers share the rate without coordinating (each paces at rate / MaximumConcurrency), so when
    their sends meet in one second SES throttles one and it is retried: how often depends on scheduling
    (on a loaded machine the emulator serves queued requests back to back), never on whether one is lost."""
    assert system.ses is not None
    system.ses.set_limits(max_send_rate=1)
    ids = publish(system, "R", count=12)
    started = time.monotonic()
    system.run_until_idle(timeout=180)
    elapsed = time.monotonic() - started
    assert_each_mailed_once(system, ids)
    assert elapsed >= 12 - 2  # 1/s really was the limit


def test_one_throttle_paces_a_sender_worker_for_good() -> None:
    """A worker sends freely until SES first throttles it, then paces at its share of the rate
    (`sender.pacing`, SEND_RATE_PER_WORKER): with one worker, nothing after that first refusal is throttled."""
    with LocalSystem(stack="dev", concurrency=1) as system:
        assert system.ses is not None
        system.ses.set_limits(max_send_rate=1)
        ids = publish(system, "P", count=6)
        system.run_until_idle(timeout=180)
        assert_each_mailed_once(system, ids)
        assert system.ses.stats()["refused"].get("TooManyRequestsException", 0) == 1


def test_the_sandbox_holds_orders_to_unverified_recipients_until_production_access() -> None:
    with LocalSystem(stack="prod") as system:  # prod mails real recipients (no sandbox rewrite)
        assert system.ses is not None
        system.ses.set_production_access(False)
        system.publish_order(order("S.real", "jane.doe@example.com"))
        system.publish_order(order("S.sim", f"success+sim@{SIM}"))
        wait_for(lambda: status(system, "S.real") == "HELD" and status(system, "S.sim") == "DELIVERED")
        reason = system.deliveries("S.real")["emails"][0]["statusReason"]
        assert "production access" in reason and "jane.doe@example.com" not in reason
        system.ses.set_production_access(True)
        system.run_until_idle(timeout=120)
        assert status(system, "S.real") == "DELIVERED"
        assert Counter(tagged_order(email) for email in system.sent_emails()) == {"S.real": 1, "S.sim": 1}
