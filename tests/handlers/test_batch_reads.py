"""`handlers.shared.batch_reads` against the answer DynamoDB gives a throttled batch read, as local mode's
fault injector produces it: part of the keys answered, the rest listed as UnprocessedKeys."""

from __future__ import annotations

import boto3

from order_email.handlers.shared.batch_reads import batch_get
from order_email.localmode.faults import FaultInjector, FaultPlan
from tests.support.aws import REGION, Tables

HASHES = [f"hash-{n}" for n in range(6)]


def _faulty_client(injector: FaultInjector) -> object:
    session = boto3.session.Session(region_name=REGION)
    injector.attach(session._session)
    return session.client("dynamodb")


def _seed(table: str) -> None:
    client = boto3.client("dynamodb", region_name=REGION)
    for value in HASHES:
        client.put_item(TableName=table, Item={"addressHash": {"S": value}, "reason": {"S": "BOUNCE"}})


def test_a_partial_answer_is_the_shape_dynamodb_sends(tables: Tables) -> None:
    _seed(tables.suppression)
    injector = FaultInjector(FaultPlan(unprocessed_keys_rate=1.0, seed=5), "fn", 0, on_crash=lambda: None)
    keys = [{"addressHash": {"S": value}} for value in HASHES]
    request = {"Keys": keys, "ProjectionExpression": "#h, reason", "ExpressionAttributeNames": {"#h": "addressHash"}}
    answer = _faulty_client(injector).batch_get_item(RequestItems={tables.suppression: request})  # type: ignore[attr-defined]
    answered = {item["addressHash"]["S"] for item in answer["Responses"][tables.suppression]}
    held = answer["UnprocessedKeys"][tables.suppression]
    held_back = {key["addressHash"]["S"] for key in held["Keys"]}
    assert answered and held_back and answered.isdisjoint(held_back) and answered | held_back == set(HASHES)
    # asked again as it is: the request's projection comes back with the keys
    assert held["ProjectionExpression"] == "#h, reason" and held["ExpressionAttributeNames"] == {"#h": "addressHash"}
    assert request["Keys"] == keys  # the caller's own request is untouched
    assert injector.drain() == {"dynamodb.UnprocessedKeys": 1}


def test_a_one_key_read_is_never_partial(tables: Tables) -> None:
    """All keys unanswered is a ProvisionedThroughputExceededException in DynamoDB, never an answer."""
    _seed(tables.suppression)
    injector = FaultInjector(FaultPlan(unprocessed_keys_rate=1.0), "fn", 0, on_crash=lambda: None)
    answer = _faulty_client(injector).batch_get_item(  # type: ignore[attr-defined]
        RequestItems={tables.suppression: {"Keys": [{"addressHash": {"S": HASHES[0]}}]}})
    assert len(answer["Responses"][tables.suppression]) == 1 and not answer.get("UnprocessedKeys")
    assert injector.drain() == {}


def test_batch_get_asks_again_until_every_key_is_answered(tables: Tables) -> None:
    _seed(tables.suppression)
    injector = FaultInjector(FaultPlan(unprocessed_keys_rate=1.0, seed=2), "fn", 0, on_crash=lambda: None)
    pauses: list[float] = []
    items, unanswered = batch_get(_faulty_client(injector), tables.suppression,
                                  {"Keys": [{"addressHash": {"S": value}} for value in HASHES]},
                                  retries=len(HASHES), sleep=pauses.append)
    assert sorted(item["addressHash"]["S"] for item in items) == HASHES and unanswered == []
    assert pauses == sorted(pauses) and len(pauses) == injector.drain()["dynamodb.UnprocessedKeys"]
