"""The feedback handler end to end against moto: real boto3 calls and real condition expressions."""

from __future__ import annotations

import importlib
import json
import random
from collections import Counter
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from order_email.handlers.feedback import outbox
from order_email.handlers.feedback.settings import FeedbackSettings
from order_email.handlers.shared import schema
from order_email.handlers.shared.environment import ConfigurationError
from order_email.handlers.shared.masking import address_hash
from order_email.handlers.shared.statuses import EmailStatus
from order_email.handlers.shared.telemetry import MetricName
from tests.support import feedback_samples as s
from tests.support.feedback_rig import ENV, Rig, rig_fixture  # noqa: F401 - the fixture

# --- status updates ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event_type", "options", "status"),
    [
        ("Delivery", {}, EmailStatus.DELIVERED),
        ("DeliveryDelay", {}, EmailStatus.DELAYED),
        ("Bounce", {"bounce_type": "Permanent"}, EmailStatus.BOUNCED),
        ("Bounce", {"bounce_type": "Transient"}, EmailStatus.SOFT_BOUNCED),
        ("Bounce", {"bounce_type": "Undetermined"}, EmailStatus.SOFT_BOUNCED),
        ("Complaint", {}, EmailStatus.COMPLAINED),
        ("Reject", {}, EmailStatus.REJECTED),
        ("Rendering Failure", {}, EmailStatus.RENDERING_FAILED),
        ("RenderingFailure", {}, EmailStatus.RENDERING_FAILED),
    ],
)
def test_each_event_type_sets_its_status_and_publishes_once(
    rig: Rig, event_type: str, options: dict[str, Any], status: EmailStatus
) -> None:
    s.seed_delivery(rig.tables.deliveries)
    assert rig.run(s.sqs_event(s.event(event_type, **options))) == {"batchItemFailures": []}
    item = s.read_delivery(rig.tables.deliveries)
    assert item["status"] == status and item["statusRank"] > 1
    assert item[schema.STATUS_SHARD].startswith(f"{status.value}#")
    assert [d["status"] for d in rig.details()] == [status.value]
    detail = rig.details()[0]
    assert detail["previousStatus"] == "SENT" and detail["recipient"] == "j***@example.com"
    assert s.RECIPIENT not in json.dumps(item["history"]) + json.dumps(rig.details())
    assert rig.calls["dynamodb.GetItem"] >= 1 and rig.calls["dynamodb.Query"] == 0


def test_detail_matches_the_published_json_schema(rig: Rig) -> None:
    from importlib import resources

    schema_doc = json.loads(resources.files("order_email.handlers.feedback").joinpath("status_changed.schema.json").read_text())
    s.seed_delivery(rig.tables.deliveries)
    rig.run(s.sqs_event(s.event("Delivery")))
    detail = rig.details()[0]
    assert set(detail) == set(schema_doc["required"]) == set(schema_doc["properties"])
    assert detail["schemaVersion"] == schema_doc["properties"]["schemaVersion"]["const"]
    assert (outbox.SOURCE, outbox.DETAIL_TYPE) == ("order-email", "Email Status Changed")  # the pipe's target


def test_redelivered_event_changes_nothing(rig: Rig) -> None:
    s.seed_delivery(rig.tables.deliveries)
    body = s.event("Open", seconds=30)
    rig.run(s.sqs_event(body, s.event("Delivery")))
    before = s.read_delivery(rig.tables.deliveries)
    rig.run(s.sqs_event(body, s.event("Delivery"), wrap_sns=False))  # same SES events, new envelopes
    after = s.read_delivery(rig.tables.deliveries)
    assert after == before and after["opens"] == 1
    assert len(rig.details()) == 1
    assert rig.metrics.count(MetricName.OPENS) == 1 and rig.metrics.count(MetricName.DELIVERIES) == 1


def test_delivery_after_bounce_stays_bounced(rig: Rig) -> None:
    s.seed_delivery(rig.tables.deliveries)
    rig.run(s.sqs_event(s.event("Bounce", seconds=20), s.event("Delivery", seconds=10)))
    item = s.read_delivery(rig.tables.deliveries)
    assert item["status"] == EmailStatus.BOUNCED
    assert [e["type"] for e in item["history"]] == ["Delivery", "Bounce"]  # sorted by SES time
    assert [d["status"] for d in rig.details()] == ["BOUNCED"]


def test_opens_and_clicks_are_counters_not_statuses(rig: Rig) -> None:
    s.seed_delivery(rig.tables.deliveries)
    rig.run(s.sqs_event(s.event("Open", seconds=50), s.event("Open", seconds=40), s.event("Click", seconds=45)))
    item = s.read_delivery(rig.tables.deliveries)
    assert item["status"] == EmailStatus.SENT and item["opens"] == 2 and item["clicks"] == 1
    assert (item["firstOpenedAt"], item["lastOpenedAt"]) == (s.at(40), s.at(50))
    assert rig.details() == []


def test_send_event_records_message_id_of_a_sending_item(rig: Rig) -> None:
    s.seed_delivery(rig.tables.deliveries, message_id=None, status=EmailStatus.SENDING)
    rig.run(s.sqs_event(s.event("Send", "msg-crash")))
    item = s.read_delivery(rig.tables.deliveries)
    assert item["sesMessageId"] == "msg-crash" and item["status"] == EmailStatus.SENT and item["sentAt"]
    assert item["leaseExpiresAt"]  # untouched: the sender's retry sees a message id and does not re-send
    rig.run(s.sqs_event(s.event("Delivery", "msg-crash", order_id=None)))  # the GSI now finds it
    assert s.read_delivery(rig.tables.deliveries)["status"] == EmailStatus.DELIVERED


def test_untagged_event_found_through_the_message_id_index(rig: Rig) -> None:
    s.seed_delivery(rig.tables.deliveries)
    rig.run(s.sqs_event(s.notification("Delivery")))
    assert s.read_delivery(rig.tables.deliveries)["status"] == EmailStatus.DELIVERED
    assert rig.calls["dynamodb.Query"] == 1


def test_calls_per_event_are_a_read_and_a_conditional_write(rig: Rig) -> None:
    s.seed_delivery(rig.tables.deliveries)
    rig.run(s.sqs_event(s.event("Open", seconds=20), s.event("Delivery")))
    assert rig.calls == Counter({"dynamodb.GetItem": 2, "dynamodb.UpdateItem": 2})  # the bus is the stream's job


def test_send_event_confirming_the_senders_record_writes_nothing(rig: Rig) -> None:
    s.seed_delivery(rig.tables.deliveries)  # SENT, message id and sentAt recorded by the sender
    before = s.read_delivery(rig.tables.deliveries)
    assert rig.run(s.sqs_event(s.event("Send"))) == {"batchItemFailures": []}
    assert rig.calls == Counter({"dynamodb.GetItem": 1})
    assert s.read_delivery(rig.tables.deliveries) == before


def test_delivery_latency_metric(rig: Rig) -> None:
    s.seed_delivery(rig.tables.deliveries)
    rig.run(s.sqs_event(s.event("Delivery", seconds=2.5)))
    assert ("DeliveryLatency", 2500.0) in rig.metrics.values


# --- suppression -----------------------------------------------------------------------------------


def test_hard_bounce_suppresses_the_bounced_recipient(rig: Rig) -> None:
    s.seed_delivery(rig.tables.deliveries)
    rig.run(s.sqs_event(s.event("Bounce")))
    item = rig.suppression(s.RECIPIENT)
    assert item and item["reason"]["S"] == "BOUNCE" and "expiresAt" not in item
    assert item["maskedAddress"]["S"] == "j***@example.com"
    assert rig.metrics.count(MetricName.SUPPRESSIONS_ADDED) == 1 and rig.metrics.count(MetricName.HARD_BOUNCES) == 1
    rig.run(s.sqs_event(s.event("Bounce")))  # redelivery: nothing more
    assert rig.metrics.count(MetricName.SUPPRESSIONS_ADDED) == 1 and rig.metrics.count(MetricName.HARD_BOUNCES) == 1


def test_complaint_suppresses_but_not_spam_does_not(rig: Rig) -> None:
    rig.run(
        s.sqs_event(
            s.event("Complaint", recipient="a@example.com", feedback_type="abuse"),
            s.event("Complaint", "msg-2", "o-2", recipient="b@example.com", feedback_type="not-spam"),
            s.event("Complaint", "msg-3", "o-3", recipient="c@example.com"),
        )
    )
    assert rig.suppression("a@example.com")["reason"]["S"] == "COMPLAINT"  # type: ignore[index]
    assert rig.suppression("b@example.com") is None
    assert rig.suppression("c@example.com") is not None  # no feedback type (e.g. Yahoo): still a complaint


def test_unknown_message_still_suppresses_and_is_acknowledged(rig: Rig) -> None:
    response = rig.run(s.sqs_event(s.event("Bounce", "other-app-msg", order_id=None, recipient="x@other.example")))
    assert response == {"batchItemFailures": []}
    assert rig.suppression("x@other.example") is not None
    assert rig.metrics.count(MetricName.UNKNOWN_MESSAGE_EVENTS) == 1 and rig.details() == []


def test_tags_of_a_missing_item_fall_back_to_the_index_then_unknown(rig: Rig) -> None:
    rig.run(s.sqs_event(s.event("Delivery", "m-x", "not-ours")))
    assert rig.metrics.count(MetricName.UNKNOWN_MESSAGE_EVENTS) == 1 and rig.calls["dynamodb.Query"] == 1


def soft(seconds: float, n: int) -> dict[str, Any]:
    return s.event("Bounce", f"m-{n}", f"o-{n}", bounce_type="Transient", seconds=seconds)


def test_soft_bounces_suppress_temporarily_at_the_threshold(rig: Rig) -> None:
    for n in (1, 2, 3):
        s.seed_delivery(rig.tables.deliveries, f"o-{n}", f"m-{n}")
    rig.run(s.sqs_event(soft(0, 1), soft(3600, 2)))
    assert rig.suppression(s.RECIPIENT) is None  # N-1 = 2
    rig.run(s.sqs_event(soft(3600, 2)))  # a redelivery does not count
    assert rig.suppression(s.RECIPIENT) is None
    rig.run(s.sqs_event(soft(7200, 3)))
    item = rig.suppression(s.RECIPIENT)
    assert item and item["reason"]["S"] == "SOFT_BOUNCE"
    assert int(item["expiresAt"]["N"]) == int(s.T0.timestamp()) + 7200 + 7 * 86400
    assert rig.metrics.count(MetricName.SUPPRESSIONS_ADDED) == 1 and rig.metrics.count(MetricName.SOFT_BOUNCES) == 3


def test_soft_bounces_outside_the_window_do_not_count(rig: Rig) -> None:
    day = 86400
    rig.run(s.sqs_event(soft(0, 1), soft(1 * day, 2), soft(9 * day, 3)))
    assert rig.suppression(s.RECIPIENT) is None


def test_temporary_suppression_never_replaces_a_permanent_one(rig: Rig) -> None:
    rig.run(s.sqs_event(s.event("Bounce", "hard", "o-9")))
    rig.run(s.sqs_event(soft(0, 1), soft(10, 2), soft(20, 3)))
    item = rig.suppression(s.RECIPIENT)
    assert item and item["reason"]["S"] == "BOUNCE" and "expiresAt" not in item


def test_transient_bounce_with_5xx_dsn_is_soft_but_counted(rig: Rig) -> None:
    s.seed_delivery(rig.tables.deliveries)
    rig.run(s.sqs_event(s.event("Bounce", bounce_type="Transient", sub_type="MailboxFull", status="5.2.2")))
    item = s.read_delivery(rig.tables.deliveries)
    assert item["status"] == EmailStatus.SOFT_BOUNCED and item["history"][-1]["permanentDsn"] is True
    assert rig.suppression(s.RECIPIENT) is None  # not permanently suppressed …
    counter = boto3.client("dynamodb", region_name=s.REGION).get_item(
        TableName="suppression", Key={schema.ADDRESS_HASH: {"S": schema.SOFT_BOUNCE_PREFIX + address_hash(s.RECIPIENT)}}
    )
    assert len(counter["Item"]["bounces"]["M"]) == 1  # … but counted towards a temporary one


# --- envelopes, drops and dead letters ------------------------------------------------------------


def test_every_envelope_reaches_the_item(rig: Rig) -> None:
    s.seed_delivery(rig.tables.deliveries)
    rig.run(s.sqs_event(s.event("Open", seconds=1), wrap_sns=False))
    rig.run(s.sqs_event(s.event("DeliveryDelay", seconds=2)))
    rig.run(s.sns_lambda_event(s.event("Delivery", seconds=3)))
    rig.run(s.eventbridge_event(s.event("Complaint", seconds=4), "Email Complaint Received"))
    history = s.read_delivery(rig.tables.deliveries)["history"]
    assert [e["type"] for e in history] == ["Open", "DeliveryDelay", "Delivery", "Complaint"]
    assert [d["status"] for d in rig.details()] == ["DELAYED", "DELIVERED", "COMPLAINED"]


def test_confirmations_and_validation_message_are_dropped(rig: Rig) -> None:
    response = rig.run(
        s.sqs_event(
            s.subscription_confirmation(),
            s.sns_notification("Successfully validated SNS topic for Amazon SES event publishing."),
            "Successfully validated SNS topic for Amazon SES event publishing.",
        )
    )
    assert response == {"batchItemFailures": []} and rig.dlq() == []
    assert rig.metrics.values == []


def test_unparseable_goes_to_the_dlq_with_its_reason_and_the_batch_goes_on(rig: Rig) -> None:
    s.seed_delivery(rig.tables.deliveries)
    response = rig.run(s.sqs_event("{not json", {"hello": "world"}, s.event("Delivery")))
    assert response == {"batchItemFailures": []}
    dead = rig.dlq()
    assert len(dead) == 2
    reasons = {m["MessageAttributes"]["errorType"]["StringValue"] for m in dead}
    assert reasons == {"Unparseable", "NotSesEvent"}
    assert all(m["MessageAttributes"]["reason"]["StringValue"] for m in dead)
    assert rig.metrics.count(MetricName.INVALID_EVENTS) == 2
    assert s.read_delivery(rig.tables.deliveries)["status"] == EmailStatus.DELIVERED


def test_transient_aws_error_reports_only_that_record(rig: Rig, monkeypatch: pytest.MonkeyPatch) -> None:
    s.seed_delivery(rig.tables.deliveries)
    s.seed_delivery(rig.tables.deliveries, "o-2", "msg-2")
    real = rig.processor.records.apply

    def flaky(key: tuple[str, str], event: Any, clock: Any) -> Any:
        if key[0] == "o-2":
            raise rig.processor.records._db.exceptions.ProvisionedThroughputExceededException(
                {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}}, "GetItem"
            )
        return real(key, event, clock)

    monkeypatch.setattr(rig.processor.records, "apply", flaky)
    response = rig.run(s.sqs_event(s.event("Delivery"), s.event("Delivery", "msg-2", "o-2")))
    assert response == {"batchItemFailures": [{"itemIdentifier": "sqs-1"}]}
    assert s.read_delivery(rig.tables.deliveries)["status"] == EmailStatus.DELIVERED


# --- status-change events: the outbox ------------------------------------------------------------


def test_every_change_reaches_the_stream_once_and_nothing_is_published_here(rig: Rig) -> None:
    for n in range(12):
        s.seed_delivery(rig.tables.deliveries, f"o-{n}", f"m-{n}")
    rig.run(s.sqs_event(*(s.event("Delivery", f"m-{n}", f"o-{n}") for n in range(12))))
    details = rig.details()
    assert len(details) == 12 and len({d["eventId"] for d in details}) == 12
    assert "events.PutEvents" not in rig.calls and "PutEvents" not in rig.calls


def test_a_crash_after_the_write_loses_no_status_event(rig: Rig, monkeypatch: pytest.MonkeyPatch) -> None:
    class Died(BaseException):
        """The function's process dies right after its write."""

    s.seed_delivery(rig.tables.deliveries)
    original = rig.processor._log_applied

    def die_after_the_write(*args: Any, **kwargs: Any) -> None:
        raise Died

    monkeypatch.setattr(rig.processor, "_log_applied", die_after_the_write)
    with pytest.raises(Died):
        rig.run(s.sqs_event(s.event("Delivery")))
    assert [d["status"] for d in rig.details()] == ["DELIVERED"]  # the write alone carries it
    monkeypatch.setattr(rig.processor, "_log_applied", original)
    rig.run(s.sqs_event(s.event("Delivery")))  # SQS redelivers the record: a duplicate, nothing new
    assert [d["status"] for d in rig.details()] == ["DELIVERED"]


def test_asynchronous_invocations_raise_to_be_retried(rig: Rig, monkeypatch: pytest.MonkeyPatch) -> None:
    from order_email.handlers.feedback.processor import RetryableFailure

    s.seed_delivery(rig.tables.deliveries)
    calls = {"n": 0}
    original = rig.processor.records.apply

    def flaky(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("transient")
        return original(*args, **kwargs)

    monkeypatch.setattr(rig.processor.records, "apply", flaky)
    with pytest.raises(RetryableFailure):
        rig.run(s.sns_lambda_event(s.event("Delivery")))
    rig.run(s.sns_lambda_event(s.event("Delivery")))
    assert [d["status"] for d in rig.details()] == ["DELIVERED"]


# --- convergence through the real table ---------------------------------------------------------------

MESSAGE_EVENTS = [
    s.event("Send", seconds=1),
    s.event("DeliveryDelay", seconds=5),
    s.event("Delivery", seconds=9),
    s.event("Open", seconds=20),
    s.event("Open", seconds=25),
    s.event("Click", seconds=30),
    s.event("Complaint", seconds=40),
]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.randoms(use_true_random=False), st.lists(st.integers(0, len(MESSAGE_EVENTS) - 1), max_size=4))
def test_any_order_with_duplicates_converges(rig: Rig, shuffler: random.Random, duplicates: list[int]) -> None:
    order_id = f"o-{shuffler.random()}"
    s.seed_delivery(rig.tables.deliveries, order_id, "m-conv")
    bodies = [dict(body, mail=s.mail("m-conv", order_id)) for body in MESSAGE_EVENTS]
    batch = bodies + [bodies[i] for i in duplicates]
    shuffler.shuffle(batch)
    before = len(rig.details())
    for start in range(0, len(batch), 3):
        rig.run(s.sqs_event(*batch[start : start + 3]))
    item = s.read_delivery(rig.tables.deliveries, order_id)
    assert item["status"] == EmailStatus.COMPLAINED and item["opens"] == 2 and item["clicks"] == 1
    assert [e["type"] for e in item["history"]] == [  # no Send: it only confirms the sender's record
        "DeliveryDelay",
        "Delivery",
        "Open",
        "Open",
        "Click",
        "Complaint",
    ]
    published = [d for d in rig.details()[before:] if d["orderId"] == order_id]
    assert published[-1]["status"] == "COMPLAINED" and len({d["eventId"] for d in published}) == len(published)


# --- the entry point ----------------------------------------------------------------------------------


def test_handler_emits_emf_metrics(
    rig: Rig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    module = importlib.import_module("order_email.handlers.ses_feedback")
    monkeypatch.setattr(module, "_processor", None)
    s.seed_delivery(rig.tables.deliveries)
    assert module.handler(s.sqs_event(s.event("Delivery")), None) == {"batchItemFailures": []}
    blobs = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    names = {m["Name"] for blob in blobs for d in blob["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]}
    assert {"Deliveries", "DeliveryLatency"} <= names
    assert s.RECIPIENT not in json.dumps(blobs)


def test_missing_settings_fail_fast() -> None:
    with pytest.raises(ConfigurationError, match="DLQ_URL"):
        FeedbackSettings.from_env({k: v for k, v in ENV.items()})
    with pytest.raises(ConfigurationError, match="SOFT_BOUNCE_COUNT"):
        FeedbackSettings.from_env(ENV | {"DLQ_URL": "q", "SOFT_BOUNCE_COUNT": "three"})
    assert (
        FeedbackSettings.from_env(
            {k: v for k, v in ENV.items() if k != "HISTORY_LIMIT"} | {"DLQ_URL": "q"}
        ).history_limit
        == 20
    )
