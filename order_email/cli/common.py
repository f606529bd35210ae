"""What every command shares: exit codes, output, AWS clients, and finding the stack's table names."""

from __future__ import annotations

import getpass
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import boto3
import typer
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError
from rich.console import Console
from rich.markup import escape

EXIT_OK = 0
EXIT_PROBLEM = 1
"""Found a problem (unknown order, nothing to do that was asked) or an operation failed."""
EXIT_USAGE = 2
"""Bad usage or configuration (also what click uses for usage errors)."""

_PIPE_WIDTH = 160
"""Width when output is not a terminal (a pipe, a file, a CI log): wide enough for a row per line."""
_columns = os.environ.get("COLUMNS", "")
console = Console(highlight=False,
                  width=None if sys.stdout.isatty() else int(_columns) if _columns.isdigit() else _PIPE_WIDTH)
errors = Console(stderr=True, highlight=False, width=None if sys.stderr.isatty() else _PIPE_WIDTH)

Endpoint = Annotated[str | None, typer.Option("--endpoint", help="AWS endpoint URL, e.g. a local emulator.",
                                              envvar="AWS_ENDPOINT_URL")]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON instead of tables.")]
YesFlag = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]
StackName = Annotated[str, typer.Option("--stack", "-s", help="Stack name (dev, prod).")]
ProjectDir = Annotated[Path | None, typer.Option(
    "--project-dir", file_okay=False, help="The Pulumi project (Pulumi.yaml, its program and stack files) to run; "
                                           "default: the current directory.")]


def require_extra(extra: str, *modules: str) -> None:
    """Leave with exit 2 and the install command when an optional dependency group is missing."""
    missing = [module for module in modules if importlib.util.find_spec(module) is None]
    if missing:
        fail(f"this command needs the '{extra}' extra ({', '.join(missing)} not installed): "
             f"pip install 'order-email[{extra}]'", EXIT_USAGE)


def fail(message: str, code: int = EXIT_PROBLEM) -> NoReturn:
    """Print `message` on stderr and leave with `code`."""
    errors.print(f"[red]error:[/red] {escape(message)}", markup=True, soft_wrap=True)
    raise typer.Exit(code)


def json_text(value: Any) -> str:
    """The JSON every command prints and writes: indented, keys as given (camelCase, see README "Operator CLI")."""
    return json.dumps(value, indent=2, sort_keys=False, default=str)


def print_json(value: Any) -> None:
    typer.echo(json_text(value))


def aws_client(service: str, endpoint: str | None = None, region: str | None = None) -> Any:
    """One boto3 client per command run; credentials (and the region, unless given) from the usual AWS settings."""
    return boto3.client(service, endpoint_url=endpoint or None, region_name=region or None)  # type: ignore[call-overload]


@contextmanager
def aws_errors() -> Iterator[None]:
    """AWS failures as one line and an exit code instead of a traceback."""
    try:
        yield
    except (NoRegionError, NoCredentialsError) as error:
        fail(f"{error} (set AWS_REGION / credentials, or use --endpoint for an emulator)", EXIT_USAGE)
    except ClientError as error:
        details = error.response.get("Error", {})
        fail(f"{details.get('Code', 'ClientError')}: {details.get('Message', error)}")
    except BotoCoreError as error:
        fail(str(error))


def operator() -> str:
    """Who is acting, for the audit trail of resends and erasures."""
    try:
        return os.environ.get("ORDER_EMAIL_OPERATOR") or getpass.getuser()
    except (KeyError, OSError):
        return "unknown-operator"


STACK_OUTPUTS_ENV = "ORDER_EMAIL_STACK_OUTPUTS"
"""A file holding the stack's outputs as `pulumi stack output --json` prints them: used instead of the
Pulumi CLI when set (a CI job without Pulumi, or a local system, see `LocalSystem.cli_environment`)."""


def stack_outputs(stack: str) -> dict[str, Any] | None:
    """Every output of the stack, from `$ORDER_EMAIL_STACK_OUTPUTS` when set, else via the Pulumi CLI; None
    when neither is available. An unreadable file or a failing Pulumi CLI leaves with exit 2."""
    if path := os.environ.get(STACK_OUTPUTS_ENV):
        try:
            with open(path, encoding="utf-8") as file:
                document = json.load(file)
        except (OSError, ValueError) as error:
            fail(f"{STACK_OUTPUTS_ENV}={path}: not a stack-outputs JSON file ({error})", EXIT_USAGE)
        if not isinstance(document, dict):
            fail(f"{STACK_OUTPUTS_ENV}={path}: not a stack-outputs JSON file (not an object)", EXIT_USAGE)
        return document
    pulumi = shutil.which("pulumi")
    if not pulumi:
        return None
    completed = subprocess.run([pulumi, "stack", "output", "--json", "--stack", stack],  # noqa: S603
                               capture_output=True, text=True, timeout=120, check=False)
    if completed.returncode != 0:
        fail(f"pulumi stack output failed: {completed.stderr.strip()[:500]}", EXIT_USAGE)
    try:
        document = json.loads(completed.stdout or "{}")
    except ValueError as error:
        fail(f"pulumi stack output printed no JSON ({error})", EXIT_USAGE)
    return document if isinstance(document, dict) else {}


def stack_output(stack: str, key: str) -> str | None:
    """One output of the stack (see `stack_outputs`), or None."""
    value = (stack_outputs(stack) or {}).get(key)
    return str(value) if value else None


def table_name(explicit: str | None, stack: str, output_key: str, option: str = "--table") -> str:
    """The table to use: the option, else the stack output; neither is a configuration error."""
    if explicit:
        return explicit
    found = stack_output(stack, output_key)
    if not found:
        fail(f"no table name: pass {option} (the pulumi CLI, which would give the {output_key} output of "
             f"stack {stack!r}, is not available or has no such output)", EXIT_USAGE)
    return found
