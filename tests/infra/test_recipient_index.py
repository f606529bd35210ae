"""The `byRecipient` index under mocks: keyed by the address hash, a listing's projection, and only the
status API may query it (scoped to the index's ARN, read-only)."""

from __future__ import annotations

from order_email.handlers.shared import schema
from order_email.handlers.status_api.views import LISTING_FIELDS
from order_email.mockstack import StackRun
from tests.support.stacks import policy_of, statements

TABLE = "aws:dynamodb/table:Table"


def _deliveries(stack: StackRun) -> dict:
    return next(r for r in stack.of_type(TABLE) if r.name.endswith("-deliveries"))


def test_index_is_keyed_by_the_hash_and_projects_only_a_listing_row(stack: StackRun) -> None:
    table = _deliveries(stack).inputs
    index = {i["name"]: i for i in table["globalSecondaryIndexes"]}[schema.RECIPIENT_INDEX]
    assert (index["hashKey"], index["rangeKey"], index["projectionType"]) == ("recipientHash", "createdAt", "INCLUDE")
    projected = set(index["nonKeyAttributes"])
    assert {"recipient", "deliveredTo", "history", "order"}.isdisjoint(projected)  # no address, no PII
    keys = {"orderId", "kind", "recipientHash", "createdAt"}
    row = set(LISTING_FIELDS) | {"recipientMasked", "statusSortKey"}
    assert projected | keys >= row and projected <= row  # everything a row shows, nothing else
    types = {attribute["name"]: attribute["type"] for attribute in table["attributes"]}
    assert types["recipientHash"] == types["createdAt"] == "S"


def test_only_the_status_api_queries_it_scoped_to_the_index_arn(stack: StackRun) -> None:
    table_arn = _deliveries(stack).state["arn"]
    index_arn = f"{table_arn}/index/{schema.RECIPIENT_INDEX}"
    read = statements(policy_of(stack, "order-email-status-function-policy"))["ReadDeliveries"]
    assert read["Action"] == ["dynamodb:GetItem", "dynamodb:Query"]
    assert index_arn in read["Resource"] and "*" not in str(read["Resource"])
    for role in ("order-email-sender-function-policy", "order-email-feedback-function-policy"):
        assert index_arn not in str(policy_of(stack, role))
