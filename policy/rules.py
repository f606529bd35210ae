"""Every rule of the order-email policy pack, importable without starting the pack's server.

`policy/__main__.py` serves `POLICIES` to the Pulumi engine; `policy.check` and the tests call each
rule's `validate` directly.
"""

from __future__ import annotations

from pulumi_policy import Policy

from .resource_rules import RESOURCE_POLICIES
from .stack_rules import STACK_POLICIES

PACK_NAME = "order-email-guardrails"

POLICIES: tuple[Policy, ...] = (*RESOURCE_POLICIES, *STACK_POLICIES)


def by_name(name: str) -> Policy:
    """One rule by its name (KeyError if there is none)."""
    for policy in POLICIES:
        if policy.name == name:
            return policy
    raise KeyError(name)
