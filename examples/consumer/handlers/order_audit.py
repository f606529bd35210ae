"""Order audit: record each confirmed order's id, once, in our own table.

Fed by an SQS queue subscribed (raw delivery, `eventType = order.confirmed`) to order-email's orders
topic. Each record is written with a condition, so a redelivered or republished order keeps the
time it was first seen. A body that is not an order event is reported as a failed batch item: SQS
retries it and, after maxReceiveCount, keeps it in the dead-letter queue for a person to look at.

Logs carry counts and SQS message ids only, never a body (bodies hold the customer's address).
boto3 and the standard library only: the Lambda runtime provides both, so the function needs no layer.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.exceptions import ClientError

from handlers.audit_record import ORDER_ID, audit_item, order_id_of

TABLE = os.environ["AUDIT_TABLE"]
RETENTION_DAYS = int(os.environ["AUDIT_RETENTION_DAYS"])

log = logging.getLogger("order-audit")
log.setLevel(logging.INFO)
_dynamodb = boto3.client("dynamodb")


def handler(event: dict[str, Any], context: Any) -> dict[str, list[dict[str, str]]]:
    failures: list[dict[str, str]] = []
    counts = {"recorded": 0, "alreadyRecorded": 0, "notAnOrder": 0, "failed": 0}
    for record in event.get("Records") or []:
        message_id = str(record.get("messageId", ""))
        order_id = order_id_of(record.get("body"))
        if order_id is None:
            counts["notAnOrder"] += 1
            log.warning("message %s is not an order event; left for the dead-letter queue", message_id)
            failures.append({"itemIdentifier": message_id})
            continue
        try:
            _dynamodb.put_item(
                TableName=TABLE,
                Item=audit_item(order_id, message_id, datetime.now(UTC), RETENTION_DAYS),
                ConditionExpression="attribute_not_exists(#id)",
                ExpressionAttributeNames={"#id": ORDER_ID},
            )
            counts["recorded"] += 1
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code == "ConditionalCheckFailedException":
                counts["alreadyRecorded"] += 1
                continue
            counts["failed"] += 1
            log.warning("message %s not recorded (%s); SQS will retry it", message_id, code)
            failures.append({"itemIdentifier": message_id})
    log.info("order audit batch %s", json.dumps(counts, sort_keys=True))
    return {"batchItemFailures": failures}
