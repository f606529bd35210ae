"""The order-audit table's item: one per order id, the first time its confirmation event reached us.

Shared by the handler that writes it and the component that declares the table, so the key the
table is created with and the key the code writes cannot drift apart. Standard library only.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

ORDER_ID = "orderId"
"""The table's partition key, and the order event's field it comes from."""
EXPIRES_AT = "expiresAt"
"""TTL attribute (epoch seconds): an audit row is kept for the configured retention."""
MAX_ORDER_ID_LENGTH = 256


def order_id_of(body: Any) -> str | None:
    """The order id of an order event (the SQS body, raw SNS delivery), or None if it is not one."""
    if not isinstance(body, str):
        return None
    try:
        document = json.loads(body)
    except ValueError:
        return None
    order_id = document.get(ORDER_ID) if isinstance(document, dict) else None
    if not isinstance(order_id, str) or not 0 < len(order_id) <= MAX_ORDER_ID_LENGTH:
        return None
    if not order_id.isprintable() or order_id != order_id.strip():
        return None
    return order_id


def audit_item(order_id: str, message_id: str, received_at: datetime, retention_days: int) -> dict[str, Any]:
    """The item in DynamoDB's attribute-value form: what was seen, when, by which SQS message. No
    customer data: the address and name stay in the order service and the deliveries table."""
    expires = received_at + timedelta(days=retention_days)
    return {
        ORDER_ID: {"S": order_id},
        "receivedAt": {"S": received_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")},
        "sqsMessageId": {"S": message_id},
        EXPIRES_AT: {"N": str(int(expires.timestamp()))},
    }
