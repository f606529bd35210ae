"""DeliveryStore under Pulumi mocks, for both real stacks and used alone."""

from __future__ import annotations

import pulumi
import pytest

from order_email.components import DeliveryStore
from order_email.components.delivery_store import deliveries_table_spec, suppression_table_spec
from order_email.handlers.shared import schema
from order_email.mockstack import StackRun, run_program, run_stack

TABLE = "aws:dynamodb/table:Table"


@pytest.fixture(scope="module", params=["dev", "prod"])
def stack(request: pytest.FixtureRequest) -> StackRun:
    return run_stack(request.param)


def _tables(run: StackRun) -> dict[str, dict]:
    return {resource.name.rsplit("-", 1)[-1]: resource.inputs for resource in run.of_type(TABLE)}


def test_deliveries_keys_and_indexes(stack: StackRun) -> None:
    deliveries = _tables(stack)["deliveries"]
    assert (deliveries["hashKey"], deliveries["rangeKey"]) == ("orderId", "kind")
    assert deliveries["billingMode"] == "PAY_PER_REQUEST"
    indexes = {index["name"]: index for index in deliveries["globalSecondaryIndexes"]}
    assert indexes["bySesMessageId"] == {"name": "bySesMessageId", "hashKey": "sesMessageId",
                                          "projectionType": "KEYS_ONLY"}
    status = indexes["recentByStatus"]
    assert (status["hashKey"], status["rangeKey"], status["projectionType"]) == (
        "statusShard", "statusSortKey", "INCLUDE")
    assert "status" in status["nonKeyAttributes"]
    assert indexes["byRecipient"] == {"name": "byRecipient", "hashKey": "recipientHash", "rangeKey": "createdAt",
                                      "projectionType": "KEYS_ONLY"}  # written by the claim only
    declared = {attribute["name"] for attribute in deliveries["attributes"]}
    assert declared == {"orderId", "kind", "sesMessageId", "statusShard", "statusSortKey", "recipientHash",
                        "createdAt"}


def test_suppression_keyed_by_address_hash(stack: StackRun) -> None:
    suppression = _tables(stack)["suppression"]
    assert suppression["hashKey"] == "addressHash"
    assert "rangeKey" not in suppression


def test_ttl_encryption_and_tags_on_both_tables(stack: StackRun) -> None:
    for table in _tables(stack).values():
        assert table["ttl"] == {"attributeName": "expiresAt", "enabled": True}
        assert table["serverSideEncryption"]["enabled"] is True
        assert table["tags"]["environment"] == stack.stack
        assert table["tags"]["app"] == "order-email"


def test_prod_protects_and_backs_up_with_its_own_key() -> None:
    run = run_stack("prod")
    key_arn = run.of_type("aws:kms/key:Key")[0].state["arn"]
    for resource in run.of_type(TABLE):
        assert resource.protect is True
        assert resource.inputs["deletionProtectionEnabled"] is True
        assert resource.inputs["pointInTimeRecovery"] == {"enabled": True}
        assert resource.inputs["serverSideEncryption"] == {"enabled": True, "kmsKeyArn": key_arn}


def test_dev_is_disposable_with_aws_managed_encryption() -> None:
    run = run_stack("dev")
    for resource in run.of_type(TABLE):
        assert resource.protect is False
        assert resource.inputs["deletionProtectionEnabled"] is False
        assert resource.inputs["pointInTimeRecovery"] == {"enabled": False}
        assert resource.inputs["serverSideEncryption"] == {"enabled": True}


def test_children_are_parented_to_the_component(stack: StackRun) -> None:
    component = stack.named("order-email-store")
    assert component.type == "order-email:index:DeliveryStore"
    assert sorted(child.name for child in stack.children_of(component)) == [
        "order-email-store-deliveries", "order-email-store-suppression"]


def test_spec_matches_the_handlers_contract() -> None:
    args = {"point_in_time_recovery": False, "deletion_protection": False}
    deliveries = deliveries_table_spec(args)  # type: ignore[arg-type]
    assert deliveries["ttl"]["attribute_name"] == schema.EXPIRES_AT
    assert [index["name"] for index in deliveries["global_secondary_indexes"]] == [
        schema.MESSAGE_ID_INDEX, schema.STATUS_INDEX, schema.RECIPIENT_INDEX]
    assert suppression_table_spec(args)["hash_key"] == schema.ADDRESS_HASH  # type: ignore[arg-type]


def test_outputs_name_tables_and_indexes() -> None:
    outputs: dict[str, str] = {}

    def program() -> None:
        store = DeliveryStore("store", {"point_in_time_recovery": True, "deletion_protection": False})
        pulumi.Output.all(store.deliveries_table_arn, store.message_id_index_arn, store.status_index_arn,
                          store.suppression_table_name).apply(
            lambda values: outputs.update(zip(["table", "by_id", "by_status", "suppression"], values, strict=True)))

    run_program(program, stack="consumer", config={})
    assert outputs["by_id"] == outputs["table"] + "/index/bySesMessageId"
    assert outputs["by_status"] == outputs["table"] + "/index/recentByStatus"
    assert outputs["suppression"].startswith("store-suppression-")
