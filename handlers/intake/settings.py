"""The order intake's configuration: the variables `OrderIntake` sets (`shared.environment.ORDER_INTAKE`)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from ..shared.environment import ORDER_INTAKE


@dataclass(frozen=True)
class IntakeSettings:
    orders_topic_arn: str
    """ORDERS_TOPIC_ARN: where accepted orders are published (the role may only sns:Publish to it)."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> IntakeSettings:
        return cls(**ORDER_INTAKE.read(environ))
