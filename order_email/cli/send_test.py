"""`send-test --to success|bounce|complaint`: a synthetic order through the whole stack, followed to its end.

The order is published to the stack's orders topic exactly as an order service publishes one (the
`ordersTopicArn` output, the `eventType` message attribute) and addressed to the SES mailbox simulator,
so it tries the real path — sender, SES, the event destination, the feedback function — without
mailing anyone and without touching the account's reputation or daily quota. Each run uses a fresh
label (`bounce+<token>@simulator.amazonses.com`): the simulator "supports labeling, which enables you to
send emails to the same mailbox simulator address in multiple ways, for example bounce+label1@ and
bounce+label2@" (Amazon SES Developer Guide, "Using the mailbox simulator",
https://docs.aws.amazon.com/ses/latest/DeveloperGuide/mailbox-simulator.html), so the stack's own
suppression list, which holds the previous run's bounced or complained address, never turns the next run
into SUPPRESSED. The record is then read from the deliveries table (strongly consistent Query) until it
reaches the expected status, a status it cannot move on from, or the timeout.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

import typer

from order_email.cli import common
from order_email.cli.common import EXIT_PROBLEM, EXIT_USAGE, Endpoint, JsonFlag, StackName
from order_email.handlers.sender.addresses import SIMULATOR_DOMAIN
from order_email.handlers.sender.order import Order
from order_email.handlers.shared import schema
from order_email.handlers.shared.event_types import EVENT_TYPE_ATTRIBUTE, ORDER_EVENT_TYPE
from order_email.handlers.shared.masking import mask_address
from order_email.handlers.shared.statuses import TERMINAL, EmailStatus
from order_email.handlers.status_api.queries import DeliveriesReader
from order_email.handlers.status_api.views import email_view

POLL_SECONDS = 0.5
"""How often the record is read: one strongly consistent Query each time."""


class Outcome(StrEnum):
    """The mailbox-simulator scenarios a send test can ask for."""

    SUCCESS = "success"
    BOUNCE = "bounce"
    COMPLAINT = "complaint"


EXPECTED = {Outcome.SUCCESS: EmailStatus.DELIVERED, Outcome.BOUNCE: EmailStatus.BOUNCED,
            Outcome.COMPLAINT: EmailStatus.COMPLAINED}
SETTLED = TERMINAL | {EmailStatus.BOUNCED, EmailStatus.COMPLAINED}
"""Statuses a record does not move on from in a send test: a wrong one of these fails it at once."""


def verdict(status: str | None, expected: EmailStatus) -> bool | None:
    """True once the expected status is reached, False once a settled other one is, None while waiting
    (no record yet, SENDING, SENT, HELD and retried, DELIVERED on the way to COMPLAINED …) (pure)."""
    if status == expected:
        return True
    if status in SETTLED:
        return False
    return None


def synthetic_order(outcome: Outcome, now: datetime, token: str) -> dict[str, Any]:
    """A valid order (checked against the sender's model) addressed to a fresh simulator label."""
    order = {
        "orderId": f"send-test-{now:%Y%m%dT%H%M%SZ}-{token}",
        "customerEmail": f"{outcome.value}+{token}@{SIMULATOR_DOMAIN}",
        "customerName": "Send Test",
        "items": [{"name": "order-email send-test", "quantity": 1, "unitPrice": "1.00", "sku": "SEND-TEST"}],
        "total": "1.00",
        "currency": "EUR",
        "timestamp": schema.iso(now),
        "metadata": {"source": "order-email send-test", "expected": EXPECTED[outcome].value},
    }
    Order.model_validate(order)
    return order


@dataclass
class Follow:
    """What was seen of the record while following it."""

    started: float
    steps: list[dict[str, Any]] = field(default_factory=list)
    email: dict[str, Any] | None = None

    @property
    def status(self) -> str | None:
        return self.steps[-1]["status"] if self.steps else None

    def elapsed(self) -> float:
        return round(time.monotonic() - self.started, 2)


def follow(read: Callable[[], dict[str, Any] | None], expected: EmailStatus, timeout: float,
           on_change: Callable[[dict[str, Any]], None]) -> tuple[Follow, bool | None]:
    """Read the e-mail's (masked) view until `verdict` decides or `timeout` passes (verdict None)."""
    seen = Follow(time.monotonic())
    deadline = seen.started + timeout
    while True:
        email = read()
        if email is not None:
            seen.email = email
            status = str(email.get("status") or "")
            if status and status != seen.status:
                step = {"status": status, "at": schema.iso(schema.utc_now()), "elapsedSeconds": seen.elapsed(),
                        "reason": email.get("statusReason")}
                seen.steps.append(step)
                on_change(step)
            decided = verdict(status, expected)
            if decided is not None:
                return seen, decided
        if time.monotonic() >= deadline:
            return seen, None
        time.sleep(POLL_SECONDS)


def _progress(step: dict[str, Any]) -> None:
    reason = f"  ({step['reason']})" if step.get("reason") else ""
    common.errors.print(f"{step['elapsedSeconds']:7.1f}s  {step['status']}{reason}", markup=False, soft_wrap=True)


def _region(topic_arn: str) -> str | None:
    parts = topic_arn.split(":")
    return parts[3] if len(parts) > 5 and parts[0] == "arn" and parts[3] else None


def send_test(
    to: Annotated[Outcome, typer.Option("--to", case_sensitive=False, help="The simulator scenario: success "
                                        "(must end DELIVERED), bounce (BOUNCED) or complaint (COMPLAINED).")],
    stack: StackName = "dev",
    endpoint: Endpoint = None,
    topic_arn: Annotated[str | None, typer.Option("--topic-arn", help="Orders topic (default: the stack's "
                                                  "ordersTopicArn output).")] = None,
    table: Annotated[str | None, typer.Option("--table", help="Deliveries table (default: the stack's "
                                              "deliveriesTableName output).")] = None,
    timeout: Annotated[float, typer.Option("--timeout", min=1, help="Seconds to wait for the final status.")] = 300,
    json_output: JsonFlag = False,
) -> None:
    """Publish a synthetic order to the stack's orders topic, addressed to the SES mailbox simulator, and follow
    it to its final status (each change on stderr as it happens).

    Exit 0 when the outcome is the expected one (success → DELIVERED, bounce → BOUNCED, complaint →
    COMPLAINED), 1 for another outcome or a timeout (saying which), 2 for usage or configuration errors
    (no topic or table). --json prints {orderId, stack, recipient, expected, outcome, passed, timedOut,
    elapsedSeconds, snsMessageId, timeline: [{status, at, elapsedSeconds, reason}], history} at the end.
    """
    topic = topic_arn or common.stack_output(stack, "ordersTopicArn")
    if not topic:
        common.fail(f"no orders topic: pass --topic-arn (the pulumi CLI, which would give the ordersTopicArn "
                    f"output of stack {stack!r}, is not available or has no such output)", EXIT_USAGE)
    name = common.table_name(table, stack, "deliveriesTableName")
    expected = EXPECTED[to]
    order = synthetic_order(to, schema.utc_now(), secrets.token_hex(6))
    order_id = str(order["orderId"])
    region = _region(topic)
    with common.aws_errors():
        published = common.aws_client("sns", endpoint, region).publish(
            TopicArn=topic, Message=common.json_text(order),
            MessageAttributes={EVENT_TYPE_ATTRIBUTE: {"DataType": "String", "StringValue": ORDER_EVENT_TYPE}})
        reader = DeliveriesReader(common.aws_client("dynamodb", endpoint, region), name)
        common.errors.print(f"published order {order_id} to {mask_address(order['customerEmail'])} "
                            f"(expecting {expected}); following it in {name}", markup=False, soft_wrap=True)

        def read() -> dict[str, Any] | None:
            items = [item for item in reader.order_emails(order_id)
                     if item.get(schema.KIND) == schema.ORDER_CONFIRMATION]
            return email_view(items[0]) if items else None

        seen, decided = follow(read, expected, timeout, _progress)
    result = {"orderId": order_id, "stack": stack, "recipient": mask_address(order["customerEmail"]),
              "expected": expected.value, "outcome": seen.status, "passed": decided is True,
              "timedOut": decided is None, "elapsedSeconds": seen.elapsed(),
              "snsMessageId": published.get("MessageId"), "timeline": seen.steps,
              "history": (seen.email or {}).get("history", [])}
    if json_output:
        common.print_json(result)
    if decided is None:
        common.fail(f"timed out after {timeout:g}s waiting for {expected}; last status: "
                    f"{seen.status or 'no delivery record yet'}", EXIT_PROBLEM)
    if not decided:
        common.fail(f"wrong outcome: {seen.status}, expected {expected}", EXIT_PROBLEM)
    if not json_output:
        common.console.print(f"passed: order {order_id} reached {expected} in {result['elapsedSeconds']:g}s",
                             markup=False)
