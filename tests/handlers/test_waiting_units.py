"""Pure parts of waiting: backoff, the re-enqueued message, what a record says of its waits, pacing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from order_email.handlers.sender.deferrals import (
    MAX_ATTRIBUTES,
    DeferPolicy,
    Deferral,
    WaitState,
    backoff_seconds,
    deferred_message,
    wait_state,
)
from order_email.handlers.sender.pacing import SendPacer


@given(st.integers(min_value=0, max_value=10_000), st.floats(min_value=0, max_value=0.999999))
def test_backoff_is_bounded_and_never_zero(deferrals: int, jitter: float) -> None:
    assert 1 <= backoff_seconds(deferrals, 60, 900, jitter) <= 900
    assert 1 <= backoff_seconds(deferrals, 1, 60, jitter) <= 60


def test_backoff_doubles_then_caps_and_jitters_in_the_upper_half() -> None:
    assert [backoff_seconds(n, 60, 900, 0.999999) for n in range(6)] == [60, 120, 240, 480, 900, 900]
    assert [backoff_seconds(n, 60, 900, 0.0) for n in range(6)] == [30, 60, 120, 240, 450, 450]
    assert [backoff_seconds(n, 1, 60, 0.999999) for n in range(8)] == [1, 2, 4, 8, 16, 32, 60, 60]


def test_hold_and_throttle_policies() -> None:
    policy = DeferPolicy(hold_max_delay_seconds=900, give_up_seconds=72 * 3600)
    assert policy.delay(True, 0, 0.999999) == 60 and policy.delay(True, 9, 0.999999) == 900
    assert policy.delay(False, 0, 0.999999) == 1 and policy.delay(False, 9, 0.999999) == 60
    compressed = DeferPolicy(hold_max_delay_seconds=15, give_up_seconds=3600)  # local mode's compression
    assert compressed.delay(True, 0, 0.999999) == 1 and compressed.delay(True, 5, 0.999999) == 15


def _record(attributes: dict[str, dict[str, str]]) -> dict[str, object]:
    return {"messageId": "m-1", "body": '{"orderId": "A-1"}', "messageAttributes": attributes}


def test_wait_state_of_a_fresh_and_of_a_waiting_record() -> None:
    assert wait_state(_record({})) == WaitState(0, None)
    waited = _record({"deferrals": {"stringValue": "3", "dataType": "Number"},
                      "deferredSince": {"stringValue": "1700000000.5", "dataType": "Number"}})
    assert wait_state(waited) == WaitState(3, 1700000000.5)
    assert wait_state(_record({"deferrals": {"stringValue": "many", "dataType": "Number"}})) == WaitState()


def test_deferred_message_keeps_the_body_and_the_publisher_attributes() -> None:
    record = _record({"eventType": {"stringValue": "order.confirmed", "dataType": "String"},
                      "deferrals": {"stringValue": "2", "dataType": "Number"},
                      "deferredSince": {"stringValue": "100.000", "dataType": "Number"}})
    message = deferred_message(Deferral(record, 60, "SendingPausedException", wait_state(record)), now=500.0)
    assert message["MessageBody"] == record["body"] and message["DelaySeconds"] == 60
    attributes = message["MessageAttributes"]
    assert attributes["eventType"] == {"DataType": "String", "StringValue": "order.confirmed"}
    assert attributes["deferrals"]["StringValue"] == "3"
    assert attributes["deferredSince"]["StringValue"] == "100.000"  # the first wait, not now
    assert attributes["deferReason"]["StringValue"] == "SendingPausedException"


def test_first_deferral_starts_the_clock_and_attributes_stay_within_sqs_limits() -> None:
    many = {f"a{n}": {"stringValue": "x", "dataType": "String"} for n in range(12)}
    message = deferred_message(Deferral(_record(many), 1, "deadline", WaitState()), now=123.4567)
    assert message["MessageAttributes"]["deferredSince"]["StringValue"] == "123.457"
    assert len(message["MessageAttributes"]) == MAX_ATTRIBUTES


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_pacer_waits_only_after_a_throttle_and_only_inside_its_window() -> None:
    clock = FakeTime()
    pacer = SendPacer(2.0, window_seconds=10, clock=clock, sleep=clock.sleep)
    for _ in range(3):
        pacer.before_send()
    assert clock.now == 0 and not pacer.engaged
    pacer.throttled()
    for _ in range(4):
        pacer.before_send()
    assert clock.now == pytest.approx(2.0)  # 4 more sends at 2/s, each 0.5 s after the one before
    clock.now = 20
    assert not pacer.engaged and pacer.wait_seconds() == 0
