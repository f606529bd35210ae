"""Routes of the status API on a Lambda function URL (payload v2.0, AWS_IAM auth).

Every answer is JSON: 200 with data, 400 naming the bad parameter, 404 for an unknown order or
route, 503 when a table or queue cannot be read (logged with the failed call; the caller may retry).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import LambdaFunctionUrlResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from botocore.exceptions import BotoCoreError, ClientError

from ..shared.schema import utc_now
from .operations import OperationsReaders, register_operations
from .params import BadParameter, check_order_id, parse_listing, parse_recipients
from .queries import DeliveriesReader
from .views import email_view, listing_answer, recipient_answer

logger = Logger(child=True)


def _json(status_code: int, body: dict[str, Any]) -> Response:
    return Response(status_code=status_code, content_type="application/json", body=body)


def build_resolver(
    reader: DeliveriesReader, *, mask_recipients: bool = True, clock: Callable[[], datetime] = utc_now,
    operations: OperationsReaders | None = None,
) -> LambdaFunctionUrlResolver:
    """The resolver with its routes bound to one reader (created once per cold start); `operations`
    adds `/suppressions` and `/overview`."""
    app = LambdaFunctionUrlResolver()
    if operations is not None:
        register_operations(app, operations, clock, _json)

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/orders/<order_id>")
    def order(order_id: str) -> Response:
        order_id = check_order_id(order_id)  # the path segment, percent-decoded
        items = reader.order_emails(order_id)
        if not items:
            return _json(404, {"error": "order not found", "orderId": order_id})
        emails = sorted((email_view(item, mask=mask_recipients) for item in items), key=lambda e: e["kind"])
        return _json(200, {"orderId": order_id, "emails": emails})

    @app.get("/deliveries")
    def deliveries() -> Response:
        now = clock()
        request = parse_listing(app.current_event.query_string_parameters, now)
        return _json(200, listing_answer(request, reader.recent_by_status(request, now)))

    @app.get("/recipients")
    def recipients() -> Response:
        request = parse_recipients(app.current_event.query_string_parameters)
        return _json(200, recipient_answer(request, reader.recipient_emails(
            request.address, limit=request.limit, after=request.after)))

    @app.exception_handler(BadParameter)
    def bad_parameter(error: BadParameter) -> Response:
        return _json(400, {"error": error.message, "parameter": error.parameter})

    @app.not_found
    def not_found(_: NotFoundError) -> Response:
        return _json(404, {"error": "not found", "path": app.current_event.path})

    @app.exception_handler([ClientError, BotoCoreError])
    def source_unavailable(error: Exception) -> Response:
        """A table or dead-letter queue read failed: which call and why are logged, the caller retries."""
        operation = error.operation_name if isinstance(error, ClientError) else None
        code = error.response.get("Error", {}).get("Code") if isinstance(error, ClientError) else None
        logger.exception("status API read failed", extra={"errorType": code or type(error).__name__,
                                                           "operation": operation, "path": app.current_event.path})
        return _json(503, {"error": "delivery records are unavailable, retry later"})

    return app
