"""The pure state update and the soft-bounce policy: table-driven and property-based."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from order_email.handlers.feedback.events import FeedbackEvent, parse_event
from order_email.handlers.feedback.suppression import tally_soft_bounces
from order_email.handlers.feedback.transitions import incoming_status, transition
from order_email.handlers.shared import schema
from order_email.handlers.shared.statuses import RANK, EmailStatus
from tests.support import feedback_samples as s

NOW = s.T0 + timedelta(hours=1)


def parsed(event_type: str, **options: Any) -> FeedbackEvent:
    result = parse_event(s.event(event_type, **options))
    assert isinstance(result, FeedbackEvent)
    return result


def sent_item(**extra: Any) -> dict[str, Any]:
    return {
        schema.ORDER_ID: "o-1",
        schema.KIND: schema.ORDER_CONFIRMATION,
        "status": "SENT",
        "statusRank": RANK[EmailStatus.SENT],
        "sesMessageId": "msg-1",
    } | extra


def apply_all(item: dict[str, Any], events: list[FeedbackEvent], limit: int = 20) -> dict[str, Any]:
    for event in events:
        result = transition(item, event, history_limit=limit, now=NOW)
        item = item | result.changes
    return item


@pytest.mark.parametrize(
    ("event_type", "options", "status"),
    [
        ("Send", {}, EmailStatus.SENT),
        ("DeliveryDelay", {}, EmailStatus.DELAYED),
        ("Delivery", {}, EmailStatus.DELIVERED),
        ("Bounce", {"bounce_type": "Transient"}, EmailStatus.SOFT_BOUNCED),
        ("Bounce", {}, EmailStatus.BOUNCED),
        ("Complaint", {}, EmailStatus.COMPLAINED),
        ("Reject", {}, EmailStatus.REJECTED),
        ("Rendering Failure", {}, EmailStatus.RENDERING_FAILED),
        ("Open", {}, None),
        ("Click", {}, None),
        ("Subscription", {}, None),
    ],
)
def test_incoming_status(event_type: str, options: dict[str, Any], status: EmailStatus | None) -> None:
    assert incoming_status(parsed(event_type, **options)) == status


@pytest.mark.parametrize(
    ("current", "event_type", "expected"),
    [
        ("SENDING", "Send", "SENT"),
        ("SENT", "Send", None),
        ("DELIVERED", "DeliveryDelay", None),
        ("BOUNCED", "Delivery", None),
        ("DELIVERED", "Complaint", "COMPLAINED"),
        ("FAILED", "Delivery", None),
        ("SOFT_BOUNCED", "Delivery", "DELIVERED"),
        ("REJECTED", "Bounce", None),
    ],
)
def test_status_changes_only_up_the_ranking(current: str, event_type: str, expected: str | None) -> None:
    result = transition(sent_item(status=current), parsed(event_type), history_limit=20, now=NOW)
    assert (result.status_change.current.value if result.status_change else None) == expected
    if expected:
        assert result.changes["statusRank"] == RANK[EmailStatus(expected)]
        assert result.changes[schema.STATUS_SHARD].startswith(f"{expected}#")
        assert result.changes[schema.STATUS_SORT_KEY].endswith("#o-1#order-confirmation")


def test_send_on_a_sending_item_without_message_id() -> None:
    result = transition(sent_item(status="SENDING", sesMessageId=None), parsed("Send"), history_limit=20, now=NOW)
    assert result.changes["sesMessageId"] == "msg-1" and result.changes["status"] == "SENT"
    assert result.changes["sentAt"] == s.at(0)  # Send has no own timestamp: the mail's


def test_send_confirming_the_senders_record_changes_nothing() -> None:
    recorded = sent_item(sentAt=s.at(0), history=[{"type": "Sent", "at": s.at(0), "id": "msg-1"}])
    assert transition(recorded, parsed("Send"), history_limit=20, now=NOW).duplicate
    other_message = transition(recorded | {"sesMessageId": "msg-0"}, parsed("Send"), history_limit=20, now=NOW)
    assert not other_message.duplicate
    assert [entry["type"] for entry in other_message.changes["history"]] == ["Send", "Sent"]


def test_duplicate_changes_nothing() -> None:
    item = apply_all(sent_item(), [parsed("Open")])
    assert transition(item, parsed("Open"), history_limit=20, now=NOW).duplicate


def test_history_keeps_the_newest_and_still_dedupes() -> None:
    opens = [parsed("Open", seconds=n) for n in range(30)]
    item = apply_all(sent_item(), opens, limit=5)
    assert [e["at"] for e in item["history"]] == [s.at(n) for n in range(25, 30)]
    assert item["opens"] == 30
    assert transition(item, opens[0], history_limit=5, now=NOW).duplicate  # pushed out, still known


EVENTS = [
    parsed("Send", seconds=1),
    parsed("DeliveryDelay", seconds=3),
    parsed("Delivery", seconds=5),
    parsed("Open", seconds=8),
    parsed("Open", seconds=9),
    parsed("Click", seconds=9),
    parsed("Bounce", bounce_type="Transient", seconds=6),
    parsed("Bounce", seconds=7),
    parsed("Complaint", seconds=12),
    parsed("Subscription", seconds=13),
]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(range(len(EVENTS))), min_size=1, max_size=20),
    st.randoms(use_true_random=False),
    st.sampled_from([3, 20]),
    st.sampled_from(["SENDING", "SENT"]),
    st.sampled_from([None, s.at(0)]),
)
def test_any_order_and_duplicates_converge(
    picks: list[int], shuffler: random.Random, limit: int, start: str, sent_at: str | None
) -> None:
    chosen = [EVENTS[i] for i in picks]
    initial = sent_item(status=start, sentAt=sent_at)
    in_order = apply_all(initial, sorted(set(chosen), key=lambda e: e.occurred_at or NOW), limit)
    shuffled = list(chosen)
    shuffler.shuffle(shuffled)
    arrival = apply_all(initial, shuffled, limit)
    for name in (
        "status",
        "statusRank",
        "history",
        "opens",
        "clicks",
        "firstOpenedAt",
        "lastOpenedAt",
        "deliveredAt",
        "sentAt",
        "sesMessageId",
    ):
        assert arrival.get(name) == in_order.get(name), name
    expected = max(
        (incoming_status(e) for e in chosen if incoming_status(e) and not (sent_at and e.kind.value == "Send")),
        key=lambda x: RANK[x],
        default=EmailStatus(start),
    )
    assert arrival["status"] == max(expected, EmailStatus(start), key=lambda x: RANK[x])


# --- soft-bounce policy -------------------------------------------------------------------------------

DAY = 86400


@pytest.mark.parametrize(
    ("previous", "at", "count", "suppress"),
    [
        ({}, 0, 1, False),
        ({"a": 0}, 100, 2, False),
        ({"a": 0, "b": 100}, 200, 3, True),  # N = 3 within the window
        ({"a": 0, "b": DAY}, 9 * DAY, 1, False),  # older ones fell out of the 7-day window
        ({"a": 0, "b": 100}, 100, 2, False),  # redelivery keyed the same does not count twice
    ],
)
def test_soft_bounce_tally(previous: dict[str, int], at: int, count: int, suppress: bool) -> None:
    key = "b" if at == 100 and "b" in previous else "new"
    tally = tally_soft_bounces(previous, key, at, window_seconds=7 * DAY, threshold=3)
    assert (len(tally.bounces), tally.suppress) == (count, suppress)
    assert tally.expires_at == max([at, *previous.values()]) + 7 * DAY


@given(st.lists(st.integers(0, 30 * DAY), min_size=1, max_size=8, unique=True), st.randoms(use_true_random=False))
def test_soft_bounce_tally_is_order_independent(times: list[int], shuffler: random.Random) -> None:
    def run(order: list[int]) -> Any:
        bounces: dict[str, int] = {}
        for moment in order:
            tally = tally_soft_bounces(bounces, str(moment), moment, window_seconds=7 * DAY, threshold=3)
            bounces = tally.bounces
        return tally.bounces

    shuffled = list(times)
    shuffler.shuffle(shuffled)
    newest = max(times)
    assert run(shuffled) == run(sorted(times)) == {str(t): t for t in times if t > newest - 7 * DAY}
