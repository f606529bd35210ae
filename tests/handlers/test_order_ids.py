"""Every order id the model accepts is sendable: its tag is one SES accepts, and decodes to the id."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from order_email.handlers.sender.order import InvalidOrder, parse_order
from order_email.handlers.shared.order_ids import MAX_LENGTH, from_tag_value, is_order_id, to_tag_value
from order_email.localmode.ses_rules import SesError, check_tags
from tests.support.fuzzing import fuzz, fuzz_target
from tests.support.send_helpers import order

PRINTABLE = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
ANY_TEXT = st.one_of(st.text(PRINTABLE, min_size=0, max_size=MAX_LENGTH + 5),
                     st.text(min_size=0, max_size=40))


def model_accepts(order_id: str) -> bool:
    try:
        parse_order(json.dumps(order(order_id)))
    except InvalidOrder:
        return False
    return True


@fuzz_target
@fuzz(2_000)
@given(ANY_TEXT)
def test_any_accepted_id_round_trips_through_a_tag_the_local_ses_accepts(order_id: str) -> None:
    accepted = model_accepts(order_id)
    assert accepted is is_order_id(order_id)  # one rule, in the model and everywhere else
    if not accepted:
        return
    tag = to_tag_value(order_id)
    check_tags([{"Name": "orderId", "Value": tag}])  # raises SesError if SES would refuse the send
    assert from_tag_value(tag) == order_id


@pytest.mark.parametrize(("order_id", "tag"), [("A-1001", "A-1001"), ("A.1001", "A_2E1001"), ("#1001", "_231001"),
                                               ("a_b", "a_5Fb"), ("PO 1001", "PO_201001"),
                                               ("2026/11/0042", "2026_2F11_2F0042")])
def test_the_encoding_keeps_common_ids_readable(order_id: str, tag: str) -> None:
    assert to_tag_value(order_id) == tag and from_tag_value(tag) == order_id


def test_the_longest_id_still_fits_a_tag() -> None:
    tag = to_tag_value("." * MAX_LENGTH)
    assert len(tag) == 3 * MAX_LENGTH <= 256
    check_tags([{"Name": "orderId", "Value": tag}])


@pytest.mark.parametrize("value", ["A.1001", "a_5fb", "x_", "_2", "ab_ZZ", "", "x" * 257])
def test_values_that_are_not_our_encoding_are_refused(value: str) -> None:
    with pytest.raises(ValueError):
        from_tag_value(value)


def test_a_raw_id_with_a_dot_is_what_ses_refuses() -> None:
    with pytest.raises(SesError) as refused:
        check_tags([{"Name": "orderId", "Value": "A.1001"}])
    assert refused.value.code == "BadRequestException"
