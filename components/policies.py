"""IAM and resource policy documents, as pure functions with their own tests.

Every statement names its resources; the few `"*"` resources are where AWS requires them and say so.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypedDict, Unpack

from order_email.handlers.shared import schema

Document = dict[str, Any]


class ConsumerArns(TypedDict):
    """What both queue consumers' roles (sender, feedback) are granted on, besides their own actions."""

    deliveries_table_arn: str
    suppression_table_arn: str
    queue_arn: str
    dead_letter_arn: str
    log_group_arn: str
    kms_key_arn: str | None


def _document(*statements: Document) -> Document:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def deny_insecure_transport(resource_arn: str, service: str) -> Document:
    """Any request not made over TLS is refused, whoever makes it."""
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": f"{service}:*",
        "Resource": resource_arn,
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def service_assume_role_policy(service: str, account_id: str) -> Document:
    """Only `service` acting for this account may assume the role (no confused deputy)."""
    return _document({
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
    })


LAMBDA_SERVICE = "lambda.amazonaws.com"


def publisher_principals(configured: Sequence[str], account_id: str, *, partition: str) -> list[str]:
    """Configured account ids / ARNs, or this account when none are configured (`partition`: `aws`,
    `aws-cn`, `aws-us-gov`, from `aws.get_partition`)."""
    principals = [f"arn:{partition}:iam::{value}:root" if value.isdigit() else value for value in configured]
    return principals or [f"arn:{partition}:iam::{account_id}:root"]


def orders_topic_policy(topic_arn: str, publishers: Sequence[str]) -> Document:
    """Only the configured publishers may publish order events, and only over TLS."""
    return _document(
        {
            "Sid": "AllowConfiguredPublishers",
            "Effect": "Allow",
            "Principal": {"AWS": list(publishers)},
            "Action": "sns:Publish",
            "Resource": topic_arn,
        },
        deny_insecure_transport(topic_arn, "sns"),
    )


def service_publish_policy(topic_arn: str, *, sid: str, service: str, account_id: str, source_arn: str) -> Document:
    """Only `service` acting for `source_arn` in this account may publish (no confused deputy), over TLS."""
    return _document(
        {
            "Sid": sid,
            "Effect": "Allow",
            "Principal": {"Service": service},
            "Action": "sns:Publish",
            "Resource": topic_arn,
            "Condition": {
                "StringEquals": {"aws:SourceAccount": account_id},
                "ArnLike": {"aws:SourceArn": source_arn},
            },
        },
        deny_insecure_transport(topic_arn, "sns"),
    )


def ses_events_topic_policy(topic_arn: str, account_id: str, configuration_set_arn: str) -> Document:
    """Only SES, for this account's configuration set, may publish delivery events."""
    return service_publish_policy(topic_arn, sid="AllowSesEventPublishing", service="ses.amazonaws.com",
                                  account_id=account_id, source_arn=configuration_set_arn)


def _one_source_sends(queue_arn: str, *, sid: str, service: str, source_arn: str) -> Document:
    """Only `service` acting for the one resource `source_arn` may send to the queue; TLS only."""
    return _document(
        {
            "Sid": sid,
            "Effect": "Allow",
            "Principal": {"Service": service},
            "Action": "sqs:SendMessage",
            "Resource": queue_arn,
            "Condition": {"ArnEquals": {"aws:SourceArn": source_arn}},
        },
        deny_insecure_transport(queue_arn, "sqs"),
    )


def queue_from_topic_policy(queue_arn: str, topic_arn: str) -> Document:
    """Only the one subscribed topic may send to the queue, and only over TLS."""
    return _one_source_sends(queue_arn, sid="AllowSubscribedTopic", service="sns.amazonaws.com", source_arn=topic_arn)


def tls_only_queue_policy(queue_arn: str) -> Document:
    """For a DLQ: nobody else sends to it (its source queue and our roles do through IAM), TLS only."""
    return _document(deny_insecure_transport(queue_arn, "sqs"))


def _logs(log_group_arn: str) -> Document:
    return {
        "Sid": "WriteOwnLogGroup",
        "Effect": "Allow",
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": [log_group_arn, f"{log_group_arn}:log-stream:*"],
    }


def _consume_queue(queue_arn: str, dead_letter_arn: str) -> list[Document]:
    return [
        {
            "Sid": "ConsumeOwnQueue",
            "Effect": "Allow",
            "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility",
                       "sqs:GetQueueAttributes"],
            "Resource": queue_arn,
        },
        {"Sid": "DeadLetterInvalidInput", "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": dead_letter_arn},
    ]


def _key_use(kms_key_arn: str | None) -> list[Document]:
    if kms_key_arn is None:
        return []
    return [{"Sid": "UseStackKey", "Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
             "Resource": kms_key_arn}]


def sender_policy(
    *, identity_arn: str, configuration_set_arn: str, from_address: str, **arns: Unpack[ConsumerArns]
) -> Document:
    """The sender: send as the one From address, claim/record deliveries, read suppressions."""
    return _document(
        {
            "Sid": "SendAsConfiguredAddress",
            "Effect": "Allow",
            "Action": ["ses:SendEmail", "ses:SendRawEmail"],
            "Resource": [identity_arn, configuration_set_arn],
            "Condition": {"StringEquals": {"ses:FromAddress": from_address}},
        },
        {
            "Sid": "ClaimAndRecordDeliveries",
            "Effect": "Allow",
            "Action": ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:GetItem"],
            "Resource": arns["deliveries_table_arn"],
        },
        {
            "Sid": "ReadSuppressions",
            "Effect": "Allow",
            "Action": ["dynamodb:BatchGetItem"],
            "Resource": arns["suppression_table_arn"],
        },
        *_consume_queue(arns["queue_arn"], arns["dead_letter_arn"]),
        # Orders that must wait (held, throttled) are re-enqueued on the queue itself with a delay.
        {"Sid": "ReenqueueWaitingOrders", "Effect": "Allow", "Action": "sqs:SendMessage",
         "Resource": arns["queue_arn"]},
        *_key_use(arns["kms_key_arn"]),
        _logs(arns["log_group_arn"]),
    )


def feedback_policy(**arns: Unpack[ConsumerArns]) -> Document:
    """The feedback consumer: update deliveries, find them by message id, maintain suppressions.

    It publishes nothing: status changes reach the bus through the table's stream (`outbox_pipe_policy`).
    The `UseStackKey` grant is for the role's encrypted queues.
    """
    return _document(
        {
            "Sid": "UpdateDeliveries",
            "Effect": "Allow",
            "Action": ["dynamodb:GetItem", "dynamodb:UpdateItem"],
            "Resource": arns["deliveries_table_arn"],
        },
        {
            "Sid": "FindDeliveryByMessageId",
            "Effect": "Allow",
            "Action": "dynamodb:Query",
            "Resource": f"{arns['deliveries_table_arn']}/index/bySesMessageId",
        },
        {
            "Sid": "MaintainSuppressions",
            "Effect": "Allow",
            "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
            "Resource": arns["suppression_table_arn"],
        },
        *_consume_queue(arns["queue_arn"], arns["dead_letter_arn"]),
        *_key_use(arns["kms_key_arn"]),
        _logs(arns["log_group_arn"]),
    )


def outbox_pipe_policy(*, stream_arn: str, enrichment_arn: str, event_bus_arn: str, dead_letter_arn: str,
                       kms_key_arn: str | None) -> Document:
    """The status-outbox pipe: read the deliveries stream, call its enrichment, put on the bus, dead-letter.

    `events:PutEvents` on the one bus is all a publisher needs, even when the bus is encrypted with our key:
    EventBridge encrypts as `events.amazonaws.com` under the key policy (`encryption.key_policy`), and AWS
    lists no key permission for PutEvents callers
    (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-encryption-event-bus-cmkey.html). The key
    grant decrypts the stream of a table encrypted with the stack key and encrypts the DLQ's messages.
    """
    return _document(
        {
            "Sid": "ReadDeliveriesStream",
            "Effect": "Allow",
            "Action": ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
            "Resource": table_streams(stream_arn),
        },
        # ListStreams has no resource type (IAM: "*" only); it lists stream ARNs, it reads no record
        {"Sid": "FindStream", "Effect": "Allow", "Action": "dynamodb:ListStreams", "Resource": "*"},
        {"Sid": "Enrich", "Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": enrichment_arn},
        {"Sid": "PublishStatusChanges", "Effect": "Allow", "Action": "events:PutEvents", "Resource": event_bus_arn},
        {"Sid": "DeadLetterFailedBatches", "Effect": "Allow", "Action": "sqs:SendMessage",
         "Resource": dead_letter_arn},
        *_key_use(kms_key_arn),
    )


def table_streams(stream_arn: str) -> str:
    """`…:table/T/stream/*` for `…:table/T/stream/<label>`: the table's streams, whatever label the current
    one has (a label is a timestamp with colons, which also trips ARN linters such as parliament)."""
    table, found, _ = stream_arn.partition("/stream/")
    return f"{table}/stream/*" if found else stream_arn


def logs_only_policy(log_group_arn: str) -> Document:
    """A function that calls nothing (the outbox enrichment): it may only write its own logs."""
    return _document(_logs(log_group_arn))


def status_api_policy(*, deliveries_table_arn: str, log_group_arn: str, kms_key_arn: str | None,
                      suppression_table_arn: str | None = None,
                      dead_letter_queue_arns: Sequence[str] = ()) -> Document:
    """The status API only reads: the order's items, the recent-by-status and by-recipient indexes, the
    rows of the by-recipient keys (BatchGetItem: that index holds only keys; the table's ARN only, the
    one place items live); the suppression list (a Scan: the table has no index to list by) and the
    dead-letter queues' counts when given."""
    optional: list[Document] = []
    if suppression_table_arn:
        optional.append({"Sid": "ReadSuppressionList", "Effect": "Allow", "Action": ["dynamodb:Scan", "dynamodb:Query"],
                         "Resource": suppression_table_arn})
    if dead_letter_queue_arns:
        optional.append({"Sid": "CountDeadLetters", "Effect": "Allow", "Action": "sqs:GetQueueAttributes",
                         "Resource": list(dead_letter_queue_arns)})
    return _document(
        {
            "Sid": "ReadDeliveries",
            "Effect": "Allow",
            "Action": ["dynamodb:GetItem", "dynamodb:Query"],
            "Resource": [deliveries_table_arn, f"{deliveries_table_arn}/index/{schema.STATUS_INDEX}",
                         f"{deliveries_table_arn}/index/{schema.RECIPIENT_INDEX}"],
        },
        {"Sid": "ReadRecipientRows", "Effect": "Allow", "Action": "dynamodb:BatchGetItem",
         "Resource": deliveries_table_arn},
        *optional,
        *[dict(statement, Action="kms:Decrypt") for statement in _key_use(kms_key_arn)],
        _logs(log_group_arn),
    )


def order_intake_policy(*, orders_topic_arn: str, log_group_arn: str, topic_kms_key_arn: str | None) -> Document:
    """The order intake publishes to the one orders topic; with a customer-managed topic key it needs
    `kms:GenerateDataKey` and `kms:Decrypt` on that key (SNS encrypts with a data key the publisher
    generates: https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html)."""
    return _document(
        {"Sid": "PublishOrders", "Effect": "Allow", "Action": "sns:Publish", "Resource": orders_topic_arn},
        *_key_use(topic_kms_key_arn),
        _logs(log_group_arn),
    )


def alarm_topic_policy(topic_arn: str, account_id: str, region: str, *, partition: str) -> Document:
    """Only this account's CloudWatch alarms may publish; nothing may use the topic without TLS."""
    return service_publish_policy(
        topic_arn, sid="CloudWatchAlarmsOfThisAccountPublish", service="cloudwatch.amazonaws.com",
        account_id=account_id, source_arn=f"arn:{partition}:cloudwatch:{region}:{account_id}:alarm:*")


def guard_role_policy(configuration_set_arn: str, log_group_arn: str) -> Document:
    """The reputation guard may pause this one configuration set and write its own logs — nothing else."""
    return _document(
        {
            "Sid": "PauseSendingOnThisConfigurationSet",
            "Effect": "Allow",
            "Action": "ses:PutConfigurationSetSendingOptions",
            "Resource": configuration_set_arn,
        },
        {
            "Sid": "WriteOwnLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"{log_group_arn}:*",
        },
    )


def quota_probe_policy(log_group_arn: str) -> Document:
    """The quota probe may read the account's sending quota and write its own logs — nothing else.

    `ses:GetAccount` supports no resource-level permissions: the Service Authorization Reference for
    Amazon SES v2 (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsimpleemailservicev2.html)
    lists no resource type for it, so `Resource` must be `"*"`. It reads account settings only.
    """
    return _document(
        {
            "Sid": "ReadSendingQuota",
            "Effect": "Allow",
            "Action": "ses:GetAccount",
            "Resource": "*",
        },
        _logs(log_group_arn),
    )


def webhook_queue_policy(*, queue_arn: str, rule_arn: str) -> Document:
    """The webhook queue (and its DLQ, the rule target's dead-letter queue): only EventBridge, for the one
    rule on the status bus, may send; TLS only. EventBridge's SQS targets need exactly this grant
    (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sqs-permissions)."""
    return _one_source_sends(queue_arn, sid="StatusBusRuleSends", service="events.amazonaws.com", source_arn=rule_arn)


def webhook_policy(*, queue_arn: str, dead_letter_arn: str, secret_parameter_arn: str, log_group_arn: str,
                   kms_key_arn: str | None) -> Document:
    """The webhook function: consume its queue (with ChangeMessageVisibility for the backoff), dead-letter
    what is no status change, read its one signing-secret parameter.

    With the AWS-managed `aws/ssm` key no key grant is needed: that key's policy lets every principal of
    the account decrypt through Parameter Store
    (https://docs.aws.amazon.com/systems-manager/latest/userguide/ps-restrict-decryption.html); with the
    stack key, `UseStackKey` decrypts the parameter and the queue's messages.
    """
    return _document(
        *_consume_queue(queue_arn, dead_letter_arn),
        {"Sid": "ReadSigningSecret", "Effect": "Allow", "Action": "ssm:GetParameter",
         "Resource": secret_parameter_arn},
        *_key_use(kms_key_arn),
        _logs(log_group_arn),
    )
