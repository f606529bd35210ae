"""BatchGetItem on one table, with DynamoDB's UnprocessedKeys asked for again: the sender's suppression
check and the status API's by-recipient rows both read this way.

DynamoDB may answer only part of a BatchGetItem (a throttled partition, or more than 16 MB) and list the
rest as UnprocessedKeys, to be asked for again "with exponential backoff". What to do with keys still
unanswered after that is the caller's: the sender retries those e-mails later, the status API fails the read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

MAX_KEYS = 100
"""The most keys one BatchGetItem may ask for (DynamoDB refuses more: a ValidationException)."""
RETRY_PAUSE_SECONDS = 0.05
"""The first pause before asking for UnprocessedKeys again; doubled before each further call."""


def batch_get(client: Any, table: str, request: dict[str, Any], *, retries: int,
              sleep: Callable[[float], None]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The items a BatchGetItem of `request` (`Keys` and projection, ≤ `MAX_KEYS` keys) returns from
    `table`, asking again for UnprocessedKeys up to `retries` times; and the keys still unanswered."""
    pending: dict[str, Any] = {table: request}
    items: list[dict[str, Any]] = []
    for attempt in range(retries + 1):
        if attempt:
            sleep(RETRY_PAUSE_SECONDS * 2 ** (attempt - 1))
        answer = client.batch_get_item(RequestItems=pending)
        items += answer.get("Responses", {}).get(table, [])
        pending = answer.get("UnprocessedKeys") or {}
        if not pending:
            return items, []
    return items, list(pending.get(table, {}).get("Keys", []))
