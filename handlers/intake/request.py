"""What a function URL hands the intake, read as HTTP says: route, method, media type, then the body text.

Lambda builds the event (payload format 2.0, the API Gateway HTTP API schema): header names arrive
lower-cased, and a body whose content type Lambda does not treat as text arrives base64-encoded with
`isBase64Encoded: true` (https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html). A body
over Lambda's synchronous invocation payload limit (6 MB, https://docs.aws.amazon.com/lambda/latest/dg/
gettingstarted-limits.html) never reaches the function: Lambda refuses it itself.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..sender.kinds import EVENT_TYPES
from ..shared.event_types import EVENT_TYPE_ATTRIBUTE, ORDER_EVENT_TYPE
from .answers import Refusal

ROUTE = "/orders"
METHOD = "POST"
MEDIA_TYPE = "application/json"


@dataclass(frozen=True)
class OrderPost:
    """A `POST /orders[?eventType=...]` with a JSON body, as text."""

    body: str
    event_type: str = ORDER_EVENT_TYPE
    """Which order event the body is (`sender.kinds`): `order.confirmed` unless the query names another."""


def _media_type(headers: Mapping[str, str]) -> tuple[str, dict[str, str]]:
    """`application/json; charset=UTF-8` → ("application/json", {"charset": "utf-8"})."""
    kind, *parameters = headers.get("content-type", "").split(";")
    options = {}
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        options[name.strip().lower()] = value.strip().strip('"').lower()
    return kind.strip().lower(), options


def _body_text(event: Mapping[str, Any]) -> str:
    raw = event.get("body") or ""
    try:
        data = base64.b64decode(raw, validate=True) if event.get("isBase64Encoded") else raw.encode("utf-8")
        return data.decode("utf-8")
    except (binascii.Error, UnicodeError):
        raise Refusal(400, {"error": "the body is not UTF-8 text"}) from None


def _event_type(event: Mapping[str, Any]) -> str:
    """The `eventType` query parameter (default `order.confirmed`); 400 naming it when no kind has it."""
    query = event.get("queryStringParameters") or {}
    unknown = sorted(set(query) - {EVENT_TYPE_ATTRIBUTE})
    if unknown:
        raise Refusal(400, {"error": f"unknown parameter {unknown[0][:40]!r}; allowed: {EVENT_TYPE_ATTRIBUTE}",
                            "parameter": unknown[0][:40]})
    event_type = str(query.get(EVENT_TYPE_ATTRIBUTE) or ORDER_EVENT_TYPE)
    if event_type not in EVENT_TYPES:
        raise Refusal(400, {"error": f"{EVENT_TYPE_ATTRIBUTE} must be one of {', '.join(EVENT_TYPES)}",
                            "parameter": EVENT_TYPE_ATTRIBUTE})
    return event_type


def order_post(event: Mapping[str, Any]) -> OrderPost:
    """The request's body when it is a `POST /orders` of JSON; otherwise the `Refusal` HTTP prescribes:
    404 for another path, 405 with `Allow` for another method, 415 for another media type (RFC 9110
    §15.5.5, §15.5.6, §15.5.16; `Accept-Post` is the W3C LDP header naming what a POST takes), 400 for
    a body that is not UTF-8 (JSON's only encoding between systems, RFC 8259 §8.1)."""
    path = event.get("rawPath") or "/"
    method = str(((event.get("requestContext") or {}).get("http") or {}).get("method", "")).upper()
    if path.rstrip("/") != ROUTE:
        raise Refusal(404, {"error": "not found", "path": path})
    if method != METHOD:
        raise Refusal(405, {"error": f"{method or 'this method'} is not allowed on {ROUTE}", "allowed": [METHOD]},
                      {"allow": METHOD})
    kind, options = _media_type(event.get("headers") or {})
    if kind != MEDIA_TYPE or options.get("charset", "utf-8") != "utf-8":
        raise Refusal(415, {"error": f"Content-Type must be {MEDIA_TYPE} (UTF-8)",
                            "contentType": (event.get("headers") or {}).get("content-type")},
                      {"accept-post": MEDIA_TYPE})
    return OrderPost(_body_text(event), _event_type(event))
