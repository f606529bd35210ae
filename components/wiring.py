"""Pure builders applied to resolved outputs, by keyword: `applied(f, a=x, b=y)` is `f(a=..., b=...)` once
`x` and `y` are known, so a wiring body never picks values out of a list by position."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import pulumi

T = TypeVar("T")


def applied(builder: Callable[..., T], **inputs: pulumi.Input[Any]) -> pulumi.Output[T]:
    """`builder(**resolved inputs)` as an output."""
    return pulumi.Output.all(**inputs).apply(lambda values: builder(**values))


def applied_json(builder: Callable[..., Any], **inputs: pulumi.Input[Any]) -> pulumi.Output[str]:
    """`applied`, serialised: the form a policy argument takes."""
    return applied(builder, **inputs).apply(json.dumps)
