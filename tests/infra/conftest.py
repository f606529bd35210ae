"""Each real stack run once under mocks per session; tests only read the recorded graph."""

from __future__ import annotations

import json
from typing import Any

import pytest

from order_email.mockstack import StackRun, run_stack


@pytest.fixture(scope="session")
def dev() -> StackRun:
    return run_stack("dev")


@pytest.fixture(scope="session")
def prod() -> StackRun:
    return run_stack("prod")


@pytest.fixture(params=["dev", "prod"])
def stack(request: pytest.FixtureRequest) -> StackRun:
    return request.getfixturevalue(request.param)


def policy_of(run: StackRun, name: str, field: str = "policy") -> dict[str, Any]:
    """A recorded policy input, parsed from the JSON string the engine receives."""
    return json.loads(run.named(name).inputs[field])


def statements(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {statement.get("Sid", str(index)): statement for index, statement in enumerate(document["Statement"])}
