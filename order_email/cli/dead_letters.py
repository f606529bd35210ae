"""What a dead letter's body says about a person: whether it names an address (for `erase`) and a
preview without addresses or names (for `dlq list`).

A body is an order (raw SNS delivery), an SNS envelope around one, or an SES event (raw, in an SNS
envelope, as an EventBridge event); JSON held in a string (an envelope's `Message`) is read as JSON.
Pure functions.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from email.utils import getaddresses
from typing import Any

from order_email.handlers.shared.masking import addresses_in, normalise_address, redact_addresses

NAME_FIELDS = frozenset({"customerName"})
"""Fields that hold a person's name: shown as `***`."""
MAILBOX_FIELDS = frozenset({"from", "to", "cc", "bcc", "replyto", "reply-to", "sender"})
"""SES `commonHeaders` fields and `headers[].name`s holding `Name <address>` lists: shown without names."""
HIDDEN = "***"


def _json_in(text: str) -> Any | None:
    """The JSON object or array a string holds, or None (a bare number or word stays text)."""
    stripped = text.strip()
    if stripped[:1] not in ("{", "["):
        return None
    try:
        return json.loads(stripped)
    except (ValueError, RecursionError):
        return None


def _texts(value: Any) -> Iterator[str]:
    """Every string inside a JSON value, keys included, reading JSON held in strings as JSON."""
    if isinstance(value, str):
        inner = _json_in(value)
        if inner is None:
            yield value
        else:
            yield from _texts(inner)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


def names_address(body: str, normalised: str) -> bool:
    """Whether any string in the body is the address or quotes it, compared by `normalise_address`
    (`normalised` is already in that form)."""
    return any(
        normalise_address(text) == normalised or any(normalise_address(found) == normalised
                                                     for found in addresses_in(text))
        for text in _texts(body)
    )


def _addresses_only(mailboxes: str) -> str:
    """`Jane Doe <jane@example.com>, b@x.org` → `jane@example.com, b@x.org`."""
    return ", ".join(address for _, address in getaddresses([mailboxes]) if address)


def _without_names(value: Any, mailboxes: bool = False) -> Any:
    """`value` with names replaced: name fields hidden, mailbox lists reduced to their addresses."""
    if isinstance(value, str):
        inner = _json_in(value)
        if inner is not None:
            return json.dumps(_without_names(inner), ensure_ascii=False)
        return _addresses_only(value) if mailboxes else value
    if isinstance(value, list):
        return [_without_names(item, mailboxes) for item in value]
    if not isinstance(value, dict):
        return value
    header = str(value.get("name", "")).lower() in MAILBOX_FIELDS
    return {
        key: HIDDEN if key in NAME_FIELDS and value[key] is not None
        else _without_names(item, str(key).lower() in MAILBOX_FIELDS or (header and key == "value"))
        for key, item in value.items()
    }


def masked_body(body: str) -> str:
    """The body with every address masked and every customer name hidden (JSON is re-serialised)."""
    document = _json_in(body)
    text = body if document is None else json.dumps(_without_names(document), ensure_ascii=False)
    return redact_addresses(text)
