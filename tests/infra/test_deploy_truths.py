"""What real AWS enforces at deploy time and the mocks cannot: ignored properties, creation order,
key-policy grants and function-URL permissions, asserted on the recorded resources and their options."""

from __future__ import annotations

import json
from typing import Any

import pytest

from order_email.components import policies
from order_email.components.config import StackConfigError
from order_email.components.encryption import key_policy
from order_email.components.feedback_loop import status_bus_name
from order_email.components.status_api import reader_grants
from order_email.mockstack import ACCOUNT_ID, RecordedResource, StackRun, run_stack
from tests.support.paths import REPO
from tests.support.stacks import policy_of, statements

PERMISSION = "aws:lambda/permission:Permission"
SUPPORT_CONSOLE = "arn:aws:iam::123456789012:role/support-console"
EVENTS = {"Service": "events.amazonaws.com"}


def _statements_for(document: dict[str, Any], principal: dict[str, Any]) -> list[dict[str, Any]]:
    return [statement for statement in document["Statement"] if statement.get("Principal") == principal]


def _reader_permissions(run: StackRun) -> list[RecordedResource]:
    status = run.named("order-email-status")
    return [resource for resource in run.children_of(status) if resource.type == PERMISSION]


# --- 1. a reputation-guard pause survives refresh; SES keeps no suppression list of its own ---------------


def test_configuration_set_ignores_sending_options_and_overrides_account_suppression(stack: StackRun) -> None:
    configuration_set = stack.named("order-email-sender-configuration-set")
    assert configuration_set.ignore_changes == ("sendingOptions",)
    assert "sendingOptions" in configuration_set.inputs  # the ignored path is a real input of this resource
    assert configuration_set.inputs["suppressionOptions"] == {"suppressedReasons": []}
    assert configuration_set.parent_name == "order-email-sender"


# --- 2. the event destination is created after everything SES's test publish needs ------------------------


def test_event_destination_waits_for_the_topic_policy_and_the_key(stack: StackRun) -> None:
    destination = stack.named("order-email-feedback-event-destination")
    topic_policy = stack.named("order-email-feedback-ses-events-policy")
    key_resources = list(stack.children_of(stack.named("order-email-key")))
    # depends_on the EncryptionKey component waits for its children: the key (its policy is inline) and alias.
    assert {resource.type for resource in key_resources} == {"aws:kms/key:Key", "aws:kms/alias:Alias"}
    assert {topic_policy.urn, *(resource.urn for resource in key_resources)} <= set(destination.dependencies)
    assert destination.parent_name == "order-email-feedback"


# --- 3. EventBridge on the customer-managed key ---------------------------------------------------------


def test_key_policy_lets_eventbridge_use_the_key_for_the_status_bus_only(prod: StackRun) -> None:
    bus = prod.named("order-email-feedback-status-bus")
    key = prod.named("order-email-key-key")
    assert bus.inputs["kmsKeyIdentifier"] == key.state["arn"]
    found = {statement["Sid"]: statement for statement in _statements_for(policy_of(prod, key.name), EVENTS)}
    assert found == {
        "EventBridgeValidatesKey": {
            "Sid": "EventBridgeValidatesKey", "Effect": "Allow", "Principal": EVENTS, "Action": "kms:DescribeKey",
            "Resource": "*", "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT_ID}},
        },
        "EventBridgeEncryptsOurBuses": {
            "Sid": "EventBridgeEncryptsOurBuses", "Effect": "Allow", "Principal": EVENTS,
            "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": "*",
            "Condition": {"StringEquals": {
                "aws:SourceAccount": ACCOUNT_ID,
                "aws:SourceArn": [bus.state["arn"]],
                "kms:EncryptionContext:aws:events:event-bus:arn": [bus.state["arn"]],
            }},
        },
    }
    assert "events.amazonaws.com" not in json.dumps(
        [s for s in policy_of(prod, key.name)["Statement"] if s["Sid"] not in found])


def test_key_policy_grants_eventbridge_nothing_when_no_bus_uses_the_key(dev: StackRun) -> None:
    assert dev.named("order-email-feedback-status-bus").inputs.get("kmsKeyIdentifier") is None
    assert "events.amazonaws.com" not in dev.named("order-email-key-key").inputs["policy"]


def test_the_outbox_pipe_publishes_with_put_events_on_its_bus_and_the_feedback_role_not_at_all(
        stack: StackRun) -> None:
    pipe = statements(policy_of(stack, "order-email-feedback-outbox-policy"))
    bus_arn = stack.named("order-email-feedback-status-bus").state["arn"]
    assert pipe["PublishStatusChanges"] == {"Sid": "PublishStatusChanges", "Effect": "Allow",
                                            "Action": "events:PutEvents", "Resource": bus_arn}
    found = statements(policy_of(stack, "order-email-feedback-function-policy"))
    assert "events:" not in json.dumps(found)
    key_statements = [s for s in found.values() if "kms:" in json.dumps(s["Action"])]
    if stack.stack == "prod":
        key_arn = stack.named("order-email-key-key").state["arn"]
        assert key_statements == [{"Sid": "UseStackKey", "Effect": "Allow",
                                   "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": key_arn}]
    else:
        assert key_statements == []


def test_key_policy_eventbridge_statements_are_scoped_to_the_named_buses() -> None:
    without = key_policy("111122223333", "us-east-1", partition="aws", dns_suffix="amazonaws.com")
    assert "events.amazonaws.com" not in json.dumps(without)
    document = key_policy("111122223333", "us-east-1", ["a-status", "b-status"], partition="aws",
                          dns_suffix="amazonaws.com")
    assert document["Statement"][:len(without["Statement"])] == without["Statement"]
    describe, use = document["Statement"][len(without["Statement"]):]
    assert describe["Action"] == "kms:DescribeKey"
    assert describe["Condition"] == {"StringEquals": {"aws:SourceAccount": "111122223333"}}
    arns = ["arn:aws:events:us-east-1:111122223333:event-bus/a-status",
            "arn:aws:events:us-east-1:111122223333:event-bus/b-status"]
    assert use["Condition"]["StringEquals"] == {"aws:SourceAccount": "111122223333", "aws:SourceArn": arns,
                                                "kms:EncryptionContext:aws:events:event-bus:arn": arns}
    assert "kms:DescribeKey" not in use["Action"]  # DescribeKey carries no encryption context


def test_status_bus_name_is_the_one_the_bus_gets(stack: StackRun) -> None:
    assert stack.named("order-email-feedback-status-bus").inputs["name"] == status_bus_name(
        f"order-email-{stack.stack}")


def test_feedback_policy_without_a_key_grants_no_key_use() -> None:
    document = policies.feedback_policy(
        deliveries_table_arn="d", suppression_table_arn="s", queue_arn="q", dead_letter_arn="dlq",
        log_group_arn="lg", kms_key_arn=None)
    assert "kms:" not in json.dumps(document)


# --- 4. function URL readers get both permissions -------------------------------------------------------


def _assert_reader_permissions(run: StackRun, readers: list[str]) -> None:
    function = run.named("order-email-status-function")
    permissions = _reader_permissions(run)
    assert len(permissions) == 2 * len(readers)
    for permission in permissions:
        assert ":" not in permission.name and "arn" not in permission.name
        assert permission.inputs["function"] == function.state["name"]
    by_principal: dict[str, dict[str, dict[str, Any]]] = {}
    for permission in permissions:
        by_principal.setdefault(permission.inputs["principal"], {})[permission.inputs["action"]] = permission.inputs
    assert set(by_principal) == set(readers)
    for grants in by_principal.values():
        assert set(grants) == {"lambda:InvokeFunctionUrl", "lambda:InvokeFunction"}
        assert grants["lambda:InvokeFunctionUrl"]["functionUrlAuthType"] == "AWS_IAM"
        assert "invokedViaFunctionUrl" not in grants["lambda:InvokeFunctionUrl"]
        assert grants["lambda:InvokeFunction"]["invokedViaFunctionUrl"] is True
        assert "functionUrlAuthType" not in grants["lambda:InvokeFunction"]


def test_prod_reader_gets_both_function_url_permissions(prod: StackRun) -> None:
    _assert_reader_permissions(prod, [SUPPORT_CONSOLE])


def test_every_configured_reader_gets_both_permissions() -> None:
    readers = ["444455556666", "arn:aws:iam::444455556666:user/auditor", SUPPORT_CONSOLE]
    run = run_stack("dev", overrides={"order-email:statusReaders": json.dumps(readers)})
    _assert_reader_permissions(run, readers)


def test_no_reader_permissions_when_status_readers_is_empty(dev: StackRun) -> None:
    assert _reader_permissions(dev) == []
    assert _reader_permissions(run_stack("prod", overrides={"order-email:statusReaders": "[]"})) == []


@pytest.mark.parametrize("value", ['["*"]', '["arn:aws:iam::123456789012:group/support"]', '["12345"]'])
def test_bad_status_reader_fails_naming_the_key(value: str) -> None:
    with pytest.raises(StackConfigError, match=r"order-email:statusReaders\.0: must be a 12-digit account id"):
        run_stack("dev", overrides={"order-email:statusReaders": value})


def test_reader_grant_names_are_stable_per_principal_and_hold_no_arn() -> None:
    first, second = "111122223333", "arn:aws:iam::111122223333:role/reader"
    forward = dict(reader_grants([first, second]))
    assert forward == dict(reader_grants([second, first, second]))  # order and duplicates change nothing
    assert len(forward) == 4
    assert all(":" not in suffix and suffix.startswith("reader-") for suffix in forward)


# --- outputs --------------------------------------------------------------------------------------------


def test_status_api_function_arn_is_exported_with_every_other_output(stack: StackRun) -> None:
    assert stack.outputs["statusApiFunctionArn"] == stack.named("order-email-status-function").state["arn"]
    assert {"ordersTopicArn", "sendQueueUrl", "sendDeadLetterQueueUrl", "feedbackDeadLetterQueueUrl",
            "configurationSetName", "dnsRecords", "statusBusName", "statusApiUrl", "deliveriesTableName",
            "suppressionTableName", "kmsKeyArn", "dashboardUrl", "alarmTopicArn"} <= set(stack.outputs)


def test_no_arn_assumes_the_commercial_partition() -> None:
    """In GovCloud every ARN the stack writes comes from `aws.get_partition` (or from its config)."""
    readers = json.dumps(["arn:aws-us-gov:iam::123456789012:role/support-console"])
    run = run_stack("prod", project_dir=REPO, overrides={
        "aws:region": "us-gov-west-1", "order-email:publisherPrincipals": json.dumps(["444455556666"]),
        "order-email:statusReaders": readers})
    declared = json.dumps([resource.inputs for resource in run.resources], default=str)
    assert "arn:aws-us-gov:" in declared
    assert "arn:aws:" not in declared


def test_key_policy_names_the_partitions_log_service() -> None:
    document = json.dumps(key_policy("111122223333", "cn-north-1", ["bus"], partition="aws-cn",
                                     dns_suffix="amazonaws.com.cn"))
    assert "logs.cn-north-1.amazonaws.com.cn" in document
    assert "arn:aws:" not in document and "arn:aws-cn:events:cn-north-1:111122223333:event-bus/bus" in document
