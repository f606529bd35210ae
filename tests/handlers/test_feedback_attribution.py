"""Events change only their own e-mail: the message id decides, the tag alone only recovers a crash."""

from __future__ import annotations

from datetime import timedelta

import boto3
import pytest

from order_email.handlers.feedback.attribution import RESET_AT, Attribution, attribute
from order_email.handlers.feedback.events import FeedbackEvent, parse_event
from order_email.handlers.shared import schema
from order_email.handlers.shared.statuses import EmailStatus
from order_email.handlers.shared.telemetry import MetricName
from tests.support import feedback_samples as s
from tests.support.feedback_rig import Rig, rig_fixture  # noqa: F401 - the fixture

OURS = "order-email-dev"  # the rig's CONFIGURATION_SET, and the samples' ses:configuration-set tag


def parsed(body: dict[str, object]) -> FeedbackEvent:
    event = parse_event(body)
    assert isinstance(event, FeedbackEvent)
    return event


def with_configuration_set(body: dict[str, object], name: str) -> dict[str, object]:
    mail = dict(body["mail"])  # type: ignore[arg-type]
    mail["tags"] = {**mail["tags"], "ses:configuration-set": [name]}  # type: ignore[dict-item]
    return {**body, "mail": mail}


# -- the pure rule -------------------------------------------------------------------------------------


LATER = s.T0 + timedelta(minutes=10)


@pytest.mark.parametrize(("item", "configuration_set", "expected"), [
    ({"sesMessageId": "msg-1", "status": "SENT"}, OURS, Attribution.OURS),
    ({"sesMessageId": "msg-other", "status": "DELIVERED"}, OURS, Attribution.FOREIGN),
    ({"status": "SENDING", "statusRank": 0, "leaseExpiresAt": 0}, OURS, Attribution.RECOVER),
    ({"status": "HELD", "statusRank": 0, "leaseExpiresAt": 0}, OURS, Attribution.RECOVER),
    ({"status": "SENDING", "statusRank": 0, "leaseExpiresAt": 0}, "another-app", Attribution.FOREIGN),
    ({"status": "SENDING", "statusRank": 0, "leaseExpiresAt": int(LATER.timestamp()) + 60}, OURS, Attribution.WAIT),
    ({"status": "SUPPRESSED", "statusRank": 100}, OURS, Attribution.FOREIGN),
    ({"status": "FAILED", "statusRank": 100}, OURS, Attribution.FOREIGN),
    ({"status": "SENDING", "statusRank": 0, "leaseExpiresAt": 0, RESET_AT: s.at(60)}, OURS, Attribution.FOREIGN),
    ({"status": "SENDING", "statusRank": 0, "leaseExpiresAt": 0, RESET_AT: s.at(-60)}, OURS, Attribution.RECOVER),
])
def test_attribution(item: dict[str, object], configuration_set: str, expected: Attribution) -> None:
    event = parsed(with_configuration_set(s.event("Delivery"), configuration_set))
    assert attribute(item, event, configuration_set=OURS, now=LATER) is expected


# -- through the real table -------------------------------------------------------------------------


def test_a_foreign_event_leaves_a_delivered_record_as_it_was(rig: Rig) -> None:
    s.seed_delivery(rig.tables.deliveries)
    rig.run(s.sqs_event(s.event("Delivery")))
    before = s.read_delivery(rig.tables.deliveries)
    assert before["status"] == EmailStatus.DELIVERED
    # another app on the same configuration set, with our orderId tag, gets a complaint
    rig.run(s.sqs_event(s.event("Complaint", "msg-foreign", "o-1", recipient="other@example.org")))
    assert s.read_delivery(rig.tables.deliveries) == before
    assert [d["status"] for d in rig.details()] == ["DELIVERED"]
    assert rig.metrics.count(MetricName.FOREIGN_EVENTS) == 1
    assert rig.suppression("other@example.org") is not None  # the complaining address is suppressed anyway


def test_an_older_message_after_a_resend_changes_nothing(rig: Rig) -> None:
    s.seed_delivery(rig.tables.deliveries, message_id="msg-new")
    rig.run(s.sqs_event(s.event("Bounce", "msg-old")))
    item = s.read_delivery(rig.tables.deliveries)
    assert item["status"] == EmailStatus.SENT and item[schema.SES_MESSAGE_ID] == "msg-new"
    assert rig.metrics.count(MetricName.FOREIGN_EVENTS) == 1


def test_a_foreign_send_event_never_writes_its_id_onto_a_live_claim(rig: Rig) -> None:
    s.seed_delivery(rig.tables.deliveries, message_id=None, status=EmailStatus.SENDING)  # lease live until T0 + 60 s
    rig.processor.clock = lambda: s.T0
    response = rig.run(s.sqs_event(s.event("Send", "msg-maybe-foreign")))
    assert response == {"batchItemFailures": [{"itemIdentifier": "sqs-0"}]}  # retried after the lease
    item = s.read_delivery(rig.tables.deliveries)
    assert schema.SES_MESSAGE_ID not in item and item["status"] == EmailStatus.SENDING


def test_a_crashed_send_is_recovered_by_its_tag_once_the_lease_is_over(rig: Rig) -> None:
    s.seed_delivery(rig.tables.deliveries, message_id=None, status=EmailStatus.SENDING)
    rig.processor.clock = lambda: s.T0 + timedelta(seconds=61)
    assert rig.run(s.sqs_event(s.event("Send", "msg-crashed"))) == {"batchItemFailures": []}
    item = s.read_delivery(rig.tables.deliveries)
    assert item[schema.SES_MESSAGE_ID] == "msg-crashed" and item["status"] == EmailStatus.SENT


def test_another_configuration_sets_event_cannot_recover_by_tag(rig: Rig) -> None:
    s.seed_delivery(rig.tables.deliveries, message_id=None, status=EmailStatus.SENDING)
    rig.processor.clock = lambda: s.T0 + timedelta(seconds=61)
    rig.run(s.sqs_event(with_configuration_set(s.event("Send", "msg-elsewhere"), "another-app")))
    assert schema.SES_MESSAGE_ID not in s.read_delivery(rig.tables.deliveries)
    assert rig.metrics.count(MetricName.FOREIGN_EVENTS) == 1


def test_an_event_whose_tag_names_the_wrong_record_finds_its_own_by_message_id(rig: Rig) -> None:
    s.seed_delivery(rig.tables.deliveries, "o-1", "msg-1")
    s.seed_delivery(rig.tables.deliveries, "o-2", "msg-2")
    rig.run(s.sqs_event(s.event("Delivery", "msg-2", "o-1")))  # tagged o-1, but it is o-2's message
    assert s.read_delivery(rig.tables.deliveries, "o-1")["status"] == EmailStatus.SENT
    assert s.read_delivery(rig.tables.deliveries, "o-2")["status"] == EmailStatus.DELIVERED


def test_resend_marks_the_reset_so_older_messages_stay_foreign(rig: Rig) -> None:
    from order_email.cli.resend import reset_record

    s.seed_delivery(rig.tables.deliveries, status=EmailStatus.BOUNCED)
    client = boto3.client("dynamodb", region_name=s.REGION)
    reset_record(client, rig.tables.deliveries, s.read_delivery(rig.tables.deliveries), by="op", now=s.T0)
    assert s.read_delivery(rig.tables.deliveries)[RESET_AT] == s.at(0)
