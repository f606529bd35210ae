"""`preview` and `graph`: the stack's resource graph, from the Pulumi program run under mocks."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import pulumi
import typer

from order_email.cli.architecture import architecture, to_dot, to_mermaid
from order_email.cli.common import EXIT_USAGE, JsonFlag, ProjectDir, console, fail, print_json
from order_email.cli.resource_tree import preview_json, resource_tree
from order_email.components.config import StackConfigError
from order_email.components.team_templates import TemplatesError
from order_email.mockstack import Project, StackRun, run_stack

Stack = Annotated[str, typer.Option("--stack", "-s", help="Stack whose Pulumi.<stack>.yaml to use.")]
Output = Annotated[Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")]
Overrides = Annotated[list[str] | None, typer.Option(
    "--set", metavar="KEY=VALUE",
    help="Override one config value for this run (repeatable), e.g. order-email:sandboxMode=false; "
         "keys without a namespace get the project's name. An empty value removes the key.",
)]


class GraphFormat(StrEnum):
    mermaid = "mermaid"
    dot = "dot"
    json = "json"


def parse_overrides(pairs: list[str] | None, namespace: str = "order-email") -> dict[str, str | None]:
    """`--set` pairs as config overrides; a bare key belongs to the project (`namespace`)."""
    overrides: dict[str, str | None] = {}
    for pair in pairs or []:
        key, equals, value = pair.partition("=")
        if not equals or not key.strip():
            fail(f"--set {pair!r}: expected KEY=VALUE", EXIT_USAGE)
        key = key.strip() if ":" in key else f"{namespace}:{key.strip()}"
        overrides[key] = value if value != "" else None
    return overrides


CONFIG_ERRORS = (StackConfigError, TemplatesError, pulumi.ConfigMissingError, pulumi.ConfigTypeError)
"""A bad stack config (ours, a broken template of its `templatesDir`, or any program's
`pulumi.Config().require…`): a usage error, exit 2."""


def config_error(error: BaseException) -> Exception | None:
    """The config error behind `error`, however the Pulumi runtime wrapped it."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, CONFIG_ERRORS):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def project_at(project_dir: Path | None) -> Project:
    """The project to run; not a Pulumi project is a usage error (exit 2)."""
    try:
        return Project.at(project_dir)
    except (OSError, ValueError) as error:
        fail(str(error), EXIT_USAGE)


def run(stack: str, pairs: list[str] | None, project_dir: Path | None = None) -> StackRun:
    """Run the project's program for `stack`; configuration problems exit 2 with the validator's message."""
    project = project_at(project_dir)
    overrides = parse_overrides(pairs, project.name)
    try:
        return run_stack(stack, overrides=overrides, project_dir=project.directory)
    except FileNotFoundError as error:
        fail(str(error), EXIT_USAGE)
    except Exception as error:
        found = config_error(error)
        if found is not None:
            fail(f"stack {stack!r}: {found}", EXIT_USAGE)
        if "invalid stack config" in str(error):
            fail(f"stack {stack!r}: {error}", EXIT_USAGE)
        fail(f"the Pulumi program failed for stack {stack!r}: {type(error).__name__}: {error}")


def preview(stack: Stack = "dev", json_output: JsonFlag = False, overrides: Overrides = None,
            project_dir: ProjectDir = None) -> None:
    """Show every resource the stack declares, as a tree by component with key settings.

    Runs the Pulumi program under mocks (no Pulumi CLI, no AWS). Exit 2 when the stack config is
    invalid (the message names each bad key). --json prints [{type, name, parent, inputs}] with
    inputs exactly as the engine would receive them.
    """
    result = run(stack, overrides, project_dir)
    if json_output:
        print_json(preview_json(result.resources))
    else:
        console.print(resource_tree(stack, result.resources, result.outputs))


def graph(
    stack: Stack = "dev",
    output_format: Annotated[GraphFormat, typer.Option("--format", "-f", help="Diagram language.")] = (
        GraphFormat.mermaid),
    output: Output = None,
    overrides: Overrides = None,
    project_dir: ProjectDir = None,
) -> None:
    """Draw the architecture (topics, queues, functions, tables, SES, event bus) and its wiring.

    Edges come from what the resources declare — subscriptions, event source mappings, redrive
    policies, SES event destinations, function environment variables — not from resource names.
    """
    diagram = architecture(run(stack, overrides, project_dir).resources)
    if output_format is GraphFormat.json:
        text = json.dumps(diagram.as_json(), indent=2) + "\n"
    else:
        text = to_mermaid(diagram) if output_format is GraphFormat.mermaid else to_dot(diagram)
    if output:
        output.write_text(text)
        console.print(f"wrote {len(diagram.nodes)} nodes and {len(diagram.edges)} edges to {output}")
    else:
        typer.echo(text, nl=False)
