"""A team's templates directory for the tests: the files a team would write, by name."""

from __future__ import annotations

from pathlib import Path

from order_email.handlers.sender.rendering import Part, template_name
from order_email.handlers.shared import schema

TEAM_HTML = "<h1>Acme</h1><p>Dear {{ order.customerName }}, order {{ order.orderId }}: {{ total }}</p>\n"
TEAM_TEXT = "ACME. Dear {{ order.customerName }}, order {{ order.orderId }}: {{ total }}\n"
TEAM_SUBJECT = "Acme order {{ order.orderId }}\n"


def team_templates(directory: Path, parts: dict[Part, str], kind: str = schema.ORDER_CONFIRMATION) -> Path:
    """`directory` (created) holding `kind`'s templates of `parts`, each under its template name."""
    directory.mkdir(parents=True, exist_ok=True)
    for part, source in parts.items():
        (directory / template_name(kind, part)).write_text(source, encoding="utf-8")
    return directory


def acme_templates(directory: Path) -> Path:
    """A complete set for the order confirmation: subject, text and HTML."""
    return team_templates(directory, {"subject": TEAM_SUBJECT, "text": TEAM_TEXT, "html": TEAM_HTML})
