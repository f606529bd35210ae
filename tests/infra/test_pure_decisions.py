"""Table-driven tests of the decisions components make: queue numbers, policies, DNS."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from order_email.components import policies, queues
from order_email.components.ses_dns import dns_records


@pytest.mark.parametrize(("timeout", "expected"), [(3, 19), (30, 181), (900, 5401)])
def test_visibility_timeout_is_six_times_plus_window(timeout: int, expected: int) -> None:
    assert queues.visibility_timeout(timeout) == expected


def test_visibility_timeout_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="positive"):
        queues.visibility_timeout(0)


@pytest.mark.parametrize(("rate", "expected"), [(1, 2), (14, 2), (50, 2), (200, 10), (1000, 50), (10**6, 1000)])
def test_maximum_concurrency_from_send_rate(rate: float, expected: int) -> None:
    assert queues.maximum_concurrency(rate) == expected


@given(st.floats(min_value=40, max_value=20000))
def test_concurrency_cannot_outrun_quota_above_the_minimum(rate: float) -> None:
    workers = queues.maximum_concurrency(rate)
    assert workers / queues.FASTEST_SEND_SECONDS <= rate or workers == queues.MIN_MAXIMUM_CONCURRENCY


def test_publishers_default_to_this_account() -> None:
    assert policies.publisher_principals([], "111122223333", partition="aws") == ["arn:aws:iam::111122223333:root"]
    assert policies.publisher_principals(["444455556666", "arn:aws:iam::444455556666:role/x"], "1",
                                         partition="aws") == [
        "arn:aws:iam::444455556666:root", "arn:aws:iam::444455556666:role/x"]
    assert policies.publisher_principals(["444455556666"], "1", partition="aws-cn") == [
        "arn:aws-cn:iam::444455556666:root"]


def test_every_policy_denies_plain_http() -> None:
    documents = [
        policies.orders_topic_policy("arn:t", ["arn:p"]),
        policies.ses_events_topic_policy("arn:t", "1", "arn:cs"),
        policies.queue_from_topic_policy("arn:q", "arn:t"),
        policies.tls_only_queue_policy("arn:q"),
    ]
    for document in documents:
        deny = [s for s in document["Statement"] if s["Effect"] == "Deny"]
        assert deny and deny[0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_sender_policy_has_no_key_statement_without_a_key() -> None:
    document = policies.sender_policy(
        identity_arn="i", configuration_set_arn="c", from_address="a@b.c", deliveries_table_arn="d",
        suppression_table_arn="s", queue_arn="q", dead_letter_arn="dlq", log_group_arn="lg", kms_key_arn=None)
    assert "kms:" not in str(document)


def test_dns_records_for_a_domain() -> None:
    records = dns_records("mail.example.com", ["a", "b", "c"], "eu-west-1")
    assert records[0] == {"name": "a._domainkey.mail.example.com", "type": "CNAME",
                          "value": "a.dkim.amazonses.com", "purpose": "DKIM (Easy DKIM, 2048-bit)"}
    assert {"name": "bounce.mail.example.com", "type": "MX", "value": "10 feedback-smtp.eu-west-1.amazonses.com",
            "purpose": "MAIL FROM: bounces return to SES"} in records
    assert any(record["name"] == "_dmarc.mail.example.com" for record in records)
