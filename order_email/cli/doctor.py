"""`doctor`: can the stack send? The SES account, the sender identity, the configuration set and the
stack's resources, each finding with what to do.

Everything is read through the APIs a deployed stack answers (SESv2 GetAccount, GetEmailIdentity,
GetConfigurationSet, GetConfigurationSetEventDestinations; SNS, SQS, DynamoDB, EventBridge and KMS
describe calls), from the stack's outputs (`common.stack_outputs`) and, when the project directory
holds it, the stack's `Pulumi.<stack>.yaml` (sender domain, sandboxMode, sesMaxSendRate). Nothing is
changed. A finding is `ok`, a `warning` (sending works, but look) or an `error` (the stack cannot
send as configured, or doctor could not tell); any error makes the exit code 1.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import boto3
import typer
from rich.markup import escape
from rich.table import Table

from order_email.cli import common
from order_email.cli.common import EXIT_PROBLEM, EXIT_USAGE, Endpoint, JsonFlag, ProjectDir, StackName
from order_email.cli.doctor_checks.account import ACCOUNT_CHECKS, account_findings
from order_email.cli.doctor_checks.findings import DoctorFinding, StackFacts, guarded
from order_email.cli.doctor_checks.identity import IDENTITY_CHECKS, identity_findings
from order_email.cli.doctor_checks.resources import (
    CONFIGURATION_SET_CHECKS,
    RESOURCE_OUTPUTS,
    ResourceOutput,
    configuration_set_findings,
    resource_finding,
)
from order_email.mockstack import Project

CHECKS = (*ACCOUNT_CHECKS, *IDENTITY_CHECKS, *CONFIGURATION_SET_CHECKS,
          *(f"output:{output.key}" for output in RESOURCE_OUTPUTS))
"""Every check, in the order doctor reports them: each run reports exactly one finding per check."""


def stack_facts(stack: str, project_dir: Any) -> StackFacts:
    outputs = common.stack_outputs(stack)
    if outputs is None:
        common.fail(f"no outputs for stack {stack!r}: install the Pulumi CLI and log in to the stack's backend, "
                    f"or set {common.STACK_OUTPUTS_ENV} to a file of `pulumi stack output --json`", EXIT_USAGE)
    try:
        project = Project.at(project_dir)
    except (OSError, ValueError) as error:
        if project_dir is not None:
            common.fail(str(error), EXIT_USAGE)
        return StackFacts(stack, outputs, {}, None)
    try:
        config = project.stack_config(stack)
    except FileNotFoundError:
        return StackFacts(stack, outputs, {}, None)
    except ValueError as error:
        common.fail(f"Pulumi.{stack}.yaml: {error}", EXIT_USAGE)
    return StackFacts(stack, outputs, config, f"Pulumi.{stack}.yaml")


def examine(facts: StackFacts, endpoint: str | None) -> list[DoctorFinding]:
    """Every check's finding, in `CHECKS` order."""
    clients: dict[str, Any] = {}

    def client(service: str) -> Any:
        if service not in clients:
            clients[service] = boto3.client(service, endpoint_url=endpoint or None,  # type: ignore[call-overload]
                                            region_name=facts.region)
        return clients[service]

    ses = client("sesv2")
    findings = guarded(ACCOUNT_CHECKS, lambda: account_findings(ses, facts))
    findings += guarded(IDENTITY_CHECKS, lambda: identity_findings(ses, facts))
    findings += guarded(CONFIGURATION_SET_CHECKS, lambda: configuration_set_findings(ses, client("sns"), facts))
    for output in RESOURCE_OUTPUTS:
        findings += guarded([f"output:{output.key}"], functools.partial(_resource_findings, output, facts, client))
    return findings


def _resource_findings(output: ResourceOutput, facts: StackFacts, client: Callable[[str], Any]) -> list[DoctorFinding]:
    return [resource_finding(output, facts, client)]


def report(facts: StackFacts, findings: Sequence[DoctorFinding]) -> dict[str, Any]:
    counts = {severity: sum(finding.severity == severity for finding in findings)
              for severity in ("ok", "warning", "error")}
    return {"stack": facts.name, "region": facts.region, "ok": counts["error"] == 0, "counts": counts,
            "findings": [finding.as_json() for finding in findings]}


_MARKS = {"ok": "[green]ok[/green]", "warning": "[yellow]warn[/yellow]", "error": "[red]FAIL[/red]"}


def doctor(stack: StackName = "dev", endpoint: Endpoint = None, json_output: JsonFlag = False,
           project_dir: ProjectDir = None) -> None:
    """Check that the stack can send: SES production access, sending status and quotas, the sender domain's
    verification, DKIM and MAIL FROM, the configuration set and its event destinations, and every resource the
    stack's outputs name. Each finding says what to do.

    Reads the outputs through the Pulumi CLI (or $ORDER_EMAIL_STACK_OUTPUTS) and, when the project directory
    holds it, Pulumi.<stack>.yaml. Exit 0 when nothing fails (warnings allowed), 1 when a check fails, 2 when
    the stack's outputs cannot be read. --json prints {stack, region, ok, counts, findings: [{check, ok,
    severity, detail, remedy}]}.
    """
    facts = stack_facts(stack, project_dir)
    with common.aws_errors():
        findings = examine(facts, endpoint)
    result = report(facts, findings)
    if json_output:
        common.print_json(result)
    else:
        table = Table(title=f"order-email doctor: stack {escape(stack)} ({escape(str(facts.region or '?'))})")
        for column in ("", "check", "finding", "what to do"):
            table.add_column(column, overflow="fold")
        for finding in findings:
            table.add_row(_MARKS[finding.severity], escape(finding.check), escape(finding.detail),
                          escape(finding.remedy or ""))
        common.console.print(table)
        counts = result["counts"]
        common.console.print(f"{counts['error']} failed, {counts['warning']} warning(s), {counts['ok']} ok")
    if not result["ok"]:
        raise typer.Exit(EXIT_PROBLEM)
