"""Helpers for the status API tests: function-URL events as AWS sends them, and delivery items."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import boto3

from order_email.handlers.shared import schema
from order_email.handlers.shared.masking import address_hash, mask_address
from order_email.handlers.shared.statuses import RANK, EmailStatus
from tests.support.aws import REGION


@dataclass
class FakeContext:
    function_name: str = "order-email-status"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:eu-west-1:123456789012:function:order-email-status"
    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e812345678"


def url_event(path: str, query: dict[str, str] | None = None, method: str = "GET") -> dict[str, Any]:
    """A Lambda function URL request (payload format 2.0), shaped like AWS delivers it."""
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": urlencode(query or {}),
        "headers": {"host": "abcdefghij.lambda-url.eu-west-1.on.aws", "accept": "application/json",
                    "x-amz-date": "20260310T120000Z", "user-agent": "curl/8.5.0"},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abcdefghij",
            "authorizer": {"iam": {"accessKey": "AKIAEXAMPLE", "accountId": "123456789012",
                                   "callerId": "AIDAEXAMPLE", "cognitoIdentity": None,
                                   "principalOrgId": None,
                                   "userArn": "arn:aws:iam::123456789012:user/operator",
                                   "userId": "AIDAEXAMPLE"}},
            "domainName": "abcdefghij.lambda-url.eu-west-1.on.aws",
            "domainPrefix": "abcdefghij",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.7",
                     "userAgent": "curl/8.5.0"},
            "requestId": "7f3c9c2e-5b1a-4c1e-9d0a-0123456789ab",
            "routeKey": "$default",
            "stage": "$default",
            "time": "10/Mar/2026:12:00:00 +0000",
            "timeEpoch": 1773144000000,
        },
        "isBase64Encoded": False,
    }
    if query:  # AWS omits the key when there is no query string
        event["queryStringParameters"] = dict(query)
    return event


def body(response: dict[str, Any]) -> Any:
    assert response["headers"]["Content-Type"] == "application/json"
    return json.loads(response["body"])


def put_delivery(table: str, order_id: str, status: EmailStatus, updated_at: datetime, *,
                 kind: str = schema.ORDER_CONFIRMATION, recipient: str = "jane.doe@example.com",
                 **extra: Any) -> dict[str, Any]:
    """Write one delivery item the way the handlers do, index keys included."""
    item: dict[str, Any] = {
        "orderId": order_id,
        "kind": kind,
        "recipient": recipient,
        "recipientHash": address_hash(recipient),
        "recipientMasked": mask_address(recipient),
        "status": status.value,
        "statusRank": RANK[status],
        "createdAt": schema.iso(updated_at),
        "lastUpdated": schema.iso(updated_at),
        "attempts": 1,
        **schema.status_index_keys(status, updated_at, order_id, kind),
        **extra,
    }
    boto3.resource("dynamodb", region_name=REGION).Table(table).put_item(Item=item)
    return item


def fake_context() -> Any:
    """A Lambda context as far as Powertools reads it (typed Any: it is not a real LambdaContext)."""
    return FakeContext()
