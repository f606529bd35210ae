"""The handlers' Powertools logger: one JSON line per e-mail or event, without a wasted JSON parse.

Powertools tries `json.loads` on every plain-string log message (so a JSON string logs as an
object). Our messages are fixed sentences, so every attempt raised and caught a `JSONDecodeError`
— about a fifth of the cost of a log line, paid once per e-mail and per SES event. `json_or_text`
parses only text that can start a JSON value and returns anything else unchanged, which is what
Powertools does with it after a failed parse: the log output is the same.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools import Logger

STREAM_KEYS = ("function_name", "function_memory_size", "function_arn")
"""Lambda-context keys Powertools puts on every line that the log stream already says (its group
is the function's, its REPORT lines give the memory): about 190 bytes per line, a third of the
sender's line per e-mail. `function_request_id` and `cold_start` stay."""

_JSON_STARTS = frozenset('{["-0123456789tfnNI')
"""First characters of every text `json.loads` accepts (after JSON whitespace): objects, arrays,
strings, numbers, true/false/null and Python's NaN/Infinity/-Infinity."""


def json_or_text(text: str) -> Any:
    """`json.loads(text)` when it can succeed, else `text` itself (never raises)."""
    if text.lstrip(" \t\n\r")[:1] not in _JSON_STARTS:
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


def make_logger(**options: Any) -> Logger:
    """A Powertools `Logger` (service, level and the rest from the POWERTOOLS_* variables)."""
    # Powertools annotates the deserializer as returning str; it returns whatever json.loads does
    return Logger(json_deserializer=json_or_text, **options)  # type: ignore[arg-type]
