"""moto for handler and CLI tests: credentials that can never reach AWS, and the stack's two tables.

The tables are created from the recorded dev graph through `table_request`, the function local
mode provisions with, so handler tests run against the keys, indexes and stream the `DeliveryStore`
component declares, never a copy of them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import boto3
import pytest
from moto import mock_aws

from order_email.localmode.provision import TABLE
from order_email.localmode.resource_requests import table_request, time_to_live
from tests.support.stacks import recorded_stack

REGION = "eu-west-1"
TABLE_OUTPUTS = {"deliveries": "deliveriesTableName", "suppression": "suppressionTableName"}
"""Each test table's role → the stack output naming the recorded table it is created from."""


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


@pytest.fixture
def tables(aws: None) -> Tables:
    """The deliveries and suppression tables as the dev graph declares them, under their roles' short names."""
    graph = recorded_stack("dev")
    declared = {resource.state.get("name"): resource for resource in graph.of_type(TABLE)}
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    for name, output in TABLE_OUTPUTS.items():
        resource = declared[graph.outputs[output]]
        dynamodb.create_table(**{**table_request(resource), "TableName": name})
        ttl = time_to_live(resource)
        if ttl is not None:
            dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
    return Tables(deliveries="deliveries", suppression="suppression")
