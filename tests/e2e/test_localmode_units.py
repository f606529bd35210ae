"""Pure parts of local mode: SES simulator events, Lambda's SQS rules, env isolation, translation."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from order_email.handlers.feedback.events import EventKind, parse_event
from order_email.localmode.capture import emf_values, parse_emf, sent_email
from order_email.localmode.mailbox import SimulatorOutcome as Outcome
from order_email.localmode.mailbox import outcome_for
from order_email.localmode.provisioned import FunctionSpec, Translation
from order_email.localmode.run import percentile, plan_orders
from order_email.localmode.ses_simulator import SimulatorOptions, events_for
from order_email.localmode.workers import Invocation, failed_message_ids, runtime_environment, sqs_record

SIM = "simulator.amazonses.com"


@pytest.mark.parametrize(("address", "outcome"), [
    (f"success@{SIM}", Outcome.SUCCESS), (f"bounce+7@{SIM}", Outcome.BOUNCE),
    (f"Complaint@{SIM.upper()}", Outcome.COMPLAINT), (f"suppressionlist+x@{SIM}", Outcome.SUPPRESSION_LIST),
    (f"ooto@{SIM}", Outcome.OOTO), ("jane@example.com", Outcome.SUCCESS), (f"other@{SIM}", Outcome.SUCCESS),
])
def test_outcome_by_simulator_address(address: str, outcome: Outcome) -> None:
    assert outcome_for(address) is outcome


def _email(to: str) -> dict:
    request = {"FromEmailAddress": "Shop <orders@mail.example.com>", "Destination": {"ToAddresses": [f"Jane <{to}>"]},
               "Content": {"Simple": {"Subject": {"Data": "S"}, "Body": {"Text": {"Data": "t"}, "Html": {"Data": "h"}}}},
               "EmailTags": [{"Name": "orderId", "Value": "o-1"}, {"Name": "kind", "Value": "order-confirmation"}],
               "ConfigurationSetName": "cs"}
    return sent_email(request, "m-1", 1_767_261_600.0)


@pytest.mark.parametrize(("address", "types", "bounce_subtype"), [
    (f"success@{SIM}", ["Send", "Delivery"], None),
    (f"bounce@{SIM}", ["Send", "Bounce"], "General"),
    (f"complaint@{SIM}", ["Send", "Delivery", "Complaint"], None),
    (f"suppressionlist@{SIM}", ["Send", "Bounce"], "OnAccountSuppressionList"),
    (f"ooto@{SIM}", ["Send", "Delivery"], None),
])
def test_events_follow_the_simulator_and_parse_as_the_handler_expects(address, types, bounce_subtype) -> None:
    events = events_for(_email(address), "cs", "mail.example.com", SimulatorOptions(), random.Random(1))
    assert [event["eventType"] for event in events] == types
    for event in events:
        parsed = parse_event(event)
        assert not hasattr(parsed, "error_type"), parsed
        assert parsed.message_id == "m-1" and parsed.order_key == ("o-1", "order-confirmation")
        assert event["mail"]["tags"]["ses:configuration-set"] == ["cs"]
        assert event["mail"]["destination"] == [address]
    bounce = next((event for event in events if event["eventType"] == "Bounce"), None)
    assert (bounce["bounce"]["bounceSubType"] if bounce else None) == bounce_subtype
    complaint = next((event for event in events if event["eventType"] == "Complaint"), None)
    if complaint:
        assert parse_event(complaint).kind is EventKind.COMPLAINT
        assert complaint["complaint"]["complaintFeedbackType"] == "abuse"


def test_engagement_option_adds_delay_open_and_click() -> None:
    events = events_for(_email(f"success@{SIM}"), "cs", None, SimulatorOptions(engagement=True), random.Random(1))
    assert [event["eventType"] for event in events] == ["Send", "DeliveryDelay", "Delivery", "Open", "Click"]


def test_sqs_record_has_lambdas_shape() -> None:
    message = {"MessageId": "id-1", "ReceiptHandle": "rh", "Body": "{}", "MD5OfBody": "md5",
               "Attributes": {"ApproximateReceiveCount": "2", "SentTimestamp": "1"},
               "MessageAttributes": {"eventType": {"StringValue": "order.confirmed", "DataType": "String"}}}
    record = sqs_record(message, "arn:aws:sqs:eu-west-1:1:q", "eu-west-1")
    assert record["eventSource"] == "aws:sqs" and record["eventSourceARN"] == "arn:aws:sqs:eu-west-1:1:q"
    assert record["attributes"]["ApproximateReceiveCount"] == "2"
    assert record["messageAttributes"]["eventType"] == {"stringValue": "order.confirmed", "stringListValues": [],
                                                       "binaryListValues": [], "dataType": "String"}


@pytest.mark.parametrize(("invocation", "report", "failed"), [
    (Invocation(result={"batchItemFailures": []}), True, []),
    (Invocation(result={"batchItemFailures": [{"itemIdentifier": "b"}]}), True, ["b"]),
    (Invocation(result={"batchItemFailures": [{"itemIdentifier": "zz"}]}), True, ["a", "b"]),
    (Invocation(result={"batchItemFailures": [{"itemIdentifier": ""}]}), True, ["a", "b"]),
    (Invocation(result={"batchItemFailures": [{"itemIdentifier": "b"}]}), False, []),
    (Invocation(error={"errorType": "X"}), True, ["a", "b"]),
    (Invocation(result=None), True, []),
])
def test_partial_batch_failures_follow_lambdas_rules(invocation, report, failed) -> None:
    assert failed_message_ids(invocation, ["a", "b"], report) == failed


def test_function_env_is_exactly_declared_plus_runtime(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LEAKY_PARENT_VARIABLE", "x")
    spec = FunctionSpec("f", "f-123", "arn", "handlers.x.handler", {"TABLE": "t", "AWS_REGION": "us-east-1"},
                        30, 256, "python3.12")
    env = runtime_environment(spec, "http://127.0.0.1:1", "eu-west-1", tmp_path)
    assert env["LAMBDA_TASK_ROOT"] == env["PYTHONPATH"] == str(tmp_path)  # only the archive's code imports
    assert env["TABLE"] == "t" and env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:1"
    assert env["AWS_REGION"] == "eu-west-1"  # reserved: the runtime's value wins
    assert "LEAKY_PARENT_VARIABLE" not in env
    assert env["_HANDLER"] == "handlers.x.handler"


def test_translation_replaces_recorded_values_everywhere() -> None:
    translate = Translation({"https://sqs.x/1/q": "http://127.0.0.1:5/1/q", "arn:a:q": "arn:b:q"})
    assert translate("https://sqs.x/1/q") == "http://127.0.0.1:5/1/q"
    assert translate({"p": ['{"r": "arn:a:q"}']}) == {"p": ['{"r": "arn:b:q"}']}


def test_emf_lines_are_told_from_log_lines() -> None:
    line = ('{"_aws": {"Timestamp": 1, "CloudWatchMetrics": [{"Namespace": "N", "Dimensions": [["service"]], '
            '"Metrics": [{"Name": "EmailsSent", "Unit": "Count"}]}]}, "service": "s", "EmailsSent": [1.0, 2.0]}')
    document = parse_emf(line)
    assert document is not None and emf_values(document) == {"EmailsSent": [1.0, 2.0]}
    assert parse_emf('{"level": "INFO", "message": "sent"}') is None


def test_plan_has_the_mix_duplicates_invalid_and_one_suppressed() -> None:
    plan, suppressed = plan_orders(100, seed=3)
    ids = [planned.order["orderId"] for planned in plan]
    assert len(set(ids)) == 100 and len(ids) == 102
    assert sum(planned.invalid for planned in plan) == 1
    assert [planned.order["customerEmail"] for planned in plan if planned.expected == "SUPPRESSED"] == [suppressed]
    assert {planned.expected for planned in plan} >= {"DELIVERED", "BOUNCED", "COMPLAINED"}


def test_percentile() -> None:
    assert percentile([], 0.5) is None
    assert percentile([3.0, 1.0, 2.0, 4.0], 0.5) == 2.0
    assert percentile([float(v) for v in range(1, 101)], 0.95) == 95.0
