"""Another team's project (examples/consumer) on the local emulator: our EmailSender mails the order
and their own Lambda, run from their own code archive, records it in their own table.

Always on a copy of the example outside the checkout, so the run cannot lean on our folders.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from order_email.cli.common import STACK_OUTPUTS_ENV
from order_email.localmode import LocalSystem
from order_email.localmode.run import tagged_order
from tests.support.paths import CONSUMER_EXAMPLE

CLI = Path(sys.executable).parent / "order-email"
AUDIT_FUNCTION = "shop-audit-function"
CUSTOMER = "success+shop@simulator.amazonses.com"


@pytest.fixture(scope="module")
def example_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("their-checkout") / "shop-mail"
    shutil.copytree(CONSUMER_EXAMPLE, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return target


@pytest.fixture
def system(example_copy: Path) -> Iterator[LocalSystem]:
    with LocalSystem("dev", project_dir=example_copy) as running:
        yield running


def order(order_id: str, email: str = CUSTOMER) -> dict[str, Any]:
    return {"orderId": order_id, "customerEmail": email, "customerName": "Ada Lovelace",
            "items": [{"name": "Teapot", "quantity": 1, "unitPrice": "24.00"}], "total": "24.00",
            "currency": "EUR", "timestamp": "2026-11-23T07:00:00Z", "metadata": {"channel": "web"}}


def outputs(system: LocalSystem) -> dict[str, Any]:
    """Their stack outputs, as `order-email` commands read them: the emulator's names."""
    return dict(json.loads(Path(system.cli_environment()[STACK_OUTPUTS_ENV]).read_text()))


def audit_items(system: LocalSystem) -> dict[str, dict[str, Any]]:
    table = outputs(system)["auditTable"]
    items = system.client("dynamodb").scan(TableName=table, ConsistentRead=True)["Items"]
    return {item["orderId"]["S"]: item for item in items}


def emails_for(system: LocalSystem, order_id: str) -> list[dict[str, Any]]:
    return [email for email in system.sent_emails() if tagged_order(email) == order_id]


def test_our_sender_mails_the_order_and_their_lambda_records_it(system: LocalSystem, example_copy: Path) -> None:
    assert system.function_names()[AUDIT_FUNCTION] == "handlers.order_audit.handler"
    system.publish_order(order("SHOP-1001"))
    system.run_until_idle(timeout=60)

    assert system.errors() == []
    sent = emails_for(system, "SHOP-1001")
    assert len(sent) == 1
    assert sent[0]["to"] == [f"Ada Lovelace <{CUSTOMER}>"]
    assert sent[0]["from"].endswith("<orders@mail.dev.shop.example>"), "not sent as their From address"
    assert system.invocations()[AUDIT_FUNCTION] >= 1
    first = audit_items(system)["SHOP-1001"]
    assert set(first) == {"orderId", "receivedAt", "sqsMessageId", "expiresAt"}, "the audit keeps no customer data"

    # The order service publishes the same order again: still one e-mail, and the audit keeps the first sighting.
    system.publish_order(order("SHOP-1001"))
    system.run_until_idle(timeout=60)
    assert len(emails_for(system, "SHOP-1001")) == 1
    assert audit_items(system)["SHOP-1001"] == first
    assert system.errors() == []
    # Their output names, the emulator's values: the topic they export is the one local mode found by wiring.
    assert system.roles is not None and outputs(system)["orderTopic"] == system.roles.orders_topic_arn


def test_an_event_that_is_no_order_rests_in_their_dlq_unlogged(system: LocalSystem) -> None:
    """Their handler fails the record; SQS's redrive moves it to *their* DLQ; its logs never show the body."""
    leaked = "jane.doe@example.com"
    system.publish_raw(json.dumps({"note": f"call {leaked}"}), {"eventType": "order.confirmed"})
    system.publish_order(order("SHOP-1002"))
    system.run_until_idle(timeout=90)

    assert system.errors() == []
    dead = system.dead_letters()
    audit_dlq = Path(outputs(system)["auditDeadLetters"]).name
    assert [json.loads(letter["body"]) for letter in dead[audit_dlq]] == [{"note": f"call {leaked}"}]
    assert set(audit_items(system)) == {"SHOP-1002"}
    assert len(emails_for(system, "SHOP-1002")) == 1
    lines = system.logs(AUDIT_FUNCTION)
    assert any("not an order event" in line for line in lines), lines
    assert not [line for line in lines if leaked in line or "@" in line]


def test_order_email_local_runs_their_project(example_copy: Path, tmp_path: Path) -> None:
    """The built-in scenario (mailbox-simulator recipients, duplicates, invalid orders) on their stack."""
    result = subprocess.run([str(CLI), "local", "--project-dir", str(example_copy), "--orders", "20", "--seed", "7",
                             "--json"], cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads(result.stdout)
    assert summary["ok"] is True and summary["orders"] == 20 and summary["functionErrors"] == 0
    assert all(outcome["expected"] == outcome["actual"] for outcome in summary["outcomes"].values())
    assert summary["invocations"].get(AUDIT_FUNCTION, 0) >= 1
    assert summary["sendPathCallsPerEmail"] > 0, "the sender's calls were not attributed to their sender"
    audit_dlq = [name for name in summary["deadLettersByQueue"] if name.startswith("shop-audit-dlq")]
    assert len(audit_dlq) == 1 and summary["deadLettersByQueue"][audit_dlq[0]] == 0
    assert "@" not in result.stderr, "a log line leaked an address"
    assert list(tmp_path.iterdir()) == [], "local mode wrote into the working directory"
