"""The one key style of every `--json` output: camelCase field names (README "Operator CLI").

Some values are maps keyed by data, not by field names — order ids, AWS operation names, queue and
function names, metric names, SES error codes, tag names, resource inputs as the engine received them.
Their keys are left as they are; what they hold is still checked (but for `OPAQUE` values)."""

from __future__ import annotations

import re
from typing import Any

CAMEL_CASE = re.compile(r"^[a-z][a-zA-Z0-9]*$")
DATA_MAPS = frozenset({
    "outcomes",             # order id → outcome (`local`)
    "awsCalls",             # "sqs.SendMessage" → count
    "invocations",          # function name → count
    "deadLettersByQueue",   # queue name → count
    "deadLettersRemoved",   # dead-letter queue URL → messages deleted (`erase`)
    "sesRefusals",          # SES error code → count
    "metrics",              # EMF metric name → value
    "faultsInjected",       # fault name → count
    "functionErrorsByType", # error type → count
    "timeCompression",      # "function VARIABLE" → "declared → local"
    "tags",                 # tag name → value
    "metadata",             # the order's metadata map
    "statuses",             # delivery status → count (chaos summary)
})
OPAQUE = frozenset({"inputs"})
"""Values not checked at all: a resource's inputs as the Pulumi engine received them (`preview`), in the
AWS provider's own names (environment variable names, policy documents, …)."""


def non_camel_keys(value: Any, path: str = "$") -> list[str]:
    """Paths of every key that is not camelCase, outside data maps (empty when the style holds)."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}"
            if not CAMEL_CASE.match(str(key)):
                found.append(where)
            if key in OPAQUE:
                continue
            if key in DATA_MAPS and isinstance(item, dict):
                for inner_key, inner in item.items():
                    found += non_camel_keys(inner, f"{where}[{inner_key!r}]")
            else:
                found += non_camel_keys(item, where)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += non_camel_keys(item, f"{path}[{index}]")
    return found
