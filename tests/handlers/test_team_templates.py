"""A team's own templates: the loader (team first, built-in behind), autoescape, strict variables, and
the preview check that names the file, the line and the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from order_email.components.team_templates import (
    SAMPLE_EVENTS,
    TemplatesError,
    check_team_templates,
    team_template_files,
)
from order_email.handlers.sender.order import OrderEvent
from order_email.handlers.sender.rendering import EmailTemplates, render, template_name
from order_email.handlers.shared import schema
from order_email.localmode.ses_rules import MAX_MESSAGE_BYTES
from tests.support.team_templates import acme_templates, team_templates

KIND = schema.ORDER_CONFIRMATION
HTML, TEXT, SUBJECT = (template_name(KIND, part) for part in ("html", "text", "subject"))


def order(**changes: object) -> OrderEvent:
    return SAMPLE_EVENTS[KIND].model_copy(update=changes)


def test_a_team_template_renders_the_validated_event_as_order(tmp_path: Path) -> None:
    email = render(KIND, order(), EmailTemplates(acme_templates(tmp_path)))
    assert email.subject == "Acme order sample-1001"
    assert email.text == "ACME. Dear Sam Sample, order sample-1001: 21.00 EUR\n"
    assert email.html == "<h1>Acme</h1><p>Dear Sam Sample, order sample-1001: 21.00 EUR</p>\n"


def test_html_is_autoescaped_in_team_templates_and_text_is_not(tmp_path: Path) -> None:
    email = render(KIND, order(customerName="Tom & <b>Jerry</b>"), EmailTemplates(acme_templates(tmp_path)))
    assert "Dear Tom &amp; &lt;b&gt;Jerry&lt;/b&gt;," in email.html and "<b>Jerry" not in email.html
    assert "Dear Tom & <b>Jerry</b>," in email.text


def test_what_the_team_lacks_falls_back_to_the_built_in_templates(tmp_path: Path) -> None:
    built_in = render(KIND, order())
    empty = render(KIND, order(), EmailTemplates(team_templates(tmp_path / "empty", {})))
    assert empty == built_in
    subject_only = team_templates(tmp_path / "subject", {"subject": "Thanks, {{ order.customerName }}"})
    email = render(KIND, order(), EmailTemplates(subject_only))
    assert email.subject == "Thanks, Sam Sample"
    assert (email.html, email.text) == (built_in.html, built_in.text)
    assert check_team_templates(subject_only, setting="templatesDir") == {SUBJECT: subject_only / SUBJECT}


def test_the_sender_without_packaged_team_templates_renders_the_built_in_ones() -> None:
    email = render(KIND, order())
    assert email.subject == "Your order sample-1001 is confirmed"
    assert "<strong>sample-1001</strong>" in email.html


def test_an_undefined_variable_fails_the_check_naming_the_file_line_and_variable(tmp_path: Path) -> None:
    directory = acme_templates(tmp_path)
    (directory / TEXT).write_text("Hello\n{{ order.customerNam }}\n")
    with pytest.raises(TemplatesError) as caught:
        check_team_templates(directory, setting="templatesDir")
    message = str(caught.value)
    assert message.startswith(f"templatesDir: {directory / TEXT}, line 2: ")
    assert "customerNam" in message and "the variables are" in message


def test_a_bare_unknown_name_is_an_error_too(tmp_path: Path) -> None:
    directory = acme_templates(tmp_path)
    (directory / HTML).write_text("<p>{{ order.orderId }}</p>\n<p>{{ shop_name }}</p>\n")
    with pytest.raises(TemplatesError, match=rf"{HTML}, line 2: 'shop_name' is undefined"):
        check_team_templates(directory, setting="templatesDir")


def test_a_syntax_error_fails_the_check_naming_the_file_and_line(tmp_path: Path) -> None:
    directory = acme_templates(tmp_path)
    (directory / HTML).write_text("<p>ok</p>\n{% for item in order.items %}\n<p>{{ item.name }}</p>\n")
    with pytest.raises(TemplatesError, match=rf"templatesDir: .*{HTML}, line \d+: .*'endfor'"):
        check_team_templates(directory, setting="templatesDir")


def test_an_e_mail_over_ses_s_size_limit_fails_the_check(tmp_path: Path) -> None:
    directory = acme_templates(tmp_path)
    chunks = MAX_MESSAGE_BYTES // (1024 * 1024) + 1
    (directory / HTML).write_text(f"{{% for _ in range({chunks}) %}}{{{{ 'x' * 1048576 }}}}{{% endfor %}}")
    with pytest.raises(TemplatesError, match=r"renders to \d+ bytes; SES accepts at most 41943040"):
        check_team_templates(directory, setting="templatesDir")


def test_the_directory_holds_only_templates(tmp_path: Path) -> None:
    directory = acme_templates(tmp_path / "team")
    (directory / ".DS_Store").write_bytes(b"\x00\x01")  # hidden: ignored, never packaged
    assert sorted(team_template_files(directory, setting="templatesDir")) == sorted([HTML, SUBJECT, TEXT])
    (directory / "order-confirmaton.html").write_text("typo")
    with pytest.raises(TemplatesError, match=r"templatesDir: .*order-confirmaton.html is not a template"):
        team_template_files(directory, setting="templatesDir")


@pytest.mark.parametrize(("present", "missing"), [(HTML, TEXT), (TEXT, HTML)])
def test_a_kinds_html_and_text_come_together(tmp_path: Path, present: str, missing: str) -> None:
    (tmp_path / present).write_text("{{ order.orderId }}")
    with pytest.raises(TemplatesError, match=rf"has {present} but no {missing}"):
        team_template_files(tmp_path, setting="templatesDir")


def test_a_missing_directory_and_a_non_utf8_template_are_refused(tmp_path: Path) -> None:
    with pytest.raises(TemplatesError, match=r"templatesDir: .*nowhere is not a directory"):
        team_template_files(tmp_path / "nowhere", setting="templatesDir")
    directory = acme_templates(tmp_path / "team")
    (directory / TEXT).write_bytes(b"caf\xe9\n")
    with pytest.raises(TemplatesError, match=rf"{TEXT} is not UTF-8 text"):
        team_template_files(directory, setting="templatesDir")


def test_every_sample_renders_with_the_built_in_templates() -> None:
    for kind, sample in SAMPLE_EVENTS.items():
        email = EmailTemplates().render(kind, sample)
        assert sample.orderId in email.subject and email.html and email.text


def test_kinds_the_directory_lacks_come_from_the_built_in_templates(tmp_path: Path) -> None:
    team = EmailTemplates(acme_templates(tmp_path))
    for kind in set(SAMPLE_EVENTS) - {KIND}:
        assert render(kind, SAMPLE_EVENTS[kind], team) == render(kind, SAMPLE_EVENTS[kind])
    assert render(KIND, SAMPLE_EVENTS[KIND], team).subject == "Acme order sample-1001"


def test_every_kind_the_sender_routes_has_a_sample() -> None:
    from order_email.handlers.sender.kinds import KINDS

    assert set(SAMPLE_EVENTS) == {spec.kind for spec in KINDS.values()}
    assert all(isinstance(SAMPLE_EVENTS[spec.kind], spec.model) for spec in KINDS.values())
