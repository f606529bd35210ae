"""`policy`: the policy pack run against a project's mocked resource graph, no Pulumi CLI needed."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from order_email.cli.common import (
    EXIT_PROBLEM,
    EXIT_USAGE,
    JsonFlag,
    ProjectDir,
    StackName,
    console,
    fail,
    print_json,
    require_extra,
)

PackConfig = Annotated[Path | None, typer.Option(
    "--policy-pack-config", dir_okay=False,
    help="A policy-pack config file (JSON), as for `pulumi preview --policy-pack-config`: rule levels and "
         "properties over the ones the stack file implies.")]


def policy(stack: StackName = "dev", json_output: JsonFlag = False, project_dir: ProjectDir = None,
           pack_config: PackConfig = None) -> None:
    """Run every rule of the policy pack (policy/) against the stack's program under mocks.

    Exit 1 when any mandatory (or remediate) rule is violated; advisory findings are printed but
    pass. Exit 2 for a bad project, stack or pack config. For a real deployment use
    `pulumi preview --policy-pack policy`.
    """
    require_extra("policy", "pulumi_policy", "parliament", "jsonschema")
    from order_email.cli.infra import config_error
    from order_email.cli.policy_run import PackConfigError, check_project
    from order_email.policy.check import has_mandatory

    try:
        violations = check_project(stack, project_dir, pack_config)
    except (OSError, PackConfigError) as error:
        fail(str(error), EXIT_USAGE)
    except Exception as error:
        found = config_error(error)
        if found is None:
            raise
        fail(f"stack {stack!r}: {found}", EXIT_USAGE)
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
