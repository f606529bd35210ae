"""`status ORDER_ID`: one order's e-mails and their timeline, straight from the deliveries table."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from order_email.cli import common
from order_email.cli.common import EXIT_PROBLEM, EXIT_USAGE, Endpoint, JsonFlag, StackName
from order_email.handlers.shared.order_ids import ORDER_ID_RULE, is_order_id
from order_email.handlers.status_api.queries import DeliveriesReader
from order_email.handlers.status_api.views import email_view

TableOption = Annotated[str | None, typer.Option("--table", help="Deliveries table name (default: the stack's "
                                                 "deliveriesTableName output, via the pulumi CLI).")]
_DETAIL_SKIP = frozenset({"type", "at", "id"})


def timeline(email: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(time, event, detail) rows of one e-mail: creation and history oldest first, then the current status.

    The current status is always the last row, whatever its time: an event's `at` is SES's timestamp,
    which can be later than the record's `lastUpdated` (the time our write took it).
    """
    rows: list[tuple[str, str, str]] = []
    if email.get("createdAt"):
        rows.append((email["createdAt"], "Created", f"attempts: {email.get('attempts', 0)}"))
    for entry in email.get("history") or []:
        detail = ", ".join(f"{key}={value}" for key, value in entry.items() if key not in _DETAIL_SKIP)
        rows.append((str(entry.get("at", "")), str(entry.get("type", "?")), detail))
    rows.sort(key=lambda row: row[0])
    if email.get("lastUpdated"):
        rows.append((email["lastUpdated"], f"Now {email.get('status', 'no status')}",
                     str(email.get("statusReason") or "")))
    return rows


def _summary(emails: list[dict[str, Any]]) -> Table:
    table = Table(title="E-mails", show_lines=False)
    for column in ("kind", "status", "recipient", "attempts", "sent", "opens", "clicks", "reason"):
        table.add_column(column)
    for email in emails:
        table.add_row(*(escape(str(value)) for value in (
            email.get("kind"), email.get("status", "-"), email.get("recipient") or "-", email.get("attempts", 0),
            email.get("sentAt") or "-", email.get("opens", 0), email.get("clicks", 0),
            email.get("statusReason") or "")))
    return table


def _order_table(order_id: str, order: dict[str, Any]) -> Table:
    """The kept order (`email_view`'s `order`, customer name left out): its lines, total, time and metadata."""
    table = Table(title=f"{escape(order_id)}: order of {escape(str(order.get('timestamp', '?')))}")
    for column in ("item", "sku", "quantity", "unit price"):
        table.add_column(column)
    for item in order.get("items") or []:
        table.add_row(*(escape(str(value)) for value in (
            item.get("name"), item.get("sku") or "-", item.get("quantity"), item.get("unitPrice"))))
    if "items" in order:
        table.add_row("total", "", "", escape(f"{order.get('total')} {order.get('currency')}"))
    for key, value in order.items():  # a kind without a basket (a shipment's carrier, tracking, ...)
        if key not in ("items", "total", "currency", "timestamp", "metadata"):
            table.add_row(escape(key), "", "", escape(str(value)))
    for key, value in (order.get("metadata") or {}).items():
        table.add_row(escape(f"metadata {key}"), "", "", escape(str(value)))
    return table


def status(
    order_id: Annotated[str, typer.Argument(help="The order whose e-mails to show.")],
    stack: StackName = "dev",
    endpoint: Endpoint = None,
    table: TableOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Show what happened to an order's e-mails: status, counters, the order and a timeline (addresses masked,
    the customer's name left out).

    Exit 1 when nothing is recorded for the order, 2 for a malformed order id or no table name.
    """
    if not is_order_id(order_id):
        common.fail(f"orderId must be {ORDER_ID_RULE}", EXIT_USAGE)
    name = common.table_name(table, stack, "deliveriesTableName")
    with common.aws_errors():
        items = DeliveriesReader(common.aws_client("dynamodb", endpoint), name).order_emails(order_id)
    if not items:
        common.fail(f"no e-mails recorded for order {order_id!r} in table {name}", EXIT_PROBLEM)
    emails = sorted((email_view(item) for item in items), key=lambda email: email["kind"])
    if json_output:
        common.print_json({"orderId": order_id, "emails": emails})
        return
    render_emails(order_id, emails)


def render_emails(order_id: str, emails: list[dict[str, Any]]) -> None:
    """The e-mails table and one timeline per e-mail (also used by `local` with the status API's JSON)."""
    common.console.print(_summary(emails))
    for email in emails:
        if email.get("order"):
            common.console.print(_order_table(order_id, email["order"]))
        events = Table(title=f"{escape(order_id)} / {escape(email['kind'])}")
        for column in ("time", "event", "detail"):
            events.add_column(column)
        for row in timeline(email):
            events.add_row(*(escape(cell) for cell in row))
        common.console.print(events)
