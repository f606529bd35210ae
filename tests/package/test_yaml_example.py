"""examples/yaml: a Pulumi YAML program using the package, checked against the schema it is served."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from order_email.components.package import PACKAGE_NAME
from tests.support.package_files import YAML_EXAMPLE, committed_schema, yaml_example
from tests.support.yaml_program import schema_problems


def test_the_example_fits_the_schema() -> None:
    assert schema_problems(yaml_example(), committed_schema()) == []


def test_the_example_uses_every_component() -> None:
    used = {resource["type"] for resource in yaml_example()["resources"].values()}
    assert used == set(committed_schema()["resources"])


def test_the_example_adds_the_package_from_this_repository() -> None:
    document = yaml_example()
    assert document["runtime"] == "yaml"
    plugin = (YAML_EXAMPLE.parent / document["packages"][PACKAGE_NAME]).resolve()
    assert (plugin / "PulumiPlugin.yaml").is_file(), f"{plugin} is not the provider folder"


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node = document["resources"]
        for key in parents:
            node = node[key]
        node[last] = value
    return change


def _drop(path: str) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        resource, _, key = path.partition(".")
        del document["resources"][resource]["properties"][key]
    return change


def _retype(resource: str, type_token: str) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        document["resources"][resource]["type"] = type_token
    return change


def _output(value: str) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        document["outputs"]["extra"] = value
    return change


@pytest.mark.parametrize(("change", "expected"), [
    (_retype("store", "order-email:index:Store"), "no resource type"),
    (_set("store.properties.pointInTimeRecover", True), "not an input property"),
    (_drop("sender.fromAddress"), "sender.fromAddress: required input missing"),
    (_set("sender.properties.memoryMb", "256"), "where the schema says integer"),
    (_set("sender.properties.memoryMb", 256.5), "where the schema says integer"),
    (_set("sender.properties.sandboxMode", 1), "where the schema says boolean"),
    (_set("observability.properties.thresholds.minimumVolumes", 100), "thresholds.minimumVolumes: not an input"),
    (_set("observability.properties.subscribers", "alerts@example.com"), "where the schema says array"),
    (_set("sender.properties.deliveriesTableName", "${stor.deliveriesTableName}"), "names no declared resource"),
    (_set("sender.properties.deliveriesTableName", "${store.tableName}"), "store has no output 'tableName'"),
    (_set("sender.properties.senderDomain", "${store.deliveriesTableName}"), "plain input"),
    (_set("sender.properties.namePrefix", "mail-${key.keyId}"), "plain input"),
    (_set("feedback.properties.layers", "${sender.functionArn}"), "does not fit the input's type"),
    (_set("feedback.properties.code", "${sender.layerArns}"), "does not fit the input's type"),
    (_set("statusApi.properties.memoryMb", "${senderDomain}"), "config senderDomain is string"),
    (_output("${sender.ordersTopic}"), "outputs.extra: ${sender.ordersTopic}: sender has no output"),
], ids=lambda item: item if isinstance(item, str) else "")
def test_the_check_refuses_what_the_schema_does_not_allow(change: Callable[[dict[str, Any]], None],
                                                          expected: str) -> None:
    document = copy.deepcopy(yaml_example())
    change(document)
    problems = schema_problems(document, committed_schema())
    assert any(expected in problem for problem in problems), problems
