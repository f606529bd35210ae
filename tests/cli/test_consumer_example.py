"""`preview`, `graph` and `policy` on another team's project (examples/consumer), as its team runs them.

In-process through typer's CliRunner on the example in the checkout, and as subprocesses started
from an unrelated directory on a copy of the example outside the checkout, so nothing may depend on
the checkout or on the working directory.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from order_email.cli.main import app
from tests.support.paths import CONSUMER_EXAMPLE

CLI = Path(sys.executable).parent / "order-email"
EXAMPLE = str(CONSUMER_EXAMPLE)
AUDIT_PARTS = {"shop-audit-orders", "shop-audit-queue", "shop-audit-dlq", "shop-audit-function", "shop-audit-role",
               "shop-audit-policy", "shop-audit-mapping", "shop-audit-subscription", "shop-audit-logs"}

runner = CliRunner()


def invoke(*args: str) -> Any:
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def example_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example as its team has it: a project of its own, nowhere near our checkout."""
    target = tmp_path_factory.mktemp("elsewhere") / "shop-mail"
    shutil.copytree(CONSUMER_EXAMPLE, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return target


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CLI), *args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False)


def pack_config(tmp_path: Path, document: dict[str, Any]) -> str:
    path = tmp_path / "policy-config.json"
    path.write_text(json.dumps(document))
    return str(path)


def test_preview_lists_their_resources_under_their_names() -> None:
    result = invoke("preview", "--project-dir", EXAMPLE, "--json")
    assert result.exit_code == 0, result.output
    resources = json.loads(result.output)
    names = {resource["name"] for resource in resources}
    assert names >= AUDIT_PARTS
    assert {"shop-sender", "shop-store", "shop-feedback", "shop-status", "shop-observability", "shop-key"} <= names
    assert not [name for name in names if name.startswith("order-email")], "one of our names leaked into theirs"
    types = {resource["type"] for resource in resources}
    assert {"shop-mail:audit:OrderAudit", "order-email:index:EmailSender"} <= types
    audit = next(resource for resource in resources if resource["name"] == "shop-audit")
    children = {resource["name"] for resource in resources if resource["parent"] == "shop-audit"}
    assert audit["type"] == "shop-mail:audit:OrderAudit" and children >= AUDIT_PARTS
    subscription = next(resource for resource in resources if resource["name"] == "shop-audit-subscription")
    assert subscription["inputs"]["rawMessageDelivery"] is True
    assert json.loads(subscription["inputs"]["filterPolicy"]) == {"eventType": ["order.confirmed"]}


def test_preview_tree_and_a_config_error_names_their_key() -> None:
    tree = invoke("preview", "--project-dir", EXAMPLE)
    assert tree.exit_code == 0, tree.output
    assert "shop-audit-function" in tree.output and "auditTable" in tree.output
    broken = invoke("preview", "--project-dir", EXAMPLE, "--set", "fromAddress=orders@elsewhere.example")
    assert broken.exit_code == 1
    assert "shop-mail:fromAddress" in broken.output


def test_graph_draws_their_audit_on_our_orders_topic() -> None:
    result = invoke("graph", "--project-dir", EXAMPLE, "--format", "json")
    assert result.exit_code == 0, result.output
    diagram = json.loads(result.output)
    names = {node["id"]: node["name"] for node in diagram["nodes"]}
    edges = {(names[edge["source"]], names[edge["target"]], edge["label"]) for edge in diagram["edges"]}
    assert {("shop-sender-orders", "shop-audit-queue", "sqs subscription"),
            ("shop-sender-orders", "shop-sender-queue", "sqs subscription"),
            ("shop-audit-queue", "shop-audit-function", "triggers"),
            ("shop-audit-queue", "shop-audit-dlq", "dead letters"),
            ("shop-audit-function", "shop-audit-orders", "AUDIT_TABLE")} <= edges


def test_policy_passes_every_mandatory_rule() -> None:
    """The topic admits exactly `shop-mail:publisherPrincipals` (their checkout role): the pack is held to
    that key of *their* namespace. Read from ours, the role would be a stranger (a mandatory violation)."""
    result = invoke("policy", "--project-dir", EXAMPLE, "--json")
    assert result.exit_code == 0, result.output
    violations = json.loads(result.output)
    assert all(violation["enforcementLevel"] == "advisory" for violation in violations)
    assert not [v for v in violations if str(v["resourceName"]).startswith("shop-audit")], violations


@pytest.mark.parametrize(("document", "exit_code", "blamed"), [
    ({"lambda-concurrent-execution-limits-required": "mandatory"}, 1, {"shop-status-function"}),
    ({"required-tags": {"enforcementLevel": "mandatory",
                        "requiredTags": ["app", "environment", "team", "cost-center", "data-classification"]}},
     1, {"shop-audit-orders", "shop-audit-queue", "shop-audit-function", "shop-store-deliveries"}),
    ({"sns-topic-publishers-restricted": {"allowedPublishers": ["arn:aws:iam::123456789012:root"]}}, 1,
     {"shop-sender-orders-policy"}),
    ({"sqs-dead-letter-queue": "mandatory", "sqs-dlq-alarm-required": "mandatory"}, 0, set()),
])
def test_a_pack_config_decides_the_exit_code(tmp_path: Path, document: dict[str, Any], exit_code: int,
                                             blamed: set[str]) -> None:
    """Raising a rule the project breaks fails it (their own resources are judged too); raising rules it
    keeps (every queue has a DLQ, every consumed queue's DLQ an alarm, the audit's included) does not."""
    result = invoke("policy", "--project-dir", EXAMPLE, "--json", "--policy-pack-config",
                    pack_config(tmp_path, document))
    assert result.exit_code == exit_code, result.output
    mandatory = {violation["resourceName"] for violation in json.loads(result.output)
                 if violation["enforcementLevel"] == "mandatory"}
    assert blamed <= mandatory and bool(mandatory) == bool(blamed)


def test_commands_run_a_copy_from_an_unrelated_directory(example_copy: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    preview = cli("preview", "--project-dir", str(example_copy), "--json", cwd=elsewhere)
    assert preview.returncode == 0, preview.stderr[-2000:]
    function = next(r for r in json.loads(preview.stdout) if r["name"] == "shop-audit-function")
    packaged = {name: Path(asset["fileAsset"]) for name, asset in function["inputs"]["code"]["assetArchive"].items()}
    assert {"handlers/__init__.py", "handlers/order_audit.py", "handlers/audit_record.py"} == set(packaged)
    assert all(path.is_relative_to(example_copy) for path in packaged.values()), packaged

    graph = cli("graph", "--project-dir", str(example_copy), "--format", "dot", cwd=elsewhere)
    assert graph.returncode == 0, graph.stderr[-2000:]
    assert "shop-audit-function" in graph.stdout

    policy = cli("policy", "--project-dir", str(example_copy), "--json", cwd=elsewhere)
    assert policy.returncode == 0, policy.stderr[-2000:]
    strict = cli("policy", "--project-dir", str(example_copy), "--policy-pack-config",
                 pack_config(tmp_path, {"lambda-concurrent-execution-limits-required": "mandatory"}), cwd=elsewhere)
    assert strict.returncode == 1
    assert "shop-status-function" in strict.stdout
    assert sorted(path.name for path in elsewhere.iterdir()) == [], "a command wrote into the working directory"
