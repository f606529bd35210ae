"""Settings for fuzz targets: a fast profile in `make test`, 10,000 examples each with `make fuzz`."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

LONG = os.environ.get("ORDER_EMAIL_FUZZ") == "long"
LONG_EXAMPLES = 10_000


def fuzz(examples: int) -> settings:
    """`examples` per target in CI; `LONG_EXAMPLES` when `make fuzz` sets ORDER_EMAIL_FUZZ=long."""
    return settings(max_examples=LONG_EXAMPLES if LONG else examples, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


fuzz_target = pytest.mark.fuzz
"""Marks a fuzz target so `make fuzz` (pytest -m fuzz) runs exactly these."""
