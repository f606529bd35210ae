"""The status API's configuration: the environment variables its component sets."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

_FALSE = frozenset({"false", "0", "no", "off"})


@dataclass(frozen=True)
class Settings:
    deliveries_table: str
    """DELIVERIES_TABLE: the table to read (the function's role may only Query/GetItem it)."""
    mask_recipients: bool = True
    """MASK_RECIPIENTS: anything but an explicit "false" keeps full addresses out of answers."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        table = environ.get("DELIVERIES_TABLE", "").strip()
        if not table:
            raise RuntimeError("DELIVERIES_TABLE is not set")
        mask = environ.get("MASK_RECIPIENTS", "true").strip().lower() not in _FALSE
        return cls(deliveries_table=table, mask_recipients=mask)
