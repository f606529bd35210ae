"""Run a Pulumi YAML program's resources under mocks, two ways, to compare them.

`through_provider_host` is what the Pulumi YAML runtime and the engine do with the program: every
component is constructed by Pulumi's component provider host (`ComponentProvider.construct`, which
`provider/__main__.py` serves), with camelCase inputs, every number a float (the wire has one number
type), and outputs of earlier components passed as outputs. `from_python` constructs the same
components with the same values the way a Python program would: Python names, integers as `int`.
"""

from __future__ import annotations

import inspect
import re
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any

import pulumi
from pulumi.provider.experimental.component import ComponentProvider

from order_email.components.package import COMPONENTS, PACKAGE_NAME
from tests.support.yaml_program import REFERENCE, whole_reference

Lookup = Callable[[str, str], Any]
"""(resource name, schema output name) → that output of the constructed resource."""

_CLASSES = {f"{PACKAGE_NAME}:index:{component.__name__}": component for component in COMPONENTS}


def through_provider_host(document: Mapping[str, Any], *, stack: str, config: Mapping[str, Any]) -> None:
    provider = ComponentProvider(list(COMPONENTS), PACKAGE_NAME)
    states: dict[str, dict[str, Any]] = {}
    for name, resource in document["resources"].items():
        inputs = _resolve(resource.get("properties") or {}, stack, config, lambda r, o: states[r][o])
        result = provider.construct(name, resource["type"], _as_on_the_wire(inputs), pulumi.ResourceOptions())
        states[name] = dict(result.state)
    _export(document, stack, config, lambda r, o: states[r][o])


def from_python(document: Mapping[str, Any], *, stack: str, config: Mapping[str, Any]) -> None:
    instances: dict[str, pulumi.ComponentResource] = {}

    def lookup(resource: str, output: str) -> Any:
        instance = instances[resource]
        return getattr(instance, python_names(type(instance))[output])

    for name, resource in document["resources"].items():
        component = _CLASSES[resource["type"]]
        args_type = inspect.get_annotations(component.__init__)["args"]
        values = _resolve(resource.get("properties") or {}, stack, config, lookup)
        instances[name] = typing.cast(Any, component)(name, _python_args(values, args_type))
    _export(document, stack, config, lookup)


def python_names(annotated: type) -> dict[str, str]:
    """Schema name → Python name for the annotated fields of a class or TypedDict."""
    return {_camel(name): name for name in inspect.get_annotations(annotated) if not name.startswith("_")}


def _python_args(values: Mapping[str, Any], args_type: type) -> dict[str, Any]:
    """The values under their Python names, each of its declared type (`5` for a float field is `5.0`,
    as a Python program's validated config gives it)."""
    names = python_names(args_type)
    annotations = inspect.get_annotations(args_type)
    result: dict[str, Any] = {}
    for key, value in values.items():
        python_name = names[key]
        declared = _declared(annotations[python_name])
        if typing.is_typeddict(declared) and isinstance(value, dict):
            value = _python_args(value, declared)
        elif declared is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        result[python_name] = value
    return result


def _declared(annotation: Any) -> Any:
    """The type under `NotRequired[...]` and `X | None`."""
    while typing.get_origin(annotation) is typing.NotRequired:
        annotation = typing.get_args(annotation)[0]
    members = [member for member in typing.get_args(annotation) if member is not type(None)]
    return members[0] if typing.get_origin(annotation) in (typing.Union, types.UnionType) and len(members) == 1 \
        else annotation


def _resolve(value: Any, stack: str, config: Mapping[str, Any], lookup: Lookup) -> Any:
    if (name := whole_reference(value)) is not None:
        return _lookup(name, stack, config, lookup)
    if isinstance(value, str):
        return REFERENCE.sub(lambda match: str(_lookup(match.group(1), stack, config, lookup)), value)
    if isinstance(value, list):
        return [_resolve(item, stack, config, lookup) for item in value]
    if isinstance(value, dict):
        return {key: _resolve(item, stack, config, lookup) for key, item in value.items()}
    return value


def _lookup(name: str, stack: str, config: Mapping[str, Any], lookup: Lookup) -> Any:
    if name == "pulumi.stack":
        return stack
    if name in config:
        return config[name]
    resource, _, output = name.partition(".")
    return lookup(resource, output)


def _as_on_the_wire(value: Any) -> Any:
    """Literal values as the provider host deserializes them: every number a float."""
    if isinstance(value, bool) or not isinstance(value, int | list | dict):
        return value
    if isinstance(value, int):
        return float(value)
    if isinstance(value, list):
        return [_as_on_the_wire(item) for item in value]
    return {key: _as_on_the_wire(item) for key, item in value.items()}


def _export(document: Mapping[str, Any], stack: str, config: Mapping[str, Any], lookup: Lookup) -> None:
    for name, value in (document.get("outputs") or {}).items():
        pulumi.export(name, _resolve(value, stack, config, lookup))


def _camel(name: str) -> str:
    return re.sub(r"_([a-z0-9])", lambda match: match.group(1).upper(), name)
