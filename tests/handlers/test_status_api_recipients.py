"""`/recipients?address=`: an address's e-mails from the `byRecipient` index, masked, newest first, paged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from order_email.handlers.shared.statuses import EmailStatus
from order_email.handlers.status_api.app import build_resolver
from order_email.handlers.status_api.cursor import (
    CursorError,
    RecipientCursor,
    decode_cursor,
    decode_recipient_cursor,
    encode_recipient_cursor,
)
from order_email.handlers.status_api.params import BadParameter, parse_duration
from order_email.handlers.status_api.queries import DeliveriesReader
from tests.support.aws import REGION, Tables
from tests.support.status_api_support import body, fake_context, put_delivery, url_event

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
JANE = "Jane.Doe@Bücher.Example"
"""Stored as the sender stores it (the IDNA form); asked for in any spelling."""


def ask(tables: Tables, query: dict[str, str]) -> tuple[int, dict[str, Any]]:
    reader = DeliveriesReader(boto3.client("dynamodb", region_name=REGION), tables.deliveries)
    response = build_resolver(reader, clock=lambda: NOW).resolve(url_event("/recipients", query), fake_context())
    return response["statusCode"], body(response)


@pytest.fixture
def jane(tables: Tables) -> list[str]:
    """Seven e-mails to Jane an hour apart (newest first in the list), and one to someone else."""
    orders = []
    for index in range(7):
        put_delivery(tables.deliveries, f"J-{index}", EmailStatus.DELIVERED if index % 2 else EmailStatus.BOUNCED,
                     NOW - timedelta(hours=index), recipient="jane.doe@xn--bcher-kva.example",
                     statusReason="550 <jane.doe@xn--bcher-kva.example> unknown")
        orders.append(f"J-{index}")
    put_delivery(tables.deliveries, "OTHER-1", EmailStatus.DELIVERED, NOW, recipient="other@example.com")
    return orders


def test_lists_an_address_newest_first_masked_in_any_spelling(tables: Tables, jane: list[str]) -> None:
    code, answer = ask(tables, {"address": " JANE.DOE@bücher.example "})
    assert code == 200
    assert answer["recipient"] == "j***@xn--bcher-kva.example" and answer["cursor"] is None
    assert [row["orderId"] for row in answer["emails"]] == jane
    first = answer["emails"][0]
    assert first["status"] == "BOUNCED" and first["recipient"] == "j***@xn--bcher-kva.example"
    assert first["statusReason"] == "550 <j***@xn--bcher-kva.example> unknown"
    assert {"orderId", "kind", "status", "createdAt", "lastUpdated", "statusSince"} <= set(first)
    assert "jane.doe" not in str(answer).lower()


def test_pages_follow_the_cursor_without_gaps_or_repeats(tables: Tables, jane: list[str]) -> None:
    seen: list[str] = []
    cursor = None
    for _ in range(5):
        code, answer = ask(tables, {"address": JANE, "limit": "3", **({"cursor": cursor} if cursor else {})})
        assert code == 200
        seen += [row["orderId"] for row in answer["emails"]]
        cursor = answer["cursor"]
        if cursor is None:
            break
    assert seen == jane


def test_an_unknown_address_has_no_emails(tables: Tables, jane: list[str]) -> None:
    assert ask(tables, {"address": "nobody@example.com"}) == (
        200, {"recipient": "n***@example.com", "emails": [], "cursor": None})


@pytest.mark.parametrize(("query", "parameter"), [
    ({}, "address"),
    ({"address": ""}, "address"),
    ({"address": "jane.doe"}, "address"),
    ({"address": "jane@@example.com"}, "address"),
    ({"address": "jane doe@example.com"}, "address"),
    ({"address": "jané@example.com"}, "address"),
    ({"address": "x" * 300 + "@example.com"}, "address"),
    ({"address": JANE, "limit": "0"}, "limit"),
    ({"address": JANE, "limit": "201"}, "limit"),
    ({"address": JANE, "cursor": "not-a-cursor"}, "cursor"),
    ({"address": JANE, "status": "BOUNCED"}, "status"),
])
def test_bad_requests_name_their_parameter_and_never_echo_the_address(tables: Tables, query: dict[str, str],
                                                                      parameter: str) -> None:
    code, answer = ask(tables, query)
    assert (code, answer["parameter"]) == (400, parameter)
    assert "jane" not in answer["error"].lower()


def test_a_cursor_continues_only_the_address_it_came_from(tables: Tables, jane: list[str]) -> None:
    _, page = ask(tables, {"address": JANE, "limit": "2"})
    code, answer = ask(tables, {"address": "other@example.com", "cursor": page["cursor"]})
    assert (code, answer["parameter"]) == (400, "cursor")
    forged = encode_recipient_cursor(RecipientCursor("0" * 16, "J-1", "order-confirmation", "not a time"))
    assert ask(tables, {"address": JANE, "cursor": forged})[0] == 400


def test_an_erased_record_leaves_the_index(tables: Tables, jane: list[str]) -> None:
    """Erasure removes `recipientHash` (`order-email erase`): the record is no longer findable by address."""
    boto3.client("dynamodb", region_name=REGION).update_item(
        TableName=tables.deliveries, Key={"orderId": {"S": "J-0"}, "kind": {"S": "order-confirmation"}},
        UpdateExpression="REMOVE recipient, recipientHash")
    _, answer = ask(tables, {"address": JANE})
    assert [row["orderId"] for row in answer["emails"]] == jane[1:]


@pytest.mark.parametrize(("text", "expected"), [
    ("30m", timedelta(minutes=30)), ("2h", timedelta(hours=2)), ("7d", timedelta(days=7)), (" 2H ", timedelta(hours=2)),
    ("0m", timedelta(0))])
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "2", "h", "2w", "1.5h", "-2h", "2h30m", "999999d", None])
def test_bad_durations_name_the_parameter(text: str | None) -> None:
    with pytest.raises(BadParameter) as raised:
        parse_duration(text, "since")
    assert raised.value.parameter == "since"


def test_recipient_cursor_round_trips() -> None:
    cursor = RecipientCursor("0123456789abcdef", "A/1001#x", "order-confirmation", "2026-03-10T12:00:00.000Z")
    assert decode_recipient_cursor(encode_recipient_cursor(cursor)) == cursor
    with pytest.raises(CursorError):
        decode_cursor(encode_recipient_cursor(cursor))  # one listing's cursor is not the other's
