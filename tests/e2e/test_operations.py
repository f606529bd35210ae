"""What support and on-call ask first, end to end on `LocalSystem` (issue 18, points 1-3).

The order kept with its record (shown masked, resent with nothing else, erased); e-mails found by
recipient through the status API and `order-email find`; recent e-mails by status through
`order-email deliveries`. The CLI runs as against a deployed stack (`cli_environment()`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from boto3.dynamodb.types import TypeDeserializer
from typer.testing import CliRunner

from order_email.cli.common import STACK_OUTPUTS_ENV
from order_email.cli.main import app
from order_email.localmode import LocalSystem
from order_email.localmode.capture import addresses
from tests.support.local_system import SIM, order, status

KEPT = f"success+kept@{SIM}"
FOUND = f"success+found@{SIM}"
METADATA = {"channel": "web", "note": "gift, tell jane.doe@example.com"}


@pytest.fixture(scope="module")
def system() -> Iterator[LocalSystem]:
    with LocalSystem(stack="dev") as running:
        yield running


def cli(system: LocalSystem, *args: str) -> Any:
    return CliRunner().invoke(app, list(args), env={**system.cli_environment(), "COLUMNS": "200"})


def deliveries_table(system: LocalSystem) -> str:
    return str(json.loads(Path(system.cli_environment()[STACK_OUTPUTS_ENV]).read_text())["deliveriesTableName"])


def record(system: LocalSystem, order_id: str) -> dict[str, Any]:
    raw = system.client("dynamodb").get_item(TableName=deliveries_table(system), ConsistentRead=True, Key={
        "orderId": {"S": order_id}, "kind": {"S": "order-confirmation"}})["Item"]
    deserializer = TypeDeserializer()
    return {key: deserializer.deserialize(value) for key, value in raw.items()}


def sent_to(system: LocalSystem, address: str) -> list[dict[str, Any]]:
    return [email for email in system.sent_emails() if addresses(email["to"]) == [address]]


def sender_calls(system: LocalSystem) -> dict[str, int]:
    sender = next(name for name, handler in system.function_names().items() if "send_order_email" in handler)
    return system.aws_calls(sender)


# -- 1. the order kept with its record ---------------------------------------------------------


def test_the_order_is_kept_with_its_record_in_the_claims_own_write(system: LocalSystem) -> None:
    before = sender_calls(system)
    system.publish_order(order("K.1", KEPT, metadata=METADATA, total="19.00"))
    system.run_until_idle(timeout=60)
    assert status(system, "K.1") == "DELIVERED"
    kept = record(system, "K.1")["order"]
    assert kept == {"customerName": "Jane Doe", "currency": "EUR", "total": "19.00",
                    "timestamp": "2026-01-01T10:00:00+00:00", "metadata": METADATA,
                    "items": [{"name": "Mug", "quantity": 2, "unitPrice": "9.50", "sku": "MUG-1"}]}
    after = sender_calls(system)
    added = {name: after.get(name, 0) - before.get(name, 0) for name in after}
    # one e-mail: suppression read, claim (which writes the order), SendEmail, record SENT — no extra call
    assert {name: count for name, count in added.items() if count} == {
        "dynamodb.BatchGetItem": 1, "dynamodb.UpdateItem": 2, "sesv2.SendEmail": 1}


def test_status_api_and_cli_show_the_order_masked(system: LocalSystem) -> None:
    code, answer = system.status_api("/orders/K.1")
    assert code == 200
    shown = answer["emails"][0]["order"]
    assert "customerName" not in shown and shown["total"] == "19.00" and shown["items"][0]["unitPrice"] == "9.50"
    assert shown["metadata"] == {"channel": "web", "note": "gift, tell j***@example.com"}
    result = cli(system, "status", "K.1", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["emails"][0]["order"] == shown
    table = cli(system, "status", "K.1")
    assert "Mug" in table.stdout and "19.00 EUR" in table.stdout and "Jane" not in table.stdout
    assert "jane.doe@example.com" not in table.stdout


def test_resend_needs_nothing_but_the_order_id(system: LocalSystem) -> None:
    refused = cli(system, "resend", "K.1", "--yes")
    assert refused.exit_code == 1 and "--force" in refused.stderr  # DELIVERED: it went out
    result = cli(system, "resend", "K.1", "--yes", "--force", "--by", "support", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["previousStatus"] == "DELIVERED"
    system.run_until_idle(timeout=60)
    assert status(system, "K.1") == "DELIVERED"
    sent = sent_to(system, KEPT)
    assert len(sent) == 2 and sent[0]["text"] == sent[1]["text"] and "Mug" in sent[1]["text"]
    history = [entry["type"] for entry in record(system, "K.1")["history"]]
    assert "ResendRequested" in history and history.count("Sent") == 2


def test_a_record_without_a_kept_order_asks_for_the_order_file(system: LocalSystem, tmp_path: Path) -> None:
    system.publish_order(order("K.2", f"bounce+old@{SIM}"))
    system.run_until_idle(timeout=60)
    assert status(system, "K.2") == "BOUNCED"
    system.client("dynamodb").update_item(TableName=deliveries_table(system), UpdateExpression="REMOVE #order",
                                          ExpressionAttributeNames={"#order": "order"},
                                          Key={"orderId": {"S": "K.2"}, "kind": {"S": "order-confirmation"}})
    refused = cli(system, "resend", "K.2", "--yes")
    assert refused.exit_code == 1 and "keeps no order" in refused.stderr and "--order-file" in refused.stderr
    assert record(system, "K.2")["status"] == "BOUNCED"  # refused before the reset
    corrected = tmp_path / "order.json"
    corrected.write_text(json.dumps(order("K.2", f"success+fixed@{SIM}")))
    assert cli(system, "resend", "K.2", "--yes", "--order-file", str(corrected)).exit_code == 0
    system.run_until_idle(timeout=60)
    assert status(system, "K.2") == "DELIVERED" and len(sent_to(system, f"success+fixed@{SIM}")) == 1
    assert record(system, "K.2")["order"]["customerName"] == "Jane Doe"  # the new claim keeps the new order


# -- 2. found by recipient ---------------------------------------------------------------------


def test_find_by_recipient_through_the_api_and_the_cli(system: LocalSystem) -> None:
    system.publish_order(order("F.1", FOUND))
    system.run_until_idle(timeout=60)
    system.publish_order(order("F.2", FOUND.upper().replace("SIMULATOR.AMAZONSES.COM", SIM)))
    system.run_until_idle(timeout=60)
    code, answer = system.status_api("/recipients", {"address": f"Success+Found@{SIM.upper()}"})
    assert code == 200
    assert answer["recipient"] == f"s***@{SIM}" and answer["cursor"] is None
    assert [row["orderId"] for row in answer["emails"]] == ["F.2", "F.1"]  # newest first, one identity
    assert {row["status"] for row in answer["emails"]} == {"DELIVERED"}
    assert "found" not in json.dumps(answer)
    code, page = system.status_api("/recipients", {"address": FOUND, "limit": "1"})
    assert code == 200 and [row["orderId"] for row in page["emails"]] == ["F.2"] and page["cursor"]
    code, rest = system.status_api("/recipients", {"address": FOUND, "limit": "1", "cursor": page["cursor"]})
    assert [row["orderId"] for row in rest["emails"]] == ["F.1"]
    code, bad = system.status_api("/recipients", {"address": "success+found"})
    assert (code, bad["parameter"]) == (400, "address") and "found" not in bad["error"]

    result = cli(system, "find", "--recipient", FOUND, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == answer
    table = cli(system, "find", "--recipient", FOUND)
    assert "F.1" in table.stdout and "F.2" in table.stdout and "success+found" not in table.stdout
    assert cli(system, "find", "--recipient", f"nobody@{SIM}").exit_code == 1
    malformed = cli(system, "find", "--recipient", "not an address")
    assert malformed.exit_code == 2 and "--recipient" in malformed.stderr


def test_erase_finds_records_by_the_index_and_removes_the_order(system: LocalSystem) -> None:
    result = cli(system, "erase", KEPT, "--yes", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["orders"] == ["K.1"]
    erased = record(system, "K.1")
    assert "order" not in erased and "recipient" not in erased and erased["status"] == "DELIVERED"
    assert "Jane" not in json.dumps(erased, default=str) and "jane.doe" not in json.dumps(erased, default=str)
    assert system.status_api("/recipients", {"address": KEPT})[1]["emails"] == []
    assert cli(system, "find", "--recipient", KEPT).exit_code == 1
    refused = cli(system, "resend", "K.1", "--yes", "--force")
    assert refused.exit_code == 1 and "erased" in refused.stderr


# -- 3. recent e-mails by status in the CLI ----------------------------------------------------


def test_deliveries_lists_by_status_since_a_duration(system: LocalSystem) -> None:
    system.publish_order(order("D.1", f"bounce+listed@{SIM}"))
    system.run_until_idle(timeout=60)
    result = cli(system, "deliveries", "--status", "bounced", "--since", "30m", "--json")
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["status"] == "BOUNCED" and answer["cursor"] is None
    assert answer["items"][0]["orderId"] == "D.1"
    assert all(row["status"] == "BOUNCED" and row["recipient"].startswith("b***@") for row in answer["items"])
    code, api = system.status_api("/deliveries", {"status": "BOUNCED", "since": answer["since"]})
    assert code == 200 and api["items"] == answer["items"]
    delivered = cli(system, "deliveries", "--status", "DELIVERED", "--since", "2h")
    assert delivered.exit_code == 0 and "F.1" in delivered.stdout and "bounce+listed" not in delivered.stdout
    for args, option in ((["--status", "BOUNCED", "--since", "2x"], "--since"),
                         (["--status", "BOUNCED", "--since", "40d"], "--since"),
                         (["--status", "LOST", "--since", "1h"], "--status"),
                         (["--status", "BOUNCED", "--limit", "0"], "--limit")):
        refused = cli(system, "deliveries", *args)
        assert refused.exit_code == 2 and option in refused.stderr, (args, refused.output)
