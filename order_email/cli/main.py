"""The `order-email` operator CLI: assembles the command modules (each holds one area)."""

from __future__ import annotations

from typing import Annotated

import typer

from order_email import __version__
from order_email.cli import (
    console_cmd,
    dlq,
    erase,
    infra,
    local_cmd,
    policy_cmd,
    render_cmd,
    resend,
    schema_cmd,
    send_test,
    status_cmd,
    suppression,
)
from order_email.cli.deliveries_cmd import deliveries
from order_email.cli.doctor import doctor
from order_email.cli.find_cmd import find

app = typer.Typer(
    name="order-email",
    help="Operate the order-email system: preview and draw the stack, follow an order's e-mails, "
         "manage suppressions and dead letters, erase an address, resend an e-mail, check the policy pack, "
         "run it all locally.\n\n"
         "Exit codes: 0 ok, 1 found a problem or an operation failed, 2 usage or configuration error.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"order-email {__version__}")
        raise typer.Exit()


@app.callback()
def _options(version: Annotated[bool, typer.Option(
        "--version", callback=_print_version, is_eager=True, help="Print the version and exit.")] = False) -> None:
    """Options of `order-email` itself (before the command)."""


app.command("preview")(infra.preview)
app.command("graph")(infra.graph)
app.command("status")(status_cmd.status)
app.command("deliveries")(deliveries)
app.command("find")(find)
app.add_typer(suppression.app, name="suppression")
app.add_typer(dlq.app, name="dlq")
app.command("erase")(erase.erase)
app.command("resend")(resend.resend)
app.command("render")(render_cmd.render)
app.command("send-test")(send_test.send_test)
app.command("policy")(policy_cmd.policy)
app.command("local")(local_cmd.local)
app.command("schema")(schema_cmd.schema)
app.command("doctor")(doctor)
app.command("console")(console_cmd.console)

if __name__ == "__main__":
    app()
