"""OrderIntake under Pulumi mocks: in the real stacks and used alone; IAM auth, least privilege, outputs."""

from __future__ import annotations

import json

import pulumi
import pytest

from order_email.components import OrderIntake, StackConfigError
from order_email.components.config import parse_stack_config
from order_email.handlers.intake.settings import IntakeSettings
from order_email.mockstack import StackRun, run_program, run_stack
from tests.support.stacks import policy_of, statements

INTAKE = "order-email-intake"
TOPIC = "arn:aws:sns:us-east-1:444455556666:shop-orders"
KEY = "arn:aws:kms:us-east-1:444455556666:key/shop-key"


def test_the_url_is_iam_authenticated_and_exported(stack: StackRun) -> None:
    assert stack.named(f"{INTAKE}-url").inputs["authorizationType"] == "AWS_IAM"
    function = stack.named(f"{INTAKE}-function")
    assert stack.named(f"{INTAKE}-url").inputs["functionName"] == function.state["name"]
    assert stack.outputs["orderIntakeUrl"] == stack.named(f"{INTAKE}-url").state["functionUrl"]
    assert stack.outputs["orderIntakeUrl"].startswith("https://")
    assert stack.outputs["orderIntakeFunctionArn"] == function.state["arn"]


def test_the_role_may_only_publish_to_the_orders_topic(dev: StackRun) -> None:
    policy = statements(policy_of(dev, f"{INTAKE}-function-policy"))
    assert set(policy) == {"PublishOrders", "WriteOwnLogGroup"}  # dev's topic is under alias/aws/sns
    assert policy["PublishOrders"]["Action"] == "sns:Publish"
    assert policy["PublishOrders"]["Resource"] == dev.named("order-email-sender-orders").state["arn"]


def test_with_a_customer_managed_topic_key_the_role_may_use_that_key_only(prod: StackRun) -> None:
    policy = statements(policy_of(prod, f"{INTAKE}-function-policy"))
    topic = prod.named("order-email-sender-orders")
    assert policy["PublishOrders"]["Resource"] == topic.state["arn"]
    assert policy["UseStackKey"]["Action"] == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert policy["UseStackKey"]["Resource"] == topic.inputs["kmsMasterKeyId"]


def test_the_environment_is_what_the_handler_reads(stack: StackRun) -> None:
    function = stack.named(f"{INTAKE}-function").inputs
    assert function["handler"] == "handlers.order_intake.handler"
    settings = IntakeSettings.from_env(function["environment"]["variables"])
    assert settings.orders_topic_arn == stack.named("order-email-sender-orders").state["arn"]
    assert function["timeout"] == 10 and function["loggingConfig"]["logGroup"].endswith("/order-intake")


def test_no_permission_is_granted_unless_submitters_are_configured(dev: StackRun) -> None:
    assert [p for p in dev.of_type("aws:lambda/permission:Permission") if p.name.startswith(INTAKE)] == []


def test_each_configured_submitter_gets_both_function_url_permissions() -> None:
    submitters = ["444455556666", "arn:aws:iam::444455556666:role/order-system"]
    run = run_stack("dev", overrides={"order-email:orderSubmitters": json.dumps(submitters)})
    function = run.named(f"{INTAKE}-function").state["name"]
    grants = [p.inputs for p in run.of_type("aws:lambda/permission:Permission") if p.name.startswith(INTAKE)]
    assert {(g["principal"], g["action"]) for g in grants} == {
        (principal, action) for principal in submitters
        for action in ("lambda:InvokeFunctionUrl", "lambda:InvokeFunction")}
    assert all(g["function"] == function and g["statementId"].startswith("submitter-") for g in grants)
    assert all(g.get("functionUrlAuthType") == "AWS_IAM" for g in grants if g["action"] == "lambda:InvokeFunctionUrl")
    assert all(g.get("invokedViaFunctionUrl") is True for g in grants if g["action"] == "lambda:InvokeFunction")


@pytest.mark.parametrize(("key", "value", "message"), [
    ("orderSubmitters", '["*"]', r"order-email:orderSubmitters\.0: must be a 12-digit account id"),
    ("lambda", '{"intakeTimeoutSeconds": 5}', r"order-email:lambda\.intakeTimeoutSeconds: .*greater than or equal to 8"),
])
def test_bad_intake_config_fails_naming_the_key(key: str, value: str, message: str) -> None:
    base = {f"order-email:{name}": str(setting) for name, setting in {
        "environment": "dev", "senderDomain": "mail.shop.test", "fromAddress": "o@mail.shop.test",
        "fromName": "Shop", "sesMaxSendRate": 1, "dataRetentionDays": 7, "logRetentionDays": 7}.items()}
    with pytest.raises(StackConfigError, match=message):
        parse_stack_config(base | {f"order-email:{key}": value})


def _alone() -> None:
    intake = OrderIntake("shop-intake", {
        "name_prefix": "shop-staging", "environment": "staging", "orders_topic_arn": TOPIC,
        "topic_kms_key_arn": KEY, "log_retention_days": 14, "memory_mb": 128, "timeout_seconds": 8,
        "submitter_principals": ["444455556666"]})
    for output in ("url", "function_name", "function_arn", "log_group_name"):
        pulumi.export(output, getattr(intake, output))


def test_the_component_works_alone_in_another_program() -> None:
    run = run_program(_alone, stack="staging", config={"aws:region": "us-east-1"}, project="shop")
    assert {r.type for r in run.resources if not r.custom} == {"order-email:index:OrderIntake"}
    assert all(r.parent is not None for r in run.resources if r.custom)
    policy = statements(policy_of(run, "shop-intake-function-policy"))
    assert policy["PublishOrders"]["Resource"] == TOPIC and policy["UseStackKey"]["Resource"] == KEY
    assert len(run.of_type("aws:lambda/layerVersion:LayerVersion")) == 1  # used alone: its own layer
    function = run.named("shop-intake-function").state
    assert run.outputs["url"].startswith("https://") and run.outputs["function_arn"] == function["arn"]
    assert run.outputs["function_name"] == function["name"]
    assert run.outputs["log_group_name"] == "/order-email/shop-staging/order-intake"


def test_a_timeout_too_short_to_answer_503_is_refused() -> None:
    def program() -> None:
        OrderIntake("shop-intake", {"name_prefix": "shop", "environment": "staging", "orders_topic_arn": TOPIC,
                                    "log_retention_days": 14, "memory_mb": 128, "timeout_seconds": 3})

    with pytest.raises(ValueError, match="timeout_seconds must be at least 8"):
        run_program(program, stack="staging", config={"aws:region": "us-east-1"}, project="shop")
