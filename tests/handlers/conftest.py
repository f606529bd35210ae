"""moto fixtures for handler tests: credentials that can never reach AWS, and the two tables.

The tables are created from the same key/index contract (`handlers.shared.schema`) the
`DeliveryStore` component declares, so handler tests run against the real shapes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import boto3
import pytest
from moto import mock_aws

from order_email.handlers.shared import schema

REGION = "eu-west-1"


@dataclass(frozen=True)
class Tables:
    deliveries: str
    suppression: str


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fake credentials and region, and every boto3 call served by moto in-process."""
    for variable in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)
    with mock_aws():
        yield


def _string_attributes(*names: str) -> list[dict[str, str]]:
    return [{"AttributeName": name, "AttributeType": "S"} for name in names]


@pytest.fixture
def tables(aws: None) -> Tables:
    """The deliveries and suppression tables, keys and indexes as DeliveryStore declares them."""
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    dynamodb.create_table(
        TableName="deliveries",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=_string_attributes(
            schema.ORDER_ID, schema.KIND, schema.SES_MESSAGE_ID, schema.STATUS_SHARD, schema.STATUS_SORT_KEY
        ),
        KeySchema=[
            {"AttributeName": schema.ORDER_ID, "KeyType": "HASH"},
            {"AttributeName": schema.KIND, "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": schema.MESSAGE_ID_INDEX,
                "KeySchema": [{"AttributeName": schema.SES_MESSAGE_ID, "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            },
            {
                "IndexName": schema.STATUS_INDEX,
                "KeySchema": [
                    {"AttributeName": schema.STATUS_SHARD, "KeyType": "HASH"},
                    {"AttributeName": schema.STATUS_SORT_KEY, "KeyType": "RANGE"},
                ],
                "Projection": {
                    "ProjectionType": "INCLUDE",
                    "NonKeyAttributes": list(schema.STATUS_INDEX_ATTRIBUTES),
                },
            },
        ],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    dynamodb.create_table(
        TableName="suppression",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=_string_attributes(schema.ADDRESS_HASH),
        KeySchema=[{"AttributeName": schema.ADDRESS_HASH, "KeyType": "HASH"}],
    )
    return Tables(deliveries="deliveries", suppression="suppression")
