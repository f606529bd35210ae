"""The intake's HTTP answers (function URL response format 2.0): JSON bodies, camelCase keys."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


class Refusal(Exception):
    """A request the intake does not take: the answer the caller gets (never a 5xx for its mistake)."""

    def __init__(self, status_code: int, body: Mapping[str, Any], headers: Mapping[str, str] | None = None):
        super().__init__(f"{status_code}: {body.get('error')}")
        self.status_code = status_code
        self.body = dict(body)
        self.headers = dict(headers or {})

    def answer(self) -> dict[str, Any]:
        return answer(self.status_code, self.body, self.headers)


def answer(status_code: int, body: Mapping[str, Any], headers: Mapping[str, str] | None = None) -> dict[str, Any]:
    """What Lambda turns into the HTTP response of a function URL."""
    return {
        "statusCode": status_code,
        "headers": {"content-type": "application/json", **(headers or {})},
        "body": json.dumps(body, separators=(",", ":"), ensure_ascii=False),
        "isBase64Encoded": False,
    }
