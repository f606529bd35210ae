"""Every bad field of a refused order, as the caller can fix it: `{"field": "items.0.quantity", "message": ...}`.

Locations are the order's own field names joined by dots (list indexes included); `order` stands for
the body as a whole (not a JSON object). Messages come from the sender's model, which never echoes
the input (`hide_input_in_errors`), so an answer or a log line carries no customer data.
The model checks amounts against the currency once every field is valid (it needs both), so a
too-precise amount is named in the answer after the other fields are fixed.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from ..sender.order import AmountsTooPrecise

MAX_FIELDS = 1_000
"""More than any real order can get wrong; bounds an answer to a body of 200,000 unknown keys."""


def field_errors(error: ValidationError) -> list[dict[str, str]]:
    """One entry per bad field, in the model's order; a too-precise amount is named once per amount."""
    fields: list[dict[str, str]] = []
    for problem in error.errors(include_url=False, include_input=False):
        cause = (problem.get("ctx") or {}).get("error")
        if isinstance(cause, AmountsTooPrecise):
            fields.extend({"field": where, "message": f"has more decimal places than {cause.currency} allows"}
                          for where in cause.locations)
            continue
        fields.append({"field": ".".join(str(part) for part in problem["loc"]) or "order",
                       "message": problem["msg"].removeprefix("Value error, ")})
    return fields


def invalid_order(error: ValidationError) -> dict[str, Any]:
    """The 400 body: every bad field (the first `MAX_FIELDS`, and how many more there were)."""
    fields = field_errors(error)
    body: dict[str, Any] = {"error": "the order is invalid", "fields": fields[:MAX_FIELDS]}
    if len(fields) > MAX_FIELDS:
        body["omittedFields"] = len(fields) - MAX_FIELDS
    return body
