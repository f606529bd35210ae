"""`dlq list` against moto; `dlq redrive` with botocore's Stubber (moto 5.2 has no StartMessageMoveTask)."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from typer.testing import CliRunner

from order_email.cli import common
from order_email.cli.dead_letters import masked_body
from order_email.cli.dlq import message_view
from order_email.cli.main import app
from order_email.handlers.shared.sqs_batch import DeadLetters
from tests.support.aws import REGION

DLQ_URL = "https://sqs.eu-west-1.amazonaws.com/123456789012/send-dlq"
DLQ_ARN = "arn:aws:sqs:eu-west-1:123456789012:send-dlq"


def test_list_peeks_without_deleting_and_masks_bodies(runner: CliRunner, aws: None) -> None:
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="send-dlq")["QueueUrl"]
    dead_letters = DeadLetters(sqs, url, "send_order_email")
    for index in range(13):
        dead_letters.send({"messageId": f"m{index}", "body": json.dumps({"orderId": f"o{index}",
                                                                         "customerEmail": "jane@example.com"})},
                          "customerEmail: not an e-mail address", "ValidationError")
    sample = runner.invoke(app, ["dlq", "list", url, "--json"])  # visibility 0: moto repeats the first ten
    assert sample.exit_code == 0, sample.output
    assert 10 <= len(json.loads(sample.stdout)) <= 13
    assert len(json.loads(runner.invoke(app, ["dlq", "list", url, "--json", "--max", "5"]).stdout)) == 5
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    assert attributes["Attributes"]["ApproximateNumberOfMessages"] == "13"  # nothing deleted, nothing hidden
    text = runner.invoke(app, ["dlq", "list", url])
    assert text.exit_code == 0 and "ValidationError" in text.stdout
    result = runner.invoke(app, ["dlq", "list", url, "--json", "--visibility-timeout", "30"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)
    assert len(listed) == 13 and len({message["messageId"] for message in listed}) == 13
    assert {message["errorType"] for message in listed} == {"ValidationError"}
    assert listed[0]["reason"] == "customerEmail: not an e-mail address"
    assert listed[0]["source"] == "send_order_email"
    assert "jane@example.com" not in result.stdout and "j***@example.com" in result.stdout


def test_moto_lacks_start_message_move_task(aws: None) -> None:
    """Why redrive is tested with a Stubber: if moto gains it, switch these tests to moto."""
    sqs = boto3.client("sqs", region_name=REGION)
    sqs.create_queue(QueueName="send-dlq")
    with pytest.raises(Exception, match=r"not (yet )?(been )?implemented"):
        sqs.start_message_move_task(SourceArn=DLQ_ARN)


@pytest.fixture
def stubbed(monkeypatch: pytest.MonkeyPatch) -> Stubber:
    client = boto3.client("sqs", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    stubber = Stubber(client)
    monkeypatch.setattr(common, "aws_client", lambda service, endpoint=None: client)
    stubber.activate()
    return stubber


def _attributes(stubber: Stubber, count: int) -> None:
    stubber.add_response("get_queue_attributes",
                         {"Attributes": {"QueueArn": DLQ_ARN, "ApproximateNumberOfMessages": str(count)}},
                         {"QueueUrl": DLQ_URL, "AttributeNames": ["QueueArn", "ApproximateNumberOfMessages"]})


@pytest.mark.parametrize(("args", "expected_request"), [
    (["--yes"], {"SourceArn": DLQ_ARN}),
    (["-y", "--max-per-second", "10"], {"SourceArn": DLQ_ARN, "MaxNumberOfMessagesPerSecond": 10}),
])
def test_redrive_moves_back_to_the_source(runner: CliRunner, stubbed: Stubber, args: list[str],
                                          expected_request: dict[str, Any]) -> None:
    _attributes(stubbed, 7)
    stubbed.add_response("start_message_move_task", {"TaskHandle": "handle-1"}, expected_request)
    result = runner.invoke(app, ["dlq", "redrive", DLQ_URL, *args])
    assert result.exit_code == 0, result.output
    assert "7 message" in result.stdout and "handle-1" in result.stdout
    stubbed.assert_no_pending_responses()


def test_redrive_asks_and_can_be_declined(runner: CliRunner, stubbed: Stubber) -> None:
    _attributes(stubbed, 3)
    result = runner.invoke(app, ["dlq", "redrive", DLQ_URL], input="n\n")
    assert result.exit_code == 1
    assert "about 3 message" in result.stdout
    stubbed.assert_no_pending_responses()  # and no move task was started


def test_redrive_confirmed_interactively(runner: CliRunner, stubbed: Stubber) -> None:
    _attributes(stubbed, 3)
    stubbed.add_response("start_message_move_task", {"TaskHandle": "h"}, {"SourceArn": DLQ_ARN})
    assert runner.invoke(app, ["dlq", "redrive", DLQ_URL], input="y\n").exit_code == 0
    stubbed.assert_no_pending_responses()


def test_redrive_of_an_empty_queue_does_nothing(runner: CliRunner, stubbed: Stubber) -> None:
    _attributes(stubbed, 0)
    result = runner.invoke(app, ["dlq", "redrive", DLQ_URL, "--yes"])
    assert result.exit_code == 0 and "nothing to redrive" in result.stdout
    stubbed.assert_no_pending_responses()


def test_redrive_refused_by_sqs_exits_1(runner: CliRunner, stubbed: Stubber) -> None:
    _attributes(stubbed, 2)
    stubbed.add_client_error("start_message_move_task", "InvalidParameterValue",
                             "Source queue must be configured as a Dead Letter Queue.")
    result = runner.invoke(app, ["dlq", "redrive", DLQ_URL, "--yes"])
    assert result.exit_code == 1 and "Dead Letter Queue" in result.stderr


def _listed(runner: CliRunner, *bodies: str) -> tuple[list[dict[str, Any]], str]:
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="masked-dlq")["QueueUrl"]
    for text in bodies:
        sqs.send_message(QueueUrl=url, MessageBody=text)
    result = runner.invoke(app, ["dlq", "list", url, "--json", "--visibility-timeout", "30"])
    assert result.exit_code == 0, result.output
    text = runner.invoke(app, ["dlq", "list", url])
    assert text.exit_code == 0, text.output
    return json.loads(result.stdout), result.stdout + text.stdout


def test_list_hides_names_and_addresses_in_orders_and_sns_envelopes(runner: CliRunner, aws: None) -> None:
    person = {"customerName": "Jürgen Weiß", "customerEmail": "Juergen@Bücher.example", "orderId": "o-1"}
    envelope = {"Type": "Notification", "MessageId": "m", "Message": json.dumps(person | {"orderId": "o-2"})}
    listed, output = _listed(runner, json.dumps(person), json.dumps(person, ensure_ascii=False), json.dumps(envelope))
    assert len(listed) == 3
    for leaked in ("Jürgen", "J\\u00fcrgen", "Weiß", "Juergen@", "juergen@", "Bücher", "B\\u00fccher"):
        assert leaked not in output, leaked
    orders = [message["body"] for message in listed if message["body"].startswith('{"customerName"')]
    assert orders == ['{"customerName": "***", "customerEmail": "j***@xn--bcher-kva.example", "orderId": "o-1"}'] * 2
    [wrapped] = [message["body"] for message in listed if message["body"].startswith('{"Type"')]
    assert '\\"customerName\\": \\"***\\", \\"customerEmail\\": \\"j***@' in wrapped  # the preview is cut here


def test_list_hides_display_names_in_ses_headers(runner: CliRunner, aws: None) -> None:
    event = {"eventType": "Send", "mail": {"messageId": "x", "commonHeaders": {"to": ["Jane Doe <jane@x.org>"]},
                                           "headers": [{"name": "To", "value": "\"Doe, Jane\" <jane@x.org>"}]}}
    body = message_view({"MessageId": "m", "Body": json.dumps(event)})["body"]
    assert "Jane" not in body and "Doe" not in body and "j***@x.org" in body
    assert masked_body(json.dumps(event)) == json.dumps(
        {"eventType": "Send", "mail": {"messageId": "x", "commonHeaders": {"to": ["j***@x.org"]},
                                       "headers": [{"name": "To", "value": "j***@x.org"}]}})
    assert masked_body("550 <jane@x.org>: Jane Doe unknown") == "550 <j***@x.org>: Jane Doe unknown"  # free text
