"""`preview` and `graph` on the real stack files and on a small synthetic program."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest
from typer.testing import CliRunner

from order_email.cli.architecture import Edge, architecture, to_dot, to_mermaid
from order_email.cli.infra import config_error, parse_overrides
from order_email.cli.main import app
from order_email.cli.resource_tree import jsonable
from order_email.components.config import StackConfigError
from order_email.mockstack import run_program, run_stack


@pytest.fixture(scope="module")
def stacks() -> dict[str, Any]:
    return {stack: run_stack(stack) for stack in ("dev", "prod")}


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_preview_tree_names_every_component(runner: CliRunner, stacks: dict[str, Any], stack: str) -> None:
    result = runner.invoke(app, ["preview", "--stack", stack])
    assert result.exit_code == 0, result.output
    components = [r for r in stacks[stack].resources if not r.custom]
    assert components
    for component in components:
        assert component.name in result.stdout
        assert component.type in result.stdout


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_preview_json_is_every_resource_with_inputs_as_recorded(runner: CliRunner, stacks: dict[str, Any],
                                                                stack: str) -> None:
    result = runner.invoke(app, ["preview", "--stack", stack, "--json"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)
    recorded = {(r.type, r.name): r for r in stacks[stack].resources}  # registration order is async
    assert sorted((item["type"], item["name"]) for item in listed) == sorted(recorded)
    for item in listed:
        resource = recorded[item["type"], item["name"]]
        assert set(item) == {"type", "name", "parent", "inputs"}
        assert item["parent"] == resource.parent_name
        assert item["inputs"] == jsonable(resource.inputs)
    assert {item["type"] for item in listed} >= {r.type for r in recorded.values() if not r.custom}


def test_invalid_config_exits_2_naming_the_key(runner: CliRunner) -> None:
    result = runner.invoke(app, ["preview", "--stack", "dev", "--set", "sesMaxSendRate=-1"])
    assert result.exit_code == 2
    assert "order-email:sesMaxSendRate" in result.stderr
    result = runner.invoke(app, ["graph", "--stack", "prod", "--set", "order-email:sandboxMod=false"])
    assert result.exit_code == 2
    assert "sandboxMod" in result.stderr


@pytest.mark.parametrize("args", [["preview", "--stack", "staging"], ["preview", "--set", "novalue"],
                                  ["graph", "--format", "png"], ["preview", "--bogus"]])
def test_usage_errors_exit_2(runner: CliRunner, args: list[str]) -> None:
    assert runner.invoke(app, args).exit_code == 2


def test_overrides_and_wrapped_config_errors() -> None:
    assert parse_overrides(["a=1", "aws:region=us-east-1", "b="]) == {
        "order-email:a": "1", "aws:region": "us-east-1", "order-email:b": None}
    inner = StackConfigError("invalid stack config:\n  order-email:x: bad")
    try:
        try:
            raise inner
        except StackConfigError as error:
            raise RuntimeError("program failed") from error
    except RuntimeError as wrapped:
        assert config_error(wrapped) is inner
    assert config_error(RuntimeError("other")) is None


@pytest.mark.parametrize("stack", ["dev", "prod"])
@pytest.mark.parametrize(("fmt", "start"), [("mermaid", "flowchart LR"), ("dot", "digraph"), ("json", "{")])
def test_graph_of_the_real_stacks(runner: CliRunner, stacks: dict[str, Any], stack: str, fmt: str,
                                  start: str) -> None:
    result = runner.invoke(app, ["graph", "--stack", stack, "--format", fmt])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(start)
    diagram = architecture(stacks[stack].resources)
    node_names = {node.name for node in diagram.nodes}
    for resource in stacks[stack].resources:
        if resource.type in ("aws:dynamodb/table:Table", "aws:sqs/queue:Queue", "aws:sns/topic:Topic",
                             "aws:lambda/function:Function"):
            assert resource.name in node_names
            assert resource.name in result.stdout


def test_graph_writes_a_file(runner: CliRunner, tmp_path: Any) -> None:
    target = tmp_path / "architecture.mmd"
    result = runner.invoke(app, ["graph", "--stack", "dev", "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_text().startswith("flowchart LR")


def _synthetic() -> None:
    """A miniature of the system: every kind of wiring edge once, with names that say nothing."""
    table = aws.dynamodb.Table("t1", hash_key="k", attributes=[{"name": "k", "type": "S"}],
                               billing_mode="PAY_PER_REQUEST")
    topic = aws.sns.Topic("a")
    dead = aws.sqs.Queue("b")
    queue = aws.sqs.Queue("c", redrive_policy=dead.arn.apply(
        lambda arn: json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": 5})))
    aws.sns.TopicSubscription("d", topic=topic.arn, protocol="sqs", endpoint=queue.arn)
    bus = aws.cloudwatch.EventBus("e")
    role = aws.iam.Role("r", assume_role_policy="{}")
    function = aws.lambda_.Function(
        "f", role=role.arn, runtime="python3.12", handler="h.handler",
        code=pulumi.AssetArchive({"h.py": pulumi.StringAsset("def handler(e, c): pass")}),
        environment={"variables": {"RECORDS": table.name, "BUS": bus.name, "POWERTOOLS_SERVICE_NAME": "g",
                                   "OTHER": "plain"}})
    aws.lambda_.EventSourceMapping("m", event_source_arn=queue.arn, function_name=function.arn)
    config_set = aws.sesv2.ConfigurationSet("g", configuration_set_name="g")
    aws.sesv2.ConfigurationSetEventDestination(
        "h", configuration_set_name=config_set.configuration_set_name, event_destination_name="x",
        event_destination={"enabled": True, "matching_event_types": ["SEND"],
                           "sns_destination": {"topic_arn": topic.arn}})
    aws.sesv2.EmailIdentity("i", email_identity="example.com", configuration_set_name=config_set.configuration_set_name)


def test_graph_edges_come_from_the_wiring() -> None:
    diagram = architecture(run_program(_synthetic, stack="dev", config={"aws:region": "eu-west-1"}).resources)
    names = {node.id: node.name for node in diagram.nodes}
    assert sorted(names.values()) == ["a", "b", "c", "e", "f", "g", "i", "t1"]
    edges = {(names[edge.source], names[edge.target], edge.label) for edge in diagram.edges}
    assert edges == {
        ("a", "c", "sqs subscription"), ("c", "b", "dead letters"), ("c", "f", "triggers"),
        ("f", "t1", "RECORDS"), ("f", "e", "BUS"), ("g", "a", "SES events"),
        ("i", "g", "default configuration set"),
    }
    mermaid, dot = to_mermaid(diagram), to_dot(diagram)
    assert all(f"{edge.source} -->" in mermaid for edge in diagram.edges)
    assert all(f"{edge.source} -> {edge.target}" in dot for edge in diagram.edges)
    assert len(set(diagram.edges)) == len(diagram.edges)
    assert isinstance(diagram.edges[0], Edge)


def test_any_programs_missing_config_key_is_a_usage_error(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: tiny\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    (tmp_path / "__main__.py").write_text("import pulumi\npulumi.Config().require('region')\n")
    result = runner.invoke(app, ["preview", "--project-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "tiny:region" in result.output
