"""Reading IAM policy documents the way AWS does: JSON text or a dict, one statement or a list.

Pure helpers shared by the rules. Everything is tolerant of shapes the engine may hand over (a
`Statement` that is a single object, an `Action` that is a string) and never raises on a malformed
document: a rule reports what it cannot read instead.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Mapping, Sequence
from typing import Any

Statement = dict[str, Any]

SOURCE_ACCOUNT_KEYS = frozenset({"aws:sourceaccount", "aws:sourceowner"})
"""Condition keys that pin a service principal to one account (SNS also sets `aws:SourceOwner`)."""
SOURCE_ARN_KEYS = frozenset({"aws:sourcearn"})
"""Condition key that pins a service principal to one resource (confused-deputy protection)."""


def parse(document: Any) -> dict[str, Any] | None:
    """The document as a dict, or None when it is absent or not a JSON object."""
    if isinstance(document, Mapping):
        return plain(document)
    if isinstance(document, str) and document.strip():
        try:
            parsed = json.loads(document)
        except ValueError:
            return None
        return parsed if isinstance(parsed, dict) else None
    return None


def as_list(value: Any) -> list[Any]:
    """IAM lets most elements be one value or a list; None means absent."""
    if value is None:
        return []
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return list(value)  # lists, and the engine's read-only list proxies
    return [value]


def plain(value: Any) -> Any:
    """A JSON-serialisable copy: the engine hands rules read-only Mapping/Sequence proxies."""
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return [plain(item) for item in value]
    return value


def statements(document: Mapping[str, Any] | None) -> list[Statement]:
    if not document:
        return []
    return [dict(statement) for statement in as_list(document.get("Statement")) if isinstance(statement, Mapping)]


def is_allow(statement: Mapping[str, Any]) -> bool:
    return str(statement.get("Effect", "")).lower() == "allow"


def is_deny(statement: Mapping[str, Any]) -> bool:
    return str(statement.get("Effect", "")).lower() == "deny"


def actions(statement: Mapping[str, Any]) -> list[str]:
    return [str(action) for action in as_list(statement.get("Action"))]


def action_matches(pattern: str, action: str) -> bool:
    """IAM action matching: case-insensitive, `*` and `?` wildcards (`sns:*`, `kms:GenerateDataKey*`)."""
    return fnmatch.fnmatchcase(action.lower(), pattern.lower())


def covers_action(statement: Mapping[str, Any], action: str) -> bool:
    """Whether the statement applies to `action` (honours `NotAction`)."""
    if "NotAction" in statement:
        return not any(action_matches(str(pattern), action) for pattern in as_list(statement["NotAction"]))
    return any(action_matches(pattern, action) for pattern in actions(statement))


def resources(statement: Mapping[str, Any]) -> list[str]:
    return [str(resource) for resource in as_list(statement.get("Resource"))]


def principals(statement: Mapping[str, Any]) -> dict[str, list[str]]:
    """`{"AWS": [...], "Service": [...]}`; a bare `"*"` principal reads as `{"*": ["*"]}`."""
    principal = statement.get("Principal")
    if principal is None:
        return {}
    if not isinstance(principal, Mapping):
        return {"*": [str(value) for value in as_list(principal)]}
    return {str(kind): [str(value) for value in as_list(values)] for kind, values in principal.items()}


def is_everyone(statement: Mapping[str, Any]) -> bool:
    """`"Principal": "*"` or `{"AWS": "*"}`: anybody with any AWS credentials (or none)."""
    found = principals(statement)
    return "*" in found.get("*", []) or "*" in found.get("AWS", [])


def condition_values(statement: Mapping[str, Any]) -> dict[str, list[str]]:
    """Condition key (lower-case, as IAM compares keys) → its values, across all operators."""
    result: dict[str, list[str]] = {}
    condition = statement.get("Condition")
    if not isinstance(condition, Mapping):
        return result
    for block in condition.values():
        if not isinstance(block, Mapping):
            continue
        for key, values in block.items():
            result.setdefault(str(key).lower(), []).extend(str(value) for value in as_list(values))
    return result


def condition_operator(statement: Mapping[str, Any], key: str) -> tuple[str, list[str]] | None:
    """(operator, values) of the first condition on `key` (case-insensitive), or None."""
    condition = statement.get("Condition")
    if not isinstance(condition, Mapping):
        return None
    for operator, block in condition.items():
        if isinstance(block, Mapping):
            for candidate, values in block.items():
                if str(candidate).lower() == key.lower():
                    return str(operator), [str(value) for value in as_list(values)]
    return None


def denies_insecure_transport(statement: Mapping[str, Any]) -> bool:
    """`Deny` for everyone when `aws:SecureTransport` is false: the TLS-only statement."""
    if not is_deny(statement) or not is_everyone(statement):
        return False
    found = condition_operator(statement, "aws:SecureTransport")
    if found is None:
        return False
    operator, values = found
    return operator.lower() == "bool" and [value.lower() for value in values] == ["false"]
