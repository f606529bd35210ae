"""The event a Lambda function URL hands its function for an HTTP request (payload format 2.0, AWS_IAM auth).

Local mode invokes the status and order intake functions directly (function URLs are not emulated),
with the event Lambda would build, so the handler parses exactly what it parses in AWS.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from order_email.localmode.emulator import ACCOUNT_ID, REGION
from order_email.localmode.provisioned import FunctionSpec


def function_url_event(method: str, path: str, query: Mapping[str, str] | None, function: FunctionSpec,
                       caller_arn: str = f"arn:aws:iam::{ACCOUNT_ID}:user/localmode", *, body: str | None = None,
                       content_type: str = "application/json") -> dict[str, Any]:
    """A Lambda function URL request (payload format 2.0, AWS_IAM auth), as Lambda would build it.

    A `body` is text of `content_type` (Lambda passes a text body as is, `isBase64Encoded: false`),
    with its `content-length` in bytes; header names are lower-cased, as Lambda delivers them."""
    url_id = function.name.replace("-", "")[:32].lower()
    now = datetime.now(UTC)
    query = dict(query or {})
    headers = {"host": f"{url_id}.lambda-url.{REGION}.on.aws", "user-agent": "localmode",
               "accept": "application/json", "x-amzn-trace-id": f"Root=1-{uuid.uuid4().hex[:8]}"}
    if body is not None:
        headers |= {"content-type": content_type, "content-length": str(len(body.encode("utf-8", "surrogatepass")))}
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "&".join(f"{key}={value}" for key, value in query.items()),
        "headers": headers,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": url_id,
            "authorizer": {"iam": {"accessKey": "ASIALOCALMODE", "accountId": ACCOUNT_ID,
                                   "callerId": "AIDALOCALMODE", "userArn": caller_arn, "userId": "AIDALOCALMODE"}},
            "domainName": f"{url_id}.lambda-url.{REGION}.on.aws",
            "domainPrefix": url_id,
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1",
                     "userAgent": "localmode"},
            "requestId": str(uuid.uuid4()),
            "routeKey": "$default",
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": False,
    }
    if query:
        event["queryStringParameters"] = query
    if body is not None:
        event["body"] = body
    return event
