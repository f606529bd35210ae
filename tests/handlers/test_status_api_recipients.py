"""`/recipients?address=`: an address's e-mails from the `byRecipient` index (keys only) and their rows from
the table, masked, newest first, paged."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from order_email.handlers.shared import schema
from order_email.handlers.shared.batch_reads import RETRY_PAUSE_SECONDS
from order_email.handlers.shared.masking import address_hash
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
from order_email.handlers.status_api.queries import UNPROCESSED_RETRIES, DeliveriesReader
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


# -- the index holds keys; the rows come from the table ----------------------------------------------

INDEX_KEYS = {"orderId", "kind", "recipientHash", "createdAt"}


class Recorder:
    """The real (moto) client, with each call's operation and parameters recorded, and an optional
    hook run before each BatchGetItem (to answer with unprocessed keys, or delete an item meanwhile)."""

    def __init__(self, before_batch_get: Callable[[dict[str, Any]], dict[str, Any] | None] | None = None) -> None:
        self.client = boto3.client("dynamodb", region_name=REGION)
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self._before_batch_get = before_batch_get

    def query(self, **request: Any) -> dict[str, Any]:
        self.calls.append(("Query", request))
        return self.client.query(**request)

    def batch_get_item(self, **request: Any) -> dict[str, Any]:
        self.calls.append(("BatchGetItem", request))
        answer = self._before_batch_get(request) if self._before_batch_get else None
        return answer if answer is not None else self.client.batch_get_item(**request)

    def operations(self) -> list[str]:
        return [operation for operation, _ in self.calls]


def ask_with(tables: Tables, recorder: Recorder, query: dict[str, str],
             sleeps: list[float] | None = None) -> tuple[int, dict[str, Any]]:
    reader = DeliveriesReader(recorder, tables.deliveries, sleep=(sleeps if sleeps is not None else []).append)
    response = build_resolver(reader, clock=lambda: NOW).resolve(url_event("/recipients", query), fake_context())
    return response["statusCode"], body(response)


def test_the_index_projects_only_keys(tables: Tables, jane: list[str]) -> None:
    """KEYS_ONLY under moto too: what the index answers is the four keys, so a row must come from the table."""
    answer = boto3.client("dynamodb", region_name=REGION).query(
        TableName=tables.deliveries, IndexName=schema.RECIPIENT_INDEX, KeyConditionExpression="#h = :h",
        ExpressionAttributeNames={"#h": schema.RECIPIENT_HASH},
        ExpressionAttributeValues={":h": {"S": address_hash(JANE)}})
    assert len(answer["Items"]) == len(jane)
    assert all(set(item) == INDEX_KEYS for item in answer["Items"])


def test_rows_are_one_eventually_consistent_batch_get_of_the_listed_keys(tables: Tables, jane: list[str]) -> None:
    recorder = Recorder()
    code, answer = ask_with(tables, recorder, {"address": JANE, "limit": "3"})
    assert code == 200 and [row["orderId"] for row in answer["emails"]] == jane[:3]
    assert recorder.operations() == ["Query", "BatchGetItem"]
    request = recorder.calls[1][1]["RequestItems"][tables.deliveries]
    assert sorted(key["orderId"]["S"] for key in request["Keys"]) == jane[:3]  # not the extra one
    assert "ConsistentRead" not in request
    names = request["ExpressionAttributeNames"]
    fetched = {names[name.strip()] for name in request["ProjectionExpression"].split(",")}
    assert fetched == {"orderId", "kind", *schema.RECIPIENT_ROW_ATTRIBUTES}
    assert {"recipient", "history", "order"}.isdisjoint(fetched)  # never the address or PII


def test_a_listing_is_the_same_whatever_the_index_projects(tables: Tables, jane: list[str]) -> None:
    """Every row attribute comes from the table: with the index answering bare keys, the rows are whole."""
    _, answer = ask(tables, {"address": JANE, "limit": "2"})
    assert answer["emails"][0] == {
        "orderId": "J-0", "kind": "order-confirmation", "status": "BOUNCED",
        "statusReason": "550 <j***@xn--bcher-kva.example> unknown", "createdAt": "2026-03-10T12:00:00.000Z",
        "lastUpdated": "2026-03-10T12:00:00.000Z", "recipient": "j***@xn--bcher-kva.example",
        "statusSince": "2026-03-10T12:00:00.000Z"}
    assert [row["status"] for row in answer["emails"]] == ["BOUNCED", "DELIVERED"]


def test_more_than_a_hundred_keys_are_read_in_batches_of_a_hundred(tables: Tables) -> None:
    writer = boto3.client("dynamodb", region_name=REGION)
    for index in range(150):
        writer.put_item(TableName=tables.deliveries, Item={
            "orderId": {"S": f"B-{index:03d}"}, "kind": {"S": "order-confirmation"}, "status": {"S": "SENT"},
            "recipientHash": {"S": address_hash(JANE)}, "createdAt": {"S": f"2026-03-10T10:{index // 60:02d}:"
                                                                            f"{index % 60:02d}.000Z"}})
    recorder = Recorder()
    code, answer = ask_with(tables, recorder, {"address": JANE, "limit": "200"})
    assert code == 200 and answer["cursor"] is None
    assert [row["orderId"] for row in answer["emails"]] == [f"B-{index:03d}" for index in reversed(range(150))]
    batches = [request["RequestItems"][tables.deliveries]["Keys"] for operation, request in recorder.calls
               if operation == "BatchGetItem"]
    assert [len(keys) for keys in batches] == [100, 50]


def _unprocessed(times: int) -> Callable[[dict[str, Any]], dict[str, Any] | None]:
    """A hook answering the first `times` BatchGetItem calls with every key but the first unprocessed."""
    calls = {"count": 0}

    def hook(request: dict[str, Any]) -> dict[str, Any] | None:
        calls["count"] += 1
        if calls["count"] > times:
            return None
        [(table, wanted)] = request["RequestItems"].items()
        first, *rest = wanted["Keys"]
        served = boto3.client("dynamodb", region_name=REGION).batch_get_item(
            RequestItems={table: {**wanted, "Keys": [first]}})
        return {**served, "UnprocessedKeys": {table: {**wanted, "Keys": rest}} if rest else {}}
    return hook


def test_unprocessed_keys_are_asked_again_after_a_doubling_pause(tables: Tables, jane: list[str]) -> None:
    recorder, sleeps = Recorder(_unprocessed(2)), []
    code, answer = ask_with(tables, recorder, {"address": JANE, "limit": "4"}, sleeps)
    assert code == 200 and [row["orderId"] for row in answer["emails"]] == jane[:4]
    assert recorder.operations() == ["Query", "BatchGetItem", "BatchGetItem", "BatchGetItem"]
    assert sleeps == [RETRY_PAUSE_SECONDS, 2 * RETRY_PAUSE_SECONDS]


def test_keys_still_unprocessed_after_the_retries_are_a_503(tables: Tables, jane: list[str]) -> None:
    recorder, sleeps = Recorder(_unprocessed(99)), []
    code, answer = ask_with(tables, recorder, {"address": JANE, "limit": "5"}, sleeps)
    assert code == 503 and "jane" not in str(answer).lower()
    assert recorder.operations().count("BatchGetItem") == UNPROCESSED_RETRIES + 1 and len(sleeps) == UNPROCESSED_RETRIES


def test_a_record_gone_meanwhile_is_left_out_and_the_cursor_still_continues_after_it(tables: Tables,
                                                                                     jane: list[str]) -> None:
    """TTL may delete an item between the index read and the row read: the page lists what is left, and the
    next page starts after the last key listed, so nothing repeats or is skipped."""
    client = boto3.client("dynamodb", region_name=REGION)

    def expire_the_third(_: dict[str, Any]) -> None:
        client.delete_item(TableName=tables.deliveries,
                           Key={"orderId": {"S": jane[2]}, "kind": {"S": "order-confirmation"}})

    code, first = ask_with(tables, Recorder(expire_the_third), {"address": JANE, "limit": "3"})
    assert code == 200 and [row["orderId"] for row in first["emails"]] == jane[:2]
    _, rest = ask(tables, {"address": JANE, "limit": "10", "cursor": first["cursor"]})
    assert [row["orderId"] for row in rest["emails"]] == jane[3:]
