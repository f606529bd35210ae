"""EmailSender under mocks: topic, queues, SES, Lambda, mapping and IAM as the stack declares them."""

from __future__ import annotations

import json

from order_email.components.email_sender import SUBSCRIPTION_FILTER, claim_lease_seconds
from order_email.components.queues import DLQ_RETENTION_SECONDS, maximum_concurrency, visibility_timeout
from order_email.handlers.sender.settings import SenderSettings
from order_email.mockstack import ACCOUNT_ID, StackRun
from tests.support.stacks import policy_of, statements

SENDER = "order-email-sender"


def test_orders_topic_is_encrypted_and_limited_to_publishers(stack: StackRun) -> None:
    topic = stack.named(f"{SENDER}-orders")
    policy = statements(policy_of(stack, f"{SENDER}-orders-policy"))
    allowed = policy["AllowConfiguredPublishers"]
    assert allowed["Action"] == "sns:Publish" and allowed["Resource"] == topic.state["arn"]
    expected = (["arn:aws:iam::123456789012:role/order-service"] if stack.stack == "prod"
                else [f"arn:aws:iam::{ACCOUNT_ID}:root"])
    assert allowed["Principal"] == {"AWS": expected}
    assert policy["DenyInsecureTransport"]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    key = stack.of_type("aws:kms/key:Key")[0].state["arn"]
    assert topic.inputs["kmsMasterKeyId"] == (key if stack.stack == "prod" else "alias/aws/sns")


def test_subscription_is_raw_and_filtered(stack: StackRun) -> None:
    subscription = stack.named(f"{SENDER}-queue-subscription")
    assert subscription.inputs["rawMessageDelivery"] is True
    assert json.loads(subscription.inputs["filterPolicy"]) == SUBSCRIPTION_FILTER
    assert subscription.inputs.get("filterPolicyScope", "MessageAttributes") == "MessageAttributes"
    assert subscription.inputs["endpoint"] == stack.named(f"{SENDER}-queue").state["arn"]


def test_the_subscription_lets_in_every_kind_of_order_event_and_nothing_else(stack: StackRun) -> None:
    """One `eventType` value per e-mail kind (`sender.kinds.KINDS`), in the stack as declared."""
    policy = json.loads(stack.named(f"{SENDER}-queue-subscription").inputs["filterPolicy"])
    assert policy == {"eventType": ["order.confirmed", "order.shipped", "order.cancelled"]}


def test_send_queue_redrive_and_timeouts(stack: StackRun) -> None:
    queue, dlq = stack.named(f"{SENDER}-queue"), stack.named(f"{SENDER}-queue-dlq")
    redrive = json.loads(queue.inputs["redrivePolicy"])
    assert redrive == {"deadLetterTargetArn": dlq.state["arn"], "maxReceiveCount": 5 if stack.stack == "dev" else 8}
    timeout = stack.named(f"{SENDER}-function").inputs["timeout"]
    assert queue.inputs["visibilityTimeoutSeconds"] == visibility_timeout(timeout) >= 6 * timeout
    assert dlq.inputs["messageRetentionSeconds"] == DLQ_RETENTION_SECONDS
    if stack.stack == "prod":
        assert queue.inputs["kmsMasterKeyId"].startswith("arn:aws:kms:")
    else:
        assert queue.inputs["sqsManagedSseEnabled"] is True


def test_queue_policy_only_from_the_topic_over_tls(stack: StackRun) -> None:
    policy = statements(policy_of(stack, f"{SENDER}-queue-policy"))
    assert policy["AllowSubscribedTopic"]["Condition"] == {
        "ArnEquals": {"aws:SourceArn": stack.named(f"{SENDER}-orders").state["arn"]}}
    assert policy["DenyInsecureTransport"]["Effect"] == "Deny"
    assert statements(policy_of(stack, f"{SENDER}-queue-dlq-policy"))["DenyInsecureTransport"]


def test_event_source_mapping(stack: StackRun) -> None:
    mapping = stack.named(f"{SENDER}-mapping").inputs
    assert mapping["batchSize"] == 10 and mapping["maximumBatchingWindowInSeconds"] == 1
    assert mapping["functionResponseTypes"] == ["ReportBatchItemFailures"]
    rate = 1 if stack.stack == "dev" else 50
    assert mapping["scalingConfig"] == {"maximumConcurrency": maximum_concurrency(rate)}
    assert mapping["eventSourceArn"] == stack.named(f"{SENDER}-queue").state["arn"]


def test_ses_identity_dkim_mail_from_and_configuration_set(stack: StackRun) -> None:
    identity = stack.named(f"{SENDER}-identity").inputs
    assert identity["dkimSigningAttributes"] == {"nextSigningKeyLength": "RSA_2048_BIT"}
    assert identity["configurationSetName"] == f"order-email-{stack.stack}"
    mail_from = stack.named(f"{SENDER}-mail-from").inputs
    assert mail_from["mailFromDomain"] == "bounce." + identity["emailIdentity"]
    config_set = stack.named(f"{SENDER}-configuration-set").inputs
    assert config_set["reputationOptions"] == {"reputationMetricsEnabled": True}
    assert config_set["deliveryOptions"] == {"tlsPolicy": "REQUIRE"}
    # An empty list overrides the account-level list: our hashed suppression table is the only one.
    assert config_set["suppressionOptions"] == {"suppressedReasons": []}


def test_dns_records_output_and_route53_only_with_a_zone(dev: StackRun, prod: StackRun) -> None:
    for run in (dev, prod):
        records = run.outputs["dnsRecords"]
        assert [record["type"] for record in records] == ["CNAME"] * 3 + ["MX", "TXT", "TXT"]
        assert all(record["value"] for record in records)
    assert dev.of_type("aws:route53/record:Record") == []
    assert len(prod.of_type("aws:route53/record:Record")) == 6
    assert {r.inputs["zoneId"] for r in prod.of_type("aws:route53/record:Record")} == {"Z0123456789ABCDEFGHIJ"}


def test_sender_function_settings_and_environment(stack: StackRun) -> None:
    function = stack.named(f"{SENDER}-function").inputs
    assert function["runtime"].startswith("python3.") and int(function["runtime"].split(".")[1]) >= 12
    assert function["architectures"] == ["arm64"]
    assert function["handler"] == "handlers.send_order_email.handler"
    environment = function["environment"]["variables"]
    assert environment["SANDBOX_MODE"] == ("true" if stack.stack == "dev" else "false")
    assert environment["DLQ_URL"] == stack.named(f"{SENDER}-queue-dlq").state["url"]
    assert environment["LEASE_SECONDS"] == str(claim_lease_seconds(int(function["timeout"])))
    assert environment["POWERTOOLS_SERVICE_NAME"] == f"order-email-{stack.stack}"
    assert set(environment) == {
        "DELIVERIES_TABLE", "SUPPRESSION_TABLE", "DLQ_URL", "CONFIGURATION_SET", "FROM_ADDRESS", "FROM_NAME",
        "REPLY_TO", "SANDBOX_MODE", "RETENTION_DAYS", "LEASE_SECONDS", "SEND_GRACE_SECONDS", "SEND_QUEUE_URL",
        "SEND_RATE_PER_WORKER", "HOLD_MAX_DELAY_SECONDS", "HOLD_GIVE_UP_SECONDS",
        "POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE", "POWERTOOLS_LOG_LEVEL",
        "PYDANTIC_DISABLE_PLUGINS"}
    assert environment["SEND_QUEUE_URL"] == stack.named(f"{SENDER}-queue").state["url"]
    assert float(environment["SEND_RATE_PER_WORKER"]) == (0.5 if stack.stack == "dev" else 25)
    log_group = stack.named(f"{SENDER}-function-logs").inputs
    assert function["loggingConfig"]["logGroup"] == log_group["name"]
    assert log_group["retentionInDays"] == (7 if stack.stack == "dev" else 90)


def test_sender_environment_is_what_its_handler_reads(stack: StackRun) -> None:
    environment = stack.named(f"{SENDER}-function").inputs["environment"]["variables"]
    settings = SenderSettings.from_env(environment)
    assert settings.send_queue_url == stack.named(f"{SENDER}-queue").state["url"]


def test_sender_role_is_least_privilege(stack: StackRun) -> None:
    policy = statements(policy_of(stack, f"{SENDER}-function-policy"))
    send = policy["SendAsConfiguredAddress"]
    assert send["Resource"] == [stack.named(f"{SENDER}-identity").state["arn"],
                                stack.named(f"{SENDER}-configuration-set").state["arn"]]
    assert send["Condition"]["StringEquals"]["ses:FromAddress"].startswith("orders@")
    tables = {r.name: r.state["arn"] for r in stack.of_type("aws:dynamodb/table:Table")}
    assert policy["ClaimAndRecordDeliveries"]["Resource"] == tables["order-email-store-deliveries"]
    assert policy["ReadSuppressions"]["Resource"] == tables["order-email-store-suppression"]
    for statement in policy.values():
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert all("*" not in action for action in actions)
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        assert all(resource != "*" for resource in resources)
    assert ("UseStackKey" in policy) == (stack.stack == "prod")
