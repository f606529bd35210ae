"""The policy pack over a project's program: its mocked resources, and the pack config that applies.

A policy-pack config file is checked the way `pulumi preview --policy-pack-config` would check it
before any rule runs: a JSON object whose keys are `all` or a rule of the pack, each value a level
(`advisory`, `mandatory`, `remediate`, `disabled`) or an object holding `enforcementLevel` and the
rule's properties, validated against the rule's config schema. A mistake is a `PackConfigError`
naming the key, never a rule silently running with its defaults.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jsonschema

from order_email.components.policies import publisher_principals
from order_email.mockstack import ACCOUNT_ID, PARTITION, Project, run_stack
from order_email.policy.check import LEVELS, PolicyConfig, Violation, check_resources
from order_email.policy.rules import POLICIES

PUBLISHERS_RULE = "sns-topic-publishers-restricted"


class PackConfigError(ValueError):
    """The pack config file is not one the engine would accept; the message names the key."""


def load_pack_config(path: Path) -> dict[str, Any]:
    """Read and validate a `--policy-pack-config` file."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise PackConfigError(f"{path}: not a readable JSON file ({error})") from None
    if not isinstance(document, dict):
        raise PackConfigError(f"{path}: must be a JSON object keyed by rule name (or 'all')")
    schemas = {policy.name: _entry_schema(policy) for policy in POLICIES}
    for key, entry in document.items():
        if key == "all":
            schema: dict[str, Any] = {"enum": list(LEVELS)}
        elif key in schemas:
            schema = {"oneOf": [{"enum": list(LEVELS)}, schemas[key]]}
        else:
            raise PackConfigError(f"{path}: {key!r} is not a rule of the pack (rules: {', '.join(sorted(schemas))})")
        try:
            jsonschema.validate(entry, schema)
        except jsonschema.ValidationError as error:
            where = "/".join(str(part) for part in error.absolute_path)
            raise PackConfigError(f"{path}: {key}{'/' + where if where else ''}: {_reason(entry, schemas.get(key))}"
                                  ) from None
    return document


def _entry_schema(policy: Any) -> dict[str, Any]:
    declared = getattr(policy, "config_schema", None)
    properties = dict(getattr(declared, "properties", None) or {})
    return {"type": "object", "properties": {"enforcementLevel": {"enum": list(LEVELS)}, **properties},
            "required": list(getattr(declared, "required", None) or [])}


def _reason(entry: Any, schema: Mapping[str, Any] | None) -> str:
    """The most specific complaint: a level that is none, else the first schema error of the object."""
    if schema is None or not isinstance(entry, dict):
        return f"must be one of {', '.join(LEVELS)}" + (" or an object of the rule's properties" if schema else "")
    error = jsonschema.exceptions.best_match(jsonschema.Draft7Validator(schema).iter_errors(entry))
    return error.message if error is not None else "invalid"


def stack_pack_config(project: Project, stack: str) -> dict[str, Any]:
    """What a stack file implies: its configured publishers are the only allowed topic publishers."""
    raw = project.stack_config(stack).get(f"{project.name}:publisherPrincipals", "[]")
    return {PUBLISHERS_RULE: {"allowedPublishers": publisher_principals(json.loads(raw), ACCOUNT_ID,
                                                                               partition=PARTITION)}}


def merged(implied: PolicyConfig, given: PolicyConfig) -> dict[str, Any]:
    """The file's entries over the stack's: a file entry replaces properties it names, keeps the rest."""
    result: dict[str, Any] = dict(implied)
    for key, entry in given.items():
        current = result.get(key)
        if isinstance(entry, dict) and isinstance(current, dict):
            result[key] = {**current, **entry}
        elif isinstance(entry, str) and isinstance(current, dict):
            result[key] = {**current, "enforcementLevel": entry}
        else:
            result[key] = entry
    return result


def check_project(stack: str, project_dir: Path | None = None, pack_config: Path | None = None) -> list[Violation]:
    """Run the project's program for `stack` under mocks and every rule over what it declares."""
    project = Project.at(project_dir)
    config = stack_pack_config(project, stack)
    if pack_config is not None:
        config = merged(config, load_pack_config(pack_config))
    run = run_stack(stack, project_dir=project.directory)
    return check_resources(run.resources, config)
