"""`json_or_text` must give Powertools exactly what its own failed-parse fallback gives, only cheaper."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from order_email.handlers.shared.logs import json_or_text


def reference(text: str) -> Any:
    """What Powertools does with a string message: parse it, or keep it when parsing fails."""
    try:
        return json.loads(text)
    except (json.JSONDecodeError, TypeError, ValueError):
        return text


@pytest.mark.parametrize("text", [
    "order confirmation sent", "", " ", "{\"a\": 1}", " \n[1, 2]", "\"quoted\"", "-3", "12.5", "true", "false",
    "null", "NaN", "Infinity", "-Infinity", "nothing", "invalid order dead-lettered", "{not json", "\x0b{}",
    "SES refused the e-mail; marked FAILED", "tRUE", "1 2",
])
def test_examples_match_powertools_fallback(text: str) -> None:
    assert repr(json_or_text(text)) == repr(reference(text))  # repr: NaN != NaN


json_texts = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
).map(json.dumps)


@settings(max_examples=300)
@given(st.one_of(st.text(max_size=40), json_texts, st.builds(lambda pad, body: pad + body,
                                                              st.sampled_from(["", " ", "\t", "\n ", "\r"]),
                                                              json_texts)))
def test_any_text_matches_powertools_fallback(text: str) -> None:
    assert repr(json_or_text(text)) == repr(reference(text))
