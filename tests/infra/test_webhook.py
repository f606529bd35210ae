"""The webhook as the stacks declare it with the stack key `webhook` on (Pulumi mocks): status bus rule →
encrypted queue with DLQ → least-privilege function reading its secret from SSM, the DLQ alarmed."""

from __future__ import annotations

import json

import pytest

from order_email.components.config import StackConfigError, parse_stack_config
from order_email.components.webhook import FUNCTION_TIMEOUT_SECONDS, event_pattern
from order_email.handlers.shared.environment import WEBHOOK
from order_email.mockstack import StackRun, run_stack, stack_config
from tests.support.paths import REPO
from tests.support.stacks import WEBHOOK_CONFIG, policy_of, recorded_stack, recorded_stack_with_webhook, statements

W = "order-email-webhook"
SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d"


@pytest.fixture(params=["dev", "prod"])
def stack(request: pytest.FixtureRequest) -> StackRun:
    return recorded_stack_with_webhook(request.param)


def test_no_webhook_key_declares_no_webhook() -> None:
    run = recorded_stack("dev")
    assert [resource.name for resource in run.resources if "webhook" in resource.name] == []
    assert "webhookDeadLetterQueueUrl" not in run.outputs


def test_the_secret_is_a_secure_string_parameter_and_a_pulumi_secret(stack: StackRun) -> None:
    parameter = stack.named(f"{W}-secret").inputs
    assert parameter["type"] == "SecureString"
    assert parameter["value"] == {SECRET_SIGNATURE: "1b47061264138c4ac30d75fd1eb44270", "value": WEBHOOK_CONFIG["secret"]}
    key = stack.named("order-email-key-key").state["arn"]
    assert parameter.get("keyId") == (key if stack.stack == "prod" else None)  # else aws/ssm


def test_the_function_environment_names_the_parameter_never_the_secret(stack: StackRun) -> None:
    function = stack.named(f"{W}-function").inputs
    variables = function["environment"]["variables"]
    assert WEBHOOK_CONFIG["secret"] not in json.dumps(function, default=str)
    settings = WEBHOOK.read(variables)
    assert settings["secret_parameter"] == stack.named(f"{W}-secret").inputs["name"]
    assert settings["webhook_url"] == WEBHOOK_CONFIG["url"] and settings["max_attempts"] == 6
    assert settings["queue_url"] == stack.named(f"{W}-queue").state["url"]
    assert settings["dlq_url"] == stack.named(f"{W}-dlq").state["url"]
    assert function["handler"] == "handlers.webhook_delivery.handler"
    assert function["timeout"] == FUNCTION_TIMEOUT_SECONDS


def test_the_role_is_least_privilege(stack: StackRun) -> None:
    found = statements(policy_of(stack, f"{W}-function-policy"))
    queue, dlq = stack.named(f"{W}-queue").state["arn"], stack.named(f"{W}-dlq").state["arn"]
    assert found["ConsumeOwnQueue"]["Resource"] == queue
    assert "sqs:ChangeMessageVisibility" in found["ConsumeOwnQueue"]["Action"]
    assert found["DeadLetterInvalidInput"] == {"Sid": "DeadLetterInvalidInput", "Effect": "Allow",
                                               "Action": "sqs:SendMessage", "Resource": dlq}
    parameter_arn = stack.named(f"{W}-secret").state["arn"]
    assert parameter_arn.endswith(f":parameter/order-email/order-email-{stack.stack}/webhook-secret")
    assert found["ReadSigningSecret"]["Action"] == "ssm:GetParameter"
    assert found["ReadSigningSecret"]["Resource"] == parameter_arn
    assert ("UseStackKey" in found) is (stack.stack == "prod")
    assert set(found) == {"ConsumeOwnQueue", "DeadLetterInvalidInput", "ReadSigningSecret", "WriteOwnLogGroup",
                          *(["UseStackKey"] if stack.stack == "prod" else [])}


def test_the_queue_is_encrypted_and_dead_letters_after_the_attempts(stack: StackRun) -> None:
    queue = stack.named(f"{W}-queue").inputs
    redrive = json.loads(queue["redrivePolicy"])
    assert redrive == {"deadLetterTargetArn": stack.named(f"{W}-dlq").state["arn"], "maxReceiveCount": 6}
    assert queue["visibilityTimeoutSeconds"] >= 6 * FUNCTION_TIMEOUT_SECONDS
    for name in (f"{W}-queue", f"{W}-dlq"):
        inputs = stack.named(name).inputs
        if stack.stack == "prod":
            assert inputs["kmsMasterKeyId"] == stack.named("order-email-key-key").state["arn"]
        else:
            assert inputs["sqsManagedSseEnabled"] is True


@pytest.mark.parametrize("queue", ["queue", "dlq"])
def test_only_the_rule_may_send_to_the_queues_and_only_over_tls(stack: StackRun, queue: str) -> None:
    found = statements(policy_of(stack, f"{W}-{queue}-policy"))
    arn = stack.named(f"{W}-{queue}").state["arn"]
    assert found["StatusBusRuleSends"]["Principal"] == {"Service": "events.amazonaws.com"}
    assert found["StatusBusRuleSends"]["Resource"] == arn
    assert found["StatusBusRuleSends"]["Condition"] == {"ArnEquals": {"aws:SourceArn": stack.named(f"{W}-rule").state["arn"]}}
    assert found["DenyInsecureTransport"]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_a_rule_on_the_status_bus_targets_the_queue(stack: StackRun) -> None:
    rule = stack.named(f"{W}-rule").inputs
    bus = stack.named("order-email-feedback-status-bus").state["name"]
    assert rule["eventBusName"] == bus and json.loads(rule["eventPattern"]) == event_pattern()
    target = stack.named(f"{W}-target").inputs
    assert target["arn"] == stack.named(f"{W}-queue").state["arn"] and target["eventBusName"] == bus
    assert target["deadLetterConfig"] == {"arn": stack.named(f"{W}-dlq").state["arn"]}
    assert target["retryPolicy"]["maximumEventAgeInSeconds"] >= 3600
    mapping = stack.named(f"{W}-mapping").inputs
    assert mapping["eventSourceArn"] == stack.named(f"{W}-queue").state["arn"]
    assert mapping["functionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["scalingConfig"] == {"maximumConcurrency": 2}


def test_the_dead_letter_queue_is_alarmed_and_counted(stack: StackRun) -> None:
    alarm = stack.named("order-email-observability-dlq-webhook").inputs
    assert alarm["dimensions"] == {"QueueName": stack.named(f"{W}-dlq").state["name"]}
    assert alarm["threshold"] == 1 and alarm["alarmActions"]
    others = [resource for resource in stack.resources
              if resource.name in ("order-email-observability-queue-age-webhook", "order-email-observability-errors-webhook")]
    if parse_stack_config(stack_config(stack.stack)).observability == "lean":
        assert others == []  # a late or failing delivery ends in the DLQ, which lean still alarms on
    else:
        [age, _errors] = others
        assert age.inputs["dimensions"] == {"QueueName": stack.named(f"{W}-queue").state["name"]}
    status = stack.named("order-email-status-function").inputs["environment"]["variables"]
    assert stack.named(f"{W}-dlq").state["url"] in status["DEAD_LETTER_QUEUE_URLS"].split(",")
    assert stack.outputs["webhookDeadLetterQueueUrl"] == stack.named(f"{W}-dlq").state["url"]


def _config(**webhook: object) -> dict[str, str]:
    return {**stack_config("dev", REPO), "order-email:webhook": json.dumps(webhook)}


@pytest.mark.parametrize(("webhook", "named"), [
    ({"url": "http://shop.example.com/hook", "secret": "s" * 32}, "order-email:webhook.url: must be an https:// URL"),
    ({"url": "ftp://shop.example.com/hook", "secret": "s" * 32}, "order-email:webhook.url: must be an https:// URL"),
    ({"url": "https://user:pw@shop.example.com/hook", "secret": "s" * 32}, "webhook.url: must not carry credentials"),
    ({"url": "/hooks", "secret": "s" * 32}, "order-email:webhook.url: must be an absolute URL"),
    ({"url": "https://shop.example.com/hook", "secret": "short-secret"}, "order-email:webhook.secret: must be 32 to 256 characters"),
    ({"url": "https://shop.example.com/hook"}, "order-email:webhook.secret: required key is missing"),
    ({"url": "https://shop.example.com/hook", "secret": "s" * 32, "maxAttempts": 1}, "order-email:webhook.maxAttempts"),
    ({"url": "https://shop.example.com/hook", "secret": "s" * 32, "retries": 3}, "order-email:webhook.retries: unknown"),
])
def test_a_bad_webhook_value_is_refused_naming_the_key(webhook: dict[str, object], named: str) -> None:
    with pytest.raises(StackConfigError) as raised:
        parse_stack_config(_config(**webhook))
    assert named in str(raised.value)
    assert "short-secret" not in str(raised.value)


def test_loopback_http_is_allowed_for_local_mode() -> None:
    for url in ("http://127.0.0.1:8080/hook", "http://localhost/hook", "http://[::1]:9000/"):
        assert parse_stack_config(_config(url=url, secret="s" * 32)).webhook is not None


def test_a_bad_webhook_fails_the_program_before_any_resource() -> None:
    with pytest.raises(StackConfigError, match=r"order-email:webhook\.url"):
        run_stack("dev", project_dir=REPO, overrides={"order-email:webhook": json.dumps(
            {"url": "http://shop.example.com", "secret": "s" * 40})}, preview=True)


def test_eventbridge_may_encrypt_to_the_webhook_queue_only_when_it_is_on_the_stack_key() -> None:
    with_webhook = policy_of(recorded_stack_with_webhook("prod"), "order-email-key-key")
    found = statements(with_webhook)["EventBridgeRulesFillOurQueues"]
    assert found["Principal"] == {"Service": "events.amazonaws.com"}
    assert found["Action"] == ["kms:GenerateDataKey", "kms:Decrypt"]
    assert found["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}
    assert "EventBridgeRulesFillOurQueues" not in json.dumps(policy_of(recorded_stack("prod"), "order-email-key-key"))
    assert "EventBridgeRulesFillOurQueues" not in json.dumps(
        policy_of(recorded_stack_with_webhook("dev"), "order-email-key-key"))
