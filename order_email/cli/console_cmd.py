"""`console`: the activity page on 127.0.0.1, backed by the stack's status API."""

from __future__ import annotations

from typing import Annotated

import boto3
import typer

from order_email.cli import common
from order_email.cli.common import EXIT_USAGE, StackName

Port = Annotated[int, typer.Option("--port", min=1, max=65535, help="Loopback port to serve the console on.")]
StatusUrl = Annotated[str | None, typer.Option(
    "--url", help="The status API's URL (default: the stack's statusApiUrl output).")]
DEFAULT_PORT = 8025


def console(stack: StackName = "dev", port: Port = DEFAULT_PORT, url: StatusUrl = None) -> None:
    """Serve the activity page on http://127.0.0.1:PORT until Ctrl-C: recent e-mails by status, search
    by order id and by recipient, each order's timeline, the suppression list, held and dead-lettered
    counts (addresses masked).

    Every page is a view on the status API, signed with your AWS credentials (SigV4, service `lambda`):
    the caller needs lambda:InvokeFunctionUrl and lambda:InvokeFunction on its function. For a local
    system, `order-email local --serve` prints the variables that point this command at it.
    """
    from order_email.console.client import StatusApiClient, url_region
    from order_email.console.pages import Console
    from order_email.console.server import ConsoleServer

    api_url = url or common.stack_output(stack, "statusApiUrl")
    if not api_url:
        common.fail(f"no status API URL: pass --url (the pulumi CLI, which would give the statusApiUrl output of "
                    f"stack {stack!r}, is not available or has no such output)", EXIT_USAGE)
    session = boto3.Session()
    credentials = session.get_credentials()
    if credentials is None:
        common.fail("no AWS credentials to sign status API requests with (set AWS_PROFILE or the AWS_* variables)",
                    EXIT_USAGE)
    region = url_region(api_url) or session.region_name
    if not region:
        common.fail("no region to sign status API requests for: set AWS_REGION", EXIT_USAGE)
    try:
        server = ConsoleServer(Console(StatusApiClient(api_url, credentials, region)), port)
    except ValueError as error:
        common.fail(str(error), EXIT_USAGE)
    except OSError as error:
        common.fail(f"cannot listen on 127.0.0.1:{port}: {error.strerror or error}", EXIT_USAGE)
    common.console.print(f"console: {server.url}/   (status API: {api_url}; Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
