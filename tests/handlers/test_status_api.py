"""The status API through function-URL events against moto: routing, answers, errors, masking."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import boto3
import pytest

from order_email.handlers import delivery_status
from order_email.handlers.shared.statuses import EmailStatus
from order_email.handlers.status_api.app import build_resolver
from order_email.handlers.status_api.queries import DeliveriesReader
from tests.support.aws import REGION, Tables
from tests.support.status_api_support import body, fake_context, put_delivery, url_event

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
ADDRESS = "jane.doe@example.com"


def call(tables: Tables, path: str, query: dict[str, str] | None = None, *, mask: bool = True,
         method: str = "GET") -> dict[str, Any]:
    reader = DeliveriesReader(boto3.client("dynamodb", region_name=REGION), tables.deliveries)
    resolver = build_resolver(reader, mask_recipients=mask, clock=lambda: NOW)
    return resolver.resolve(url_event(path, query, method), fake_context())


@pytest.fixture
def bounced_order(tables: Tables) -> Tables:
    put_delivery(
        tables.deliveries, "ord-1001", EmailStatus.BOUNCED, NOW - timedelta(hours=1), recipient=ADDRESS,
        deliveredTo="bounce@simulator.amazonses.com", sesMessageId="0100018e-abc",
        statusReason=f"550 5.1.1 <{ADDRESS}>: user unknown", sentAt="2026-03-10T10:59:58.000Z",
        opens=Decimal(2), firstOpenedAt="2026-03-10T11:00:10.000Z",
        history=[{"type": "Send", "at": "2026-03-10T10:59:59.000Z", "id": "e1"},
                 {"type": "Bounce", "at": "2026-03-10T11:00:01.000Z", "id": "e2",
                  "detail": f"mailbox {ADDRESS} does not exist"}],
    )
    put_delivery(tables.deliveries, "ord-1001", EmailStatus.DELIVERED, NOW - timedelta(hours=2),
                 kind="shipping-update", recipient=ADDRESS)
    return tables


def test_health(tables: Tables) -> None:
    response = call(tables, "/health")
    assert response["statusCode"] == 200
    assert body(response) == {"status": "ok"}


@pytest.mark.parametrize(("path", "method"), [("/nowhere", "GET"), ("/orders", "GET"), ("/", "GET"),
                                              ("/health", "POST"), ("/orders/ord-1/extra", "GET")])
def test_unknown_route_is_a_json_404(tables: Tables, path: str, method: str) -> None:
    response = call(tables, path, method=method)
    assert response["statusCode"] == 404
    assert body(response)["error"] == "not found"


def test_order_lists_every_email_with_status_counters_and_history(bounced_order: Tables) -> None:
    response = call(bounced_order, "/orders/ord-1001")
    assert response["statusCode"] == 200
    answer = body(response)
    assert answer["orderId"] == "ord-1001"
    assert [email["kind"] for email in answer["emails"]] == ["order-confirmation", "shipping-update"]
    email = answer["emails"][0]
    assert email["status"] == "BOUNCED"
    assert email["sesMessageId"] == "0100018e-abc"
    assert email["attempts"] == 1
    assert email["opens"] == 2 and email["clicks"] == 0
    assert email["firstOpenedAt"] == "2026-03-10T11:00:10.000Z"
    assert [entry["type"] for entry in email["history"]] == ["Send", "Bounce"]
    assert email["recipient"] == "j***@example.com"
    assert email["deliveredTo"] == "b***@simulator.amazonses.com"


def test_masked_answer_contains_no_full_address_anywhere(bounced_order: Tables) -> None:
    text = call(bounced_order, "/orders/ord-1001")["body"]
    assert ADDRESS not in text
    assert "bounce@simulator" not in text
    assert "<j***@example.com>: user unknown" in text


def test_unmasked_when_mask_recipients_is_false(bounced_order: Tables) -> None:
    email = body(call(bounced_order, "/orders/ord-1001", mask=False))["emails"][0]
    assert email["recipient"] == ADDRESS
    assert email["deliveredTo"] == "bounce@simulator.amazonses.com"
    assert ADDRESS in email["statusReason"]


def test_unknown_order_is_404(tables: Tables) -> None:
    response = call(tables, "/orders/ord-missing")
    assert response["statusCode"] == 404
    assert body(response) == {"error": "order not found", "orderId": "ord-missing"}


@pytest.mark.parametrize("order_id", ["x" * 65, "bad%20id", "semi;colon", "quote'd", "a%2Fb"])
def test_malformed_order_id_is_400(tables: Tables, order_id: str) -> None:
    response = call(tables, f"/orders/{order_id}")
    assert response["statusCode"] in (400, 404)  # some shapes never match the route at all
    if response["statusCode"] == 400:
        assert body(response)["parameter"] == "orderId"


def test_order_id_longer_than_80_is_400_naming_the_parameter(tables: Tables) -> None:
    response = call(tables, "/orders/" + "x" * 81)
    assert response["statusCode"] == 400
    assert body(response)["parameter"] == "orderId"


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({}, "status"),
        ({"status": "LOST"}, "status"),
        ({"status": "BOUNCED", "limit": "0"}, "limit"),
        ({"status": "BOUNCED", "limit": "201"}, "limit"),
        ({"status": "BOUNCED", "limit": "ten"}, "limit"),
        ({"status": "BOUNCED", "limit": "-5"}, "limit"),
        ({"status": "BOUNCED", "since": "yesterday"}, "since"),
        ({"status": "BOUNCED", "since": "2026-03-11T00:00:00Z"}, "since"),
        ({"status": "BOUNCED", "since": "2026-01-01T00:00:00Z"}, "since"),
        ({"status": "BOUNCED", "cursor": "not-a-cursor"}, "cursor"),
        ({"status": "BOUNCED", "cursor": "eyJ2IjoxfQ"}, "cursor"),
        ({"status": "BOUNCED", "stauts": "SENT"}, "stauts"),
    ],
)
def test_bad_listing_parameter_is_400_naming_it(tables: Tables, query: dict[str, str],
                                                parameter: str) -> None:
    response = call(tables, "/deliveries", query)
    assert response["statusCode"] == 400
    answer = body(response)
    assert answer["parameter"] == parameter
    assert answer["error"]


def test_cursor_of_another_status_is_rejected(tables: Tables) -> None:
    for minute in range(3):
        put_delivery(tables.deliveries, f"ord-{minute}", EmailStatus.BOUNCED, NOW - timedelta(minutes=minute))
    cursor = body(call(tables, "/deliveries", {"status": "BOUNCED", "limit": "1"}))["cursor"]
    response = call(tables, "/deliveries", {"status": "DELIVERED", "cursor": cursor})
    assert response["statusCode"] == 400
    assert body(response)["parameter"] == "cursor"


def test_listing_rows_are_masked_and_come_from_the_index(tables: Tables) -> None:
    put_delivery(tables.deliveries, "ord-7", EmailStatus.BOUNCED, NOW - timedelta(minutes=5), recipient=ADDRESS,
                 statusReason=f"<{ADDRESS}> unknown", sesMessageId="m-7")
    answer = body(call(tables, "/deliveries", {"status": "bounced"}))
    assert answer["status"] == "BOUNCED"
    assert answer["cursor"] is None
    [row] = answer["items"]
    assert row["orderId"] == "ord-7" and row["kind"] == "order-confirmation"
    assert row["recipient"] == "j***@example.com"
    assert row["statusReason"] == "<j***@example.com> unknown"
    assert row["statusSince"] == "2026-03-10T11:55:00.000Z"
    assert ADDRESS not in json.dumps(answer)


def test_handler_entry_reads_its_environment(tables: Tables, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DELIVERIES_TABLE", tables.deliveries)
    monkeypatch.setenv("MASK_RECIPIENTS", "false")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "order-email-test")
    put_delivery(tables.deliveries, "ord-55", EmailStatus.SENT, datetime.now(UTC), recipient=ADDRESS)
    delivery_status.resolver.cache_clear()
    try:
        response = delivery_status.handler(url_event("/orders/ord-55"), fake_context())
        assert response["statusCode"] == 200
        assert body(response)["emails"][0]["recipient"] == ADDRESS
        recent = delivery_status.handler(url_event("/deliveries", {"status": "SENT"}), fake_context())
        assert [row["orderId"] for row in body(recent)["items"]] == ["ord-55"]
    finally:
        delivery_status.resolver.cache_clear()


def test_unreadable_table_is_503_and_the_log_names_the_failed_call(aws: None, caplog: pytest.LogCaptureFixture) -> None:
    reader = DeliveriesReader(boto3.client("dynamodb", region_name=REGION), "no-such-table")
    response = build_resolver(reader, clock=lambda: NOW).resolve(url_event("/orders/ord-1"), fake_context())
    assert response["statusCode"] == 503
    [record] = [record for record in caplog.records if record.getMessage() == "status API read failed"]
    assert (record.operation, record.errorType) == ("Query", "ResourceNotFoundException")  # type: ignore[attr-defined]
