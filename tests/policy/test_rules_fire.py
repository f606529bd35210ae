"""Each rule fires on a deliberately bad fixture, and stays quiet on its corrected twin."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pytest

from order_email.policy import resource_types as t
from order_email.policy.check import Recorded, Violation, run_policy
from order_email.policy.rules import by_name
from tests.policy.fixtures import (
    ACCOUNT,
    TAGS,
    arn,
    consumed_queue,
    dlq_alarm,
    function,
    log_group,
    mapping,
    queue,
    resource,
    tls_queue_policy,
)


def fired(rule: str, resources: Sequence[Recorded], config: dict[str, Any] | None = None) -> list[Violation]:
    return run_policy(by_name(rule), resources, config)


def document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action: Any, resource_: Any = "arn:aws:sqs:eu-west-1:123456789012:q", **extra: Any) -> dict[str, Any]:
    return {"Sid": "S", "Effect": "Allow", "Action": action, "Resource": resource_, **extra}


def role_policy(name: str, *statements: dict[str, Any]) -> Recorded:
    return resource(t.IAM_ROLE_POLICY, name, {"role": "r", "policy": document(*statements)})


def topic_policy(name: str, *statements: dict[str, Any]) -> Recorded:
    return resource(t.SNS_TOPIC_POLICY, name, {"arn": arn("sns", "topic"), "policy": document(*statements)})


def table(name: str, **inputs: Any) -> Recorded:
    return resource(t.DYNAMODB_TABLE, name, {"serverSideEncryption": {"enabled": True}, "tags": TAGS, **inputs})


SES_PUBLISH = {"Sid": "Ses", "Effect": "Allow", "Principal": {"Service": "ses.amazonaws.com"},
               "Action": "sns:Publish", "Resource": arn("sns", "topic")}
BOTH_SOURCE_CONDITIONS = {"StringEquals": {"aws:SourceAccount": ACCOUNT},
                          "ArnLike": {"aws:SourceArn": arn("ses", "configuration-set/x")}}
EVERY_EVENT = ["SEND", "REJECT", "BOUNCE", "COMPLAINT", "DELIVERY", "DELIVERY_DELAY", "RENDERING_FAILURE"]


def config_set(name: str = "cs") -> Recorded:
    return resource(t.SESV2_CONFIGURATION_SET, name, {"configurationSetName": name, "tags": TAGS})


def destination(name: str, types: list[str], enabled: bool = True, set_name: str = "cs") -> Recorded:
    return resource(t.SESV2_EVENT_DESTINATION, name, {
        "configurationSetName": set_name, "eventDestinationName": name,
        "eventDestination": {"enabled": enabled, "matchingEventTypes": types,
                             "snsDestination": {"topicArn": arn("sns", "events")}}})


def without(resources: list[Recorded], *names: str) -> list[Recorded]:
    return [item for item in resources if item.name not in names]


# (rule, bad resources, good resources, rule config)
CASES: list[tuple[str, list[Recorded], list[Recorded], dict[str, Any] | None]] = [
    ("sqs-encryption-enabled", [resource(t.SQS_QUEUE, "q", {"tags": TAGS})],
     [queue("q"), resource(t.SQS_QUEUE, "k", {"kmsMasterKeyId": "arn:aws:kms:x"})], None),
    ("sqs-encryption-enabled", [resource(t.SQS_QUEUE, "q", {"sqsManagedSseEnabled": False})], [], None),
    ("sns-kms-encryption-enabled", [resource(t.SNS_TOPIC, "topic", {"tags": TAGS})],
     [resource(t.SNS_TOPIC, "topic", {"kmsMasterKeyId": "alias/aws/sns"})], None),
    ("dynamodb-table-encryption-enabled", [resource(t.DYNAMODB_TABLE, "table", {})], [table("table")], None),
    ("dynamodb-table-encryption-enabled",
     [resource(t.DYNAMODB_TABLE, "table", {"serverSideEncryption": {"enabled": False}})], [], None),
    ("dynamodb-pitr-enabled", [table("table")],
     [table("table", pointInTimeRecovery={"enabled": True}), table("dev", tags={**TAGS, "environment": "dev"})],
     None),
    ("dynamodb-pitr-enabled", [table("staging", tags={**TAGS, "environment": "staging"})], [table("prod")],
     {"productionEnvironments": ["staging"]}),
    ("limit-lambda-execution-time", [function("fn", timeout=900)], [function("fn", timeout=30), function("d")],
     None),
    ("limit-lambda-execution-time", [function("fn", timeout=30)], [function("fn", timeout=10)],
     {"maxTimeoutSeconds": 10}),
    ("lambda-function-public-access-prohibited",
     [resource(t.LAMBDA_FUNCTION_URL, "url", {"functionName": "fn", "authorizationType": "NONE"})],
     [resource(t.LAMBDA_FUNCTION_URL, "url", {"functionName": "fn", "authorizationType": "AWS_IAM"})], None),
    ("lambda-function-public-access-prohibited",
     [resource(t.LAMBDA_PERMISSION, "open", {"function": "fn", "principal": "*", "action": "lambda:InvokeFunction"}),
      resource(t.LAMBDA_PERMISSION, "url", {"function": "fn", "principal": ACCOUNT,
                                            "action": "lambda:InvokeFunctionUrl", "functionUrlAuthType": "NONE"})],
     [resource(t.LAMBDA_PERMISSION, "events", {"function": "fn", "principal": "events.amazonaws.com",
                                               "sourceArn": arn("events", "rule/r")})], None),
    ("iam-policy-no-star-star", [role_policy("admin", allow("*", "*"))],
     [role_policy("scoped", allow("sqs:SendMessage")), role_policy("deny", {**allow("*", "*"), "Effect": "Deny"})],
     None),
    ("iam-policy-no-star-star",
     [resource(t.IAM_ROLE, "role", {"inlinePolicies": [{"name": "p", "policy": document(allow("*", "*"))}]}),
      resource(t.IAM_ROLE_POLICY_ATTACHMENT, "attach",
               {"role": "r", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"})],
     [resource(t.IAM_ROLE_POLICY_ATTACHMENT, "attach",
               {"role": "r", "policyArn": "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess"})], None),
    ("iam-policy-no-wildcard-actions",
     [role_policy("svc", allow("sqs:*")), role_policy("prefix", allow(["dynamodb:Get*"])),
      role_policy("not", {"Sid": "N", "Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})],
     [role_policy("named", allow(["sqs:ReceiveMessage", "sqs:DeleteMessage"])),
      role_policy("deny", {**allow("sqs:*"), "Effect": "Deny"})], None),
    ("cloudwatch-log-retention", [log_group("/forever", None), log_group("/zero", 0)], [log_group("/week", 7)],
     None),
    ("required-tags", [resource(t.SQS_QUEUE, "q", {"tags": {"app": "x", "environment": "dev", "team": "t"}})],
     [queue("q"), resource(t.SQS_QUEUE_POLICY, "p", {"policy": "{}"})], None),
    ("required-tags", [queue("q")], [resource(t.SQS_QUEUE, "q", {"tags": {"owner": "me"}})],
     {"requiredTags": ["owner"]}),
    ("cloudwatch-alarm-actions-required",
     [resource(t.METRIC_ALARM, "silent", {"namespace": "AWS/SQS"}),
      resource(t.COMPOSITE_ALARM, "off", {"alarmActions": [arn("sns", "a")], "actionsEnabled": False})],
     [dlq_alarm("a", "q"), resource(t.COMPOSITE_ALARM, "c", {"alarmActions": [arn("sns", "a")]})], None),
    ("sns-topic-publishers-restricted",
     [topic_policy("anyone", {**SES_PUBLISH, "Principal": "*"}),
      topic_policy("any-aws", {**SES_PUBLISH, "Principal": {"AWS": "*"}}),
      topic_policy("ses-no-arn", {**SES_PUBLISH, "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}}),
      topic_policy("ses-no-account", {**SES_PUBLISH, "Condition": {"ArnLike": {"aws:SourceArn": "arn:x"}}}),
      topic_policy("stranger", {**SES_PUBLISH, "Principal": {"AWS": "arn:aws:iam::999999999999:root"}})],
     [topic_policy("ses", {**SES_PUBLISH, "Condition": BOTH_SOURCE_CONDITIONS}),
      topic_policy("configured", {**SES_PUBLISH, "Principal": {"AWS": [f"arn:aws:iam::{ACCOUNT}:role/orders"]}}),
      topic_policy("subscribe-only", {**SES_PUBLISH, "Principal": "*", "Action": "sns:Subscribe",
                                      "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}})],
     {"allowedPublishers": [f"arn:aws:iam::{ACCOUNT}:role/orders"]}),
    ("iam-policy-parliament-clean",
     [role_policy("typo", allow("sqs:SendMesage")),
      role_policy("no-resource", {"Sid": "R", "Effect": "Allow", "Action": "sqs:SendMessage"})],
     [role_policy("clean", allow("sqs:SendMessage")),
      resource(t.IAM_ROLE, "role", {"assumeRolePolicy": document({
          "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"})})],
     None),
    # --- stack rules ---
    ("sqs-dead-letter-queue", [queue("lonely")], consumed_queue(), None),
    ("lambda-dead-letter-queue-required",
     [function("async"), resource(t.EVENT_TARGET, "target", {"rule": "r", "arn": arn("lambda", "function:async")})],
     [function("async", deadLetterConfig={"targetArn": arn("sqs", "dlq")}),
      resource(t.EVENT_TARGET, "target", {"rule": "r", "arn": arn("lambda", "function:async")})], None),
    ("lambda-dead-letter-queue-required",
     [function("async"), resource(t.LAMBDA_PERMISSION, "p", {"function": "async", "principal": "sns.amazonaws.com"})],
     [function("async"), resource(t.LAMBDA_PERMISSION, "p", {"function": "async", "principal": "sns.amazonaws.com"}),
      resource(t.LAMBDA_EVENT_INVOKE_CONFIG, "cfg", {
          "functionName": "async", "destinationConfig": {"onFailure": {"destination": arn("sqs", "dlq")}}})],
     None),
    ("lambda-dead-letter-queue-required", [*without(consumed_queue(), "work"), queue("work")], consumed_queue(),
     None),
    ("lambda-dead-letter-queue-required", [function("orphan")],
     [function("api"), resource(t.LAMBDA_FUNCTION_URL, "url", {"functionName": "api", "authorizationType": "AWS_IAM"})],
     None),
    ("lambda-concurrent-execution-limits-required",
     [*without(consumed_queue(), "work-mapping"), mapping("work-mapping", "work", "work-fn", None)],
     consumed_queue(), None),
    ("lambda-concurrent-execution-limits-required",
     [function("api"), resource(t.LAMBDA_FUNCTION_URL, "url", {"functionName": "api", "authorizationType": "AWS_IAM"})],
     [function("api", reservedConcurrentExecutions=5),
      resource(t.LAMBDA_FUNCTION_URL, "url", {"functionName": "api", "authorizationType": "AWS_IAM"})], None),
    ("sqs-visibility-timeout-covers-consumer", consumed_queue(timeout=30, visibility=60),
     consumed_queue(timeout=30, visibility=180), None),
    ("sqs-visibility-timeout-covers-consumer",
     [queue("work-dlq"), queue("work", dlq="work-dlq"), function("work-fn", timeout=30), mapping("m", "work", "work-fn")],
     consumed_queue(timeout=5), None),
    ("lambda-log-group-declared", [function("fn")], [function("fn"), log_group("/aws/lambda/fn")], None),
    ("lambda-log-group-declared", [function("fn", loggingConfig={}), log_group("/custom")],
     [function("fn", loggingConfig={}), log_group("/aws/lambda/fn")], None),
    ("sqs-dlq-alarm-required", without(consumed_queue(), "work-dlq-alarm"),
     [*without(consumed_queue(), "work-dlq-alarm"), resource(t.METRIC_ALARM, "math", {"metricQueries": [
         {"id": "e1", "expression": "m1"},
         {"id": "m1", "metric": {"namespace": "AWS/SQS", "metricName": "ApproximateNumberOfMessagesVisible",
                                 "dimensions": {"QueueName": "work-dlq"}}}]})], None),
    ("ses-event-destination-required-types",
     [config_set(), destination("d", [e for e in EVERY_EVENT if e != "BOUNCE"])],
     [config_set(), destination("d", EVERY_EVENT)], None),
    ("ses-event-destination-required-types", [config_set(), destination("off", EVERY_EVENT, enabled=False)],
     [config_set(), destination("a", EVERY_EVENT[:3]), destination("b", [*EVERY_EVENT[3:], "OPEN"])], None),
    ("ses-event-destination-required-types", [config_set()],
     [resource(t.SES_CONFIGURATION_SET, "v1", {"name": "v1"}),
      resource(t.SES_EVENT_DESTINATION, "v1d", {"configurationSetName": "v1", "enabled": True, "matchingTypes": [
          "send", "reject", "bounce", "complaint", "delivery", "deliveryDelay", "renderingFailure"]})], None),
    ("sns-sqs-deny-insecure-transport", [queue("open")], [queue("q"), tls_queue_policy("p", "q")], None),
    ("sns-sqs-deny-insecure-transport",
     [queue("q"), tls_queue_policy("p", "q", policy=document({
         "Sid": "D", "Effect": "Deny", "Principal": "*", "Action": "sqs:*", "Resource": arn("sqs", "q"),
         "Condition": {"Bool": {"aws:SecureTransport": "true"}}}))],
     [], None),
    ("sns-sqs-deny-insecure-transport",
     [resource(t.SNS_TOPIC, "topic", {"kmsMasterKeyId": "k"}, arn=arn("sns", "topic")),
      topic_policy("p", {**SES_PUBLISH, "Condition": BOTH_SOURCE_CONDITIONS})],
     [resource(t.SNS_TOPIC, "topic", {"kmsMasterKeyId": "k"}, arn=arn("sns", "topic")),
      topic_policy("p", {"Sid": "D", "Effect": "Deny", "Principal": "*", "Action": ["sns:Publish", "sns:Subscribe"],
                         "Resource": arn("sns", "topic"), "Condition": {"Bool": {"aws:SecureTransport": "false"}}})],
     None),
]


@pytest.mark.parametrize(("rule", "bad", "good", "config"), CASES,
                         ids=[f"{case[0]}-{index}" for index, case in enumerate(CASES)])
def test_rule_fires_on_the_bad_fixture_only(
    rule: str, bad: list[Recorded], good: list[Recorded], config: dict[str, Any] | None
) -> None:
    violations = fired(rule, bad, config)
    assert violations, f"{rule} did not fire"
    for violation in violations:
        assert violation.rule == rule
        assert violation.enforcement_level == by_name(rule).enforcement_level.value  # type: ignore[union-attr]
        assert violation.resource_name in {item.name for item in bad}
        assert len(violation.message) > 40
    assert fired(rule, good, config) == []


def test_every_rule_has_a_failing_fixture() -> None:
    from order_email.policy.rules import POLICIES

    assert {policy.name for policy in POLICIES} == {case[0] for case in CASES}


def test_each_resource_rule_reports_every_bad_resource() -> None:
    bad = [role_policy("svc", allow("sqs:*")), role_policy("prefix", allow(["dynamodb:Get*"]))]
    assert {v.resource_name for v in fired("iam-policy-no-wildcard-actions", bad)} == {"svc", "prefix"}


def test_secret_inputs_are_unwrapped_before_the_rules_see_them() -> None:
    secret = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
              "value": {"app": "a", "environment": "e", "team": "t", "cost-center": "c"}}
    wrapped = resource(t.SQS_QUEUE, "q", {"sqsManagedSseEnabled": True, "tags": secret})
    assert fired("required-tags", [wrapped]) == []
