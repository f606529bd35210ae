"""The status API's configuration: the variables `StatusApi` sets (`shared.environment.STATUS_API`)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from ..shared.environment import STATUS_API


@dataclass(frozen=True)
class StatusApiSettings:
    deliveries_table: str
    """DELIVERIES_TABLE: the table to read (the function's role may only Query/GetItem it)."""
    mask_recipients: bool = True
    """MASK_RECIPIENTS: anything but an explicit "false" (or 0/no/off) keeps full addresses out of answers."""
    suppression_table: str | None = None
    """SUPPRESSION_TABLE: the suppression list `/suppressions` pages through (the role may only Scan/Query
    it); None when the component was given none."""
    dead_letter_queue_urls: tuple[str, ...] = ()
    """DEAD_LETTER_QUEUE_URLS: the queues whose waiting messages `/overview` counts."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> StatusApiSettings:
        return cls(**STATUS_API.read(environ))
