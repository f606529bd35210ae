"""Each real stack run once under mocks per session (`tests.support.stacks`); tests only read the recorded graph."""

from __future__ import annotations

import pytest

from order_email.mockstack import StackRun
from tests.support.stacks import recorded_stack


@pytest.fixture(scope="session")
def dev() -> StackRun:
    return recorded_stack("dev")


@pytest.fixture(scope="session")
def prod() -> StackRun:
    return recorded_stack("prod")


@pytest.fixture(params=["dev", "prod"])
def stack(request: pytest.FixtureRequest) -> StackRun:
    return request.getfixturevalue(request.param)
