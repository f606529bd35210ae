"""Run every rule of the pack over recorded resources, as the engine would, without the Pulumi CLI.

`check_resources(resources, config)` returns the violations the engine would report on
`pulumi preview --policy-pack policy --policy-pack-config FILE`: resource rules see each resource's
inputs, stack rules every resource's outputs, exactly as the engine hands them over, and `config`
is read as the engine reads a pack config file: `"all"` sets every rule's enforcement level, a rule's
own entry (a level, or an object with `enforcementLevel` and the rule's properties) overrides it,
`disabled` skips the rule and `remediate` blocks like `mandatory` (these rules only validate).
`order-email policy` (`order_email.cli.policy_run`) runs a project's program under mocks and hands
its resources here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.proxy import unknown_checking_proxy

from .rules import POLICIES

PolicyConfig = Mapping[str, Any]
"""A `--policy-pack-config` document: `"all"` → a level; rule name → a level or {enforcementLevel?, properties}."""

LEVELS = ("advisory", "mandatory", "remediate", "disabled")
BLOCKING_LEVELS = frozenset({"mandatory", "remediate"})


@dataclass(frozen=True)
class Violation:
    rule: str
    enforcement_level: str
    """`mandatory` (blocks the update) or `advisory` (a warning)."""
    resource_name: str | None
    """Logical name of the offending resource; None for a stack-wide violation."""
    resource_type: str | None
    urn: str | None
    message: str

    @property
    def mandatory(self) -> bool:
        """Whether the engine stops the update for it."""
        return self.enforcement_level in BLOCKING_LEVELS

    def as_dict(self) -> dict[str, str | None]:
        """For `--json` output: rule, level, resource name/type/urn, message."""
        return {"rule": self.rule, "enforcementLevel": self.enforcement_level, "resourceName": self.resource_name,
                "resourceType": self.resource_type, "urn": self.urn, "message": self.message}


@dataclass(frozen=True)
class Recorded:
    """The part of `mockstack.RecordedResource` the checks read (tests build these by hand too)."""

    urn: str
    """What a violation names, so `pulumi preview --policy-pack` and `order-email policy` point at one resource."""
    parent: str | None
    type: str
    name: str
    inputs: Mapping[str, Any]
    """What the resource rules judge (the engine sends inputs before anything exists)."""
    state: Mapping[str, Any]
    """What the stack rules join on (ARNs and URLs only exist as outputs)."""
    protect: bool = False


def _props(values: Mapping[str, Any]) -> Mapping[str, Any]:
    """Secrets unwrapped and wrapped in the engine's read-only proxies, so rules meet what they will meet."""
    return unknown_checking_proxy(deserialize_properties(dict(values)))


def _options(resource: Any) -> PolicyResourceOptions:
    return PolicyResourceOptions(
        protect=bool(getattr(resource, "protect", False)), ignore_changes=[], delete_before_replace=None,
        aliases=[], custom_timeouts=PolicyCustomTimeouts(0, 0, 0), additional_secret_outputs=[],
        parent=resource.parent,
    )


def resource_args(resource: Any, config: Mapping[str, Any] | None = None) -> ResourceValidationArgs:
    """What a resource rule receives for one recorded resource: its inputs, secrets unwrapped."""
    return ResourceValidationArgs(
        resource.type, _props(resource.inputs), resource.urn, resource.name,
        _options(resource), None, dict(config or {}),
    )


def stack_args(resources: Iterable[Any], config: Mapping[str, Any] | None = None) -> StackValidationArgs:
    """What a stack rule receives: every resource's outputs, with parents linked."""
    converted: list[tuple[Any, PolicyResource]] = [
        (resource, PolicyResource(resource.type, _props(resource.state), resource.urn,
                                  resource.name, _options(resource), None, None, [], {}))
        for resource in resources
    ]
    by_urn = {policy_resource.urn: policy_resource for _, policy_resource in converted}
    for resource, policy_resource in converted:
        policy_resource.parent = by_urn.get(resource.parent) if resource.parent else None
    return StackValidationArgs([policy_resource for _, policy_resource in converted], dict(config or {}))


def enforcement_level(policy: Policy, config: PolicyConfig | None = None) -> str:
    """The rule's level under a pack config: its own entry, else `all`, else what the rule declares."""
    entry = (config or {}).get(policy.name)
    if isinstance(entry, str):
        return entry
    if isinstance(entry, Mapping) and "enforcementLevel" in entry:
        return str(entry["enforcementLevel"])
    if "all" in (config or {}):
        return str((config or {})["all"])
    return (policy.enforcement_level or EnforcementLevel.ADVISORY).value


def rule_properties(policy: Policy, config: PolicyConfig | None = None) -> dict[str, Any]:
    """What `args.get_config()` returns to the rule: its entry's properties, level excluded."""
    entry = (config or {}).get(policy.name)
    if not isinstance(entry, Mapping):
        return {}
    return {key: value for key, value in entry.items() if key != "enforcementLevel"}


def run_policy(policy: Policy, resources: Sequence[Any], config: Mapping[str, Any] | None = None,
               level: str | None = None) -> list[Violation]:
    """One rule over a list of recorded resources (anything with type/name/urn/parent/inputs/state);
    `config` is the rule's own properties, `level` overrides its declared enforcement level."""
    level = level or (policy.enforcement_level or EnforcementLevel.ADVISORY).value
    found: list[Violation] = []
    by_urn = {resource.urn: resource for resource in resources}

    def recorder(default: Any):
        def report(message: str, urn: str | None = None) -> None:
            subject = by_urn.get(urn) if urn else default
            found.append(Violation(policy.name, level, getattr(subject, "name", None), getattr(subject, "type", None),
                                   getattr(subject, "urn", None), message))
        return report

    if isinstance(policy, ResourceValidationPolicy):
        for resource in resources:
            policy.validate(resource_args(resource, config), recorder(resource))
    elif isinstance(policy, StackValidationPolicy):
        policy.validate(stack_args(resources, config), recorder(None))
    return found


def check_resources(resources: Sequence[Any], config: PolicyConfig | None = None) -> list[Violation]:
    """Every enabled rule over the given resources; `config` as in a policy-pack config file."""
    found: list[Violation] = []
    for policy in POLICIES:
        level = enforcement_level(policy, config)
        if level != "disabled":
            found.extend(run_policy(policy, resources, rule_properties(policy, config), level))
    return found


def has_mandatory(violations: Iterable[Violation]) -> bool:
    """Whether the engine would stop the update (the CLI exits 1)."""
    return any(violation.mandatory for violation in violations)
