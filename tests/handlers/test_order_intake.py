"""The order intake's handler on moto: what HTTP prescribes for each request, what reaches SNS, and how.

Events are the ones local mode builds for a function URL (`localmode.function_url`), the payload
format 2.0 schema Lambda uses; SNS and the subscribed queue are moto's.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from hypothesis import given
from hypothesis import strategies as st

from order_email.handlers import order_intake
from order_email.handlers.intake.app import take_order
from order_email.handlers.intake.fields import MAX_FIELDS, invalid_order
from order_email.handlers.intake.orders_topic import (
    ORDER_ATTRIBUTES,
    SNS_MESSAGE_LIMIT_BYTES,
    OrdersTopic,
    message_size,
    uncarried_character,
)
from order_email.handlers.sender.order import InvalidOrder, Order, parse_order
from order_email.handlers.shared.environment import ORDER_INTAKE, ConfigurationError, powertools
from order_email.localmode.function_url import function_url_event
from order_email.localmode.provisioned import FunctionSpec
from tests.support.aws import REGION
from tests.support.fuzzing import fuzz, fuzz_target
from tests.support.local_system import order
from tests.support.status_api_support import fake_context

SPEC = FunctionSpec("intake", "order-intake", "arn:aws:lambda:eu-west-1:123456789012:function:order-intake",
                    "handlers.order_intake.handler", {}, 10, 256, "python3.14")


def post(body: str, **options: Any) -> dict[str, Any]:
    return function_url_event(options.pop("method", "POST"), options.pop("path", "/orders"), None, SPEC,
                              body=body, **options)


class Topic:
    """The orders topic on moto with a raw-delivery queue subscribed, filtered like the send queue."""

    def __init__(self) -> None:
        sns, self.sqs = boto3.client("sns", region_name=REGION), boto3.client("sqs", region_name=REGION)
        self.arn = sns.create_topic(Name="orders")["TopicArn"]
        self.queue = self.sqs.create_queue(QueueName="send")["QueueUrl"]
        queue_arn = self.sqs.get_queue_attributes(QueueUrl=self.queue, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"]
        sns.subscribe(TopicArn=self.arn, Protocol="sqs", Endpoint=queue_arn, Attributes={
            "RawMessageDelivery": "true", "FilterPolicy": json.dumps({"eventType": ["order.confirmed"]})})
        self.topic = OrdersTopic(sns, self.arn)

    def received(self) -> list[dict[str, Any]]:
        return self.sqs.receive_message(QueueUrl=self.queue, MaxNumberOfMessages=10,
                                        MessageAttributeNames=["All"]).get("Messages", [])


@pytest.fixture
def topic(aws: None) -> Topic:
    return Topic()


def answer_of(response: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    return response["statusCode"], json.loads(response["body"])


def test_a_valid_order_is_published_as_posted_with_the_order_attribute(topic: Topic) -> None:
    body = json.dumps(order("A-1001", "jane@example.com"), indent=2)
    assert answer_of(take_order(post(body), topic.topic)) == (202, {"orderId": "A-1001"})
    [message] = topic.received()
    assert message["Body"] == body  # the sender validates the very text the intake validated
    assert message["MessageAttributes"]["eventType"] == {"DataType": "String", "StringValue": "order.confirmed"}
    assert parse_order(message["Body"]).orderId == "A-1001"


def test_the_same_order_twice_gets_the_same_answer_and_is_published_twice(topic: Topic) -> None:
    body = json.dumps(order("A-1002", "jane@example.com"))
    first, second = (take_order(post(body), topic.topic) for _ in range(2))
    assert first["statusCode"] == second["statusCode"] == 202 and first["body"] == second["body"]
    assert len(topic.received()) == 2  # SNS cannot deduplicate; the sender's claim does (tests/e2e)


@pytest.mark.parametrize(("query", "parameter"), [({"eventType": "order.refunded"}, "eventType"),
                                                  ({"eventType": ""}, None), ({"kind": "x"}, "kind")])
def test_the_event_type_comes_from_the_query_and_nothing_else_is_taken(topic: Topic, query: dict[str, str],
                                                                        parameter: str | None) -> None:
    body = json.dumps(order("A-1003", "jane@example.com"))
    event = function_url_event("POST", "/orders", query, SPEC, body=body)
    code, answer = answer_of(take_order(event, topic.topic))
    if parameter is None:  # an empty eventType is the default, an order confirmation
        assert code == 202 and len(topic.received()) == 1
        return
    assert code == 400 and answer["parameter"] == parameter and topic.received() == []


def test_every_bad_field_is_named_and_nothing_is_published(topic: Topic) -> None:
    bad = order("A-1003", "not-an-address", customerName="", total=True, coupon="X",
                items=[{"name": "Mug", "quantity": 0, "unitPrice": "1"}, {"name": "Tea", "unitPrice": "x"}])
    code, body = answer_of(take_order(post(json.dumps(bad)), topic.topic))
    assert code == 400 and body["error"] == "the order is invalid"
    assert {entry["field"] for entry in body["fields"]} == {
        "customerEmail", "customerName", "items.0.quantity", "items.1.quantity", "items.1.unitPrice", "total",
        "coupon"}
    assert all(set(entry) == {"field", "message"} and entry["message"] for entry in body["fields"])
    assert "not-an-address" not in json.dumps(body)  # the model never echoes the input
    assert topic.received() == []


def test_each_amount_too_precise_for_the_currency_is_its_own_field(topic: Topic) -> None:
    bad = order("A-1004", "jane@example.com", currency="JPY", total="10.5",
                items=[{"name": "Mug", "quantity": 1, "unitPrice": "10"}, {"name": "Tea", "quantity": 1,
                                                                            "unitPrice": "0.5"}])
    code, body = answer_of(take_order(post(json.dumps(bad)), topic.topic))
    assert code == 400
    assert body["fields"] == [{"field": "total", "message": "has more decimal places than JPY allows"},
                              {"field": "items.1.unitPrice", "message": "has more decimal places than JPY allows"}]


@pytest.mark.parametrize(("body", "error"), [
    ("", "body is not JSON: JSONDecodeError"),
    ("{\"orderId\": NaN}", "body is not JSON: ValueError"),
    ('{"orderId": "A-1", "note": "\uffff"}', "the body holds U+FFFF at character 28, which SQS cannot carry"),
])
def test_a_body_that_is_no_json_order_is_a_400_naming_why(topic: Topic, body: str, error: str) -> None:
    code, answer = answer_of(take_order(post(body), topic.topic))
    assert code == 400 and answer["error"].startswith(error)
    assert topic.received() == []


def test_a_json_value_that_is_not_an_object_names_the_order_as_a_whole(topic: Topic) -> None:
    code, answer = answer_of(take_order(post("[1, 2]"), topic.topic))
    assert code == 400 and [entry["field"] for entry in answer["fields"]] == ["order"]


def test_size_is_what_sns_counts_and_the_limit_is_exact(topic: Topic) -> None:
    """SNS counts body plus attribute name, data type and value in UTF-8 bytes against 262,144."""
    attributes = len("eventType") + len("String") + len("order.confirmed")
    assert message_size("é") == 2 + attributes
    base = json.dumps(order("A-1005", "jane@example.com", metadata={"pad": ""}))
    padding = SNS_MESSAGE_LIMIT_BYTES - message_size(base)
    fits = base.replace('"pad": ""', '"pad": ""' + " " * padding)  # JSON whitespace: the order is unchanged
    assert message_size(fits) == SNS_MESSAGE_LIMIT_BYTES
    assert take_order(post(fits), topic.topic)["statusCode"] == 202
    code, answer = answer_of(take_order(post(fits + " "), topic.topic))
    assert code == 413 and answer["sizeBytes"] == SNS_MESSAGE_LIMIT_BYTES + 1
    assert answer["limitBytes"] == SNS_MESSAGE_LIMIT_BYTES
    assert len(topic.received()) == 1
    # what the intake lets through, SNS itself accepts: publish the largest message directly
    topic.topic.publish(fits)
    with pytest.raises(ClientError, match="InvalidParameter"):
        boto3.client("sns", region_name=REGION).publish(TopicArn=topic.arn, Message="x" * (SNS_MESSAGE_LIMIT_BYTES + 1))


def test_a_too_large_body_is_refused_before_it_is_parsed(topic: Topic) -> None:
    huge = "[" * 300_000  # would exhaust the recursion limit if it were parsed
    assert take_order(post(huge), topic.topic)["statusCode"] == 413


@pytest.mark.parametrize(("options", "code", "header"), [
    ({"method": "GET"}, 405, ("allow", "POST")),
    ({"method": "PUT"}, 405, ("allow", "POST")),
    ({"path": "/"}, 404, None),
    ({"path": "/orders/A-1"}, 404, None),
    ({"content_type": "text/plain"}, 415, ("accept-post", "application/json")),
    ({"content_type": "application/json; charset=latin-1"}, 415, None),
    ({"content_type": "application/x-www-form-urlencoded"}, 415, None),
])
def test_http_says_what_a_request_of_another_kind_gets(topic: Topic, options: dict[str, Any], code: int,
                                                        header: tuple[str, str] | None) -> None:
    response = take_order(post(json.dumps(order("A-1006", "jane@example.com")), **options), topic.topic)
    assert response["statusCode"] == code and json.loads(response["body"])["error"]
    if header is not None:
        assert response["headers"][header[0]] == header[1]
    assert topic.received() == []


def test_json_with_a_charset_and_a_base64_body_are_read_as_lambda_hands_them_over(topic: Topic) -> None:
    body = json.dumps(order("A-1007", "jane@example.com"))
    assert take_order(post(body, content_type="Application/JSON; charset=UTF-8"), topic.topic)["statusCode"] == 202
    encoded = post("", content_type="application/json") | {
        "body": base64.b64encode(body.encode()).decode(), "isBase64Encoded": True}
    assert answer_of(take_order(encoded, topic.topic)) == (202, {"orderId": "A-1007"})
    latin = post("", content_type="application/json") | {
        "body": base64.b64encode("{\"name\": \"café\"}".encode("latin-1")).decode(), "isBase64Encoded": True}
    assert answer_of(take_order(latin, topic.topic)) == (400, {"error": "the body is not UTF-8 text"})


def test_sns_failing_is_a_503_with_the_order_id(aws: None) -> None:
    """Logged without customer data: asserted end to end on the worker's output (tests/e2e/test_order_intake.py)."""
    missing = OrdersTopic(boto3.client("sns", region_name=REGION), f"arn:aws:sns:{REGION}:123456789012:gone")
    response = take_order(post(json.dumps(order("A-1008", "jane.doe@example.com"))), missing)
    assert response["statusCode"] == 503 and response["headers"]["retry-after"] == "1"
    assert json.loads(response["body"]) == {"error": "the orders topic is unavailable; post the same order again later",
                                            "orderId": "A-1008"}


def test_the_refusal_answer_is_bounded_and_says_how_many_fields_it_left_out() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as caught:
        Order.model_validate(order("A-1009", "jane@example.com", **{f"x{index}": 1 for index in range(MAX_FIELDS + 5)}))
    body = invalid_order(caught.value)
    assert len(body["fields"]) == MAX_FIELDS and body["omittedFields"] == 5


def test_the_entry_point_reads_its_contract_and_publishes(topic: Topic, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in ORDER_INTAKE.environment(orders_topic_arn=topic.arn, **powertools("dev")).items():
        monkeypatch.setenv(name, value)
    order_intake.orders_topic.cache_clear()
    try:
        response = order_intake.handler(post(json.dumps(order("A-1010", "jane@example.com"))), fake_context())
    finally:
        order_intake.orders_topic.cache_clear()
    assert response["statusCode"] == 202 and len(topic.received()) == 1
    assert ORDER_ATTRIBUTES == {"eventType": {"DataType": "String", "StringValue": "order.confirmed"}}


def test_the_entry_point_without_its_topic_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ORDERS_TOPIC_ARN", raising=False)
    order_intake.orders_topic.cache_clear()
    with pytest.raises(ConfigurationError, match="ORDERS_TOPIC_ARN is not set"):
        order_intake.orders_topic()


class Recorder:
    """An orders topic that keeps what it is given (the fuzz target makes no AWS call)."""

    def __init__(self) -> None:
        self.published: list[str] = []

    def publish(self, body: str, event_type: str) -> str:
        self.published.append(body)
        return "m"


_values = st.one_of(st.none(), st.booleans(), st.integers(-5, 20_000), st.text(max_size=12),
                    st.sampled_from(["EUR", "JPY", "KWD", "9.999", "1.5", "0", "2026-01-01T10:00:00Z",
                                     "jane@example.com", "A-1", " A ", "\uffff"]),
                    st.lists(st.integers(0, 3), max_size=2), st.dictionaries(st.text(max_size=4), st.text(max_size=4),
                                                                             max_size=2))
_changes = st.dictionaries(st.sampled_from(["orderId", "customerEmail", "customerName", "items", "total", "currency",
                                            "timestamp", "metadata", "extra", "items.0.quantity",
                                            "items.0.unitPrice", "items.0.name", "items.0.sku"]),
                           _values, max_size=3)


@fuzz_target
@fuzz(300)
@given(changes=_changes, drop=st.sets(st.sampled_from(["orderId", "items", "total", "metadata"]), max_size=2))
def test_a_202_is_exactly_an_order_the_sender_accepts(changes: dict[str, Any], drop: set[str]) -> None:
    document = order("A-1", "jane@example.com")
    item = dict(document["items"][0], **{key.rsplit(".", 1)[1]: value for key, value in changes.items()
                                         if key.startswith("items.0.")})
    document |= {"items": [item]} | {key: value for key, value in changes.items() if not key.startswith("items.0.")}
    for key in drop:
        document.pop(key, None)
    body = json.dumps(document)
    topic = Recorder()
    code = take_order(post(body), topic)["statusCode"]  # type: ignore[arg-type]
    try:
        parse_order(body)
        accepted = True
    except InvalidOrder:
        accepted = False
    carried = uncarried_character(body) is None
    assert code == (202 if accepted and carried else 400)
    assert topic.published == ([body] if code == 202 else [])
