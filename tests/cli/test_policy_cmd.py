"""`order-email policy`: the pack against the mocked stacks, with exit codes a pipeline can use."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from order_email.cli import policy_run
from order_email.cli.main import app
from order_email.policy.check import Violation

runner = CliRunner()


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_our_stacks_pass_every_mandatory_rule(stack: str) -> None:
    result = runner.invoke(app, ["policy", "--stack", stack, "--json"])
    assert result.exit_code == 0, result.output
    assert all(item["enforcementLevel"] == "advisory" for item in json.loads(result.output))


def test_a_mandatory_violation_exits_1(monkeypatch: pytest.MonkeyPatch) -> None:
    violation = Violation(rule="sqs-encryption-enabled", enforcement_level="mandatory", resource_name="q",
                          resource_type="aws:sqs/queue:Queue", urn=None, message="Encrypt queue 'q'.")
    monkeypatch.setattr(policy_run, "check_project", lambda stack, project_dir, pack_config: [violation])
    result = runner.invoke(app, ["policy", "--stack", "dev"])
    assert result.exit_code == 1
    assert "sqs-encryption-enabled" in result.output


def test_unknown_stack_is_a_usage_error() -> None:
    result = runner.invoke(app, ["policy", "--stack", "staging"])
    assert result.exit_code == 2
