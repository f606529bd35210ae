"""A team's own templates end to end: the stack's `templatesDir` packaged into the sender's code, the
e-mail local SES accepted rendered from them (HTML autoescaped), and `order-email render --templates`
showing exactly that e-mail before it is sent."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from order_email.handlers.sender.order import ShippedOrder
from order_email.handlers.sender.rendering import render
from order_email.handlers.shared.order_ids import to_tag_value
from order_email.localmode import LocalSystem
from order_email.mockstack import run_stack
from tests.support.local_system import SIM, dlq, order, run_cli, status
from tests.support.paths import REPO
from tests.support.team_templates import acme_templates

CUSTOMER = "Tom & <b>Jerry</b>"


@pytest.fixture(scope="module")
def team_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return acme_templates(tmp_path_factory.mktemp("team"))


@pytest.fixture(scope="module")
def system(team_dir: Path) -> Iterator[LocalSystem]:
    graph = run_stack("dev", overrides={"order-email:templatesDir": str(team_dir)})
    with LocalSystem(stack="dev", graph=graph, concurrency=1, retry_delay=0) as running:
        yield running


def test_the_sender_sends_the_teams_html_and_text_with_the_name_escaped_in_html(
        system: LocalSystem, team_dir: Path, tmp_path: Path) -> None:
    document = order("T-1", f"success+t1@{SIM}", customerName=CUSTOMER)
    order_file = tmp_path / "order.json"
    order_file.write_text(json.dumps(document))
    out = tmp_path / "out"
    result = run_cli(system, "render", str(order_file), "--templates", str(team_dir), "--out", str(out),
                     "--stack", "dev", "--project-dir", str(REPO))
    assert result.exit_code == 0, result.output

    system.publish_order(document)
    system.run_until_idle(timeout=60)
    assert status(system, "T-1") == "DELIVERED"
    [sent] = [email for email in system.sent_emails() if email["tags"].get("orderId") == to_tag_value("T-1")]
    assert sent["subject"] == "Acme order T-1"
    assert sent["html"] == "<h1>Acme</h1><p>Dear Tom &amp; &lt;b&gt;Jerry&lt;/b&gt;, order T-1: 19.00 EUR</p>\n"
    assert sent["text"] == f"ACME. Dear {CUSTOMER}, order T-1: 19.00 EUR\n"
    # the preview is the e-mail: same templates, same code path
    assert (out / "subject.txt").read_text(encoding="utf-8") == sent["subject"]
    assert (out / "body.html").read_text(encoding="utf-8") == sent["html"]
    assert (out / "body.txt").read_text(encoding="utf-8") == sent["text"]


def test_a_kind_the_team_lacks_is_sent_from_the_built_in_templates(system: LocalSystem) -> None:
    shipped = {**order("T-6", f"success@{SIM}", customerName=CUSTOMER), "carrier": "DHL",
               "trackingNumber": "JD0146", "trackingUrl": "https://www.dhl.com/track?id=JD0146"}
    for field in ("items", "total", "currency"):
        shipped.pop(field)
    system.publish_raw(json.dumps(shipped), {"eventType": "order.shipped"})
    system.run_until_idle(timeout=60)
    [sent] = [email for email in system.sent_emails() if email["tags"].get("orderId") == to_tag_value("T-6")]
    built_in = render("order-shipped", ShippedOrder.model_validate(shipped))
    assert (sent["subject"], sent["html"], sent["text"]) == (built_in.subject, built_in.html, built_in.text)
    assert "Acme" not in sent["html"] and "JD0146" in sent["text"]


def test_render_refuses_a_broken_team_template_naming_the_file_and_variable(
        system: LocalSystem, tmp_path: Path) -> None:
    broken = acme_templates(tmp_path / "broken")
    html = next(broken.glob("*.html"))
    html.write_text("<p>{{ order.giftMessage }}</p>\n")
    order_file = tmp_path / "order.json"
    order_file.write_text(json.dumps(order("T-2", f"success@{SIM}")))
    result = run_cli(system, "render", str(order_file), "--templates", str(broken), "--out", str(tmp_path / "out"),
                     "--stack", "dev", "--project-dir", str(REPO))
    assert result.exit_code == 2
    assert f"--templates: {html}, line 1:" in result.output and "giftMessage" in result.output
    assert not (tmp_path / "out").exists()


def test_what_the_team_does_not_provide_is_sent_from_the_built_in_templates(tmp_path: Path) -> None:
    subject_only = tmp_path / "subject-only"
    subject_only.mkdir()
    (subject_only / next(acme_templates(tmp_path / "full").glob("*.subject.txt")).name).write_text(
        "Thanks, {{ order.customerName }}")
    graph = run_stack("dev", overrides={"order-email:templatesDir": str(subject_only)})
    with LocalSystem(stack="dev", graph=graph, concurrency=1, retry_delay=0) as system:
        system.publish_order(order("T-3", f"success@{SIM}", customerName=CUSTOMER))
        system.run_until_idle(timeout=60)
        [sent] = system.sent_emails()
    assert sent["subject"] == f"Thanks, {CUSTOMER}"
    assert "<strong>T-3</strong>" in sent["html"] and "Hello Tom &amp; &lt;b&gt;Jerry&lt;/b&gt;," in sent["html"]
    assert sent["text"].startswith(f"Hello {CUSTOMER},\n")


def test_a_template_failing_only_for_some_orders_keeps_them_for_a_redrive(tmp_path: Path) -> None:
    """A branch the sample does not take can still fail: that order is retried, then dead-lettered with
    nothing claimed or sent, to be redriven once the template is fixed; the other orders go out."""
    directory = acme_templates(tmp_path / "team")
    html = next(directory.glob("*.html"))
    html.write_text("{% if order.items | length > 2 %}{{ order.giftMessage }}{% endif %}<p>{{ order.orderId }}</p>\n")
    graph = run_stack("dev", overrides={"order-email:templatesDir": str(directory)})
    many = [{"name": f"Item {n}", "quantity": 1, "unitPrice": "1.00"} for n in range(3)]
    with LocalSystem(stack="dev", graph=graph, concurrency=1, retry_delay=0) as system:
        system.publish_order(order("T-4", f"success@{SIM}", items=many, total="3.00"))
        system.publish_order(order("T-5", f"success@{SIM}"))
        system.run_until_idle(timeout=90)
        assert [email["tags"]["orderId"] for email in system.sent_emails()] == [to_tag_value("T-5")]
        assert status(system, "T-4") is None  # rendered before the claim: no record, nothing half-sent
        [letter] = dlq(system, "sender-queue-dlq")
        assert "T-4" in letter["body"]
        assert any("giftMessage" in line for line in system.logs())  # the sender logged the file and variable
