"""The order kept with its record (`sender.stored_order`): exact, written by every record-creating write
in the same UpdateItem, bounded, and rebuilt into the order that was validated."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from boto3.dynamodb.types import TypeDeserializer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from order_email.handlers.sender.order import Order
from order_email.handlers.sender.stored_order import STORED_ORDER_LIMIT, order_event, stored_order
from tests.support.send_helpers import World, body, order

_deserializer = TypeDeserializer()


def plain(attribute: dict[str, Any]) -> Any:
    return _deserializer.deserialize(attribute)


@pytest.fixture
def world(tables, monkeypatch: pytest.MonkeyPatch) -> World:
    return World(tables, monkeypatch)


def test_the_claim_keeps_the_order_exactly(world: World) -> None:
    world.process(body(order(metadata={"channel": "web", "giftNote": "Für Oma"})))
    kept = world.item()["order"]
    assert kept == {
        "customerName": "Jane Doe", "currency": "EUR", "total": "49.90", "timestamp": "2025-03-01T11:59:58.500000+00:00",
        "metadata": {"channel": "web", "giftNote": "Für Oma"},
        "items": [{"name": "Espresso cups", "quantity": 2, "unitPrice": "12.50", "sku": "CUP-2"},
                  {"name": "Beans 1 kg", "quantity": 1, "unitPrice": "24.90"}]}
    assert "customerEmail" not in kept and "orderId" not in kept  # the record's key and `recipient` hold them
    assert world.item()["recipient"] == "jane.doe@example.com"


def test_a_suppressed_order_is_kept_too(world: World) -> None:
    world.suppress("jane.doe@example.com")
    world.process(body(order()))
    item = world.item()
    assert item["status"] == "SUPPRESSED" and item["order"]["total"] == "49.90"


def test_orders_held_with_their_batch_are_kept(world: World) -> None:
    world.ses.failures.append(("SendingPausedException", "sending paused for this account"))
    world.process(body(order("ORD-1")), body(order("ORD-2", total="49.9")))
    assert world.item("ORD-1")["status"] == "HELD" and world.item("ORD-2")["status"] == "HELD"
    assert world.item("ORD-1")["order"]["total"] == "49.90"
    assert world.item("ORD-2")["order"]["total"] == "49.9"  # held untried (mark_held): kept as validated


def test_an_order_too_big_to_keep_is_sent_and_not_kept(world: World) -> None:
    """Only an order put on the queue directly can be this big (SNS allows 256 KiB): sent, record small."""
    lines = [{"name": "𝄞" * 200, "quantity": 1, "unitPrice": "1.00", "sku": "𝄞" * 64} for _ in range(400)]
    huge = order(items=lines, total="400.00")
    assert stored_order(Order.model_validate(huge)) is None
    assert world.process(body(huge)) == {"batchItemFailures": []}
    item = world.item()
    assert item["status"] == "SENT" and "order" not in item


def test_the_limit_is_snss_largest_message() -> None:
    assert STORED_ORDER_LIMIT == 262_144
    document = order(items=[{"name": "x" * 200, "quantity": 1, "unitPrice": "1.00"}] * 500, total="500.00")
    assert stored_order(Order.model_validate(document)) is not None  # 500 ASCII lines fit in one SNS message


_names = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp", "Zs")), min_size=1,
                 max_size=30)
_money = st.decimals(min_value=0, max_value=Decimal("99999.99"), places=2, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(name=_names, items=st.lists(st.tuples(_names, st.integers(1, 10_000), _money, st.none() | _names),
                                   min_size=1, max_size=5),
       total=_money, metadata=st.dictionaries(_names, st.text(max_size=40).filter(str.isprintable), max_size=4),
       offset=st.integers(-12 * 60, 14 * 60))
def test_the_order_event_rebuilt_from_the_record_is_the_order_kept(name: str, items: list[Any], total: Decimal,
                                                                   metadata: dict[str, str], offset: int) -> None:
    sign, minutes = "+" if offset >= 0 else "-", abs(offset)
    document = order(customerName=name, total=str(total), metadata=metadata,
                     timestamp=f"2026-05-04T03:02:01.5{sign}{minutes // 60:02d}:{minutes % 60:02d}",
                     items=[{"name": n, "quantity": q, "unitPrice": str(p), **({"sku": s} if s else {})}
                            for n, q, p, s in items])
    validated = Order.model_validate(document)
    kept = stored_order(validated)
    assert kept is not None
    rebuilt = order_event(validated.orderId, validated.customerEmail, plain(kept))
    assert Order.model_validate(rebuilt) == validated
    assert [item["unitPrice"] for item in rebuilt["items"]] == [str(item.unitPrice) for item in validated.items]
