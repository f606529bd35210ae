"""`dlq list|redrive`: look into a dead-letter queue and move its messages back to their source."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from order_email.cli import common
from order_email.cli.common import EXIT_PROBLEM, Endpoint, JsonFlag, YesFlag
from order_email.cli.dead_letters import masked_body
from order_email.handlers.shared.schema import iso

app = typer.Typer(help="Inspect and redrive dead-letter queues.", no_args_is_help=True)

QueueUrl = Annotated[str, typer.Argument(help="URL of the dead-letter queue.")]
BODY_PREVIEW = 120
_REASON_ATTRIBUTES = ("reason", "errorType", "source", "originalMessageId")


def message_view(message: dict[str, Any]) -> dict[str, Any]:
    """A dead letter for display: why it is there and a preview of its body without addresses or names."""
    attributes = message.get("Attributes", {})
    reasons = {name: value.get("StringValue") for name, value in message.get("MessageAttributes", {}).items()
               if name in _REASON_ATTRIBUTES}
    sent = attributes.get("SentTimestamp")
    body = masked_body(message.get("Body", ""))
    return {
        "messageId": message["MessageId"],
        "sentAt": iso(datetime.fromtimestamp(int(sent) / 1000, UTC)) if sent else None,
        "receiveCount": int(attributes.get("ApproximateReceiveCount", 0)),
        **{name: reasons.get(name) for name in _REASON_ATTRIBUTES},
        "body": body if len(body) <= BODY_PREVIEW else body[: BODY_PREVIEW - 1] + "…",
    }


FRUITLESS_ROUNDS = 3
"""Receives in a row that bring nothing new before peeking stops."""


def peek(sqs: Any, queue_url: str, limit: int, visibility_timeout: int = 0) -> list[dict[str, Any]]:
    """Up to `limit` messages, never deleted.

    With visibility timeout 0 (the default) every message stays available, so each receive samples
    the queue again and may repeat messages: a large queue shows a sample. A short timeout pages
    through all of them, hiding each for that many seconds (a redrive started meanwhile waits for them).
    """
    found: dict[str, dict[str, Any]] = {}
    fruitless = 0
    for _ in range(limit // 10 + 2 * FRUITLESS_ROUNDS):
        response = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10,
                                       VisibilityTimeout=visibility_timeout, WaitTimeSeconds=0,
                                       AttributeNames=["All"], MessageAttributeNames=["All"])
        new = [message for message in response.get("Messages", []) if message["MessageId"] not in found]
        fruitless = 0 if new else fruitless + 1
        for message in new[: limit - len(found)]:
            found[message["MessageId"]] = message
        if len(found) >= limit or fruitless >= FRUITLESS_ROUNDS:
            break
    return list(found.values())


@app.command("list")
def list_messages(queue_url: QueueUrl,
                  limit: Annotated[int, typer.Option("--max", min=1, max=1000, help="Show at most this many.")] = 50,
                  visibility_timeout: Annotated[int, typer.Option(
                      "--visibility-timeout", min=0, max=300,
                      help="Seconds each shown message stays hidden; 0 keeps all visible but may show a sample."),
                  ] = 0,
                  endpoint: Endpoint = None, json_output: JsonFlag = False) -> None:
    """Peek at dead letters without deleting them: reason, error type, source and a body preview with
    addresses masked and customer names hidden.

    By default messages are received with visibility timeout 0, so they stay visible and redrivable;
    on a large queue repeated receives then return a sample. --visibility-timeout N lists them all,
    hiding each for N seconds.
    """
    sqs = common.aws_client("sqs", endpoint)
    with common.aws_errors():
        messages = [message_view(message) for message in peek(sqs, queue_url, limit, visibility_timeout)]
    if json_output:
        common.print_json(messages)
        return
    table = Table(title=f"Dead letters ({len(messages)} shown)")
    for column in ("messageId", "sentAt", "receiveCount", "reason", "errorType", "source", "body"):
        table.add_column(column, overflow="fold")
    for message in messages:
        table.add_row(*(escape(str(message[column] if message[column] is not None else "-")) for column in
                        ("messageId", "sentAt", "receiveCount", "reason", "errorType", "source", "body")))
    common.console.print(table)


@app.command("redrive")
def redrive(queue_url: QueueUrl, yes: YesFlag = False,
            rate: Annotated[int | None, typer.Option("--max-per-second", min=1, max=500,
                                                     help="Throttle the move (default: SQS decides).")] = None,
            endpoint: Endpoint = None) -> None:
    """Move every message of a dead-letter queue back to the queue it came from (SQS message move task).

    Shows how many messages will move and asks first unless --yes. Exit 1 if declined or SQS refuses.
    """
    sqs = common.aws_client("sqs", endpoint)
    with common.aws_errors():
        attributes = sqs.get_queue_attributes(
            QueueUrl=queue_url, AttributeNames=["QueueArn", "ApproximateNumberOfMessages"])["Attributes"]
        count = int(attributes.get("ApproximateNumberOfMessages", 0))
        if count == 0:
            common.console.print("the queue is empty: nothing to redrive")
            return
        if not yes and not typer.confirm(f"Move about {count} message(s) back to their source queue?"):
            common.fail("redrive cancelled", EXIT_PROBLEM)
        request: dict[str, Any] = {"SourceArn": attributes["QueueArn"]}
        if rate:
            request["MaxNumberOfMessagesPerSecond"] = rate
        task = sqs.start_message_move_task(**request)
    common.console.print(f"moving about {count} message(s); task {escape(task.get('TaskHandle', '?'))}")
