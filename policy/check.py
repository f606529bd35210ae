"""Run every rule of the pack against a mocked stack, without the Pulumi CLI or AWS.

`check_stack("prod")` runs `__main__.py` under mocks with `Pulumi.prod.yaml` and returns the
violations the engine would report on `pulumi preview --policy-pack policy`: resource rules see each
resource's inputs, stack rules every resource's outputs, exactly as the engine hands them over.
The `order-email policy` command is a thin wrapper over it.
"""

from __future__ import annotations

import json
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

from policy.rules import POLICIES

PolicyConfig = Mapping[str, Mapping[str, Any]]
"""Rule name → that rule's config, as in a `--policy-pack-config` file."""


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
        return self.enforcement_level == EnforcementLevel.MANDATORY.value

    def as_dict(self) -> dict[str, str | None]:
        """For `--json` output: rule, level, resource name/type/urn, message."""
        return {"rule": self.rule, "enforcementLevel": self.enforcement_level, "resourceName": self.resource_name,
                "resourceType": self.resource_type, "urn": self.urn, "message": self.message}


@dataclass(frozen=True)
class Recorded:
    """The part of `mockstack.RecordedResource` the checks read (tests build these by hand too)."""

    type: str
    name: str
    urn: str
    parent: str | None
    inputs: Mapping[str, Any]
    state: Mapping[str, Any]
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


def run_policy(policy: Policy, resources: Sequence[Any], config: Mapping[str, Any] | None = None) -> list[Violation]:
    """One rule over a list of recorded resources (anything with type/name/urn/parent/inputs/state)."""
    level = (policy.enforcement_level or EnforcementLevel.ADVISORY).value
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
    """Every rule over the given resources; `config` as in a policy-pack config file."""
    return [
        violation
        for policy in POLICIES
        for violation in run_policy(policy, resources, (config or {}).get(policy.name))
    ]


def stack_policy_config(raw_stack_config: Mapping[str, str], account_id: str) -> dict[str, dict[str, Any]]:
    """The pack config a stack file implies: its publishers are the only allowed topic publishers."""
    # Imported here: the pack itself never imports the components.
    from components.policies import publisher_principals

    configured = json.loads(raw_stack_config.get("order-email:publisherPrincipals", "[]"))
    return {"sns-topic-publishers-restricted": {"allowedPublishers": publisher_principals(configured, account_id)}}


def check_stack(stack: str) -> list[Violation]:
    """Run `__main__.py` for `stack` under mocks and every rule over what it declares."""
    from mockstack import ACCOUNT_ID, run_stack, stack_config  # pulumi-aws: imported only when needed

    run = run_stack(stack)
    return check_resources(run.resources, stack_policy_config(stack_config(stack), ACCOUNT_ID))


def has_mandatory(violations: Iterable[Violation]) -> bool:
    """Whether the engine would stop the update (the CLI exits 1)."""
    return any(violation.mandatory for violation in violations)
