"""Order confirmation content: Jinja2 templates compiled once per cold start, money from `Decimal`.

The HTML template autoescapes, the text and subject templates do not (they are not HTML), and
`StrictUndefined` turns a template/context mismatch into an error instead of a blank in a
customer's e-mail. Customer data is only ever a template *value*, never template source, so a
name like `{{7*7}}` prints as written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from .addresses import one_line
from .money import format_money
from .order import Order

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
_SUBJECT = _ENVIRONMENT.get_template("order_confirmation.subject.txt")
_TEXT = _ENVIRONMENT.get_template("order_confirmation.txt")
_HTML = _ENVIRONMENT.get_template("order_confirmation.html")


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    html: str
    text: str


def template_context(order: Order) -> dict[str, Any]:
    """What the templates see: display strings only, money already formatted."""
    return {
        "order_id": order.orderId,
        "customer_name": order.customerName,
        "placed_on": order.timestamp.strftime("%Y-%m-%d"),
        "items": [
            {
                "name": item.name,
                "sku": item.sku,
                "quantity": item.quantity,
                "unit_price": format_money(item.unitPrice, order.currency),
                "line_total": format_money(item.unitPrice * item.quantity, order.currency),
            }
            for item in order.items
        ],
        "total": format_money(order.total, order.currency),
    }


def render_order_confirmation(order: Order) -> RenderedEmail:
    context = template_context(order)
    return RenderedEmail(
        subject=one_line(_SUBJECT.render(context)),
        html=_HTML.render(context),
        text=_TEXT.render(context),
    )
