"""The status-change outbox as the stacks declare it: table stream → pipe (filter, enrichment) → bus, DLQ."""

from __future__ import annotations

import json

from order_email.components.status_outbox import source_parameters, target_parameters
from order_email.handlers.feedback.outbox import DETAIL_TYPE, SOURCE, STREAM_FILTER
from order_email.mockstack import StackRun
from tests.support.stacks import policy_of, statements

PIPE = "order-email-feedback-outbox"


def test_the_deliveries_table_streams_both_images(stack: StackRun) -> None:
    table = stack.named("order-email-store-deliveries").inputs
    assert table["streamEnabled"] is True and table["streamViewType"] == "NEW_AND_OLD_IMAGES"


def test_the_pipe_reads_the_stream_enriches_and_puts_on_the_status_bus(stack: StackRun) -> None:
    pipe = stack.named(PIPE).inputs
    table = stack.named("order-email-store-deliveries").state
    function = stack.named(f"{PIPE}-function").state
    bus = stack.named("order-email-feedback-status-bus").state
    assert pipe["source"] == table["streamArn"]
    assert pipe["enrichment"] == function["arn"]
    assert pipe["target"] == bus["arn"]
    assert pipe["targetParameters"] == {"eventbridgeEventBusParameters": {"source": SOURCE, "detailType": DETAIL_TYPE}}
    stream = pipe["sourceParameters"]["dynamodbStreamParameters"]
    assert stream["startingPosition"] == "TRIM_HORIZON" and stream["onPartialBatchItemFailure"] == "AUTOMATIC_BISECT"
    assert stream["deadLetterConfig"]["arn"] == stack.named(f"{PIPE}-dlq").state["arn"]
    [pattern] = pipe["sourceParameters"]["filterCriteria"]["filters"]
    assert json.loads(pattern["pattern"]) == STREAM_FILTER
    assert stack.named(f"{PIPE}-function").inputs["handler"] == "handlers.status_outbox.handler"


def test_the_pipe_role_is_least_privilege(stack: StackRun) -> None:
    trust = json.loads(stack.named(f"{PIPE}-role").inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "pipes.amazonaws.com"}
    assert trust["Statement"][0]["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}
    found = statements(policy_of(stack, f"{PIPE}-policy"))
    table_arn = stack.named("order-email-store-deliveries").state["arn"]
    assert found["ReadDeliveriesStream"]["Resource"] == f"{table_arn}/stream/*"
    assert found["Enrich"]["Resource"] == stack.named(f"{PIPE}-function").state["arn"]
    assert found["PublishStatusChanges"]["Resource"] == stack.named("order-email-feedback-status-bus").state["arn"]
    assert found["DeadLetterFailedBatches"]["Resource"] == stack.named(f"{PIPE}-dlq").state["arn"]
    assert ("UseStackKey" in found) is (stack.stack == "prod")


def test_the_enrichment_may_only_log(stack: StackRun) -> None:
    found = statements(policy_of(stack, f"{PIPE}-function-policy"))
    assert list(found) == ["WriteOwnLogGroup"]


def test_the_outbox_dlq_has_an_alarm_and_is_exported(stack: StackRun) -> None:
    dlq_name = stack.named(f"{PIPE}-dlq").state["name"]
    alarms = [alarm.inputs for alarm in stack.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")]
    assert any(alarm.get("dimensions", {}).get("QueueName") == dlq_name for alarm in alarms)
    assert stack.outputs["statusEventsDeadLetterQueueUrl"] == stack.named(f"{PIPE}-dlq").state["url"]


def test_parameters_are_pure() -> None:
    assert source_parameters("dlq")["dynamodb_stream_parameters"]["dead_letter_config"] == {"arn": "dlq"}
    assert target_parameters()["eventbridge_event_bus_parameters"]["detail_type"] == "Email Status Changed"
