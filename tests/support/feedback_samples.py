"""Realistic SES feedback payloads (documented AWS sample shapes), every envelope they arrive in, and
a deliveries item seeded as the sender writes it. Used by the test_feedback_* modules."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from order_email.handlers.shared import schema
from order_email.handlers.shared.masking import address_hash, mask_address
from order_email.handlers.shared.order_ids import to_tag_value
from order_email.handlers.shared.statuses import RANK, EmailStatus
from order_email.handlers.status_api.queries import from_dynamodb
from order_email.localmode import table_stream

T0 = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
RECIPIENT = "jane.doe@example.com"
SENDER = "orders@shop.example"
ACCOUNT = "123456789012"
REGION = "eu-west-1"


def at(seconds: float) -> str:
    return schema.iso(T0 + timedelta(seconds=seconds))


def mail(
    message_id: str,
    order_id: str | None = "o-1",
    *,
    recipient: str = RECIPIENT,
    kind: str = schema.ORDER_CONFIRMATION,
    subject: bool = False,
) -> dict[str, Any]:
    """The `mail` object of event publishing; templated sends carry no Subject header."""
    tags: dict[str, list[str]] = {
        "ses:configuration-set": ["order-email-dev"],
        "ses:source-ip": ["192.0.2.0"],
        "ses:from-domain": ["shop.example"],
        "ses:caller-identity": ["order-email-sender"],
    }
    if order_id is not None:
        tags |= {"orderId": [to_tag_value(order_id)], "kind": [kind]}  # as the sender tags it
    headers = [
        {"name": "From", "value": SENDER},
        {"name": "To", "value": recipient},
        {"name": "MIME-Version", "value": "1.0"},
    ]
    common: dict[str, Any] = {"from": [SENDER], "to": [recipient], "messageId": message_id}
    if subject:
        headers.append({"name": "Subject", "value": "Your order"})
        common["subject"] = "Your order"
    return {
        "timestamp": at(0),
        "source": SENDER,
        "sourceArn": f"arn:aws:ses:{REGION}:{ACCOUNT}:identity/shop.example",
        "sendingAccountId": ACCOUNT,
        "messageId": message_id,
        "destination": [recipient],
        "headersTruncated": False,
        "headers": headers,
        "commonHeaders": common,
        "tags": tags,
    }


def event(
    event_type: str,
    message_id: str = "msg-1",
    order_id: str | None = "o-1",
    *,
    recipient: str = RECIPIENT,
    seconds: float = 10,
    **options: Any,
) -> dict[str, Any]:
    """An event-publishing record (`eventType`) of any type, shaped like the AWS examples."""
    body: dict[str, Any] = {"eventType": event_type, "mail": mail(message_id, order_id, recipient=recipient)}
    when = at(seconds)
    match event_type:
        case "Bounce":
            bounce_type = options.get("bounce_type", "Permanent")
            body["bounce"] = {
                "bounceType": bounce_type,
                "bounceSubType": options.get("sub_type", "General"),
                "bouncedRecipients": [
                    {
                        "emailAddress": recipient,
                        "action": "failed",
                        "status": options.get("status", "5.1.1" if bounce_type == "Permanent" else "4.4.7"),
                        "diagnosticCode": f"smtp; 550 5.1.1 <{recipient}>: Recipient address rejected",
                    }
                ],
                "timestamp": when,
                "feedbackId": options.get("feedback_id", f"fb-{message_id}-{seconds}"),
                "reportingMTA": "dsn; e226-55.smtp-out.eu-west-1.amazonses.com",
            }
        case "Complaint":
            complaint: dict[str, Any] = {
                "complainedRecipients": [{"emailAddress": recipient}],
                "timestamp": when,
                "feedbackId": options.get("feedback_id", f"fbc-{message_id}-{seconds}"),
                "userAgent": "Mozilla/5.0",
                "arrivalDate": when,
            }
            if "feedback_type" in options:
                complaint["complaintFeedbackType"] = options["feedback_type"]
            body["complaint"] = complaint
        case "Delivery":
            body["delivery"] = {
                "timestamp": when,
                "processingTimeMillis": int(seconds * 1000),
                "recipients": [recipient],
                "smtpResponse": "250 2.6.0 Message received",
                "reportingMTA": "e226-55.smtp-out.eu-west-1.amazonses.com",
            }
        case "DeliveryDelay":
            body["deliveryDelay"] = {
                "timestamp": when,
                "delayType": "TransientCommunicationFailure",
                "expirationTime": at(seconds + 86400),
                "delayedRecipients": [
                    {"emailAddress": recipient, "status": "4.4.1", "diagnosticCode": "smtp; 421 4.4.1 try later"}
                ],
            }
        case "Send":
            body["send"] = {}
        case "Reject":
            body["reject"] = {"reason": "Bad content"}
        case "Rendering Failure" | "RenderingFailure":
            body["failure"] = {
                "errorMessage": "Attribute 'total' is not present in the rendering data.",
                "templateName": "order-confirmation",
            }
        case "Open":
            body["open"] = {"ipAddress": "192.0.2.1", "timestamp": when, "userAgent": "Mozilla/5.0"}
        case "Click":
            body["click"] = {
                "ipAddress": "192.0.2.1",
                "timestamp": when,
                "userAgent": "Mozilla/5.0",
                "link": "https://shop.example/orders/o-1",
                "linkTags": {"samplekey0": ["v"]},
            }
        case "Subscription":
            body["subscription"] = {
                "contactList": "news",
                "timestamp": when,
                "source": "UnsubscribeHeader",
                "newTopicPreferences": {},
                "oldTopicPreferences": {},
            }
    return body


def notification(notification_type: str, message_id: str = "msg-1", **options: Any) -> dict[str, Any]:
    """An identity notification (`notificationType`): same objects, no tags, no eventType."""
    body = event(notification_type, message_id, None, **options)
    body["notificationType"] = body.pop("eventType")
    for name in ("headers", "commonHeaders", "tags"):
        body["mail"].pop(name, None)
    return body


# --- envelopes ---------------------------------------------------------------------------------


def sns_notification(
    message: dict[str, Any] | str, *, lambda_spelling: bool = False, trailing_newline: bool = True
) -> dict[str, Any]:
    """The SNS notification JSON: HTTP/SQS bodies spell SigningCertURL, Lambda records SigningCertUrl."""
    text = message if isinstance(message, str) else json.dumps(message) + ("\n" if trailing_newline else "")
    cert, unsubscribe = (
        ("SigningCertUrl", "UnsubscribeUrl") if lambda_spelling else ("SigningCertURL", "UnsubscribeURL")
    )
    return {
        "Type": "Notification",
        "MessageId": "2a9c5b40-0000-4000-8000-000000000001",
        "TopicArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:ses-events",
        "Message": text,
        "Timestamp": at(11),
        "SignatureVersion": "1",
        "Signature": "EXAMPLE==",
        cert: f"https://sns.{REGION}.amazonaws.com/SimpleNotificationService-0000.pem",
        unsubscribe: f"https://sns.{REGION}.amazonaws.com/?Action=Unsubscribe",
    }


def subscription_confirmation() -> dict[str, Any]:
    return {
        "Type": "SubscriptionConfirmation",
        "MessageId": "c0",
        "Token": "t",
        "TopicArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:ses-events",
        "Message": "You have chosen to subscribe to the topic ...",
        "SubscribeURL": "https://example",
        "Timestamp": at(0),
        "SignatureVersion": "1",
        "Signature": "x",
        "SigningCertURL": "https://x",
    }


def sqs_record(body: str, message_id: str = "sqs-1") -> dict[str, Any]:
    return {
        "messageId": message_id,
        "receiptHandle": "rh",
        "body": body,
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1767268800000"},
        "messageAttributes": {},
        "md5OfBody": "x",
        "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:{REGION}:{ACCOUNT}:feedback",
        "awsRegion": REGION,
    }


def sqs_event(*bodies: dict[str, Any] | str, wrap_sns: bool = True) -> dict[str, Any]:
    """SQS batch: each body wrapped in an SNS notification (or raw delivery when wrap_sns=False)."""
    records = []
    for index, body in enumerate(bodies):
        if isinstance(body, dict) and wrap_sns and "Type" not in body:
            text = json.dumps(sns_notification(body))
        else:
            text = body if isinstance(body, str) else json.dumps(body)
        records.append(sqs_record(text, f"sqs-{index}"))
    return {"Records": records}


def sns_lambda_event(body: dict[str, Any] | str) -> dict[str, Any]:
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:ses-events:sub",
                "Sns": sns_notification(body, lambda_spelling=True),
            }
        ]
    }


def eventbridge_event(body: dict[str, Any], detail_type: str = "Email Delivered") -> dict[str, Any]:
    """SES → EventBridge (default bus): the SES event object is the detail."""
    return {
        "version": "0",
        "id": "eb-1",
        "detail-type": detail_type,
        "source": "aws.ses",
        "account": ACCOUNT,
        "time": at(12),
        "region": REGION,
        "resources": [f"arn:aws:ses:{REGION}:{ACCOUNT}:configuration-set/order-email-dev"],
        "detail": body,
    }


# --- deliveries item as the sender writes it ----------------------------------------------------


def seed_delivery(
    table: str,
    order_id: str = "o-1",
    message_id: str | None = "msg-1",
    *,
    status: EmailStatus = EmailStatus.SENT,
    recipient: str = RECIPIENT,
    kind: str = schema.ORDER_CONFIRMATION,
) -> None:
    item: dict[str, Any] = {
        schema.ORDER_ID: {"S": order_id},
        schema.KIND: {"S": kind},
        "recipient": {"S": recipient},
        "recipientHash": {"S": address_hash(recipient)},
        "recipientMasked": {"S": mask_address(recipient)},
        "deliveredTo": {"S": recipient},
        "status": {"S": status.value},
        "statusRank": {"N": str(RANK[status])},
        "attempts": {"N": "1"},
        "createdAt": {"S": at(-1)},
        "lastUpdated": {"S": at(0)},
        "orderTimestamp": {"S": at(-5)},
        "expiresAt": {"N": str(int(T0.timestamp()) + 400 * 86400)},
    }
    item |= {k: {"S": v} for k, v in schema.status_index_keys(status.value, T0, order_id, kind).items()}
    if message_id is not None:
        item[schema.SES_MESSAGE_ID] = {"S": message_id}
        item["sentAt"] = {"S": at(0)}
    if status is EmailStatus.SENDING:
        item["leaseExpiresAt"] = {"N": str(int(T0.timestamp()) + 60)}
    boto3.client("dynamodb", region_name=REGION).put_item(TableName=table, Item=item)


def read_delivery(table: str, order_id: str = "o-1", kind: str = schema.ORDER_CONFIRMATION) -> dict[str, Any]:
    raw = boto3.client("dynamodb", region_name=REGION).get_item(
        TableName=table, Key={schema.ORDER_ID: {"S": order_id}, schema.KIND: {"S": kind}}, ConsistentRead=True
    )["Item"]
    return from_dynamodb(raw)


def stream_records(table: str) -> list[dict[str, Any]]:
    """Every record of the table's stream so far (moto serves DynamoDB Streams), oldest first."""
    # moto's in-process stub matches the streams endpoint only with its trailing slash
    streams = boto3.client("dynamodbstreams", region_name=REGION,
                           endpoint_url=f"https://streams.dynamodb.{REGION}.amazonaws.com/")
    return table_stream.stream_records(boto3.client("dynamodb", region_name=REGION), streams, table)
