"""Envelope unwrapping and SES event parsing: every envelope, both formats, quirks, and fuzz."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from order_email.handlers.feedback.envelopes import Ignored, Invalid, Payload, inbound_records, unwrap
from order_email.handlers.feedback.events import EventKind, FeedbackEvent, parse_event
from tests.support import feedback_samples as s
from tests.support.fuzzing import fuzz, fuzz_target

ALL_TYPES = [
    "Send",
    "Reject",
    "Bounce",
    "Complaint",
    "Delivery",
    "DeliveryDelay",
    "Rendering Failure",
    "RenderingFailure",
    "Open",
    "Click",
    "Subscription",
]


def first(lambda_event: dict[str, Any]) -> Any:
    (record,) = inbound_records(lambda_event)
    return unwrap(record.content)


@pytest.mark.parametrize(
    "envelope",
    [
        lambda body: s.sqs_event(body, wrap_sns=False),  # SNS raw delivery
        lambda body: s.sqs_event(body),  # SNS notification JSON, Message ending in "\n", SigningCertURL
        s.sns_lambda_event,  # SigningCertUrl
        s.eventbridge_event,
        lambda body: s.sqs_event(s.eventbridge_event(body), wrap_sns=False),  # EventBridge rule → SQS
    ],
)
def test_every_envelope_unwraps_to_the_ses_event(envelope: Any) -> None:
    body = s.event("Delivery")
    assert first(envelope(body)) == Payload(body)


def test_eventbridge_detail_without_event_type_uses_the_detail_type() -> None:
    body = s.event("Bounce")
    del body["eventType"]
    unwrapped = first(s.eventbridge_event(body, "Email Bounced"))
    assert isinstance(unwrapped, Payload) and unwrapped.data["eventType"] == "Bounce"
    assert isinstance(first(s.eventbridge_event(body, "Advisor Recommendation Status Open")), Ignored)
    assert isinstance(unwrap(s.eventbridge_event(body) | {"source": "aws.s3"}), Invalid)


@pytest.mark.parametrize(
    "content",
    [
        s.subscription_confirmation(),
        s.subscription_confirmation() | {"Type": "UnsubscribeConfirmation"},
        "Successfully validated SNS topic for Amazon SES event publishing.",
        json.dumps(s.sns_notification("Successfully validated SNS topic for Amazon SES event publishing.")),
        {"notificationType": "AmazonSnsSubscriptionSucceeded", "message": "You have successfully subscribed"},
    ],
)
def test_not_ses_events_are_ignored(content: Any) -> None:
    assert isinstance(unwrap(content), Ignored)


@pytest.mark.parametrize(
    ("content", "error_type"),
    [
        ("{truncated", "Unparseable"),
        ("", "Unparseable"),
        ("[1, 2]", "InvalidEnvelope"),
        ({"a": 1}, "NotSesEvent"),
        (json.dumps(s.sns_notification("not json either")), "Unparseable"),
    ],
)
def test_garbage_is_invalid_with_a_reason(content: Any, error_type: str) -> None:
    result = unwrap(content)
    assert isinstance(result, Invalid) and result.error_type == error_type and result.reason


@pytest.mark.parametrize("event_type", ALL_TYPES)
def test_both_formats_parse_every_type(event_type: str) -> None:
    parsed = parse_event(s.event(event_type))
    assert isinstance(parsed, FeedbackEvent) and parsed.message_id == "msg-1"
    assert parsed.order_key == ("o-1", "order-confirmation")
    if event_type in ("Bounce", "Complaint", "Delivery"):
        identity = parse_event(s.notification(event_type))
        assert isinstance(identity, FeedbackEvent) and identity.kind == parsed.kind and identity.order_key is None
        assert identity.identity == parsed.identity  # same SES identity in both formats


def test_minimal_payload_with_only_a_message_id() -> None:
    parsed = parse_event({"eventType": "Delivery", "mail": {"messageId": "m"}})
    assert isinstance(parsed, FeedbackEvent) and parsed.occurred_at is None and parsed.recipients == ()
    assert isinstance(parse_event({"eventType": "Bounce", "mail": {"messageId": "m"}}), Invalid)
    assert isinstance(parse_event({"eventType": "Teleport", "mail": {"messageId": "m"}}), Invalid)


@pytest.mark.parametrize(
    ("bounce_type", "status", "hard", "permanent_dsn"),
    [
        ("Permanent", "5.1.1", True, False),
        ("Transient", "4.4.7", False, False),
        ("Transient", "5.2.2", False, True),  # mailbox full with a 5.x.x DSN: soft, flagged, counted
        ("Undetermined", "5.0.0", False, True),
    ],
)
def test_bounce_classification(bounce_type: str, status: str, hard: bool, permanent_dsn: bool) -> None:
    parsed = parse_event(s.event("Bounce", bounce_type=bounce_type, status=status))
    assert isinstance(parsed, FeedbackEvent)
    assert (parsed.hard_bounce, parsed.permanent_dsn, parsed.suppresses) == (hard, permanent_dsn, hard)
    assert parsed.reason and s.RECIPIENT not in parsed.reason


def test_complaint_feedback_types() -> None:
    assert all(
        isinstance(p, FeedbackEvent) and p.suppresses
        for p in (parse_event(s.event("Complaint")), parse_event(s.event("Complaint", feedback_type="abuse")))
    )
    not_spam = parse_event(s.event("Complaint", feedback_type="not-spam"))
    assert isinstance(not_spam, FeedbackEvent) and not not_spam.suppresses and not_spam.kind is EventKind.COMPLAINT


def test_reasons_mask_addresses_in_diagnostics() -> None:
    parsed = parse_event(s.event("Bounce"))
    assert isinstance(parsed, FeedbackEvent)
    assert "smtp; 550 5.1.1 <j***@example.com>: Recipient address rejected" in (parsed.reason or "")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)
ses_keys = st.sampled_from(
    [
        "eventType",
        "notificationType",
        "mail",
        "messageId",
        "bounce",
        "bounceType",
        "timestamp",
        "tags",
        "destination",
        "bouncedRecipients",
        "Type",
        "Message",
        "Sns",
        "detail",
        "detail-type",
        "source",
        "complaint",
        "delivery",
        "recipients",
    ]
)
ses_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20) | st.sampled_from([*ALL_TYPES, "Notification"]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(ses_keys, children, max_size=6),
    max_leaves=30,
)


def classify(content: Any) -> Any:
    unwrapped = unwrap(content)
    if isinstance(unwrapped, Payload):
        return parse_event(unwrapped.data)
    return unwrapped


@fuzz_target
@fuzz(300)
@given(st.one_of(json_values, ses_like))
def test_fuzz_any_json_is_classified(content: Any) -> None:
    assert isinstance(classify(content), (FeedbackEvent, Ignored, Invalid))
    assert isinstance(classify(json.dumps(content)), (FeedbackEvent, Ignored, Invalid))


@fuzz_target
@fuzz(200)
@given(st.sampled_from(ALL_TYPES), st.integers(0, 400), st.sampled_from([True, False]))
def test_fuzz_truncated_real_bodies(event_type: str, cut: int, wrap: bool) -> None:
    body = s.event(event_type)
    text = json.dumps(s.sns_notification(body) if wrap else body)
    assert isinstance(classify(text[: len(text) - cut]), (FeedbackEvent, Ignored, Invalid))


@fuzz_target
@fuzz(200)
@given(
    st.sampled_from(ALL_TYPES),
    st.sampled_from(["mail", "bounce", "delivery", "complaint", "open", "click"]),
    st.sampled_from(["timestamp", "messageId", "tags", "destination", "bouncedRecipients", "bounceType"]),
    json_values,
)
def test_fuzz_wrong_types_in_real_bodies(event_type: str, section: str, field: str, value: Any) -> None:
    body = s.event(event_type, bounce_type="Transient")
    if isinstance(body.get(section), dict):
        body[section][field] = value
    assert isinstance(classify(body), (FeedbackEvent, Invalid))


@fuzz_target
@fuzz(100)
@given(st.lists(st.one_of(json_values, st.dictionaries(st.text(max_size=10), json_values)), max_size=4))
def test_fuzz_lambda_events_split_without_error(records: list[Any]) -> None:
    for event in ({"Records": records}, {"detail-type": records}, records):
        for record in inbound_records(event):
            assert isinstance(classify(record.content), (FeedbackEvent, Ignored, Invalid))


@fuzz_target
@fuzz(30)
@given(
    st.sampled_from(ALL_TYPES),
    st.sampled_from(["messageId", "timestamp", "source", "bounceType", "reason", "errorMessage"]),
    st.integers(10_000, 300_000),
)
def test_fuzz_huge_strings_are_classified_not_crashed(event_type: str, field: str, size: int) -> None:
    body = s.event(event_type)
    for section in body.values():
        if isinstance(section, dict) and field in section:
            section[field] = "x" * size
    assert isinstance(classify(json.dumps(body)), (FeedbackEvent, Ignored, Invalid))
