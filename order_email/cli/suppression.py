"""`suppression list|add|remove`: the suppression table, keyed by the hash of the address."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

import typer
from boto3.dynamodb.types import TypeDeserializer
from email_validator import EmailNotValidError, validate_email
from rich.markup import escape
from rich.table import Table

from order_email.cli import common
from order_email.cli.common import EXIT_PROBLEM, EXIT_USAGE, Endpoint, JsonFlag, StackName
from order_email.cli.ses_suppression import forget_in_ses
from order_email.handlers.shared import schema
from order_email.handlers.shared.masking import address_hash, mask_address, normalise_address
from order_email.handlers.shared.suppression_item import SuppressionReason, suppression_item
from order_email.handlers.status_api.suppressions import entry_view

app = typer.Typer(help="List, add or remove suppressed addresses (stored by hash; shown masked).",
                  no_args_is_help=True)

SuppressionTable = Annotated[str | None, typer.Option(
    "--table", help="Suppression table name (default: the stack's suppressionTableName output).")]
Address = Annotated[str, typer.Argument(help="The e-mail address (never printed in full).")]
_deserializer = TypeDeserializer()


class ManualReason(StrEnum):
    """The `SuppressionReason`s an operator may give."""

    MANUAL = SuppressionReason.MANUAL.value
    BOUNCE = SuppressionReason.BOUNCE.value
    COMPLAINT = SuppressionReason.COMPLAINT.value


def checked_address(address: str) -> str:
    """The address in its one normalised form (`masking.normalise_address`), or a usage error.

    Validated for syntax only, so a typo is refused; email-validator's message quotes the address,
    so it is not shown.
    """
    try:
        validate_email(address.strip(), check_deliverability=False)
    except EmailNotValidError:
        common.fail("not an e-mail address (syntax only is checked: look for a typo)", EXIT_USAGE)
    return normalise_address(address)


def scan_suppressions(client: Any, table: str) -> list[dict[str, Any]]:
    """Every suppression item except the soft-bounce counters."""
    items = []
    for page in client.get_paginator("scan").paginate(TableName=table):
        for raw in page.get("Items", []):
            item = {key: _deserializer.deserialize(value) for key, value in raw.items()}
            if not str(item[schema.ADDRESS_HASH]).startswith(schema.SOFT_BOUNCE_PREFIX):
                items.append(item)
    return items


@app.command("list")
def list_suppressions(stack: StackName = "dev", table: SuppressionTable = None, endpoint: Endpoint = None,
                      json_output: JsonFlag = False) -> None:
    """Show every suppressed address (masked), why, since when and until when (expired ones marked)."""
    name = common.table_name(table, stack, "suppressionTableName")
    with common.aws_errors():
        items = scan_suppressions(common.aws_client("dynamodb", endpoint), name)
    now = time.time()
    views = sorted((entry_view(item, now) for item in items), key=lambda view: view["since"] or "", reverse=True)
    if json_output:
        common.print_json(views)
        return
    listing = Table(title=f"Suppressed addresses ({len(views)})")
    for column in ("address", "reason", "since", "expires", "source", "active"):
        listing.add_column(column)
    for view in views:
        listing.add_row(*(escape(str(view[column] if view[column] is not None else "-")) for column in
                          ("address", "reason", "since", "expires", "source", "active")))
    common.console.print(listing)


@app.command("add")
def add(address: Address,
        reason: Annotated[ManualReason, typer.Option("--reason", help="Why it is suppressed.")] = ManualReason.MANUAL,
        stack: StackName = "dev", table: SuppressionTable = None, endpoint: Endpoint = None) -> None:
    """Suppress an address permanently. An existing, unexpired suppression is kept as it is."""
    address = checked_address(address)
    name = common.table_name(table, stack, "suppressionTableName")
    now = datetime.now(UTC)
    client = common.aws_client("dynamodb", endpoint)
    with common.aws_errors():
        try:
            client.put_item(
                TableName=name,
                Item=suppression_item(address, SuppressionReason(reason), now, f"operator:{common.operator()}"),
                ConditionExpression="attribute_not_exists(#key) OR #expires < :now",
                ExpressionAttributeNames={"#key": schema.ADDRESS_HASH, "#expires": schema.EXPIRES_AT},
                ExpressionAttributeValues={":now": {"N": str(int(now.timestamp()))}},
            )
        except client.exceptions.ConditionalCheckFailedException:
            common.console.print(f"{escape(mask_address(address))} is already suppressed; left unchanged")
            return
    common.console.print(f"suppressed {escape(mask_address(address))} ({reason.value})")


@app.command("remove")
def remove(address: Address, stack: StackName = "dev", table: SuppressionTable = None,
           endpoint: Endpoint = None) -> None:
    """Lift the suppression of an address (and reset its soft-bounce count), here and in SES's account-level
    list (see `ses_suppression`). Exit 1 if it was suppressed in neither."""
    address = checked_address(address)
    name = common.table_name(table, stack, "suppressionTableName")
    client = common.aws_client("dynamodb", endpoint)
    key = address_hash(address)
    with common.aws_errors():
        client.delete_item(TableName=name, Key={schema.ADDRESS_HASH: {"S": schema.SOFT_BOUNCE_PREFIX + key}})
        try:
            client.delete_item(TableName=name, Key={schema.ADDRESS_HASH: {"S": key}},
                               ConditionExpression="attribute_exists(#key)",
                               ExpressionAttributeNames={"#key": schema.ADDRESS_HASH})
            ours = True
        except client.exceptions.ConditionalCheckFailedException:
            ours = False
        in_ses = forget_in_ses(common.aws_client("sesv2", endpoint), address)
    if not ours and not in_ses:
        common.fail(f"{mask_address(address)} is not suppressed", EXIT_PROBLEM)
    where = " and ".join(place for place, done in (("the suppression list", ours),
                                                    ("SES's account-level list", in_ses)) if done)
    common.console.print(f"removed the suppression of {escape(mask_address(address))} from {where}")
