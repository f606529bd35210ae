"""The `byRecipient` index under mocks: keyed by the address hash, keys only, and only the status API may
query it (scoped to the index's ARN, read-only) and batch-read the rows it lists (the table's ARN)."""

from __future__ import annotations

from order_email.handlers.shared import schema
from order_email.handlers.status_api.views import LISTING_FIELDS
from order_email.mockstack import StackRun
from tests.support.stacks import policy_of, statements

TABLE = "aws:dynamodb/table:Table"


def _deliveries(stack: StackRun) -> dict:
    return next(r for r in stack.of_type(TABLE) if r.name.endswith("-deliveries"))


def test_index_is_keyed_by_the_hash_and_projects_only_keys(stack: StackRun) -> None:
    """KEYS_ONLY: no status write ever changes a projected attribute, so the index is written once per record."""
    table = _deliveries(stack).inputs
    index = {i["name"]: i for i in table["globalSecondaryIndexes"]}[schema.RECIPIENT_INDEX]
    assert (index["hashKey"], index["rangeKey"], index["projectionType"]) == ("recipientHash", "createdAt", "KEYS_ONLY")
    assert not index.get("nonKeyAttributes")
    types = {attribute["name"]: attribute["type"] for attribute in table["attributes"]}
    assert types["recipientHash"] == types["createdAt"] == "S"


def test_a_row_reads_what_a_listing_shows_and_nothing_else() -> None:
    keys = {"orderId", "kind", "createdAt"}
    row = set(LISTING_FIELDS) | {"recipientMasked", "statusSortKey"}
    fetched = set(schema.RECIPIENT_ROW_ATTRIBUTES)
    assert fetched | keys >= row and fetched <= row
    assert {"recipient", "deliveredTo", "history", "order"}.isdisjoint(fetched)  # no address, no PII


def test_only_the_status_api_queries_it_scoped_to_the_index_arn(stack: StackRun) -> None:
    table_arn = _deliveries(stack).state["arn"]
    index_arn = f"{table_arn}/index/{schema.RECIPIENT_INDEX}"
    read = statements(policy_of(stack, "order-email-status-function-policy"))["ReadDeliveries"]
    assert read["Action"] == ["dynamodb:GetItem", "dynamodb:Query"]
    assert index_arn in read["Resource"] and "*" not in str(read["Resource"])
    rows = statements(policy_of(stack, "order-email-status-function-policy"))["ReadRecipientRows"]
    assert rows == {"Sid": "ReadRecipientRows", "Effect": "Allow", "Action": "dynamodb:BatchGetItem",
                    "Resource": table_arn}  # the table only: a batch read of an index is not a thing
    for role in ("order-email-sender-function-policy", "order-email-feedback-function-policy"):
        assert index_arn not in str(policy_of(stack, role))
