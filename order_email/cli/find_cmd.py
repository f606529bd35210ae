"""`find --recipient ADDRESS`: which e-mails went to an address, from the `byRecipient` index (by its hash).

The status API's `/recipients` read and validation (`DeliveriesReader.recipient_emails`,
`status_api.params.parse_recipients`); `--json` prints the API's answer. The address is never printed.
"""

from __future__ import annotations

from typing import Annotated

import typer

from order_email.cli import common
from order_email.cli.common import EXIT_PROBLEM, Endpoint, JsonFlag, StackName
from order_email.cli.deliveries_cmd import LimitOption, listing_table, usage_error
from order_email.cli.status_cmd import TableOption
from order_email.handlers.status_api.params import DEFAULT_LIMIT, BadParameter, parse_recipients
from order_email.handlers.status_api.queries import DeliveriesReader
from order_email.handlers.status_api.views import recipient_answer


def find(
    recipient: Annotated[str, typer.Option("--recipient", help="The address (any spelling; never printed in full).")],
    limit: LimitOption = DEFAULT_LIMIT,
    stack: StackName = "dev",
    endpoint: Endpoint = None,
    table: TableOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Find the e-mails sent to an address, newest first (masked; an erased address finds nothing).

    Exit 1 when none is recorded, 2 for a malformed address or limit, or no table name.
    """
    try:
        request = parse_recipients({"address": recipient, "limit": str(limit)})
    except BadParameter as error:
        usage_error(error, {"address": "--recipient", "limit": "--limit"})
    name = common.table_name(table, stack, "deliveriesTableName")
    with common.aws_errors():
        page = DeliveriesReader(common.aws_client("dynamodb", endpoint), name).recipient_emails(
            request.address, limit=request.limit)
    answer = recipient_answer(request, page)
    if json_output:
        common.print_json(answer)
    else:
        common.console.print(listing_table(f"e-mails to {answer['recipient']}", answer["emails"]))
        if answer["cursor"]:
            common.console.print(f"more than {request.limit}: raise --limit")
    if not answer["emails"]:
        common.fail(f"no e-mails recorded for {answer['recipient']} in table {name}", EXIT_PROBLEM)
