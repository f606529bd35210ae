"""The real stacks, run once under mocks per session (`tests.support.stacks`), and the violations the pack finds in them."""

from __future__ import annotations

import pytest

from order_email.cli.policy_run import stack_pack_config
from order_email.mockstack import Project, StackRun
from order_email.policy.check import Violation, check_resources
from tests.support.paths import REPO
from tests.support.stacks import recorded_stack


@pytest.fixture(scope="session")
def runs() -> dict[str, StackRun]:
    return {stack: recorded_stack(stack) for stack in ("dev", "prod")}


@pytest.fixture(scope="session")
def violations(runs: dict[str, StackRun]) -> dict[str, list[Violation]]:
    return {
        stack: check_resources(run.resources, stack_pack_config(Project.at(REPO), stack))
        for stack, run in runs.items()
    }
