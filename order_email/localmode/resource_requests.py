"""The emulator API requests a recorded resource becomes (pure: no client, no translation).

`provision` sends them; the handler and CLI tests create their moto tables with `table_request`
too, so every table a test or local mode uses has the keys, indexes and stream the graph declares.
"""

from __future__ import annotations

import json
from typing import Any

from order_email.localmode.provisioned import ProvisioningError
from order_email.mockstack import RecordedResource

QUEUE_ATTRIBUTES = {
    "visibilityTimeoutSeconds": "VisibilityTimeout",
    "messageRetentionSeconds": "MessageRetentionPeriod",
    "delaySeconds": "DelaySeconds",
    "receiveWaitTimeSeconds": "ReceiveMessageWaitTimeSeconds",
    "maxMessageSize": "MaximumMessageSize",
    "fifoQueue": "FifoQueue",
    "contentBasedDeduplication": "ContentBasedDeduplication",
    "sqsManagedSseEnabled": "SqsManagedSseEnabled",
}
"""Recorded queue input → SQS queue attribute."""
SUBSCRIPTION_ATTRIBUTES = {
    "rawMessageDelivery": "RawMessageDelivery",
    "filterPolicy": "FilterPolicy",
    "filterPolicyScope": "FilterPolicyScope",
    "redrivePolicy": "RedrivePolicy",
}
"""Recorded subscription input → SNS subscription attribute."""


def required(resource: RecordedResource, key: str) -> Any:
    """The recorded value; ProvisioningError when the graph lacks it (a missing field is loud, never guessed)."""
    value = resource.state.get(key)
    if value in (None, ""):
        raise ProvisioningError(f"{resource.type} {resource.name} has no {key!r} in the graph")
    return value


def stringify(value: Any) -> str:
    """A recorded value as AWS's string attributes spell it (`true`, `30`, JSON documents)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def as_int(value: Any, default: int | None = None) -> int | None:
    return default if value in (None, "") else int(float(value))


def sesv2_members(value: Any) -> Any:
    """Recorded camelCase inputs as SESv2 request members: PascalCase all the way down, None dropped."""
    if isinstance(value, dict):
        return {key[:1].upper() + key[1:]: sesv2_members(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [sesv2_members(item) for item in value]
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _key_schema(hash_key: str, range_key: str | None) -> list[dict[str, str]]:
    keys = [{"AttributeName": hash_key, "KeyType": "HASH"}]
    if range_key:
        keys.append({"AttributeName": range_key, "KeyType": "RANGE"})
    return keys


def _index_request(index: dict[str, Any]) -> dict[str, Any]:
    projection: dict[str, Any] = {"ProjectionType": index.get("projectionType") or "ALL"}
    if index.get("nonKeyAttributes"):
        projection["NonKeyAttributes"] = list(index["nonKeyAttributes"])
    return {"IndexName": index["name"], "KeySchema": _key_schema(index["hashKey"], index.get("rangeKey")),
            "Projection": projection}


def table_request(resource: RecordedResource) -> dict[str, Any]:
    """DynamoDB `create_table` arguments for a recorded table: keys, attributes, billing, indexes, stream."""
    state = resource.state
    request: dict[str, Any] = {
        "TableName": required(resource, "name"),
        "KeySchema": _key_schema(required(resource, "hashKey"), state.get("rangeKey")),
        "AttributeDefinitions": [{"AttributeName": a["name"], "AttributeType": a["type"]}
                                 for a in state.get("attributes") or []],
        "BillingMode": state.get("billingMode") or "PAY_PER_REQUEST",
    }
    if request["BillingMode"] == "PROVISIONED":
        request["ProvisionedThroughput"] = {"ReadCapacityUnits": as_int(state.get("readCapacity"), 5),
                                            "WriteCapacityUnits": as_int(state.get("writeCapacity"), 5)}
    indexes = [_index_request(index) for index in state.get("globalSecondaryIndexes") or []]
    if indexes:
        request["GlobalSecondaryIndexes"] = indexes
    if state.get("streamEnabled"):
        request["StreamSpecification"] = {"StreamEnabled": True,
                                          "StreamViewType": state.get("streamViewType") or "NEW_AND_OLD_IMAGES"}
    return request


def time_to_live(resource: RecordedResource) -> dict[str, Any] | None:
    """DynamoDB `update_time_to_live`'s TimeToLiveSpecification for a recorded table, None without TTL."""
    ttl = resource.state.get("ttl") or {}
    if ttl.get("enabled") and ttl.get("attributeName"):
        return {"Enabled": True, "AttributeName": ttl["attributeName"]}
    return None


def key_request(resource: RecordedResource) -> dict[str, Any]:
    """KMS `create_key` arguments: description, policy and tags (the key exists; nothing is encrypted locally)."""
    state = resource.state
    request: dict[str, Any] = {"Description": str(state.get("description") or "")}
    if state.get("policy"):
        request["Policy"] = stringify(state["policy"])
    tags = [{"TagKey": key, "TagValue": str(value)} for key, value in (state.get("tags") or {}).items()]
    if tags:
        request["Tags"] = tags
    return request


def queue_attributes(resource: RecordedResource) -> dict[str, str]:
    """SQS `create_queue` attributes for a recorded queue (its redrive policy is set once every queue exists)."""
    return {aws: stringify(resource.state[key]) for key, aws in QUEUE_ATTRIBUTES.items()
            if resource.state.get(key) not in (None, "")}
