"""E-mail content: Jinja2 templates by kind, a team's own first and the built-in ones behind them.

Each kind has three templates, named `<stem>.subject.txt`, `<stem>.txt` and `<stem>.html` after the
kind (`template_name`). They are looked up in a team's templates directory first and in the built-in
`handlers/templates` second (one `ChoiceLoader`), so a kind — or only its subject — the team does not
provide falls back to the built-in template. The sender renders with the team directory packaged into
its code archive at `handlers/team_templates` (`PACKAGED_TEAM_DIR`, absent when the stack sets none);
`pulumi preview` and `order-email render` build `EmailTemplates` over the directory they are given.

The HTML template autoescapes, the text and subject templates do not (they are not HTML), and
`StrictUndefined` turns a template/context mismatch into an error instead of a blank in a
customer's e-mail. Customer data is only ever a template *value*, never template source, so a
name like `{{7*7}}` prints as written. Templates compile on a kind's first e-mail and are kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from jinja2 import BaseLoader, ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, Template, select_autoescape

from .addresses import one_line
from .order import OrderEvent

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
"""`handlers/templates`, found from this file so an importing project packages the right files."""

TEAM_TEMPLATES_FOLDER = "team_templates"
"""Folder of the `handlers` package a team's templates are packaged into (`components.packaging`)."""

PACKAGED_TEAM_DIR = Path(__file__).resolve().parent.parent / TEAM_TEMPLATES_FOLDER
"""Where the sender finds the team's templates in its code archive; absent without `templatesDir`."""

Part = Literal["subject", "text", "html"]
PART_SUFFIXES: dict[Part, str] = {"subject": ".subject.txt", "text": ".txt", "html": ".html"}
"""Each part of an e-mail and the file-name suffix of its template."""


def template_stem(kind: str) -> str:
    """The file-name stem of a kind's templates: the one place the kind → file name rule lives."""
    return kind


def template_name(kind: str, part: Part) -> str:
    """`order-confirmation.html`: the file a kind's part is rendered from, in either directory."""
    return template_stem(kind) + PART_SUFFIXES[part]


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    html: str
    text: str


def template_context(event: OrderEvent) -> dict[str, Any]:
    """What the templates see: the validated event as `order`, and the kind's display strings
    (`OrderEvent.template_context`, money already formatted)."""
    return {"order": event, **event.template_context()}


class EmailTemplates:
    """The templates e-mails are rendered from: `team_dir`'s first (when given), the built-in ones behind."""

    def __init__(self, team_dir: Path | None = None):
        loaders: list[BaseLoader] = [FileSystemLoader(team_dir)] if team_dir is not None else []
        self.team_dir = team_dir
        self._environment = Environment(
            loader=ChoiceLoader([*loaders, FileSystemLoader(TEMPLATES_DIR)]),
            autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False, default=False),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            auto_reload=False,
        )
        self._compiled: dict[tuple[str, Part], Template] = {}

    def template(self, kind: str, part: Part) -> Template:
        """The compiled template of a kind's part; `TemplateSyntaxError` names its file and line."""
        key = (kind, part)
        if key not in self._compiled:
            self._compiled[key] = self._environment.get_template(template_name(kind, part))
        return self._compiled[key]

    def render(self, kind: str, event: OrderEvent) -> RenderedEmail:
        """The `kind` e-mail of `event`; a variable the context lacks raises `UndefinedError`."""
        context = template_context(event)
        return RenderedEmail(
            subject=one_line(self.template(kind, "subject").render(context)),
            html=self.template(kind, "html").render(context),
            text=self.template(kind, "text").render(context),
        )


PACKAGED_TEMPLATES = EmailTemplates(PACKAGED_TEAM_DIR if PACKAGED_TEAM_DIR.is_dir() else None)
"""What the sender renders with: the packaged team templates over the built-in ones."""


def render(kind: str, event: OrderEvent, templates: EmailTemplates = PACKAGED_TEMPLATES) -> RenderedEmail:
    """The `kind` e-mail of `event`, from the packaged team templates over the built-in ones by default."""
    return templates.render(kind, event)
