"""The consumer example (examples/consumer) as a program: it and ours run in one process without
seeing each other's `components`/`handlers`, its code runs where Lambda would run it, and its
requirements are what these tests ran with."""

from __future__ import annotations

import ast
import sys
import textwrap
import types
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from order_email.mockstack import StackRun, run_stack
from tests.support.paths import CONSUMER_EXAMPLE, REPO

PROJECT_PACKAGES = ("components", "handlers")
LAMBDA_PROVIDED = {"boto3", "botocore"}
"""What the Lambda Python runtime has besides the standard library: all a function without a layer may import."""


def project_modules() -> list[str]:
    return sorted(name for name in sys.modules if name.partition(".")[0] in PROJECT_PACKAGES)


def names(run: StackRun) -> set[str]:
    return {resource.name for resource in run.resources}


def test_theirs_then_ours_then_theirs_in_one_process() -> None:
    theirs = run_stack("dev", project_dir=CONSUMER_EXAMPLE)
    assert project_modules() == [], "their components/handlers stayed importable after their run"
    ours = run_stack("dev", project_dir=REPO)
    assert project_modules() == []
    again = run_stack("dev", project_dir=CONSUMER_EXAMPLE)

    assert "shop-audit-function" in names(theirs) and names(again) == names(theirs)
    assert not [name for name in names(ours) if name.startswith("shop-")]
    assert not [name for name in names(theirs) if name.startswith("order-email")]
    assert set(theirs.outputs) == {"orderTopic", "mailDnsRecords", "orderStatusUrl", "auditTable",
                                   "auditDeadLetters", "emailDeadLetters", "alarmTopic", "dashboard"}
    assert "ordersTopicArn" in ours.outputs
    assert {r.type for r in theirs.resources if not r.custom} >= {"shop-mail:audit:OrderAudit",
                                                                  "order-email:index:EmailSender"}


def test_a_loaded_module_of_the_same_name_is_set_aside_and_put_back(monkeypatch: pytest.MonkeyPatch) -> None:
    """Someone else's `components` already imported (another project's, the caller's own) must neither be
    what their program imports nor be lost afterwards."""
    stranger = types.ModuleType("components")
    monkeypatch.setitem(sys.modules, "components", stranger)
    run = run_stack("dev", project_dir=CONSUMER_EXAMPLE)
    assert "shop-audit-function" in names(run)
    assert sys.modules["components"] is stranger
    assert [name for name in project_modules() if name != "components"] == []


def test_a_project_component_with_annotated_outputs_resolves(tmp_path: Path) -> None:
    """The runtime reads a component class's annotations in its module after the program has returned;
    the project's own modules must still be there then."""
    (tmp_path / "Pulumi.yaml").write_text("name: tiny\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  tiny:greeting: hello\n")
    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "__init__.py").write_text(textwrap.dedent('''
        from __future__ import annotations

        import pulumi
        import pulumi_aws as aws


        class Greeter(pulumi.ComponentResource):
            topic_arn: pulumi.Output[str]

            def __init__(self, name: str) -> None:
                super().__init__("tiny:index:Greeter", name, {}, None)
                topic = aws.sns.Topic(f"{name}-topic", opts=pulumi.ResourceOptions(parent=self))
                self.topic_arn = topic.arn
                self.register_outputs({"topic_arn": self.topic_arn})
    '''))
    (tmp_path / "__main__.py").write_text(
        "import pulumi\nfrom parts import Greeter\n\n"
        "pulumi.export('topic', Greeter(pulumi.Config().require('greeting')).topic_arn)\n")
    run = run_stack("dev", project_dir=tmp_path)
    assert run.outputs["topic"] == run.named("hello-topic").state["arn"]
    assert "parts" not in sys.modules


def test_their_handlers_import_only_what_lambda_provides() -> None:
    """Their function ships without a layer; local mode's workers see our whole virtualenv, so only this
    catches a handler importing, say, pydantic."""
    allowed = set(sys.stdlib_module_names) | LAMBDA_PROVIDED | {"handlers"}
    found: dict[str, set[str]] = {}
    for path in sorted((CONSUMER_EXAMPLE / "handlers").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                modules = {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = {node.module}
            else:
                continue
            found.setdefault(path.name, set()).update(module.partition(".")[0] for module in modules)
    assert found["order_audit.py"] >= {"boto3", "handlers"}
    assert {name: sorted(tops - allowed) for name, tops in found.items() if tops - allowed} == {}


def test_their_requirements_are_what_these_tests_ran_with() -> None:
    lines = [line.split("#", 1)[0].strip() for line in (CONSUMER_EXAMPLE / "requirements.txt").read_text().splitlines()]
    requirements = [Requirement(line) for line in lines if line]
    assert {requirement.name for requirement in requirements} >= {"order-email", "pulumi", "pulumi-aws"}
    for requirement in requirements:
        installed = metadata.version(requirement.name)
        assert requirement.specifier.contains(installed, prereleases=True), f"{requirement} but {installed} installed"
    extras = next(requirement.extras for requirement in requirements if requirement.name == "order-email")
    assert extras == {"local", "policy"}, "the README's `order-email local` / `policy` need both extras"
