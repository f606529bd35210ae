"""Run parliament over every IAM policy document a resource holds; drop only allow-listed findings.

Parliament is imported on first use: loading its IAM action database takes a moment, and rules
that do not need it should not pay for it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from . import documents
from . import resource_types as t
from .parliament_allowlist import ALLOWED_FINDINGS, AllowedFinding


@dataclass(frozen=True)
class PolicyDocument:
    kind: str
    """`identity`, `trust`, `resource` (topic/queue policy) or `key` (KMS key policy)."""
    field: str
    """Where in the resource's inputs it sits, e.g. `policy` or `inlinePolicies[0].policy`."""
    text: str


@dataclass(frozen=True)
class Finding:
    issue: str
    detail: str
    document: PolicyDocument


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value
    if isinstance(value, Mapping):
        return json.dumps(documents.plain(value))
    return None


def policy_documents(resource_type: str, props: Mapping[str, Any]) -> Iterator[PolicyDocument]:
    """Every policy document in a resource's inputs, with its kind."""
    fields: list[tuple[str, str]] = []
    if resource_type in t.IDENTITY_POLICY_TYPES:
        fields.append(("identity", "policy"))
    elif resource_type in t.RESOURCE_POLICY_TYPES or resource_type in (t.SNS_TOPIC, t.SQS_QUEUE):
        fields.append(("resource", "policy"))
    elif resource_type == t.KMS_KEY:
        fields.append(("key", "policy"))
    elif resource_type == t.IAM_ROLE:
        fields.append(("trust", "assumeRolePolicy"))
        for index, inline in enumerate(documents.as_list(props.get("inlinePolicies"))):
            if isinstance(inline, Mapping) and (text := _text(inline.get("policy"))):
                yield PolicyDocument("identity", f"inlinePolicies[{index}].policy", text)
    for kind, field in fields:
        if text := _text(props.get(field)):
            yield PolicyDocument(kind, field, text)


def allowed(finding: Finding, allow_list: tuple[AllowedFinding, ...] = ALLOWED_FINDINGS) -> AllowedFinding | None:
    return next(
        (entry for entry in allow_list
         if entry.kind == finding.document.kind and entry.issue == finding.issue
         and entry.detail_contains in finding.detail),
        None,
    )


def findings(document: PolicyDocument) -> list[Finding]:
    """Parliament's findings for one document, allow-listed or not."""
    from parliament import analyze_policy_string  # slow import, see the module docstring

    analysed = analyze_policy_string(document.text)
    return [Finding(str(item.issue), _detail(item.detail), document) for item in analysed.findings]


def unexplained_findings(document: PolicyDocument) -> list[Finding]:
    return [finding for finding in findings(document) if allowed(finding) is None]


def _detail(detail: Any) -> str:
    return detail if isinstance(detail, str) else json.dumps(detail, default=str)
