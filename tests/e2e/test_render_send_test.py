"""`render` and `send-test` against a running local system, driven through `LocalSystem.cli_environment()`:
the rendered parts equal what the sender gave SES, and each simulator scenario ends as it must."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from order_email.cli.main import app
from order_email.handlers.shared import schema
from order_email.handlers.shared.order_ids import to_tag_value
from order_email.handlers.shared.statuses import RANK, EmailStatus
from order_email.localmode import LocalSystem
from order_email.localmode.capture import addresses
from order_email.localmode.ses_simulator import mail_object
from tests.support.json_keys import non_camel_keys
from tests.support.local_system import SIM, order, run_cli, status
from tests.support.paths import REPO


@pytest.fixture(scope="module")
def system() -> Iterator[LocalSystem]:
    with LocalSystem(stack="dev") as running:
        yield running


def sent_for(system: LocalSystem, order_id: str) -> dict[str, Any]:
    """The one e-mail the local SES accepted for this order (found by the sender's orderId tag)."""
    [email] = [email for email in system.sent_emails() if email["tags"].get("orderId") == to_tag_value(order_id)]
    return email


@pytest.mark.parametrize(("order_id", "customer"), [
    ("R-1", "Zoë O'Brien <script>"),   # HTML-escaped in the HTML part, RFC 2047 in the To header
    ("R-2", "Jane Doe"),
])
def test_render_equals_what_the_sender_sent(system: LocalSystem, tmp_path: Path, order_id: str, customer: str) -> None:
    document = order(order_id, f"success+{order_id.lower()}@{SIM}", customerName=customer,
                     items=[{"name": "Tea & <b>cake</b>", "quantity": 3, "unitPrice": "4.10", "sku": "T-1"},
                            {"name": "Mug", "quantity": 1, "unitPrice": "9.50"}], total="21.80")
    order_file = tmp_path / "order.json"
    order_file.write_text(json.dumps(document))
    result = run_cli(system, "render", str(order_file), "--out", str(tmp_path / "out"), "--stack", "dev",
                 "--project-dir", str(REPO), "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert non_camel_keys(summary) == []
    assert document["customerEmail"] not in result.stdout and "***@" in summary["to"][0]  # masked

    system.publish_order(document)
    system.run_until_idle(timeout=60)
    assert status(system, order_id) == "DELIVERED"
    sent = sent_for(system, order_id)
    out = tmp_path / "out"
    assert (out / "subject.txt").read_text(encoding="utf-8") == sent["subject"]
    assert (out / "body.html").read_text(encoding="utf-8") == sent["html"]
    assert (out / "body.txt").read_text(encoding="utf-8") == sent["text"]
    headers = json.loads((out / "headers.json").read_text(encoding="utf-8"))
    assert headers["from"] == sent["from"] and headers["to"] == sent["to"] and headers["replyTo"] == sent["replyTo"]
    assert headers["tags"] == sent["tags"]
    assert "&lt;b&gt;cake&lt;/b&gt;" in sent["html"]


def test_render_of_a_shipment_equals_what_the_sender_sent(system: LocalSystem, tmp_path: Path) -> None:
    shipment = {"orderId": "R-3", "customerEmail": f"success+r3@{SIM}", "customerName": "Jane <Doe>",
                "timestamp": "2026-01-02T08:30:00Z", "carrier": "DHL", "trackingNumber": "ZX123",
                "trackingUrl": "https://track.example-carrier.com/p/ZX123?lang=en&ref=mail"}
    (tmp_path / "shipped.json").write_text(json.dumps(shipment))
    result = run_cli(system, "render", str(tmp_path / "shipped.json"), "--event-type", "order.shipped",
                     "--out", str(tmp_path / "out"), "--project-dir", str(REPO), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["kind"] == "order-shipped"

    system.publish_raw(json.dumps(shipment), {"eventType": "order.shipped"})
    system.run_until_idle(timeout=60)
    sent = sent_for(system, "R-3")
    assert sent["tags"]["kind"] == "order-shipped"
    assert (tmp_path / "out" / "body.html").read_text(encoding="utf-8") == sent["html"]
    assert (tmp_path / "out" / "body.txt").read_text(encoding="utf-8") == sent["text"]
    assert (tmp_path / "out" / "subject.txt").read_text(encoding="utf-8") == sent["subject"]
    assert "ZX123" in sent["text"]


def test_render_refuses_an_unknown_event_type_or_a_field_of_another_kind(system: LocalSystem, tmp_path: Path) -> None:
    (tmp_path / "order.json").write_text(json.dumps(order("R-4", f"success+r4@{SIM}")))
    unknown = run_cli(system, "render", str(tmp_path / "order.json"), "--event-type", "order.refunded",
                      "--out", str(tmp_path / "out"), "--project-dir", str(REPO))
    assert unknown.exit_code == 2 and "--event-type" in unknown.stderr
    as_shipment = run_cli(system, "render", str(tmp_path / "order.json"), "--event-type", "order.shipped",
                          "--out", str(tmp_path / "out"), "--project-dir", str(REPO))
    assert as_shipment.exit_code == 2 and "trackingNumber" in as_shipment.stderr


def test_render_of_a_bad_order_exits_2_naming_each_field(system: LocalSystem, tmp_path: Path) -> None:
    bad = order("R-3", "not-an-address", currency="XXX", items=[{"name": "Mug", "quantity": 0, "unitPrice": "1"}])
    bad["colour"] = "red"
    order_file = tmp_path / "bad.json"
    order_file.write_text(json.dumps(bad))
    result = run_cli(system, "render", str(order_file), "--out", str(tmp_path / "out"), "--project-dir", str(REPO))
    assert result.exit_code == 2, result.output
    for field in ("customerEmail", "currency", "items.0.quantity", "colour"):
        assert field in result.stderr, field
    assert not (tmp_path / "out").exists()


def test_render_with_an_unknown_stack_exits_2(system: LocalSystem, tmp_path: Path) -> None:
    order_file = tmp_path / "order.json"
    order_file.write_text(json.dumps(order("R-4", f"success@{SIM}")))
    result = run_cli(system, "render", str(order_file), "--out", str(tmp_path / "out"), "--stack", "nope",
                 "--project-dir", str(REPO))
    assert result.exit_code == 2 and "Pulumi.nope.yaml" in result.stderr


@pytest.mark.parametrize(("scenario", "expected"), [
    ("success", "DELIVERED"), ("bounce", "BOUNCED"), ("complaint", "COMPLAINED"), ("bounce", "BOUNCED"),
])
def test_send_test_reaches_the_expected_outcome(system: LocalSystem, scenario: str, expected: str) -> None:
    """The second bounce run passes too: its fresh label is not on the suppression list the first one filled."""
    result = run_cli(system, "send-test", "--to", scenario, "--json", "--timeout", "60")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert non_camel_keys(report) == []
    assert report["expected"] == expected and report["outcome"] == expected and report["passed"] is True
    assert report["timedOut"] is False
    timeline = [step["status"] for step in report["timeline"]]
    ranks = [RANK[EmailStatus(step)] for step in timeline]
    assert timeline[-1] == expected and ranks == sorted(set(ranks))  # each change once, up the ranking
    assert [line.split()[1] for line in result.stderr.splitlines()[1:] if line.strip()] == timeline  # live progress
    assert status(system, report["orderId"]) == expected
    sent = sent_for(system, report["orderId"])
    [recipient] = addresses(sent["to"])
    assert recipient.startswith(f"{scenario}+") and recipient.endswith(f"@{SIM}")
    assert report["recipient"] != recipient and "***" in report["recipient"]


def test_send_test_exits_1_when_the_outcome_is_not_reached(system: LocalSystem) -> None:
    """Sending paused (as the reputation guard pauses it): the order is held, never delivered in time."""
    assert system.ses is not None
    system.ses.pause()
    try:
        result = run_cli(system, "send-test", "--to", "success", "--timeout", "6")
    finally:
        system.ses.resume()
    assert result.exit_code == 1, result.output
    assert "timed out after 6s waiting for DELIVERED; last status: HELD" in result.stderr


def test_send_test_exits_1_on_another_outcome(system: LocalSystem) -> None:
    """The recipient marks the test mail as spam before SES reports its delivery (events held back, as SES's
    asynchronous publishing can): a success test that ends COMPLAINED fails at once, naming the outcome."""
    assert system.ses is not None
    system.run_until_idle(timeout=120)  # an earlier test's held order must not count as this test's e-mail
    before = {email["messageId"] for email in system.sent_emails()}
    system.ses.delay_events(30)
    outcome: dict[str, Any] = {}
    runner = threading.Thread(target=lambda: outcome.update(result=run_cli(
        system, "send-test", "--to", "success", "--json", "--timeout", "25")))
    runner.start()
    try:
        deadline = time.monotonic() + 20
        while not (new := [email for email in system.sent_emails() if email["messageId"] not in before]):
            assert time.monotonic() < deadline, "send-test's e-mail never reached SES"
            time.sleep(0.2)
        [email] = new
        [recipient] = addresses(email["to"])
        now = schema.iso(schema.utc_now())
        system.publish_ses_event({"eventType": "Complaint", "mail": mail_object(
            email, str(system.ses.configuration_set), system.ses.identity), "complaint": {
            "feedbackId": f"{email['messageId']}-complaint", "complainedRecipients": [{"emailAddress": recipient}],
            "timestamp": now, "arrivalDate": now, "complaintFeedbackType": "abuse", "userAgent": "test"}})
        runner.join(timeout=30)
    finally:
        system.ses.delay_events(0)
    result = outcome["result"]
    assert result.exit_code == 1, result.output
    assert "wrong outcome: COMPLAINED, expected DELIVERED" in result.stderr
    report = json.loads(result.stdout)
    assert report["passed"] is False and report["outcome"] == "COMPLAINED" and report["timedOut"] is False


def test_send_test_usage_errors_exit_2(system: LocalSystem) -> None:
    assert run_cli(system, "send-test", "--to", "ooto").exit_code == 2
    result = CliRunner().invoke(app, ["send-test", "--to", "success"],
                                env={**system.cli_environment(), "ORDER_EMAIL_STACK_OUTPUTS": "", "PATH": ""})
    assert result.exit_code == 2 and "ordersTopicArn" in result.stderr
