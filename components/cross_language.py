"""What keeps a component the same when another language constructs it through the provider host.

TypeScript, Go, C# and YAML programs reach the components through `provider/` (Pulumi's Python
component provider host), which builds the package schema from the class annotations and calls the
constructor with the program's arguments. Two things differ from a Python caller, and this module
undoes both at the top of every component's `__init__`:

- Numbers: the wire has one number type, and the host (pulumi 3.272) hands every integer over as a
  float, so `retention_days` would reach an environment variable as "30.0". `python_args` turns a
  whole float back into an `int` wherever the args type says `int`.
- Plain values: an argument typed without `pulumi.Input` is one the component branches on or writes
  into names and policies while the program runs; the schema marks it `plain`. An output of another
  resource there would be rendered as a warning string, so `python_args` refuses it by name.

`declared_outputs` is what a component registers: every public annotated attribute, which is exactly
what the schema lists as the component's outputs.
"""

import inspect
import types
import typing
from collections.abc import Mapping
from typing import Any, NotRequired, Required, TypeVar, cast, get_args, get_origin

import pulumi

ArgsT = TypeVar("ArgsT", bound=Mapping[str, Any])

_PLAIN_SCALARS = (str, int, float, bool)


def python_args(args: ArgsT, args_type: type[ArgsT]) -> ArgsT:
    """`args` as a Python caller would pass them: whole floats in `int` fields back to `int`, and no
    output where the args type asks for a plain value (a clear error instead)."""
    return cast(ArgsT, _plain_fields(args, args_type, ""))


def declared_outputs(component: pulumi.ComponentResource) -> dict[str, Any]:
    """The component's public annotated attributes by name: its schema outputs, for `register_outputs`."""
    names = [name for name in inspect.get_annotations(type(component)) if not name.startswith("_")]
    return {name: getattr(component, name) for name in names}


def _plain_fields(values: Mapping[str, Any], typed_dict: type, path: str) -> dict[str, Any]:
    result = dict(values)
    for key, annotation in inspect.get_annotations(typed_dict).items():
        if result.get(key) is not None:
            result[key] = _plain_value(result[key], _declared_type(annotation), f"{path}{key}")
    return result


def _declared_type(annotation: Any) -> Any:
    """The type under `NotRequired[...]`/`Required[...]` and `X | None`."""
    while get_origin(annotation) in (NotRequired, Required):
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (typing.Union, types.UnionType):
        members = [member for member in get_args(annotation) if member is not type(None)]
        if len(members) == 1:
            return members[0]
    return annotation


def _plain_value(value: Any, declared: Any, path: str) -> Any:
    if typing.is_typeddict(declared) and isinstance(value, Mapping):
        return _plain_fields(value, declared, f"{path}.")
    if declared not in _PLAIN_SCALARS:
        return value
    if isinstance(value, pulumi.Output):
        schema_path = ".".join(_camel_case(part) for part in path.split("."))
        raise TypeError(
            f"{schema_path} ({path}) must be a plain {declared.__name__} known when the program runs (the "
            "component decides on it or writes it into names and policies), not an output of another resource"
        )
    if declared is int and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _camel_case(name: str) -> str:
    """The schema's name for a Python name (as the analyzer derives it): `retention_days` → `retentionDays`."""
    first, *rest = name.split("_")
    return first + "".join(word[:1].upper() + word[1:] for word in rest)
