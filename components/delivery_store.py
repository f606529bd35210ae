"""`DeliveryStore`: the deliveries table (one item per e-mail) and the suppression table.

Key shapes come from `handlers.shared.schema`, the contract the handlers read and write, so the
tables and the code that uses them cannot drift apart.
"""

from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

from order_email.components.cross_language import declared_outputs, python_args
from order_email.handlers.shared import schema


class DeliveryStoreArgs(TypedDict):
    point_in_time_recovery: pulumi.Input[bool]
    """Continuous backups (35 days of restore points); on in production."""
    deletion_protection: bool
    """DynamoDB deletion protection plus Pulumi `protect`, so neither a console click nor a
    `pulumi destroy` drops the delivery history (a plain bool: `protect` cannot wait for an Output)."""
    kms_key_arn: NotRequired[pulumi.Input[str] | None]
    """Customer-managed key for encryption at rest; the AWS-managed DynamoDB key when absent."""
    tags: NotRequired[pulumi.Input[dict[str, str]]]
    """Tags for both tables."""


STREAM_VIEW_TYPE = "NEW_AND_OLD_IMAGES"
"""The outbox needs both images: a new status-change stamp is one the old image did not have."""


def _string_attributes(*names: str) -> list[dict[str, str]]:
    return [{"name": name, "type": "S"} for name in names]


def encryption_spec(kms_key_arn: pulumi.Input[str] | None) -> dict[str, Any]:
    """Always encrypted; with a key ARN, by that customer-managed key."""
    spec: dict[str, Any] = {"enabled": True}
    if kms_key_arn is not None:
        spec["kms_key_arn"] = kms_key_arn
    return spec


def deliveries_table_spec(args: DeliveryStoreArgs) -> dict[str, Any]:
    """Table arguments: key (orderId, kind), the three access-pattern indexes, TTL, backups.

    `bySesMessageId` (KEYS_ONLY) maps an SES event without our tags back to its item.
    `recentByStatus` answers "recent BOUNCED e-mails": its partition key is
    `STATUS#YYYY-MM-DD#shard`, so one status never becomes one hot partition — the day bounds each
    partition and eight write shards spread a day's writes (at 1M e-mails/day, ~12 writes/s on
    average and peaks of a few hundred per second, each shard stays far below DynamoDB's 1,000
    writes/s per partition). It projects only what a listing shows (INCLUDE), so appending history
    or counting opens never writes the index. `byRecipient` answers "which e-mails went to this
    address?" by the address's hash (`masking.address_hash`, never the address), newest first by
    `createdAt`; one address is one partition, far below any limit. It is KEYS_ONLY: a GSI is written
    whenever an update changes an attribute it projects, so projecting the listing row cost about
    three index writes per e-mail (claim, SENT, each feedback status) for a rare support lookup; keys
    only, it is written once (the claim) and the readers fetch the rows from the table (BatchGetItem).
    The table's stream (new and old images) is the outbox of status changes: a pipe carries every
    stamped change to the status bus (`FeedbackLoop`).
    """
    return {
        "billing_mode": "PAY_PER_REQUEST",
        "hash_key": schema.ORDER_ID,
        "range_key": schema.KIND,
        "attributes": _string_attributes(
            schema.ORDER_ID, schema.KIND, schema.SES_MESSAGE_ID, schema.STATUS_SHARD, schema.STATUS_SORT_KEY,
            schema.RECIPIENT_HASH, schema.CREATED_AT,
        ),
        "global_secondary_indexes": [
            {"name": schema.MESSAGE_ID_INDEX, "hash_key": schema.SES_MESSAGE_ID, "projection_type": "KEYS_ONLY"},
            {
                "name": schema.STATUS_INDEX,
                "hash_key": schema.STATUS_SHARD,
                "range_key": schema.STATUS_SORT_KEY,
                "projection_type": "INCLUDE",
                "non_key_attributes": list(schema.STATUS_INDEX_ATTRIBUTES),
            },
            {
                "name": schema.RECIPIENT_INDEX,
                "hash_key": schema.RECIPIENT_HASH,
                "range_key": schema.CREATED_AT,
                "projection_type": "KEYS_ONLY",
            },
        ],
        "stream_enabled": True,
        "stream_view_type": STREAM_VIEW_TYPE,
        **_common_spec(args),
    }


def suppression_table_spec(args: DeliveryStoreArgs) -> dict[str, Any]:
    """Table arguments: one item per suppressed address, keyed by the hash of the normalised address.

    Hashing the key means erasing an address (right to erasure) keeps it blocked without keeping it;
    temporary (soft-bounce) suppressions and the soft-bounce counters expire through TTL.
    """
    return {
        "billing_mode": "PAY_PER_REQUEST",
        "hash_key": schema.ADDRESS_HASH,
        "attributes": _string_attributes(schema.ADDRESS_HASH),
        **_common_spec(args),
    }


def _common_spec(args: DeliveryStoreArgs) -> dict[str, Any]:
    return {
        "ttl": {"attribute_name": schema.EXPIRES_AT, "enabled": True},
        "point_in_time_recovery": {"enabled": args["point_in_time_recovery"]},
        "deletion_protection_enabled": args["deletion_protection"],
        "server_side_encryption": encryption_spec(args.get("kms_key_arn")),
        "tags": args.get("tags") or {},
    }


def index_arn(table_arn: pulumi.Input[str], index_name: str) -> pulumi.Output[str]:
    return pulumi.Output.concat(table_arn, "/index/", index_name)


class DeliveryStore(pulumi.ComponentResource):
    """Where every e-mail's lifecycle and every suppressed address is kept."""

    deliveries_table_name: pulumi.Output[str]
    """Name of the table holding one item per e-mail."""
    deliveries_table_arn: pulumi.Output[str]
    """ARN of the deliveries table."""
    deliveries_stream_arn: pulumi.Output[str]
    """ARN of the deliveries table's stream: the outbox of status changes."""
    message_id_index_arn: pulumi.Output[str]
    """ARN of the `bySesMessageId` index."""
    status_index_arn: pulumi.Output[str]
    """ARN of the `recentByStatus` index."""
    suppression_table_name: pulumi.Output[str]
    """Name of the table of suppressed addresses."""
    suppression_table_arn: pulumi.Output[str]
    """ARN of the suppression table."""

    def __init__(self, name: str, args: DeliveryStoreArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("order-email:index:DeliveryStore", name, {}, opts)
        args = python_args(args, DeliveryStoreArgs)
        child = pulumi.ResourceOptions(parent=self, protect=args["deletion_protection"])

        deliveries = aws.dynamodb.Table(f"{name}-deliveries", **deliveries_table_spec(args), opts=child)
        suppression = aws.dynamodb.Table(f"{name}-suppression", **suppression_table_spec(args), opts=child)

        self.deliveries_table_name = deliveries.name
        self.deliveries_table_arn = deliveries.arn
        self.deliveries_stream_arn = deliveries.stream_arn
        self.message_id_index_arn = index_arn(deliveries.arn, schema.MESSAGE_ID_INDEX)
        self.status_index_arn = index_arn(deliveries.arn, schema.STATUS_INDEX)
        self.suppression_table_name = suppression.name
        self.suppression_table_arn = suppression.arn
        self.register_outputs(declared_outputs(self))
