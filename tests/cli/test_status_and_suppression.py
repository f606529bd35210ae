"""`status` and `suppression list|add|remove` against moto tables."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from typer.testing import CliRunner

from order_email.cli.main import app
from order_email.cli.status_cmd import timeline
from order_email.handlers.shared import schema
from order_email.handlers.shared.masking import address_hash
from order_email.handlers.shared.statuses import EmailStatus
from tests.support.aws import REGION, Tables
from tests.support.status_api_support import put_delivery

ADDRESS = "jane.doe@example.com"


def test_status_shows_the_order_masked(runner: CliRunner, tables: Tables) -> None:
    put_delivery(tables.deliveries, "ord-1", EmailStatus.DELIVERED, datetime.now(UTC), recipient=ADDRESS,
                 sentAt="2026-03-10T10:00:00.000Z",
                 history=[{"type": "Delivery", "at": "2026-03-10T10:00:05.000Z", "id": "e1",
                           "smtp": f"250 ok <{ADDRESS}>"}])
    result = runner.invoke(app, ["status", "ord-1", "--table", tables.deliveries, "--json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["emails"][0]["status"] == "DELIVERED"
    assert answer["emails"][0]["recipient"] == "j***@example.com"
    assert ADDRESS not in result.stdout
    text = runner.invoke(app, ["status", "ord-1", "--table", tables.deliveries])
    assert text.exit_code == 0
    assert "DELIVERED" in text.stdout and "Delivery" in text.stdout and ADDRESS not in text.stdout


def test_status_exit_codes(runner: CliRunner, tables: Tables, monkeypatch: pytest.MonkeyPatch) -> None:
    assert runner.invoke(app, ["status", "ord-none", "--table", tables.deliveries]).exit_code == 1
    assert runner.invoke(app, ["status", "bad id\t", "--table", tables.deliveries]).exit_code == 2
    monkeypatch.setattr("shutil.which", lambda _: None)
    result = runner.invoke(app, ["status", "ord-1"])
    assert result.exit_code == 2 and "--table" in result.stderr


def test_timeline_orders_events() -> None:
    rows = timeline({"createdAt": "2026-01-01T00:00:00.000Z", "attempts": 1, "status": "SENT",
                     "lastUpdated": "2026-01-01T00:00:02.000Z",
                     "history": [{"type": "Send", "at": "2026-01-01T00:00:01.000Z", "id": "1", "x": 1}]})
    assert [row[1] for row in rows] == ["Created", "Send", "Now SENT"]
    assert rows[1][2] == "x=1"


def test_the_current_status_is_the_last_row_even_when_an_event_is_stamped_later() -> None:
    rows = timeline({"createdAt": "2026-01-01T00:00:00.000Z", "status": "BOUNCED",
                     "lastUpdated": "2026-01-01T00:00:01.000Z",
                     "history": [{"type": "Bounce", "at": "2026-01-01T00:00:01.500Z", "id": "1"}]})
    assert [row[1] for row in rows] == ["Created", "Bounce", "Now BOUNCED"]


def suppression(runner: CliRunner, tables: Tables, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["suppression", *args, "--table", tables.suppression])
    return result.exit_code, result.stdout, result.stderr


def test_suppression_add_list_remove(runner: CliRunner, tables: Tables) -> None:
    assert suppression(runner, tables, "add", ADDRESS)[0] == 0
    code, out, _ = suppression(runner, tables, "add", "Jane.Doe@Example.com ", "--reason", "COMPLAINT")
    assert code == 0 and "already suppressed" in out
    table = boto3.resource("dynamodb", region_name=REGION).Table(tables.suppression)
    table.put_item(Item={schema.ADDRESS_HASH: schema.SOFT_BOUNCE_PREFIX + address_hash("x@example.org"),
                         "count": 2})
    table.put_item(Item={schema.ADDRESS_HASH: address_hash("old@example.org"), "maskedAddress": "o***@example.org",
                         "reason": "SOFT_BOUNCE", "suppressedAt": "2026-01-01T00:00:00.000Z",
                         schema.EXPIRES_AT: int(time.time()) - 60})
    code, out, _ = suppression(runner, tables, "list", "--json")
    listed = json.loads(out)
    assert code == 0 and len(listed) == 2
    jane = next(entry for entry in listed if entry["address"] == "j***@example.com")
    assert jane["reason"] == "MANUAL" and jane["active"] is True and jane["source"].startswith("operator:")
    old = next(entry for entry in listed if entry["address"] == "o***@example.org")
    assert old["active"] is False and old["expires"]
    assert ADDRESS not in out
    # an expired temporary suppression is replaced by a new one
    assert suppression(runner, tables, "add", "old@example.org", "--reason", "BOUNCE")[0] == 0
    assert table.get_item(Key={schema.ADDRESS_HASH: address_hash("old@example.org")})["Item"]["reason"] == "BOUNCE"
    code, out, _ = suppression(runner, tables, "list")
    assert code == 0 and "j***@example.com" in out
    assert suppression(runner, tables, "remove", ADDRESS)[0] == 0
    code, _, err = suppression(runner, tables, "remove", ADDRESS)
    assert code == 1 and "not suppressed" in err


def test_suppression_remove_also_clears_ses_account_list(runner: CliRunner, tables: Tables,
                                                         ses_account_list: set[str]) -> None:
    ses_account_list.add(ADDRESS.lower())
    assert suppression(runner, tables, "add", ADDRESS)[0] == 0
    code, out, _ = suppression(runner, tables, "remove", ADDRESS)
    assert code == 0 and "the suppression list and SES's account-level list" in out
    assert ses_account_list == set()
    ses_account_list.add(ADDRESS.lower())  # listed only in SES (added before the override, say)
    code, out, _ = suppression(runner, tables, "remove", ADDRESS)
    assert code == 0 and "SES's account-level list" in out and ses_account_list == set()


def test_suppression_rejects_non_addresses(runner: CliRunner, tables: Tables) -> None:
    assert suppression(runner, tables, "add", "not-an-address")[0] == 2
    assert runner.invoke(app, ["suppression", "add", ADDRESS, "--reason", "WHATEVER",
                               "--table", tables.suppression]).exit_code == 2


def test_aws_errors_are_one_line(runner: CliRunner, aws: None) -> None:
    result = runner.invoke(app, ["suppression", "list", "--table", "missing"])
    assert result.exit_code == 1 and "ResourceNotFoundException" in result.stderr


def test_every_command_has_help(runner: CliRunner) -> None:
    for command in (["preview"], ["graph"], ["status"], ["suppression", "list"], ["suppression", "add"],
                    ["suppression", "remove"], ["dlq", "list"], ["dlq", "redrive"], ["erase"], ["resend"]):
        result = runner.invoke(app, [*command, "--help"])
        assert result.exit_code == 0 and "Usage" in result.stdout, command
    assert runner.invoke(app, []).exit_code in (0, 2)


def test_old_records_do_not_matter_for_status(runner: CliRunner, tables: Tables) -> None:
    put_delivery(tables.deliveries, "ord-9", EmailStatus.FAILED, datetime.now(UTC) - timedelta(days=300))
    assert runner.invoke(app, ["status", "ord-9", "--table", tables.deliveries]).exit_code == 0


IDN = "xn--bcher-kva.example"


def test_suppression_add_remove_list_take_any_spelling(runner: CliRunner, tables: Tables,
                                                       ses_account_list: set[str]) -> None:
    """What the operator types (`JANE@BÜCHER.EXAMPLE`) is the key the sender and the feedback loop use."""
    code, out, _ = suppression(runner, tables, "add", "JANE@BÜCHER.EXAMPLE")
    assert code == 0 and f"j***@{IDN}" in out and "JANE" not in out and "BÜCHER" not in out
    table = boto3.resource("dynamodb", region_name=REGION).Table(tables.suppression)
    entry = table.get_item(Key={schema.ADDRESS_HASH: address_hash(f"Jane@{IDN}")})["Item"]
    assert entry["maskedAddress"] == f"j***@{IDN}"
    assert "already suppressed" in suppression(runner, tables, "add", f"jane@{IDN.upper()}")[1]
    table.put_item(Item={schema.ADDRESS_HASH: address_hash("bob@bücher.example"), "maskedAddress": "b***@bücher.example",
                         "reason": "MANUAL", "suppressedAt": "2026-01-01T00:00:00.000Z"})  # as stored before
    code, out, _ = suppression(runner, tables, "list", "--json")
    assert code == 0 and {entry["address"] for entry in json.loads(out)} == {f"j***@{IDN}", f"b***@{IDN}"}
    ses_account_list.add(f"jane@{IDN}")
    code, out, _ = suppression(runner, tables, "remove", "Jane@Bücher.Example")
    assert code == 0 and "the suppression list and SES's account-level list" in out and not ses_account_list
    assert "Item" not in table.get_item(Key={schema.ADDRESS_HASH: address_hash(f"jane@{IDN}")})


def test_suppression_refusals_do_not_echo_the_address(runner: CliRunner, tables: Tables) -> None:
    code, out, err = suppression(runner, tables, "add", "jane.secret@bücher..example")
    assert code == 2 and "not an e-mail address" in err and "secret" not in err + out and "bücher" not in err + out


def test_status_masks_internationalised_addresses_one_way(runner: CliRunner, tables: Tables) -> None:
    put_delivery(tables.deliveries, "ord-7", EmailStatus.BOUNCED, datetime.now(UTC), recipient=f"Jane@{IDN}",
                 deliveredTo=f"Jane@{IDN}", statusReason="550 5.1.1 <JANE@BÜCHER.EXAMPLE> unknown",
                 history=[{"type": "Bounce", "at": "2026-03-10T10:00:05.000Z", "id": "e1",
                           "detail": "smtp; 550 <jane@bücher.example>"}])
    result = runner.invoke(app, ["status", "ord-7", "--table", tables.deliveries, "--json"])
    assert result.exit_code == 0, result.output
    [email] = json.loads(result.stdout)["emails"]
    assert email["recipient"] == email["deliveredTo"] == f"j***@{IDN}"
    assert email["statusReason"] == f"550 5.1.1 <j***@{IDN}> unknown"
    assert email["history"][0]["detail"] == f"smtp; 550 <j***@{IDN}>"
    text = runner.invoke(app, ["status", "ord-7", "--table", tables.deliveries])
    for output in (result.stdout, text.stdout):
        assert "jane@" not in output.lower() and "bücher" not in output.lower()
