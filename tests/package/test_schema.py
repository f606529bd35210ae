"""The package schema: what `order-email schema` prints, the committed copy, and the stack's tokens."""

from __future__ import annotations

import inspect
import typing
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pytest
from typer.testing import CliRunner

from order_email import __version__, components
from order_email.cli.main import app
from order_email.cli.schema_cmd import package_schema
from order_email.components.package import COMPONENTS, PACKAGE_NAME
from order_email.mockstack import StackRun, run_stack
from tests.support.package_files import REGENERATE, SCHEMA_FILE, committed_schema
from tests.support.yaml_runner import python_names


def test_the_committed_schema_is_what_the_command_prints() -> None:
    result = CliRunner().invoke(app, ["schema"])
    assert result.exit_code == 0, result.output
    assert result.stdout == SCHEMA_FILE.read_text(encoding="utf-8"), f"{SCHEMA_FILE.name} is stale: {REGENERATE}"


def test_output_option_writes_the_same_text(tmp_path: Path) -> None:
    target = tmp_path / "schema.json"
    result = CliRunner().invoke(app, ["schema", "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert target.read_text(encoding="utf-8") == package_schema()


def test_schema_names_the_package_and_its_version() -> None:
    schema = committed_schema()
    assert schema["name"] == PACKAGE_NAME
    assert schema["version"] == __version__, f"the version changed: {REGENERATE}"


def test_every_exported_component_is_in_the_package() -> None:
    exported = {getattr(components, name) for name in components.__all__}
    public = {item for item in exported if inspect.isclass(item) and issubclass(item, pulumi.ComponentResource)}
    assert public == set(COMPONENTS)


@pytest.mark.parametrize("component", COMPONENTS, ids=lambda component: component.__name__)
def test_every_public_attribute_annotation_is_an_output(component: type[pulumi.ComponentResource]) -> None:
    """What the analyzer lists as the component's outputs must be outputs in Python too."""
    for name, annotation in inspect.get_annotations(component).items():
        if not name.startswith("_"):
            assert typing.get_origin(annotation) is pulumi.Output, f"{component.__name__}.{name}: {annotation}"


@dataclass
class Recorded:
    """The dev and prod stack runs, and what each component passed to `register_outputs` in them."""

    runs: list[StackRun]
    outputs: dict[str, list[dict[str, Any]]]


@pytest.fixture(scope="module")
def recorded() -> Recorded:
    seen: dict[str, list[dict[str, Any]]] = defaultdict(list)
    original = pulumi.ComponentResource.register_outputs

    def record(self: pulumi.ComponentResource, outputs: Any) -> None:
        seen[type(self).__name__].append(dict(outputs))
        original(self, outputs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pulumi.ComponentResource, "register_outputs", record)
        runs = [run_stack("dev"), run_stack("prod")]
    return Recorded(runs=runs, outputs=seen)


def test_schema_tokens_are_the_tokens_the_stack_registers(recorded: Recorded) -> None:
    """A TypeScript `new EmailSender(...)` is the same resource type as the Python stack's."""
    for run in recorded.runs:
        registered = {resource.type for resource in run.resources if not resource.custom}
        assert registered == set(committed_schema()["resources"]), run.stack


@pytest.mark.parametrize("component", COMPONENTS, ids=lambda component: component.__name__)
def test_each_component_registers_every_schema_output(
    component: type[pulumi.ComponentResource], recorded: Recorded,
) -> None:
    spec = committed_schema()["resources"][f"{PACKAGE_NAME}:index:{component.__name__}"]
    expected = {python_names(component)[name] for name in spec["properties"]}
    calls = recorded.outputs[component.__name__]
    assert calls, f"{component.__name__} never called register_outputs"
    for outputs in calls:
        assert set(outputs) == expected
        assert all(isinstance(value, pulumi.Output) for value in outputs.values())
