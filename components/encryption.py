"""`EncryptionKey`: the stack's customer-managed KMS key and the key policy its users need.

AWS services that publish to our topics (SES to the ses-events topic, CloudWatch alarms to the
alarm topic) cannot use the AWS-managed `alias/aws/sns` key, whose policy we cannot change; so those
topics always use this key. With `kms: customer-managed` every table, queue, topic and log group
uses it too.
"""

from collections.abc import Sequence
from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

from order_email.components.cross_language import declared_outputs, python_args
from order_email.components.wiring import applied_json

_DATA_KEY_ACTIONS = ["kms:GenerateDataKey*", "kms:Decrypt"]


def _event_bus_statements(account_id: str, region: str, partition: str,
                          event_bus_names: Sequence[str]) -> list[dict[str, Any]]:
    """What EventBridge needs to encrypt the named buses with this key, and nothing for other buses.

    EventBridge calls `kms:DescribeKey` (no encryption context exists for it: scoped to this account),
    then `kms:GenerateDataKey` / `kms:Decrypt` with the encryption context
    `aws:events:event-bus:arn` = the bus ARN (scoped to these buses, also by `aws:SourceArn`):
    https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-encryption-event-bus-cmkey.html and
    https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-encryption-key-policy.html.
    """
    if not event_bus_names:
        return []
    bus_arns = [f"arn:{partition}:events:{region}:{account_id}:event-bus/{name}" for name in event_bus_names]
    service = {"Service": "events.amazonaws.com"}
    return [
        {
            "Sid": "EventBridgeValidatesKey",
            "Effect": "Allow",
            "Principal": service,
            "Action": "kms:DescribeKey",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
        },
        {
            "Sid": "EventBridgeEncryptsOurBuses",
            "Effect": "Allow",
            "Principal": service,
            "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
            "Resource": "*",
            "Condition": {
                "StringEquals": {
                    "aws:SourceAccount": account_id,
                    "aws:SourceArn": bus_arns,
                    "kms:EncryptionContext:aws:events:event-bus:arn": bus_arns,
                }
            },
        },
    ]


def _rule_target_statements(account_id: str, rules_send_to_queues: bool) -> list[dict[str, Any]]:
    """EventBridge encrypting what a rule sends to a queue on this key (the webhook queue), for this account.

    An SQS target encrypted with a customer-managed key needs `kms:GenerateDataKey` and `kms:Decrypt`
    for events.amazonaws.com in the key policy, or EventBridge's sends fail (FailedInvocations; see
    https://repost.aws/knowledge-center/eventbridge-rule-fails-to-invoke-target); the webhook target's DLQ
    catches what a key problem makes undeliverable
    (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-encryption-event-bus-dlq.html).
    """
    if not rules_send_to_queues:
        return []
    return [{
        "Sid": "EventBridgeRulesFillOurQueues",
        "Effect": "Allow",
        "Principal": {"Service": "events.amazonaws.com"},
        "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
    }]


def key_policy(account_id: str, region: str, event_bus_names: Sequence[str] = (), *, partition: str,
               dns_suffix: str, rules_send_to_queues: bool = False) -> dict[str, Any]:
    """Account administration through IAM, plus exactly the service uses the stack needs.

    `partition` and `dns_suffix` (from `aws.get_partition`: `aws` / `amazonaws.com`, `aws-cn` /
    `amazonaws.com.cn`) make the ARNs and the regional CloudWatch Logs principal right in every partition.
    """
    account = {"aws:SourceAccount": account_id}
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                # Lets IAM policies in this account grant key use (the Lambda roles do, per action).
                "Sid": "AccountAdministersThroughIam",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:{partition}:iam::{account_id}:root"},
                "Action": "kms:*",
                "Resource": "*",  # a key policy's Resource is always the key itself
            },
            {
                "Sid": "AwsServicesPublishToEncryptedTopicsAndQueues",
                "Effect": "Allow",
                "Principal": {"Service": ["ses.amazonaws.com", "sns.amazonaws.com", "cloudwatch.amazonaws.com"]},
                "Action": _DATA_KEY_ACTIONS,
                "Resource": "*",
                "Condition": {"StringEquals": account},
            },
            {
                "Sid": "CloudWatchLogsEncryptsOurLogGroups",
                "Effect": "Allow",
                "Principal": {"Service": f"logs.{region}.{dns_suffix}"},
                "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                "Resource": "*",
                "Condition": {
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": f"arn:{partition}:logs:{region}:{account_id}:log-group:*"
                    }
                },
            },
            *_event_bus_statements(account_id, region, partition, event_bus_names),
            *_rule_target_statements(account_id, rules_send_to_queues),
        ],
    }


class EncryptionKeyArgs(TypedDict):
    alias: str
    """Alias name without the `alias/` prefix, e.g. `order-email-prod`."""
    event_bus_names: NotRequired[Sequence[str]]
    """EventBridge buses (in this account and region) encrypted with this key; EventBridge may use the
    key for these buses only, and for none when empty."""
    rules_send_to_queues: NotRequired[bool]
    """EventBridge rules of this account deliver to queues encrypted with this key (the `Webhook`'s);
    EventBridge may then use the key for that. Default False."""
    tags: NotRequired[pulumi.Input[dict[str, str]]]
    """Tags for the key."""


class EncryptionKey(pulumi.ComponentResource):
    """A rotating KMS key whose policy lets SES, SNS, CloudWatch, CloudWatch Logs and (for the named
    buses) EventBridge use it."""

    key_arn: pulumi.Output[str]
    """ARN of the key, for resources to encrypt with and roles to be granted."""
    key_id: pulumi.Output[str]
    """Id of the key."""

    def __init__(self, name: str, args: EncryptionKeyArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("order-email:index:EncryptionKey", name, {}, opts)
        args = python_args(args, EncryptionKeyArgs)
        invoke = pulumi.InvokeOutputOptions(parent=self)
        partition = aws.get_partition_output(opts=invoke)
        policy = applied_json(key_policy, account_id=aws.get_caller_identity_output(opts=invoke).account_id,
                              region=aws.get_region_output(opts=invoke).region,
                              event_bus_names=list(args.get("event_bus_names") or []),
                              partition=partition.partition, dns_suffix=partition.dns_suffix,
                              rules_send_to_queues=bool(args.get("rules_send_to_queues")))
        key = aws.kms.Key(
            f"{name}-key",
            description=f"order-email data at rest ({args['alias']})",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=policy,
            tags=args.get("tags") or {},
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.kms.Alias(f"{name}-alias", name=f"alias/{args['alias']}", target_key_id=key.key_id,
                      opts=pulumi.ResourceOptions(parent=self))

        self.key_arn = key.arn
        self.key_id = key.key_id
        self.register_outputs(declared_outputs(self))
