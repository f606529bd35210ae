"""`render ORDER.json --out DIR [--event-type T]`: an order event's e-mail exactly as the sender would send it.

The same code path as the sender, not a copy: the sender's order model validates the file
(`handlers.sender.order`), its templates render it (`handlers.sender.rendering`), and its mailer builds
the SendEmail request (`handlers.sender.mailer.Mailer.request`) whose From, To and Reply-To are written
out. What the sender is configured with comes from the stack's `Pulumi.<stack>.yaml`, validated by the
stack's own config model (`components.config`): `fromName`, `fromAddress`, `replyTo`, and `sandboxMode`
(which rewrites a real customer to the mailbox simulator, as the sender does). Nothing is sent and no
AWS call is made.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from pydantic import ValidationError

from order_email.cli import common
from order_email.cli.common import EXIT_USAGE, JsonFlag, ProjectDir, StackName
from order_email.components.config import StackConfig, StackConfigError, parse_stack_config
from order_email.components.team_templates import TemplatesError, check_team_templates
from order_email.handlers.sender import rendering
from order_email.handlers.sender.addresses import delivery_address, mailbox_header
from order_email.handlers.sender.kinds import EVENT_TYPES, KINDS, KindSpec
from order_email.handlers.sender.mailer import Mailer, Sender
from order_email.handlers.sender.order import InvalidOrder, OrderEvent, order_document, validation_problems
from order_email.handlers.sender.rendering import EmailTemplates
from order_email.handlers.shared.event_types import ORDER_EVENT_TYPE
from order_email.handlers.status_api.views import scrub_addresses
from order_email.mockstack import Project

SUBJECT_FILE, HTML_FILE, TEXT_FILE, HEADERS_FILE = "subject.txt", "body.html", "body.txt", "headers.json"
"""What `render` writes into DIR: each part byte for byte as SES receives it (UTF-8), and the headers."""


def kind_of(event_type: str) -> KindSpec:
    """The e-mail kind an `eventType` is routed to (`sender.kinds`); exit 2 naming the option otherwise."""
    spec = KINDS.get(event_type)
    if spec is None:
        common.fail(f"--event-type {event_type[:60]!r} is not one of {', '.join(EVENT_TYPES)}", EXIT_USAGE)
    return spec


def read_order(path: Path, spec: KindSpec) -> OrderEvent:
    """The event in the file, validated by its kind's model as the sender does; exit 2 naming every bad field."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        common.fail(f"{path}: cannot read the order ({error})", EXIT_USAGE)
    try:
        return spec.model.model_validate(order_document(text))
    except InvalidOrder as error:
        common.fail(f"{path}: {error.reason}", EXIT_USAGE)
    except ValidationError as error:
        common.fail(f"{path}: not a valid order:\n  " + "\n  ".join(validation_problems(error)), EXIT_USAGE)


def stack_config(stack: str, project_dir: Path | None) -> StackConfig:
    """The stack's validated config from its `Pulumi.<stack>.yaml`; exit 2 when missing or invalid.

    Validated from the project directory, as Pulumi runs the program: `templatesDir` is relative to it."""
    try:
        project = Project.at(project_dir)
        with contextlib.chdir(project.directory):
            return parse_stack_config(project.stack_config(stack))
    except (StackConfigError, yaml.YAMLError) as error:
        common.fail(f"Pulumi.{stack}.yaml: {error}", EXIT_USAGE)
    except (OSError, ValueError) as error:  # no project, no stack file: the message names it
        common.fail(str(error), EXIT_USAGE)


def email_templates(directory: Path | None, option: str) -> EmailTemplates:
    """The templates the sender would render with: `directory`'s over the built-in ones, after the same
    check `pulumi preview` makes (every kind rendered with its sample); exit 2 naming the file."""
    if directory is None:
        return EmailTemplates()
    try:
        check_team_templates(directory.resolve(), setting=option)
    except TemplatesError as error:
        common.fail(str(error), EXIT_USAGE)
    return EmailTemplates(directory.resolve())


def send_request(order: OrderEvent, kind: str, config: StackConfig, templates: EmailTemplates) -> dict[str, Any]:
    """The SendEmail parameters the sender builds for this event of this kind on this stack (configuration
    set aside: its name is a deployed resource's, not config)."""
    sender = Sender.configured(config.from_name, config.from_address, config.reply_to, configuration_set="")
    to_header = mailbox_header(order.customerName, delivery_address(order.customerEmail, config.sandbox_mode))
    email = rendering.render(kind, order, templates)
    return Mailer(None, sender).request(to_header, email, order.orderId, kind)


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
    templates: Annotated[Path | None, typer.Option(
        "--templates", file_okay=False, help="A team's templates directory to render with (over the built-in "
                                             "ones); default: the stack's templatesDir, if it sets one.")] = None,
    event_type: Annotated[str, typer.Option(
        "--event-type", help=f"The event's eventType, which picks the e-mail kind: {', '.join(EVENT_TYPES)}.")
    ] = ORDER_EVENT_TYPE,
    stack: StackName = "dev",
    project_dir: ProjectDir = None,
    json_output: JsonFlag = False,
) -> None:
    """Write an order event's e-mail (the confirmation, or the kind --event-type picks) as the sender renders
    it: subject.txt, body.html, body.txt and headers.json (from, to, replyTo, tags) in DIR. Nothing is sent.

    The sender's settings come from the stack's Pulumi.<stack>.yaml (fromName, fromAddress, replyTo,
    sandboxMode: a sandbox stack mails the simulator instead of the customer, and so does the rendered To).
    With --templates (default: the stack's templatesDir) a team's templates render it, checked as
    `pulumi preview` checks them. Exit 2 for an invalid order (each bad field named), stack file,
    templates directory or DIR.
    """
    spec = kind_of(event_type)
    order = read_order(order_file, spec)
    config = stack_config(stack, project_dir)
    chosen = (templates, "--templates") if templates is not None else (config.templates_dir, "templatesDir")
    request = send_request(order, spec.kind, config, email_templates(*chosen))
    files = write_parts(request, out)
    summary = scrub_addresses({"orderId": order.orderId, "kind": spec.kind, "stack": stack,
                               "subject": request["Content"]["Simple"]["Subject"]["Data"],
                               "from": request["FromEmailAddress"], "to": request["Destination"]["ToAddresses"],
                               "replyTo": request.get("ReplyToAddresses", []), "files": files})
    if json_output:
        common.print_json(summary)
        return
    common.console.print(f"rendered {spec.kind} of order {order.orderId} (stack {stack}) into {out}: "
                         f"{', '.join(Path(path).name for path in files.values())}", markup=False)
    for label in ("subject", "from", "to", "replyTo"):
        value = summary[label]
        common.console.print(f"  {label + ':':<9} {', '.join(value) if isinstance(value, list) else value}",
                             markup=False)
