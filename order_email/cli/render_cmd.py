"""`render ORDER.json --out DIR`: the order-confirmation e-mail exactly as the sender would send it.

The same code path as the sender, not a copy: the sender's order model validates the file
(`handlers.sender.order`), its templates render it (`handlers.sender.rendering`), and its mailer builds
the SendEmail request (`handlers.sender.mailer.Mailer.request`) whose From, To and Reply-To are written
out. What the sender is configured with comes from the stack's `Pulumi.<stack>.yaml`, validated by the
stack's own config model (`components.config`): `fromName`, `fromAddress`, `replyTo`, and `sandboxMode`
(which rewrites a real customer to the mailbox simulator, as the sender does). Nothing is sent and no
AWS call is made.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from pydantic import ValidationError

from order_email.cli import common
from order_email.cli.common import EXIT_USAGE, JsonFlag, ProjectDir, StackName
from order_email.components.config import StackConfig, StackConfigError, parse_stack_config
from order_email.handlers.sender.addresses import delivery_address, mailbox_header
from order_email.handlers.sender.mailer import Mailer, Sender
from order_email.handlers.sender.order import InvalidOrder, Order, order_document, validation_problems
from order_email.handlers.sender.rendering import render as render_email
from order_email.handlers.shared import schema
from order_email.handlers.status_api.views import scrub_addresses
from order_email.mockstack import Project

SUBJECT_FILE, HTML_FILE, TEXT_FILE, HEADERS_FILE = "subject.txt", "body.html", "body.txt", "headers.json"
"""What `render` writes into DIR: each part byte for byte as SES receives it (UTF-8), and the headers."""


def read_order(path: Path) -> Order:
    """The order in the file, validated by the sender's model; exit 2 naming every bad field."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        common.fail(f"{path}: cannot read the order ({error})", EXIT_USAGE)
    try:
        return Order.model_validate(order_document(text))
    except InvalidOrder as error:
        common.fail(f"{path}: {error.reason}", EXIT_USAGE)
    except ValidationError as error:
        common.fail(f"{path}: not a valid order:\n  " + "\n  ".join(validation_problems(error)), EXIT_USAGE)


def stack_config(stack: str, project_dir: Path | None) -> StackConfig:
    """The stack's validated config from its `Pulumi.<stack>.yaml`; exit 2 when missing or invalid."""
    try:
        return parse_stack_config(Project.at(project_dir).stack_config(stack))
    except (StackConfigError, yaml.YAMLError) as error:
        common.fail(f"Pulumi.{stack}.yaml: {error}", EXIT_USAGE)
    except (OSError, ValueError) as error:  # no project, no stack file: the message names it
        common.fail(str(error), EXIT_USAGE)


def send_request(order: Order, config: StackConfig) -> dict[str, Any]:
    """The SendEmail parameters the sender builds for this order on this stack (configuration set aside:
    its name is a deployed resource's, not config)."""
    sender = Sender.configured(config.from_name, config.from_address, config.reply_to, configuration_set="")
    to_header = mailbox_header(order.customerName, delivery_address(order.customerEmail, config.sandbox_mode))
    return Mailer(None, sender).request(to_header, render_email(schema.ORDER_CONFIRMATION, order), order.orderId,
                                        schema.ORDER_CONFIRMATION)


def write_parts(request: dict[str, Any], out: Path) -> dict[str, str]:
    """Subject, HTML, text and headers into `out` (created); file role → path."""
    simple = request["Content"]["Simple"]
    headers = {"from": request["FromEmailAddress"], "to": request["Destination"]["ToAddresses"],
               "replyTo": request.get("ReplyToAddresses", []),
               "tags": {tag["Name"]: tag["Value"] for tag in request["EmailTags"]}}
    parts = {SUBJECT_FILE: simple["Subject"]["Data"], HTML_FILE: simple["Body"]["Html"]["Data"],
             TEXT_FILE: simple["Body"]["Text"]["Data"], HEADERS_FILE: common.json_text(headers) + "\n"}
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, content in parts.items():
            (out / name).write_text(content, encoding="utf-8", newline="")
    except OSError as error:
        common.fail(f"--out {out}: {error}", EXIT_USAGE)
    return {"subject": str(out / SUBJECT_FILE), "html": str(out / HTML_FILE), "text": str(out / TEXT_FILE),
            "headers": str(out / HEADERS_FILE)}


def render(
    order_file: Annotated[Path, typer.Argument(metavar="ORDER.json", help="An order event JSON (as published).")],
    out: Annotated[Path, typer.Option("--out", "-o", file_okay=False, help="Directory to write the parts to.")],
    stack: StackName = "dev",
    project_dir: ProjectDir = None,
    json_output: JsonFlag = False,
) -> None:
    """Write an order's confirmation e-mail as the sender renders it: subject.txt, body.html, body.txt and
    headers.json (from, to, replyTo, tags) in DIR. Nothing is sent.

    The sender's settings come from the stack's Pulumi.<stack>.yaml (fromName, fromAddress, replyTo,
    sandboxMode: a sandbox stack mails the simulator instead of the customer, and so does the rendered To).
    Exit 2 for an invalid order (each bad field named), stack file or DIR.
    """
    order = read_order(order_file)
    request = send_request(order, stack_config(stack, project_dir))
    files = write_parts(request, out)
    summary = scrub_addresses({"orderId": order.orderId, "stack": stack,
                               "subject": request["Content"]["Simple"]["Subject"]["Data"],
                               "from": request["FromEmailAddress"], "to": request["Destination"]["ToAddresses"],
                               "replyTo": request.get("ReplyToAddresses", []), "files": files})
    if json_output:
        common.print_json(summary)
        return
    common.console.print(f"rendered order {order.orderId} (stack {stack}) into {out}: "
                         f"{', '.join(Path(path).name for path in files.values())}", markup=False)
    for label in ("subject", "from", "to", "replyTo"):
        value = summary[label]
        common.console.print(f"  {label + ':':<9} {', '.join(value) if isinstance(value, list) else value}",
                             markup=False)
