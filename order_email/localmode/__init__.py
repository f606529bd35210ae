"""Local mode: the whole system on an embedded AWS emulator (moto), built from the stack's resource graph.

Imports are lazy on purpose: the Lambda runtime of local mode (`localmode.lambda_runtime`) runs in
each function's own process, and must not drag the parent's modules into the handler's cold start.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from order_email.localmode.run import render_summary, run_local
    from order_email.localmode.system import LocalSystem

__all__ = ["LocalSystem", "render_summary", "run_local"]


def __getattr__(name: str) -> Any:
    if name == "LocalSystem":
        from order_email.localmode.system import LocalSystem

        return LocalSystem
    if name in ("run_local", "render_summary"):
        from order_email.localmode import run

        return getattr(run, name)
    raise AttributeError(name)
