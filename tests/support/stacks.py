"""The real stacks' recorded graphs, each run under mocks once per session, and readers of what they declare."""

from __future__ import annotations

import functools
import json
from typing import Any

from order_email.mockstack import StackRun, run_stack
from tests.support.paths import REPO


@functools.cache
def recorded_stack(stack: str) -> StackRun:
    """This checkout's program run for `stack` (once per session; shared, so read it and never change it)."""
    return run_stack(stack, project_dir=REPO)


FULL_OBSERVABILITY = {"order-email:observability": "full"}
"""The override that gives dev (lean, `Pulumi.dev.yaml`) prod's observability profile."""


@functools.cache
def recorded_full_stack(stack: str) -> StackRun:
    """`recorded_stack` with the `full` observability profile (dev is `lean`): what the tests of the
    dashboard, the health alarm, the quota probe and the full alarm set read, at each stack's thresholds."""
    return run_stack(stack, project_dir=REPO, overrides=FULL_OBSERVABILITY)


def policy_of(run: StackRun, name: str, field: str = "policy") -> dict[str, Any]:
    """A recorded policy input, parsed from the JSON string the engine receives."""
    return json.loads(run.named(name).inputs[field])


def statements(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {statement.get("Sid", str(index)): statement for index, statement in enumerate(document["Statement"])}


WEBHOOK_CONFIG = {"url": "https://shop.example.com/hooks/order-email", "secret": "whsec-" + "0123456789abcdef" * 3,
                  "maxAttempts": 6}
"""The stack key `webhook` the webhook variants of the real stacks are run with."""


@functools.cache
def recorded_stack_with_webhook(stack: str) -> StackRun:
    """`recorded_stack` with the webhook on (`WEBHOOK_CONFIG`); shared, so read it and never change it."""
    return run_stack(stack, project_dir=REPO, overrides={"order-email:webhook": json.dumps(WEBHOOK_CONFIG)})
