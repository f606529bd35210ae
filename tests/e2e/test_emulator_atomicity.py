"""The emulator keeps DynamoDB's atomic conditional writes, which moto's threaded server alone lacks."""

from __future__ import annotations

import threading
import time
from typing import Any

import boto3
import moto.dynamodb.models as dynamodb_models
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from order_email.localmode.emulator import atomic_dynamodb

TABLE = "deliveries"


class _SlowValidator(dynamodb_models.UpdateExpressionValidator):
    """Widens moto's window between checking a write's condition and applying the write."""

    def validate(self) -> Any:
        time.sleep(0.2)
        return super().validate()


def _concurrent_conditional_writes(writers: int) -> tuple[list[str], str]:
    """Writers that all read version 0 write `version = 1` on condition `version = 0`, concurrently.

    Returns who was told their write succeeded, and whose write the item holds.
    """
    client = boto3.client("dynamodb", region_name="eu-west-1")
    client.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                        KeySchema=[{"AttributeName": "orderId", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "orderId", "AttributeType": "S"}])
    key = {"orderId": {"S": "o-1"}}
    client.put_item(TableName=TABLE, Item=key | {"version": {"N": "0"}})
    succeeded: list[str] = []

    def write(writer: str) -> None:
        try:
            client.update_item(TableName=TABLE, Key=key, UpdateExpression="SET version = :next, writer = :writer",
                               ConditionExpression="version = :read",
                               ExpressionAttributeValues={":read": {"N": "0"}, ":next": {"N": "1"},
                                                          ":writer": {"S": writer}})
        except ClientError as error:
            assert error.response["Error"]["Code"] == "ConditionalCheckFailedException"
            return
        succeeded.append(writer)

    threads = [threading.Thread(target=write, args=(f"writer-{index}",)) for index in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return succeeded, client.get_item(TableName=TABLE, Key=key)["Item"]["writer"]["S"]


@pytest.fixture
def slow_moto(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(dynamodb_models, "UpdateExpressionValidator", _SlowValidator)
    with mock_aws():
        yield


def test_moto_alone_lets_racing_conditional_writes_all_succeed(slow_moto: Any) -> None:
    """The control: without the guard the race is real here, so the next test can fail."""
    succeeded, _ = _concurrent_conditional_writes(3)
    assert len(succeeded) > 1


def test_emulator_lets_exactly_one_racing_conditional_write_succeed(slow_moto: Any) -> None:
    with atomic_dynamodb():
        succeeded, holder = _concurrent_conditional_writes(3)
    assert succeeded == [holder]
