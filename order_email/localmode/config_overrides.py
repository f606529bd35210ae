"""`LocalSystem(stack, config={...})`: stack config for one local run, over `Pulumi.<stack>.yaml`.

Keys as in the stack file: `"order-email:webhook"` (any namespace, e.g. `aws:region`), or the bare
key (`"webhook"`), which means the project's own namespace. Values as the stack file holds them: a
mapping or list (written as the JSON text the engine passes structured config as), a string, a
number or a bool; None removes the key. The result is what `mockstack.run_stack` takes as overrides,
so the program validates it exactly as `pulumi preview` would (a bad value fails start-up, naming
the key).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from order_email.mockstack.runner import engine_value


def config_overrides(config: Mapping[str, Any], project_name: str) -> dict[str, str | None]:
    """`config` as flat `namespace:key` overrides for the project called `project_name` (pure)."""
    overrides: dict[str, str | None] = {}
    for key, value in config.items():
        if not key or key.startswith(":") or key.endswith(":"):
            raise ValueError(f"config key {key!r} must be `key` or `namespace:key`")
        full_key = key if ":" in key else f"{project_name}:{key}"
        overrides[full_key] = None if value is None else engine_value(value)
    return overrides
