"""The status API's operator routes as the stacks declare them: the suppression table and the
dead-letter queues in its environment, and a role that may read exactly those and nothing more."""

from __future__ import annotations

from typing import Any

import pytest

from order_email.components import StatusApi
from order_email.handlers.status_api.settings import StatusApiSettings
from order_email.mockstack import StackRun, run_program
from tests.support.stacks import policy_of, statements

STATUS = "order-email-status-function"
DEAD_LETTER_QUEUES = ("order-email-sender-queue-dlq", "order-email-feedback-queue-dlq", "order-email-feedback-outbox-dlq")


def test_the_status_function_is_told_the_suppression_table_and_every_dead_letter_queue(stack: StackRun) -> None:
    settings = StatusApiSettings.from_env(stack.named(STATUS).inputs["environment"]["variables"])
    assert settings.suppression_table == stack.named("order-email-store-suppression").state["name"]
    assert settings.dead_letter_queue_urls == tuple(stack.named(name).state["url"] for name in DEAD_LETTER_QUEUES)


def test_the_status_role_reads_the_suppression_table_and_counts_dead_letters_only(stack: StackRun) -> None:
    policy = statements(policy_of(stack, f"{STATUS}-policy"))
    suppression_arn = stack.named("order-email-store-suppression").state["arn"]
    assert policy["ReadSuppressionList"] == {"Sid": "ReadSuppressionList", "Effect": "Allow",
                                             "Action": ["dynamodb:Scan", "dynamodb:Query"],
                                             "Resource": suppression_arn}
    dead_letter_arns = sorted(stack.named(name).state["arn"] for name in DEAD_LETTER_QUEUES)
    assert policy["CountDeadLetters"]["Action"] == "sqs:GetQueueAttributes"
    assert sorted(policy["CountDeadLetters"]["Resource"]) == dead_letter_arns
    others = [statement for sid, statement in policy.items() if sid != "WriteOwnLogGroup"]
    actions = {action for statement in others for action in
               ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])}
    assert actions <= {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem", "dynamodb:Scan",
                       "sqs:GetQueueAttributes", "kms:Decrypt"}
    assert "*" not in str([statement["Resource"] for statement in others])


@pytest.mark.parametrize(("extra", "message"), [
    ({"suppression_table_name": "s"}, "suppression_table_name and suppression_table_arn together"),
    ({"dead_letter_queue_urls": ["u1", "u2"], "dead_letter_queue_arns": ["a1"]}, "one dead_letter_queue_arns entry per"),
])
def test_the_status_component_refuses_half_a_suppression_table_or_unpaired_queues(extra: dict[str, Any],
                                                                                  message: str) -> None:
    def program() -> None:
        StatusApi("shop-status", {"name_prefix": "p", "environment": "dev", "deliveries_table_name": "d",
                                  "deliveries_table_arn": "arn:aws:dynamodb:us-east-1:123456789012:table/d",
                                  "log_retention_days": 7, "memory_mb": 128, "timeout_seconds": 5,
                                  **extra})  # type: ignore[typeddict-item]

    with pytest.raises(Exception, match=message):
        run_program(program, stack="staging", config={"aws:region": "us-east-1"}, project="shop")
