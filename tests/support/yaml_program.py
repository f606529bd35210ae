"""A Pulumi YAML program as the package tests need it: its `${...}` references, and a check of the
program against the package schema — the part of what `pulumi preview` would refuse that needs no
engine: unknown types and properties, wrong literal types, missing required inputs, references to
undeclared resources or to outputs their type does not have, and outputs given to `plain` inputs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

REFERENCE = re.compile(r"\$\{([^}]+)\}")
BUILTINS = frozenset({"pulumi.stack", "pulumi.project", "pulumi.organization", "pulumi.cwd"})
_LITERAL_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,),
    "array": (list,), "object": (dict,),
}  # fmt: skip
_CONFIG_TYPES = {"string": "string", "integer": "integer", "boolean": "boolean", "array": "array"}


def whole_reference(value: Any) -> str | None:
    """`store.deliveriesTableName` for the value `${store.deliveriesTableName}`, else None."""
    if isinstance(value, str) and (match := REFERENCE.fullmatch(value)):
        return match.group(1)
    return None


def schema_problems(document: Mapping[str, Any], schema: Mapping[str, Any]) -> list[str]:
    """Everything in the program that does not fit the schema, one message each (empty: it fits)."""
    return _Check(document, schema).run()


class _Check:
    def __init__(self, document: Mapping[str, Any], schema: Mapping[str, Any]):
        self.schema = schema
        self.resources: dict[str, Any] = dict(document.get("resources") or {})
        self.config: dict[str, Any] = dict(document.get("config") or {})
        self.outputs: dict[str, Any] = dict(document.get("outputs") or {})
        self.problems: list[str] = []

    def run(self) -> list[str]:
        for name, resource in self.resources.items():
            spec = self.schema["resources"].get(resource.get("type"))
            if spec is None:
                self.problems.append(f"{name}: no resource type {resource.get('type')!r} in the schema")
                continue
            self._object(resource.get("properties") or {}, spec.get("inputProperties", {}),
                         spec.get("requiredInputs", []), name)
        for name, value in self.outputs.items():
            self._value(value, {}, f"outputs.{name}")
        return self.problems

    def _object(self, values: Mapping[str, Any], properties: Mapping[str, Any], required: list[str],
                path: str) -> None:
        for key, value in values.items():
            if key not in properties:
                self.problems.append(f"{path}.{key}: not an input property (known: {', '.join(properties)})")
            else:
                self._value(value, properties[key], f"{path}.{key}")
        for key in required:
            if key not in values:
                self.problems.append(f"{path}.{key}: required input missing")

    def _value(self, value: Any, spec: Mapping[str, Any], path: str) -> None:
        if (whole := whole_reference(value)) is not None:
            self._reference(whole, spec, path, whole=True)
            return
        if isinstance(value, str):
            for embedded in REFERENCE.findall(value):
                self._reference(embedded, {"type": "string", "plain": spec.get("plain")}, path, whole=False)
        if not spec:
            return
        if "$ref" in spec:
            self._typed(value, spec["$ref"], path)
            return
        expected = spec.get("type", "")
        kinds = _LITERAL_TYPES.get(expected, ())
        if not isinstance(value, kinds) or (isinstance(value, bool) and expected != "boolean"):
            self.problems.append(f"{path}: {type(value).__name__} {value!r} where the schema says {expected}")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                self._value(item, spec.get("items", {}), f"{path}[{index}]")
        elif isinstance(value, dict):
            for key, item in value.items():
                self._value(item, spec.get("additionalProperties", {}), f"{path}.{key}")

    def _typed(self, value: Any, ref: str, path: str) -> None:
        if ref == "pulumi.json#/Any":
            return
        if not ref.startswith("#/types/"):
            self.problems.append(f"{path}: a {ref} can only come from a resource output in this program")
            return
        spec = self.schema["types"][ref.removeprefix("#/types/")]
        if not isinstance(value, dict):
            self.problems.append(f"{path}: {value!r} where the schema says object {ref}")
            return
        self._object(value, spec.get("properties", {}), spec.get("required", []), path)

    def _reference(self, name: str, spec: Mapping[str, Any], path: str, *, whole: bool) -> None:
        if name in BUILTINS:
            return
        if name in self.config:
            declared = _CONFIG_TYPES.get(str(self.config[name].get("type")), "")
            if whole and spec.get("type") and not _fits(declared, spec):
                self.problems.append(f"{path}: config {name} is {declared}, the input is {spec.get('type')}")
            return
        resource, _, output = name.partition(".")
        if resource not in self.resources:
            self.problems.append(f"{path}: ${{{name}}} names no declared resource or config key")
            return
        outputs = self.schema["resources"].get(self.resources[resource].get("type"), {}).get("properties", {})
        if output not in outputs:
            self.problems.append(f"{path}: ${{{name}}}: {resource} has no output {output!r}")
            return
        if spec.get("plain"):
            self.problems.append(f"{path}: plain input (known when the program runs) gets the output ${{{name}}}")
        elif whole and spec and not _same_shape(outputs[output], spec):
            self.problems.append(f"{path}: ${{{name}}} does not fit the input's type")


def _fits(declared: str, spec: Mapping[str, Any]) -> bool:
    return declared == spec.get("type") or (declared == "integer" and spec.get("type") == "number")


def _same_shape(output: Mapping[str, Any], spec: Mapping[str, Any]) -> bool:
    """Whether a value of the output's schema type can be given to an input of `spec`."""
    if "$ref" in spec or "$ref" in output:
        return spec.get("$ref") == output.get("$ref") or spec.get("$ref") == "pulumi.json#/Any"
    if output.get("type") != spec.get("type"):
        return output.get("type") == "integer" and spec.get("type") == "number"
    for nested in ("items", "additionalProperties"):
        if nested in spec and not _same_shape(output.get(nested, {}), spec[nested]):
            return False
    return True
