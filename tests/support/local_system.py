"""Driving `LocalSystem` in the end-to-end tests: an order as the order service publishes it, the status
of its e-mail, a dead-letter queue's letters, an `order-email` command run against it."""

from __future__ import annotations

from typing import Any

from typer.testing import CliRunner, Result

from order_email.cli.main import app
from order_email.localmode import LocalSystem

SIM = "simulator.amazonses.com"


def order(order_id: str, email: str, **changes: Any) -> dict[str, Any]:
    document = {
        "orderId": order_id,
        "customerEmail": email,
        "customerName": "Jane Doe",
        "items": [{"name": "Mug", "quantity": 2, "unitPrice": "9.50", "sku": "MUG-1"}],
        "total": "19.00",
        "currency": "EUR",
        "timestamp": "2026-01-01T10:00:00Z",
        "metadata": {"channel": "web"},
    }
    document.update(changes)
    return document


def status(system: LocalSystem, order_id: str) -> str | None:
    answer = system.deliveries(order_id)
    emails = answer.get("emails") or []
    return emails[0]["status"] if emails else None


def dlq(system: LocalSystem, role: str) -> list[dict[str, Any]]:
    return next(letters for name, letters in system.dead_letters().items() if role in name)


def run_cli(system: LocalSystem, *args: str) -> Result:
    """`order-email ARGS` against the running system, as an operator with its `cli_environment()` would."""
    return CliRunner().invoke(app, list(args), env=system.cli_environment())
