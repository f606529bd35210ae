"""A team's own e-mail templates: which files a templates directory may hold, and the preview check.

`EmailSender(templates_dir=...)` (the stack key `templatesDir`) packages the directory into the
sender's code archive (`packaging.handler_code_archive`) after `check_team_templates` has rendered
every kind with a sample event through the sender's own loader (`handlers.sender.rendering`), while
the program runs. So a template that does not compile, or uses a variable the context lacks
(`StrictUndefined`), fails `pulumi preview` naming the file, the line and the variable, never a
customer's e-mail; and an e-mail that would exceed SES's message size fails it too ("Using the SES v2
API or SMTP - Maximum message size (including attachments): 40 MB per message (after base64
encoding)", https://docs.aws.amazon.com/ses/latest/dg/quotas.html; the sender uses SESv2). The size is
counted as local mode's SES counts it (`ses_rules.message_size`, the parts before MIME encoding).

The directory holds only templates: `<stem>.html`, `<stem>.txt` and optionally `<stem>.subject.txt`
of a known kind (`rendering.template_name`); a kind's HTML and text come together. Hidden files
(`.DS_Store`, editor swap files) are ignored and never packaged. Anything else is refused, so a
misspelt name cannot silently fall back to the built-in template.
"""

from __future__ import annotations

import traceback
from pathlib import Path
from typing import Any

from jinja2 import TemplateError, TemplateSyntaxError

from order_email.handlers.sender.kinds import KINDS
from order_email.handlers.sender.mailer import Mailer, Sender
from order_email.handlers.sender.order import OrderEvent
from order_email.handlers.sender.rendering import PART_SUFFIXES, EmailTemplates, template_context, template_name
from order_email.handlers.shared import schema
from order_email.localmode.ses_rules import MAX_MESSAGE_BYTES, message_size

_CUSTOMER = {"orderId": "sample-1001", "customerEmail": "success@simulator.amazonses.com",
             "customerName": "Sam Sample", "timestamp": "2026-01-01T10:00:00Z", "metadata": {"channel": "web"}}
SAMPLE_DOCUMENTS: dict[str, dict[str, Any]] = {
    schema.ORDER_CONFIRMATION: {**_CUSTOMER, "currency": "EUR", "total": "21.00", "items": [
        {"name": "Espresso cup", "quantity": 2, "unitPrice": "9.50", "sku": "CUP-2"},
        {"name": "Gift wrap", "quantity": 1, "unitPrice": "2.00"}]},
    "order-shipped": {**_CUSTOMER, "carrier": "DHL", "trackingNumber": "JD014600006281230134",
                      "trackingUrl": "https://www.dhl.com/track?id=JD014600006281230134"},
    "order-cancelled": {**_CUSTOMER, "reason": "out of stock"},
}
"""One sample event per e-mail kind, as its publisher sends it (a new kind adds one here)."""

SAMPLE_EVENTS: dict[str, OrderEvent] = {
    spec.kind: spec.model.model_validate(SAMPLE_DOCUMENTS[spec.kind]) for spec in KINDS.values()}
"""One validated sample event per e-mail kind: what every template is rendered with at preview time."""


class TemplatesError(ValueError):
    """A templates directory that cannot be deployed; the message names the setting and the file."""


def expected_names() -> list[str]:
    """Every file name a templates directory may hold."""
    return sorted(template_name(kind, part) for kind in SAMPLE_EVENTS for part in PART_SUFFIXES)


def team_template_files(directory: Path, *, setting: str) -> dict[str, Path]:
    """`{file name: path}` of the templates in `directory`, sorted; `TemplatesError` naming `setting` when
    it is not a directory, holds something that is not a template, or holds one of a kind's bodies only."""
    if not directory.is_dir():
        raise TemplatesError(f"{setting}: {directory} is not a directory")
    allowed = expected_names()
    files: dict[str, Path] = {}
    for path in sorted(directory.iterdir()):
        if path.name.startswith("."):
            continue
        if not path.is_file() or path.name not in allowed:
            raise TemplatesError(f"{setting}: {path} is not a template; a templates directory holds only "
                                 f"{', '.join(allowed)}")
        try:
            path.read_text(encoding="utf-8")
        except UnicodeDecodeError as error:
            raise TemplatesError(f"{setting}: {path} is not UTF-8 text ({error.reason} at byte "
                                 f"{error.start})") from None
        files[path.name] = path
    for kind in SAMPLE_EVENTS:
        html, text = template_name(kind, "html"), template_name(kind, "text")
        if (html in files) != (text in files):
            present, missing = (html, text) if html in files else (text, html)
            raise TemplatesError(f"{setting}: {directory} has {present} but no {missing}: a kind's HTML and "
                                 "text templates come together")
    return files


def check_team_templates(directory: Path, *, setting: str) -> dict[str, Path]:
    """The directory's templates (as `team_template_files`), after every kind rendered from them with its
    sample event; `TemplatesError` naming the file, line and variable of the first that fails."""
    files = team_template_files(directory, setting=setting)
    templates = EmailTemplates(directory)
    for kind, sample in SAMPLE_EVENTS.items():
        try:
            email = templates.render(kind, sample)
        except TemplateSyntaxError as error:
            raise TemplatesError(f"{setting}: {error.filename or error.name}, line {error.lineno}: "
                                 f"{error.message}") from None
        except TemplateError as error:
            variables = ", ".join(sorted(template_context(sample)))
            raise TemplatesError(f"{setting}: {_failing_template(error)}: {error} (the variables are "
                                 f"{variables})") from None
        request = Mailer(None, Sender("", "", None, "")).request("", email, sample.orderId, kind)
        size = message_size(request["Content"])
        if size > MAX_MESSAGE_BYTES:
            raise TemplatesError(f"{setting}: the {kind} e-mail renders to {size} bytes; SES accepts at most "
                                 f"{MAX_MESSAGE_BYTES} (40 MB)")
    return files


def _failing_template(error: BaseException) -> str:
    """`file, line N` of the innermost template frame of `error` (Jinja2 rewrites tracebacks so a
    template's frames carry its file name and line)."""
    frames = [frame for frame in traceback.extract_tb(error.__traceback__)
              if frame.filename.endswith(tuple(PART_SUFFIXES.values()))]
    if not frames:
        return str(getattr(error, "filename", None) or "a template")
    return f"{frames[-1].filename}, line {frames[-1].lineno}"
