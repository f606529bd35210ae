"""The sender against moto: real condition expressions, the SendEmail request as the handler makes it."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from email.header import decode_header, make_header

import botocore.session
import pytest

from order_email.handlers.shared.masking import address_hash, mask_address
from order_email.handlers.shared.statuses import RANK, EmailStatus
from order_email.localmode.emulator import atomic_dynamodb
from order_email.localmode.faults import FaultInjector, FaultPlan
from tests.support.aws import REGION
from tests.support.send_helpers import (
    FROM_DOMAIN,
    GRACE_SECONDS,
    LEASE_SECONDS,
    START,
    SesTap,
    World,
    body,
    failed_ids,
    order,
    sqs_event,
)


@pytest.fixture
def world(tables, monkeypatch: pytest.MonkeyPatch) -> World:
    return World(tables, monkeypatch)


def _decoded(header: str) -> str:
    return str(make_header(decode_header(header)))


# -- happy path -------------------------------------------------------------------------------------


def test_sends_one_email_and_records_it(world: World) -> None:
    response = world.process(body(order()))

    assert response == {"batchItemFailures": []}
    [request] = world.ses.requests
    assert request["ConfigurationSetName"] == "order-email-test"
    assert request["EmailTags"] == [
        {"Name": "orderId", "Value": "ORD-1001"},
        {"Name": "kind", "Value": "order-confirmation"},
    ]
    assert request["FromEmailAddress"] == f"Example Shop <orders@{FROM_DOMAIN}>"
    assert request["ReplyToAddresses"] == [f"help@{FROM_DOMAIN}"]
    assert request["Destination"] == {"ToAddresses": ["Jane Doe <jane.doe@example.com>"]}
    simple = request["Content"]["Simple"]
    assert "ORD-1001" in simple["Subject"]["Data"]
    assert "Total: 49.90 EUR" in simple["Body"]["Text"]["Data"]
    assert "<strong>ORD-1001</strong>" in simple["Body"]["Html"]["Data"]
    assert "25.00 EUR" in simple["Body"]["Html"]["Data"]  # 2 x 12.50, from Decimal

    item = world.item()
    assert item is not None
    assert item["status"] == EmailStatus.SENT and item["statusRank"] == RANK[EmailStatus.SENT]
    assert item["sesMessageId"] == world.ses.accepted[0]
    assert item["recipient"] == "jane.doe@example.com"
    assert item["deliveredTo"] == "jane.doe@example.com"
    assert item["recipientHash"] == address_hash("jane.doe@example.com")
    assert item["recipientMasked"] == "j***@example.com"
    assert item["attempts"] == 1
    assert item["sentAt"] == "2025-03-01T12:00:00.000Z"
    assert item["createdAt"] == "2025-03-01T12:00:00.000Z"
    assert item["orderTimestamp"] == "2025-03-01T11:59:58.500Z"
    assert item["expiresAt"] == int(START.timestamp()) + 90 * 86400
    assert item["statusShard"].startswith("SENT#2025-03-01#")
    assert item["statusSortKey"] == "2025-03-01T12:00:00.000Z#ORD-1001#order-confirmation"
    assert [entry["type"] for entry in item["history"]] == ["Claimed", "Sent"]
    assert item["history"][1]["id"] == item["sesMessageId"]


def test_accepts_a_non_raw_sns_envelope(world: World) -> None:
    envelope = {"Type": "Notification", "MessageId": "m-1", "TopicArn": "arn:aws:sns:eu-west-1:1:orders",
                "Message": body(order()), "Timestamp": "2025-03-01T12:00:00.000Z"}
    assert world.process(json.dumps(envelope)) == {"batchItemFailures": []}
    assert world.sent_count() == 1


def test_no_reply_to_when_unset(tables, monkeypatch) -> None:
    quiet = World(tables, monkeypatch, REPLY_TO="")
    quiet.process(body(order()))
    assert "ReplyToAddresses" not in quiet.ses.requests[0]


# -- duplicates ---------------------------------------------------------------------------------------


def test_duplicates_in_one_batch_send_once(world: World) -> None:
    response = world.process(body(order()), body(order()), body(order("ORD-2")))
    assert response == {"batchItemFailures": []}
    assert world.sent_count() == 2
    assert world.metrics.total("DuplicatesSkipped") == 1
    assert world.metrics.total("EmailsSent") == 2 and world.metrics.total("OrdersReceived") == 3
    assert world.metrics.values["SendLatency"] == [1500.0, 1500.0]  # 11:59:58.500 → 12:00:00.000


def test_duplicates_across_batches_send_once(world: World) -> None:
    world.process(body(order()))
    world.clock.advance(3600)
    response = world.process(body(order()), ids=["redelivered"])
    assert response == {"batchItemFailures": []}
    assert world.sent_count() == 1
    assert world.item()["attempts"] == 1


def test_concurrent_workers_send_once(world: World) -> None:
    """Worker A is inside SendEmail when worker B gets the same order: B backs off, retries, skips."""
    in_send, release = threading.Event(), threading.Event()

    def hold() -> None:
        in_send.set()
        assert release.wait(10)

    world.ses.pause = hold
    other_tap = SesTap()
    worker_b = world.new_worker(other_tap)

    results: list[dict] = []
    thread = threading.Thread(target=lambda: results.append(world.process(body(order()), ids=["a"])))
    thread.start()
    assert in_send.wait(10)
    response_b = worker_b.process(sqs_event(body(order()), ids=["b"]))
    release.set()
    thread.join(10)

    assert failed_ids(response_b) == []  # live lease: B's copy waits on the queue until the lease is over
    [waiting] = world.requeued()
    assert waiting["MessageAttributes"]["deferReason"]["StringValue"] == "BUSY"
    assert waiting["DelaySeconds"] == LEASE_SECONDS + 1
    assert results == [{"batchItemFailures": []}]
    assert worker_b.process(sqs_event(body(order()), ids=["b"])) == {"batchItemFailures": []}
    assert len(world.ses.accepted) + len(other_tap.accepted) == 1


@pytest.fixture
def atomic_moto_writes() -> Iterator[None]:
    """DynamoDB applies one conditional write per item at a time; moto does not serialise threads,
    so give it the same guarantee the local emulator has (the race is ours to win, not moto's)."""
    with atomic_dynamodb():
        yield


@pytest.mark.usefixtures("atomic_moto_writes")
def test_concurrent_threads_race_to_one_email(world: World) -> None:
    taps = [SesTap() for _ in range(4)]
    workers = [world.new_worker(tap) for tap in taps]
    barrier = threading.Barrier(len(workers))
    responses: list[dict] = []

    def run(worker) -> None:
        barrier.wait()
        responses.append(worker.process(sqs_event(body(order()), ids=["same"])))

    threads = [threading.Thread(target=run, args=(worker,)) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)

    assert len(responses) == 4
    assert sum(len(tap.accepted) for tap in taps) == 1
    item = world.item()
    assert item is not None and item["status"] == EmailStatus.SENT and item["attempts"] == 1


# -- suppression --------------------------------------------------------------------------------------


def test_suppressed_recipient_is_not_mailed(world: World) -> None:
    world.suppress("Jane.Doe@Example.com", reason="COMPLAINT")
    response = world.process(body(order()), body(order("ORD-2", customerEmail="other@example.com")))
    assert response == {"batchItemFailures": []}
    assert [request["EmailTags"][0]["Value"] for request in world.ses.requests] == ["ORD-2"]
    item = world.item()
    assert item is not None
    assert item["status"] == EmailStatus.SUPPRESSED and item["statusRank"] == RANK[EmailStatus.SUPPRESSED]
    assert "COMPLAINT" in item["statusReason"]
    assert item["statusShard"].startswith("SUPPRESSED#2025-03-01#")
    assert "sesMessageId" not in item
    assert world.metrics.total("Suppressed") == 1


def test_expired_temporary_suppression_does_not_block(world: World) -> None:
    world.suppress("jane.doe@example.com", reason="SOFT_BOUNCE", expires_at=int(START.timestamp()) - 1)
    world.process(body(order()))
    assert world.sent_count() == 1


def test_live_temporary_suppression_blocks(world: World) -> None:
    world.suppress("jane.doe@example.com", reason="SOFT_BOUNCE", expires_at=int(START.timestamp()) + 3600)
    world.process(body(order()))
    assert world.sent_count() == 0


def test_suppression_read_is_one_batch_call_per_batch(world: World) -> None:
    calls: list[str] = []
    world.sender._suppression._dynamodb.meta.events.register(
        "before-call.dynamodb", lambda model, **_: calls.append(model.name)
    )
    bodies = [body(order(f"ORD-{n}", customerEmail=f"c{n % 3}@example.com")) for n in range(10)]
    assert world.process(*bodies) == {"batchItemFailures": []}
    assert calls.count("BatchGetItem") == 1
    assert calls.count("UpdateItem") == 20  # claim + record per e-mail, nothing else
    assert calls.index("BatchGetItem") == 0


def test_unprocessed_suppression_keys_are_retried(world: World) -> None:
    """Every read answered in part, as a throttled DynamoDB answers (local mode's fault, never all keys held
    back): the keys are asked for again, so the suppressed recipient is not mailed and the other one is."""
    injector = FaultInjector(FaultPlan(unprocessed_keys_rate=1.0, seed=4), "fn", 0, on_crash=lambda: None)
    session = botocore.session.get_session()
    injector.attach(session)
    world.sender._suppression._dynamodb = session.create_client("dynamodb", region_name=REGION)
    world.sender._suppression._sleep = lambda seconds: None
    world.suppress("jane.doe@example.com")
    world.process(body(order()), body(order("ORD-2", customerEmail="john.roe@example.com")))
    assert injector.drain() == {"dynamodb.UnprocessedKeys": 1}
    assert world.item()["status"] == EmailStatus.SUPPRESSED
    assert [request["Destination"]["ToAddresses"][0] for request in world.ses.requests] == [
        "Jane Doe <john.roe@example.com>"]


# -- sandbox ------------------------------------------------------------------------------------------


def test_sandbox_rewrites_recipient_and_keeps_original(tables, monkeypatch) -> None:
    sandbox = World(tables, monkeypatch, SANDBOX_MODE="true")
    sandbox.process(body(order()), body(order("ORD-2", customerEmail="bounce+t1@simulator.amazonses.com")))
    to = [request["Destination"]["ToAddresses"][0] for request in sandbox.ses.requests]
    assert to == ["Jane Doe <success@simulator.amazonses.com>", "Jane Doe <bounce+t1@simulator.amazonses.com>"]
    first = sandbox.item()
    assert first is not None
    assert first["recipient"] == "jane.doe@example.com"
    assert first["deliveredTo"] == "success@simulator.amazonses.com"
    assert sandbox.item("ORD-2")["deliveredTo"] == "bounce+t1@simulator.amazonses.com"


# -- invalid orders -----------------------------------------------------------------------------------


def test_invalid_orders_go_to_the_dlq_and_the_batch_continues(world: World) -> None:
    bad = order("ORD-BAD", customerEmail="not-an-address", items=[])
    response = world.process("not json {", body(bad), body(order()), ids=["garbage", "bad", "good"])

    assert response == {"batchItemFailures": []}
    assert world.sent_count() == 1
    assert world.metrics.total("InvalidOrders") == 2
    messages = {m["MessageAttributes"]["originalMessageId"]["StringValue"]: m for m in world.dlq_messages()}
    assert set(messages) == {"garbage", "bad"}
    bad_attributes = messages["bad"]["MessageAttributes"]
    assert bad_attributes["errorType"]["StringValue"] == "InvalidOrder"
    assert bad_attributes["source"]["StringValue"] == "send_order_email"
    reason = bad_attributes["reason"]["StringValue"]
    assert "customerEmail" in reason and "items" in reason
    assert "not-an-address" not in reason
    assert messages["garbage"]["MessageAttributes"]["errorType"]["StringValue"] == "InvalidJson"
    assert messages["bad"]["Body"] == body(bad)


def test_huge_name_is_dead_lettered_not_crashed(world: World) -> None:
    response = world.process(body(order(customerName="x" * 200_000)))
    assert response == {"batchItemFailures": []}
    [message] = world.dlq_messages()
    assert "customerName" in message["MessageAttributes"]["reason"]["StringValue"]


def test_dlq_failure_retries_the_record(world: World) -> None:
    world.sender._dead_letters._queue_url = world.dlq_url + "-missing"
    assert failed_ids(world.process("nope", ids=["x"])) == ["x"]


# -- SES errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "message"), [("MessageRejected", "Illegal address: jane.doe@example.com"),
                                             ("BadRequestException", "Missing final '@domain': jane.doe@example.com")])
def test_order_level_ses_refusal_marks_failed(world: World, code: str, message: str) -> None:
    world.ses.failures = [(code, message)]
    assert world.process(body(order())) == {"batchItemFailures": []}
    item = world.item()
    assert item is not None
    assert item["status"] == EmailStatus.FAILED and item["statusRank"] == RANK[EmailStatus.FAILED]
    assert code in item["statusReason"]
    assert "jane.doe@example.com" not in item["statusReason"]
    assert mask_address("jane.doe@example.com") in item["statusReason"]
    assert item["statusShard"].startswith("FAILED#")
    assert world.metrics.total("SendFailures") == 1
    assert world.requeued() == []
    # a redelivery is a duplicate: FAILED is terminal
    assert world.process(body(order())) == {"batchItemFailures": []}
    assert len(world.ses.requests) == 1


def test_unknown_ses_error_keeps_the_claim(world: World) -> None:
    world.ses.failures = [("InternalFailure", "Service unavailable")]
    assert failed_ids(world.process(body(order()), ids=["m"])) == ["m"]
    item = world.item()
    assert item is not None and item["leaseExpiresAt"] == int(START.timestamp()) + LEASE_SECONDS


# -- crash between send and record --------------------------------------------------------------------


class ProcessDied(BaseException):
    """The Lambda environment dies: nothing after this runs, the message is not acknowledged."""


def _crash_after_send(world: World, monkeypatch: pytest.MonkeyPatch) -> str:
    def die(*args, **kwargs):
        raise ProcessDied

    with monkeypatch.context() as patch:
        patch.setattr(world.sender._records, "record_sent", die)
        with pytest.raises(ProcessDied):
            world.process(body(order()), ids=["m"])
    assert world.sent_count() == 1
    item = world.item()
    assert item is not None and item["status"] == EmailStatus.SENDING and "sesMessageId" not in item
    return world.ses.accepted[0]


def test_crash_then_send_event_recorded_id_is_not_sent_again(world: World, monkeypatch) -> None:
    message_id = _crash_after_send(world, monkeypatch)
    # the feedback Lambda records the message id from the SES Send event (tags → key)
    world.dynamodb.update_item(
        TableName="deliveries",
        Key={"orderId": {"S": "ORD-1001"}, "kind": {"S": "order-confirmation"}},
        UpdateExpression="SET sesMessageId = :id",
        ExpressionAttributeValues={":id": {"S": message_id}},
    )
    world.clock.advance(LEASE_SECONDS + 1)
    assert world.process(body(order()), ids=["m"]) == {"batchItemFailures": []}
    assert world.sent_count() == 1
    item = world.item()
    assert item is not None and item["status"] == EmailStatus.SENT and item["sesMessageId"] == message_id


def waits_for(world: World, verdict: str) -> int:
    """The copy the sender re-enqueued to wait, and how long it waits: never a visibility-timeout retry."""
    [waiting] = world.requeued()
    assert waiting["MessageAttributes"]["deferReason"]["StringValue"] == verdict
    return int(waiting["DelaySeconds"])


def test_crash_without_send_event_waits_out_the_grace_period(world: World, monkeypatch) -> None:
    _crash_after_send(world, monkeypatch)
    assert failed_ids(world.process(body(order()), ids=["m"])) == []
    assert waits_for(world, "BUSY") == LEASE_SECONDS + 1  # lease still live
    world.clock.advance(LEASE_SECONDS + 1)
    assert failed_ids(world.process(body(order()), ids=["m"])) == []
    assert waits_for(world, "WAIT_FOR_SEND_EVENT") == GRACE_SECONDS  # inside the grace period: to its end
    world.clock.advance(GRACE_SECONDS - 10)
    assert failed_ids(world.process(body(order()), ids=["m"])) == []
    assert waits_for(world, "WAIT_FOR_SEND_EVENT") == 10
    assert world.sent_count() == 1
    world.clock.advance(20)  # past lease + grace, no Send event: the first send is presumed lost
    assert world.process(body(order()), ids=["m"]) == {"batchItemFailures": []}
    assert world.sent_count() == 2
    assert world.item()["attempts"] == 2


def test_record_failure_after_send_acknowledges(world: World, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("table gone")

    monkeypatch.setattr(world.sender._records, "record_sent", broken)
    assert world.process(body(order())) == {"batchItemFailures": []}
    assert world.sent_count() == 1


def test_record_never_downgrades_a_later_status(world: World, monkeypatch) -> None:
    """The feedback path wrote DELIVERED before our record step ran: it stays DELIVERED."""
    original = world.sender._records.record_sent

    def feedback_first(key, message_id, now):
        world.dynamodb.update_item(
            TableName="deliveries",
            Key={"orderId": {"S": key.order_id}, "kind": {"S": key.kind}},
            UpdateExpression="SET #s = :s, statusRank = :r",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":s": {"S": "DELIVERED"}, ":r": {"N": str(RANK[EmailStatus.DELIVERED])}},
        )
        original(key, message_id, now)

    monkeypatch.setattr(world.sender._records, "record_sent", feedback_first)
    world.process(body(order()))
    item = world.item()
    assert item is not None
    assert item["status"] == EmailStatus.DELIVERED
    assert item["sesMessageId"] == world.ses.accepted[0] and item["sentAt"]


def test_dynamodb_throttling_retries_the_item(world: World) -> None:
    client = world.sender._records._dynamodb

    def throttled(**_):
        return type("H", (), {"status_code": 400, "headers": {}})(), {
            "Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}}

    client.meta.events.register("before-call.dynamodb.UpdateItem", throttled)
    response = world.process(body(order()), ids=["m"])
    assert failed_ids(response) == ["m"]
    assert world.sent_count() == 0


# -- content ------------------------------------------------------------------------------------------


def test_escaping_and_header_injection(world: World) -> None:
    name = "<script>alert(1)</script> {{7*7}}"
    world.process(body(order(customerName=name)))
    simple = world.ses.requests[0]["Content"]["Simple"]
    html, text = simple["Body"]["Html"]["Data"], simple["Body"]["Text"]["Data"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt; {{7*7}}" in html and "<script>" not in html
    assert "Hello <script>alert(1)</script> {{7*7}}," in text and "49" not in text.split("\n")[0]

    world.process(body(order("ORD-2", customerName="Eve\r\nBcc: victim@example.com")), ids=["inj"])
    [message] = world.dlq_messages()
    assert "customerName" in message["MessageAttributes"]["reason"]["StringValue"]
    assert len(world.ses.requests) == 1


def test_unicode_names_are_rfc2047_encoded(tables, monkeypatch) -> None:
    shop = World(tables, monkeypatch, FROM_NAME="Café Müller & Söhne")
    shop.process(body(order(customerName="José Ñúñez 山田")))
    request = shop.ses.requests[0]
    assert request["FromEmailAddress"].isascii() and request["FromEmailAddress"].startswith("=?utf-8?")
    assert _decoded(request["FromEmailAddress"]) == f"Café Müller & Söhne <orders@{FROM_DOMAIN}>"
    to = request["Destination"]["ToAddresses"][0]
    assert to.isascii() and _decoded(to) == "José Ñúñez 山田 <jane.doe@example.com>"
    assert "Hello José Ñúñez 山田," in request["Content"]["Simple"]["Body"]["Text"]["Data"]
    assert shop.sent_count() == 1


def test_two_hundred_item_order_renders(world: World) -> None:
    items = [{"name": f"Item {n}", "quantity": 1, "unitPrice": "1.00"} for n in range(200)]
    assert world.process(body(order(items=items, total="200.00"))) == {"batchItemFailures": []}
    html = world.ses.requests[0]["Content"]["Simple"]["Body"]["Html"]["Data"]
    assert html.count("<tr><td>Item ") == 200


# -- operator resend ------------------------------------------------------------------------------


def test_operator_resend_is_claimed_and_sent_once_more(world: World) -> None:
    """`order-email resend` resets a FAILED record; the sender must claim it again, once."""
    from order_email.cli.resend import reset_record

    world.ses.failures = [("MessageRejected", "rejected")]
    world.process(body(order()))
    assert world.item()["status"] == EmailStatus.FAILED

    reset_record(world.dynamodb, world.tables.deliveries, world.item(), by="operator", now=world.clock.now)
    world.process(body(order()))
    item = world.item()
    assert item["status"] == EmailStatus.SENT and world.sent_count() == 1
    assert [entry["type"] for entry in item["history"]].count("ResendRequested") == 1
    world.process(body(order()))
    assert world.sent_count() == 1
