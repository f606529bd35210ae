"""A tiny Pulumi program full of mistakes, run under the same mocks as the stacks: the rules read
the engine's real camelCase shapes, not only hand-built dicts."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws
import pytest

from order_email.mockstack import StackRun, run_program
from order_email.policy.check import Violation, check_resources, has_mandatory


def _bad_program() -> None:
    dead_letters = aws.sqs.Queue("dlq", sqs_managed_sse_enabled=True)
    work = aws.sqs.Queue(
        "work",  # no encryption, no tags, no TLS policy, visibility timeout 30 s for a 60 s consumer
        redrive_policy=dead_letters.arn.apply(lambda a: json.dumps({"deadLetterTargetArn": a, "maxReceiveCount": 3})),
    )
    aws.sns.Topic("orders")  # no KMS, no policy
    aws.sns.TopicPolicy(
        "orders-policy",
        arn="arn:aws:sns:eu-west-1:123456789012:orders",
        policy=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": "*", "Action": "sns:Publish",
            "Resource": "arn:aws:sns:eu-west-1:123456789012:orders"}]}),
    )
    role = aws.iam.Role("role", assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
    aws.iam.RolePolicy("admin", role=role.id, policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    function = aws.lambda_.Function(
        "worker", role=role.arn, runtime="python3.12", handler="h.handler", timeout=600,
        code=pulumi.AssetArchive({"h.py": pulumi.StringAsset("def handler(e, c): pass")}),
    )
    aws.lambda_.FunctionUrl("worker-url", function_name=function.name, authorization_type="NONE")
    aws.lambda_.EventSourceMapping("worker-mapping", event_source_arn=work.arn, function_name=function.arn)
    aws.cloudwatch.LogGroup("logs")
    aws.cloudwatch.MetricAlarm("silent", comparison_operator="GreaterThanThreshold", evaluation_periods=1,
                               threshold=1, namespace="AWS/SQS", metric_name="NumberOfMessagesSent",
                               period=60, statistic="Sum")
    aws.dynamodb.Table("table", hash_key="id", attributes=[{"name": "id", "type": "S"}],
                       billing_mode="PAY_PER_REQUEST", tags={"environment": "prod"})
    config_set = aws.sesv2.ConfigurationSet("set", configuration_set_name="set")
    aws.sesv2.ConfigurationSetEventDestination(
        "events", configuration_set_name=config_set.configuration_set_name, event_destination_name="events",
        event_destination={"enabled": True, "matching_event_types": ["SEND", "DELIVERY"],
                           "sns_destination": {"topic_arn": "arn:aws:sns:eu-west-1:123456789012:events"}},
    )


@pytest.fixture(scope="module")
def run() -> StackRun:
    return run_program(_bad_program, stack="dev", config={"aws:region": "eu-west-1"})


@pytest.fixture(scope="module")
def found(run: StackRun) -> list[Violation]:
    return check_resources(run.resources)


@pytest.mark.parametrize(("rule", "resource"), [
    ("sqs-encryption-enabled", "work"),
    ("sns-kms-encryption-enabled", "orders"),
    ("dynamodb-table-encryption-enabled", "table"),
    ("dynamodb-pitr-enabled", "table"),
    ("limit-lambda-execution-time", "worker"),
    ("lambda-function-public-access-prohibited", "worker-url"),
    ("iam-policy-no-star-star", "admin"),
    ("iam-policy-no-wildcard-actions", "admin"),
    ("cloudwatch-log-retention", "logs"),
    ("required-tags", "work"),
    ("cloudwatch-alarm-actions-required", "silent"),
    ("sns-topic-publishers-restricted", "orders-policy"),
    ("lambda-concurrent-execution-limits-required", "worker"),
    ("sqs-visibility-timeout-covers-consumer", "work"),
    ("lambda-log-group-declared", "worker"),
    ("sqs-dlq-alarm-required", "dlq"),
    ("ses-event-destination-required-types", "set"),
    ("sns-sqs-deny-insecure-transport", "work"),
    ("sns-sqs-deny-insecure-transport", "orders"),
])
def test_rule_fires_on_the_bad_program(found: list[Violation], rule: str, resource: str) -> None:
    assert (rule, resource) in {(violation.rule, violation.resource_name) for violation in found}


def test_the_bad_program_would_be_stopped(found: list[Violation]) -> None:
    assert has_mandatory(found)
