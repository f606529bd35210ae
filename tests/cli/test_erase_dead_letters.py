"""`erase` against moto: any spelling of an address reaches its records, its suppression, SES's list and
every dead letter naming it; nothing else is touched."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from typer.testing import CliRunner

from order_email.cli.common import STACK_OUTPUTS_ENV
from order_email.cli.dead_letters import names_address
from order_email.cli.main import app
from order_email.handlers.shared import schema
from order_email.handlers.shared.masking import address_hash
from order_email.handlers.shared.statuses import EmailStatus
from tests.support import feedback_samples as s
from tests.support.aws import REGION, Tables
from tests.support.send_helpers import order
from tests.support.status_api_support import put_delivery

IDN = "xn--bcher-kva.example"
TYPED = "JANE@BÜCHER.EXAMPLE"
"""How an operator types the address: upper case, Unicode domain."""


def sqs() -> Any:
    return boto3.client("sqs", region_name=REGION)


def sns_envelope(message: dict[str, Any]) -> str:
    return json.dumps(s.sns_notification(message))


NAMING_JANE = {
    "raw order": json.dumps(order("A-1", customerEmail="Jane@Bücher.example"), ensure_ascii=False),
    "order, non-ASCII escaped": json.dumps(order("A-2", customerEmail="jane@BÜCHER.example")),
    "SNS envelope around an order": sns_envelope(order("A-3", customerEmail=f"jane@{IDN}")),
    "unparseable text quoting her": f"not json: 550 5.1.1 <Jane@{IDN.upper()}> unknown",
}
NAMING_OTHERS = {
    "another customer": json.dumps(order("B-1", customerEmail="bob@example.com")),
    "a look-alike domain": json.dumps(order("B-2", customerEmail="jane@bucher.example")),
    "another local part": sns_envelope(order("B-3", customerEmail="jane.doe@bücher.example")),
    "no address at all": "{broken",
}
FEEDBACK_JANE = sns_envelope(s.event("Bounce", recipient=f"jane@{IDN}"))
FEEDBACK_OTHER = sns_envelope(s.event("Delivery", recipient="bob@example.com"))


@pytest.fixture
def queues(tables: Tables) -> tuple[str, str]:
    send, feedback = (sqs().create_queue(QueueName=name)["QueueUrl"] for name in ("send-dlq", "feedback-dlq"))
    for text in (*NAMING_JANE.values(), *NAMING_OTHERS.values()):
        sqs().send_message(QueueUrl=send, MessageBody=text)
    for text in (FEEDBACK_JANE, FEEDBACK_OTHER):
        sqs().send_message(QueueUrl=feedback, MessageBody=text)
    return send, feedback


def bodies(url: str) -> list[str]:
    """Every message in the queue, received with visibility 0 so the queue is left as it was."""
    found: dict[str, str] = {}
    for _ in range(5):
        for message in sqs().receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)\
                .get("Messages", []):
            found[message["MessageId"]] = message["Body"]
    return sorted(found.values())


def erase(runner: CliRunner, tables: Tables, *args: str) -> Any:
    return runner.invoke(app, ["erase", TYPED, "--table", tables.deliveries, "--suppression-table",
                               tables.suppression, "--yes", *args])


@pytest.mark.parametrize("name", sorted(NAMING_JANE))
def test_what_names_the_address(name: str) -> None:
    assert names_address(NAMING_JANE[name], f"jane@{IDN}")


@pytest.mark.parametrize("name", sorted(NAMING_OTHERS))
def test_what_does_not_name_the_address(name: str) -> None:
    assert not names_address(NAMING_OTHERS[name], f"jane@{IDN}")


def test_erase_deletes_exactly_the_dead_letters_naming_the_address(runner: CliRunner, tables: Tables,
                                                                   queues: tuple[str, str]) -> None:
    send, feedback = queues
    result = erase(runner, tables, "--dlq", send, "--dlq", feedback, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["deadLettersRemoved"] == {send: len(NAMING_JANE), feedback: 1}
    assert report["deadLettersFailed"] == 0
    assert bodies(send) == sorted(NAMING_OTHERS.values())
    assert bodies(feedback) == [FEEDBACK_OTHER]
    for url in queues:  # the kept ones are visible again at once, not after the scan's visibility timeout
        counts = sqs().get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        assert counts["ApproximateNumberOfMessagesNotVisible"] == "0"
    assert "jane" not in result.stdout.lower() and "bücher" not in result.stdout.lower()
    again = json.loads(erase(runner, tables, "--dlq", send, "--dlq", feedback, "--json").stdout)
    assert again["deadLettersRemoved"] == {send: 0, feedback: 0}


def test_the_summary_counts_per_queue(runner: CliRunner, tables: Tables, queues: tuple[str, str]) -> None:
    result = erase(runner, tables, "--dlq", queues[0], "--dlq", queues[1])
    assert result.exit_code == 0, result.output
    assert f"dead letters removed: send-dlq {len(NAMING_JANE)}, feedback-dlq 1" in result.stdout


def outputs_file(tmp_path: Path, tables: Tables, **outputs: str) -> str:
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps({"deliveriesTableName": tables.deliveries,
                                "suppressionTableName": tables.suppression, **outputs}))
    return str(path)


def test_the_dead_letter_queues_default_to_the_stack_outputs(runner: CliRunner, tables: Tables,
                                                              queues: tuple[str, str], tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    send, feedback = queues
    monkeypatch.setenv(STACK_OUTPUTS_ENV, outputs_file(tmp_path, tables, sendDeadLetterQueueUrl=send,
                                                        feedbackDeadLetterQueueUrl=feedback))
    result = runner.invoke(app, ["erase", TYPED, "--yes", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["deadLettersRemoved"] == {send: len(NAMING_JANE), feedback: 1}


def test_a_missing_queue_output_is_a_usage_error_naming_the_option(runner: CliRunner, tables: Tables,
                                                                    queues: tuple[str, str], tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(STACK_OUTPUTS_ENV, outputs_file(tmp_path, tables, sendDeadLetterQueueUrl=queues[0]))
    result = runner.invoke(app, ["erase", TYPED, "--yes"])
    assert result.exit_code == 2 and "--dlq" in result.stderr and "feedbackDeadLetterQueueUrl" in result.stderr
    assert bodies(queues[0]) == sorted([*NAMING_JANE.values(), *NAMING_OTHERS.values()])  # nothing touched


def test_any_spelling_erases_the_records_the_sender_wrote(runner: CliRunner, tables: Tables,
                                                          ses_account_list: set[str]) -> None:
    """The sender stores `Jane@xn--bcher-kva.example`; the operator types `JANE@BÜCHER.EXAMPLE`."""
    ses_account_list.add(f"jane@{IDN}")
    put_delivery(tables.deliveries, "A-1", EmailStatus.BOUNCED, datetime.now(UTC), recipient=f"Jane@{IDN}",
                 deliveredTo=f"Jane@{IDN}", statusReason=f"Permanent 550 <jane@{IDN}> unknown",
                 history=[{"type": "Bounce", "at": "t", "id": "e", "detail": "to Jane@Bücher.example"}],
                 lastDiagnostic=f"smtp; 550 <JANE@{IDN}>", bouncedRecipients={f"jane@{IDN}"})
    put_delivery(tables.deliveries, "B-1", EmailStatus.DELIVERED, datetime.now(UTC), recipient="jane@bucher.example")
    dlq = sqs().create_queue(QueueName="send-dlq")["QueueUrl"]
    result = erase(runner, tables, "--dlq", dlq, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["recordsAnonymised"] == 1 and report["orders"] == ["A-1"]
    assert report["suppression"] == "created" and report["sesSuppression"] == "deleted" and not ses_account_list
    deliveries = boto3.resource("dynamodb", region_name=REGION).Table(tables.deliveries)
    record = deliveries.get_item(Key={"orderId": "A-1", "kind": schema.ORDER_CONFIRMATION})["Item"]
    assert not {"recipient", "deliveredTo", "recipientHash"} & set(record) and record["recipientMasked"] == "erased"
    assert record["statusReason"] == "Permanent 550 <[erased]> unknown"
    assert record["lastDiagnostic"] == "smtp; 550 <[erased]>"  # an attribute the sender does not write, scrubbed too
    assert record["bouncedRecipients"] == {"[erased]"}  # a string set stays a string set
    text = json.dumps(record, default=str).lower()
    assert "jane" not in text and "bcher" not in text and "bücher" not in text
    other = deliveries.get_item(Key={"orderId": "B-1", "kind": schema.ORDER_CONFIRMATION})["Item"]
    assert other["recipient"] == "jane@bucher.example"
    entry = boto3.resource("dynamodb", region_name=REGION).Table(tables.suppression).get_item(
        Key={schema.ADDRESS_HASH: address_hash(f"jane@{IDN}")})["Item"]
    assert entry["reason"] == "BOUNCE" and "maskedAddress" not in entry
