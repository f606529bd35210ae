"""Order ids: which ones we accept, and how one travels in an SES message tag and back.

Real order systems use ids such as `A.1001`, `#1001`, `2026/11/0042`, `shop:eu:77` or `PO 1001`.
We accept any printable ASCII id of 1-`MAX_LENGTH` characters that does not start or end with a
space. SES message tag values, though, may contain only ASCII letters, digits, `_` and `-`, at most
256 characters (botocore's sesv2 `MessageTag` documentation); anything else fails `SendEmail` with
`BadRequestException`. So the `orderId` tag carries the id in a reversible escape encoding:

* letters, digits and `-` stand for themselves (`A-1001` is tagged `A-1001`);
* every other character, `_` included, becomes `_` and its two upper-case hex digits
  (`A.1001` → `A_2E1001`, `#1001` → `_231001`).

Three characters per escaped character at most, so `MAX_LENGTH` (80) x 3 = 240 ≤ 256 always fits.
Tags written before this encoding carry the raw id; one that happens to contain `_` followed by two
hex digits decodes to another id, finds no record, and the event falls back to the SES message id.
"""

from __future__ import annotations

import re

MAX_LENGTH = 80
"""Longest accepted order id; its tag encoding is at most 240 characters (SES allows 256)."""
TAG_VALUE_LIMIT = 256
"""SES's limit on a message tag value."""

ORDER_ID_PATTERN = re.compile(rf"[!-~](?:[ -~]{{0,{MAX_LENGTH - 2}}}[!-~])?")
"""Printable ASCII (space to `~`), 1-80 characters, no leading or trailing space."""
ORDER_ID_RULE = (f"1-{MAX_LENGTH} printable ASCII characters (letters, digits, punctuation, inner spaces), "
                 "not starting or ending with a space")

_PLAIN = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-")
_ESCAPE = "_"
_ESCAPED = re.compile(r"_([0-9A-F]{2})")
_TAG_VALUE = re.compile(r"[A-Za-z0-9_-]{1,256}")


def is_order_id(value: str) -> bool:
    return bool(ORDER_ID_PATTERN.fullmatch(value))


def to_tag_value(order_id: str) -> str:
    """The SES-safe tag value of an order id (pure, reversible by `from_tag_value`)."""
    return "".join(char if char in _PLAIN else f"{_ESCAPE}{ord(char):02X}" for char in order_id)


def from_tag_value(value: str) -> str:
    """The order id a tag value encodes; ValueError when `value` is not such an encoding."""
    if not _TAG_VALUE.fullmatch(value):
        raise ValueError("not an SES tag value")
    decoded = _ESCAPED.sub(lambda match: chr(int(match.group(1), 16)), value)
    if to_tag_value(decoded) != value:  # a stray `_`, or lower-case hex: not ours
        raise ValueError("not an order-id tag encoding")
    return decoded
