"""The operator routes behind the console: `GET /suppressions` and `GET /overview` (read-only)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aws_lambda_powertools.event_handler import LambdaFunctionUrlResolver, Response

from .overview import OverviewReader
from .params import BadParameter
from .suppressions import SuppressionsReader, parse_suppressions_query


@dataclass(frozen=True)
class OperationsReaders:
    suppressions: SuppressionsReader | None
    """None when the function is given no suppression table: `/suppressions` answers 404 saying so."""
    overview: OverviewReader


def register_operations(app: LambdaFunctionUrlResolver, readers: OperationsReaders, clock: Callable[[], datetime],
                        answer: Callable[[int, dict[str, Any]], Response]) -> None:
    """Add the two routes to `app`; `answer` builds its JSON responses."""

    @app.get("/suppressions")
    def suppressions() -> Response:
        limit, after = parse_suppressions_query(app.current_event.query_string_parameters)
        if readers.suppressions is None:
            return answer(404, {"error": "this status API is given no suppression table (SUPPRESSION_TABLE)"})
        page = readers.suppressions.page(limit, after, clock().timestamp())
        return answer(200, {"suppressions": page.entries, "cursor": page.cursor})

    @app.get("/overview")
    def overview() -> Response:
        query = app.current_event.query_string_parameters or {}
        if query:
            name = sorted(query)[0]
            raise BadParameter(name, f"unknown parameter {name[:40]!r}; /overview takes none")
        return answer(200, readers.overview.overview(clock()))
