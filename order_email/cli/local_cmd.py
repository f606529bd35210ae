"""`local`: the whole system on an embedded AWS emulator, driven by a few hundred realistic orders.

`--faults chaos` injects the chaos profile of `localmode.faults` (duplicates, poison, SES throttling,
DynamoDB errors, worker crashes after SES accepted, late/reordered/repeated SES events) and checks
the invariants of `localmode.chaos` instead of the per-order outcomes.
"""

from __future__ import annotations

import random
import shlex
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from order_email.cli import common
from order_email.cli.common import EXIT_PROBLEM, EXIT_USAGE, JsonFlag, ProjectDir, StackName
from order_email.cli.status_cmd import render_emails

Orders = Annotated[int, typer.Option("--orders", "-n", min=1, max=100_000, help="How many orders to publish.")]
Seed = Annotated[int | None, typer.Option("--seed", help="Seed for the order mix (random when absent).")]
Faults = Annotated[str, typer.Option("--faults", help="Fault profile: none, or chaos (seeded by --seed; "
                                                     "checks the invariants, exit 1 if one fails).")]
Serve = Annotated[bool, typer.Option("--serve", help="Keep running afterwards: print the emulator endpoint "
                                                      "and a loopback URL serving the status API.")]
if TYPE_CHECKING:  # local mode needs the `local` extra: imported only once a run starts
    from order_email.localmode.run import Reporter

Run = Callable[["Reporter | None"], dict[str, Any]]
"""A scenario run (plain or chaos), reporting progress to the reporter when there is one."""


def local(stack: StackName = "dev", orders: Orders = 300, seed: Seed = None, json_output: JsonFlag = False,
          serve: Serve = False, faults: Faults = "none", project_dir: ProjectDir = None) -> None:
    """Run the whole system for STACK on an embedded AWS emulator (moto on 127.0.0.1), no AWS account.

    Resources come from the project's Pulumi program (--project-dir, default: the current directory),
    whatever it declares; each Lambda runs its declared code archive with exactly the environment its
    resource declares. Exit 0 when every order reached the outcome its recipient dictates, else 1.
    """
    common.require_extra("local", "moto", "werkzeug")
    from order_email.cli.infra import project_at
    from order_email.localmode import LocalSystem  # starts nothing until entered; imported late to keep --help fast
    from order_email.localmode.faults import profile
    from order_email.localmode.run import render_summary, run_scenario

    try:
        plan = profile(faults, seed if seed is not None else random.SystemRandom().randrange(1_000_000))
    except ValueError as error:
        common.fail(str(error), EXIT_USAGE)
    project = project_at(project_dir)
    if stack not in project.stacks:
        common.fail(f"no stack file Pulumi.{stack}.yaml in {project.directory}; known stacks: "
                    f"{', '.join(project.stacks) or 'none'}", EXIT_USAGE)
    system = LocalSystem(stack, project_dir=project.directory, faults=plan)
    if plan is not None:
        _chaos(system, orders, json_output)
        return
    with system:
        summary = _summary(lambda reporter: run_scenario(system, orders, seed, reporter), json_output)
        sample = _sample_order(summary)
        if json_output:
            common.print_json(summary)
        else:
            common.console.print(render_summary(summary))
            if sample is not None:
                common.console.print(f"\nOrder {sample}, as the status API answers GET /orders/{sample}:")
                render_emails(sample, system.deliveries(sample)["emails"])
        if serve:
            _serve(system)
    if not summary["ok"]:
        raise typer.Exit(EXIT_PROBLEM)


def _chaos(system: Any, orders: int, json_output: bool) -> None:
    from order_email.localmode.chaos import render_chaos, run_chaos

    with system:
        summary = _summary(lambda reporter: run_chaos(system, orders, reporter), json_output)
    if json_output:
        common.print_json(summary)
    else:
        common.console.print(render_chaos(summary))
    if not summary["invariantsOk"]:
        raise typer.Exit(EXIT_PROBLEM)


def _summary(run: Run, json_output: bool) -> dict[str, Any]:
    """JSON output stays clean: progress bars only for the human-readable form."""
    return run(None) if json_output else _with_progress(run)


def _with_progress(run: Run) -> dict[str, Any]:
    from order_email.localmode.run import Reporter

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=common.errors, transient=False) as progress:
        publishing = progress.add_task("publishing orders", total=None)
        draining = progress.add_task("processing", total=None, visible=False)
        most = {"in_flight": 1}

        def published(done: int, total: int) -> None:
            progress.update(publishing, completed=done, total=total)

        def in_flight(waiting: int) -> None:
            most["in_flight"] = max(most["in_flight"], waiting)
            progress.update(draining, visible=True, total=most["in_flight"], completed=most["in_flight"] - waiting)

        return run(Reporter(published=published, in_flight=in_flight))


def _sample_order(summary: dict[str, Any]) -> str | None:
    """A delivered order if there is one (the most telling timeline), else any order that has a record."""
    outcomes = summary["outcomes"]
    for wanted in ("DELIVERED", "BOUNCED", "COMPLAINED"):
        for order_id, outcome in outcomes.items():
            if outcome["actual"] == wanted:
                return str(order_id)
    return None


def _serve(system: Any) -> None:
    url = system.serve_status_api()  # stopped with the system
    common.console.print(f"\nemulator endpoint: {system.emulator.endpoint}  (AWS_ENDPOINT_URL for the AWS CLI / boto3)")
    common.console.print(f"status API:        {url}/orders/<orderId>   {url}/health")
    common.console.print("\n# every order-email command (`order-email console` too), aimed at this system as at a "
                         "deployed stack:")
    for name, value in system.cli_environment().items():
        typer.echo(f"export {name}={shlex.quote(value)}")
    common.console.print("Ctrl-C to stop.")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
