"""`policy`: the policy pack run against the stack's mocked resource graph, no Pulumi CLI needed."""

from __future__ import annotations

import typer
from rich.table import Table

from components.config import StackConfigError
from order_email_cli.common import EXIT_PROBLEM, EXIT_USAGE, JsonFlag, StackName, console, fail, print_json
from policy.check import check_stack, has_mandatory


def policy(stack: StackName = "dev", json_output: JsonFlag = False) -> None:
    """Run every rule of the policy pack (policy/) against the stack under mocks.

    Exit 1 when any mandatory rule is violated; advisory findings are printed but pass. For a real
    deployment use `pulumi preview --policy-pack policy`.
    """
    try:
        violations = check_stack(stack)
    except FileNotFoundError as error:
        fail(str(error), EXIT_USAGE)
    except StackConfigError as error:
        fail(f"stack {stack!r}: {error}", EXIT_USAGE)
    if json_output:
        print_json([violation.as_dict() for violation in violations])
    elif not violations:
        console.print(f"stack {stack}: no policy violations")
    else:
        table = Table(title=f"policy violations in stack {stack}")
        for column in ("level", "rule", "resource", "how to fix"):
            table.add_column(column, overflow="fold")
        for violation in sorted(violations, key=lambda v: (not v.mandatory, v.rule)):
            table.add_row(violation.enforcement_level, violation.rule, violation.resource_name or "(stack)",
                          violation.message)
        console.print(table)
    if has_mandatory(violations):
        raise typer.Exit(EXIT_PROBLEM)
