"""E-mail content by kind: `<kind>.subject.txt`, `<kind>.txt` and `<kind>.html`, compiled once per
cold start (on a kind's first e-mail), filled with the event's `template_context`.

The HTML template autoescapes, the text and subject templates do not (they are not HTML), and
`StrictUndefined` turns a template/context mismatch into an error instead of a blank in a
customer's e-mail. Customer data is only ever a template *value*, never template source, so a
name like `{{7*7}}` prints as written.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, select_autoescape

from .addresses import one_line
from .order import OrderEvent

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
"""`handlers/templates`, found from this file so an importing project packages the right files."""

_ENVIRONMENT = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False, default=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
    auto_reload=False,
)


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    html: str
    text: str


@functools.cache
def _templates(kind: str) -> tuple[Template, Template, Template]:
    """The kind's subject, text and HTML templates (`<kind>.subject.txt`, `<kind>.txt`, `<kind>.html`)."""
    return (_ENVIRONMENT.get_template(f"{kind}.subject.txt"), _ENVIRONMENT.get_template(f"{kind}.txt"),
            _ENVIRONMENT.get_template(f"{kind}.html"))


def render(kind: str, event: OrderEvent) -> RenderedEmail:
    """The `kind` e-mail of `event`."""
    subject, text, html = _templates(kind)
    context = event.template_context()
    return RenderedEmail(subject=one_line(subject.render(context)), html=html.render(context),
                         text=text.render(context))
