"""The one JSON key style of every `--json` output: camelCase, also for dataclasses with snake_case fields."""

from __future__ import annotations

import re
from dataclasses import asdict
from typing import Any

_SNAKE = re.compile(r"_([a-z0-9])")


def camel_case(name: str) -> str:
    """`records_found` → `recordsFound`."""
    return _SNAKE.sub(lambda match: match.group(1).upper(), name)


def camel_fields(record: Any) -> dict[str, Any]:
    """A dataclass instance's fields as a JSON object with camelCase keys (values unchanged)."""
    return {camel_case(name): value for name, value in asdict(record).items()}
