"""`deliveries --status STATUS --since DURATION`: recent e-mails with one status, from the `recentByStatus` index.

The same read and the same validation as the status API's `/deliveries` (`DeliveriesReader.recent_by_status`,
`status_api.params`): the duration becomes the listing's `since`, so its bounds (at most 31 days back) are the
API's, and `--json` prints the API's answer.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, NoReturn

import typer
from rich.markup import escape
from rich.table import Table

from order_email.cli import common
from order_email.cli.common import EXIT_USAGE, Endpoint, JsonFlag, StackName
from order_email.cli.status_cmd import TableOption
from order_email.handlers.shared.schema import iso
from order_email.handlers.status_api.params import DEFAULT_LIMIT, BadParameter, parse_duration, parse_listing
from order_email.handlers.status_api.queries import DeliveriesReader
from order_email.handlers.status_api.views import listing_answer

LimitOption = Annotated[int, typer.Option("--limit", help="Rows to show, newest first (1-200).")]


def usage_error(error: BadParameter, options: dict[str, str]) -> NoReturn:
    """A parameter the API's validation refused, named as the command's option; exit 2."""
    common.fail(f"{options.get(error.parameter, error.parameter)}: {error.message}", EXIT_USAGE)


def listing_table(title: str, rows: list[dict[str, Any]]) -> Table:
    """Listing rows (`views.listing_view`) as a table: the e-mail, its status since when, the masked recipient."""
    table = Table(title=title)
    for column in ("order", "kind", "status", "since", "sent", "recipient", "reason"):
        table.add_column(column)
    for row in rows:
        table.add_row(*(escape(str(value or "-")) for value in (
            row.get("orderId"), row.get("kind"), row.get("status"), row.get("statusSince"), row.get("sentAt"),
            row.get("recipient"), row.get("statusReason"))))
    return table


def deliveries(
    status: Annotated[str, typer.Option("--status", help="The status to list, e.g. BOUNCED, HELD, FAILED.")],
    since: Annotated[str, typer.Option("--since", help="How far back: a duration like 30m, 2h or 7d (at most 31d).")]
    = "24h",
    limit: LimitOption = DEFAULT_LIMIT,
    stack: StackName = "dev",
    endpoint: Endpoint = None,
    table: TableOption = None,
    json_output: JsonFlag = False,
) -> None:
    """List the e-mails that took a status recently, newest first (addresses masked).

    Exit 2 for an unknown status, a bad duration or limit, or no table name.
    """
    now = datetime.now(UTC)
    options = {"status": "--status", "since": "--since", "limit": "--limit"}
    try:
        request = parse_listing({"status": status, "since": iso(now - parse_duration(since)), "limit": str(limit)},
                                now)
    except BadParameter as error:
        usage_error(error, options)
    name = common.table_name(table, stack, "deliveriesTableName")
    with common.aws_errors():
        page = DeliveriesReader(common.aws_client("dynamodb", endpoint), name).recent_by_status(request, now)
    answer = listing_answer(request, page)
    if json_output:
        common.print_json(answer)
        return
    common.console.print(listing_table(f"{answer['status']} since {answer['since']}", answer["items"]))
    if answer["cursor"]:
        common.console.print(f"more than {request.limit}: raise --limit or shorten --since")
