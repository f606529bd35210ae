"""The real stacks, run once under mocks per session, and the violations the pack finds in them."""

from __future__ import annotations

import pytest

from mockstack import ACCOUNT_ID, StackRun, run_stack, stack_config
from policy.check import Violation, check_resources, stack_policy_config


@pytest.fixture(scope="session")
def runs() -> dict[str, StackRun]:
    return {stack: run_stack(stack) for stack in ("dev", "prod")}


@pytest.fixture(scope="session")
def violations(runs: dict[str, StackRun]) -> dict[str, list[Violation]]:
    return {
        stack: check_resources(run.resources, stack_policy_config(stack_config(stack), ACCOUNT_ID))
        for stack, run in runs.items()
    }
