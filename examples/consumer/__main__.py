"""shop-mail: the web shop's transactional order e-mail.

order-email's components do the e-mail (orders topic → sender → SES, delivery tracking, status API,
alarms); our own `OrderAudit` (components/order_audit.py, handlers/order_audit.py) keeps a record of
every confirmed order in a table of ours. Names, config keys and outputs are all ours.
"""

import pulumi

from components import OrderAudit, load_settings
from order_email import DeliveryStore, EmailSender, EncryptionKey, FeedbackLoop, Observability, StatusApi
from order_email.components.alarms import DEFAULT_THRESHOLDS
from order_email.handlers.shared.event_types import ORDER_EVENT_TYPE

settings = load_settings()
tags = settings.tags
prefix = settings.name_prefix
MAX_RECEIVE_COUNT = 4

# SES and CloudWatch publish to encrypted topics only with a key whose policy lets them: this one.
key = EncryptionKey("shop-key", {"alias": prefix, "tags": tags})

store = DeliveryStore("shop-store", {"point_in_time_recovery": settings.stage == "prod",
                                     "deletion_protection": settings.stage == "prod", "tags": tags})

sender = EmailSender("shop-sender", {
    "name_prefix": prefix,
    "environment": settings.environment,
    "sender_domain": settings.mail_domain,
    "from_address": settings.from_address,
    "from_name": settings.from_name,
    "reply_to": settings.reply_to,
    "sandbox_mode": settings.simulator_only,
    "ses_max_send_rate": settings.ses_send_rate,
    "max_receive_count": MAX_RECEIVE_COUNT,
    "deliveries_table_name": store.deliveries_table_name,
    "deliveries_table_arn": store.deliveries_table_arn,
    "suppression_table_name": store.suppression_table_name,
    "suppression_table_arn": store.suppression_table_arn,
    "retention_days": settings.audit_retention_days,
    "log_retention_days": settings.log_retention_days,
    "memory_mb": 256,
    "timeout_seconds": 30,
    "publisher_principals": settings.publisher_principals,
    "tags": tags,
})

feedback = FeedbackLoop("shop-feedback", {
    "name_prefix": prefix,
    "environment": settings.environment,
    "configuration_set_name": sender.configuration_set_name,
    "configuration_set_arn": sender.configuration_set_arn,
    "track_opens_and_clicks": False,
    "deliveries_table_name": store.deliveries_table_name,
    "deliveries_table_arn": store.deliveries_table_arn,
    "deliveries_stream_arn": store.deliveries_stream_arn,
    "suppression_table_name": store.suppression_table_name,
    "suppression_table_arn": store.suppression_table_arn,
    "soft_bounce_count": 3,
    "soft_bounce_window_days": 7,
    "ses_max_send_rate": settings.ses_send_rate,
    "max_receive_count": MAX_RECEIVE_COUNT,
    "log_retention_days": settings.log_retention_days,
    "memory_mb": 256,
    "timeout_seconds": 30,
    "topic_kms_key_arn": key.key_arn,
    "publish_dependencies": [key],
    # One code archive and one dependency layer for all of order-email's functions: the sender's.
    "code": sender.code.archive,
    "layers": sender.code.layers,
    "tags": tags,
})

status = StatusApi("shop-status", {
    "name_prefix": prefix,
    "environment": settings.environment,
    "deliveries_table_name": store.deliveries_table_name,
    "deliveries_table_arn": store.deliveries_table_arn,
    "log_retention_days": settings.log_retention_days,
    "memory_mb": 256,
    "timeout_seconds": 10,
    "code": sender.code.archive,
    "layers": sender.code.layers,
    "tags": tags,
})

audit = OrderAudit("shop-audit", {
    "name_prefix": prefix,
    "orders_topic_arn": sender.orders_topic_arn,
    "event_type": ORDER_EVENT_TYPE,
    "retention_days": settings.audit_retention_days,
    "log_retention_days": settings.log_retention_days,
    "max_receive_count": MAX_RECEIVE_COUNT,
    "point_in_time_recovery": settings.stage == "prod",
    "tags": tags,
})

# order-email's alarms and dashboard watch our audit too: its errors, its backlog, its dead letters.
observability = Observability("shop-observability", {
    "environment": settings.environment,
    "thresholds": {**DEFAULT_THRESHOLDS, "error_threshold": 3},
    "function_names": {"sender": sender.function_name, "feedback": feedback.function_name,
                       "status": status.function_name, "outbox": feedback.outbox_function_name,
                       "audit": audit.function_name},
    "queue_names": {"send": sender.send_queue_name, "feedback": feedback.feedback_queue_name,
                    "audit": audit.queue_name},
    "dead_letter_queue_names": {"send": sender.dead_letter_queue_name, "feedback": feedback.dead_letter_queue_name,
                                "status-events": feedback.outbox_dead_letter_queue_name,
                                "audit": audit.dead_letter_queue_name},
    "orders_topic_names": [sender.orders_topic_name],
    "log_group_names": {"sender": sender.log_group_name, "feedback": feedback.log_group_name,
                        "status": status.log_group_name, "outbox": feedback.outbox_log_group_name,
                        "audit": audit.log_group_name},
    "kms_key_arn": key.key_arn,
    "subscribers": settings.alert_emails,
    "log_retention_days": settings.log_retention_days,
    "code": sender.code.archive,
    "layers": sender.code.layers,
    "tags": tags,
})

STACK_OUTPUTS = {
    "orderTopic": sender.orders_topic_arn, "mailDnsRecords": sender.dns_records, "orderStatusUrl": status.url,
    "auditTable": audit.table_name, "auditDeadLetters": audit.dead_letter_queue_url,
    "emailDeadLetters": sender.dead_letter_queue_url, "alarmTopic": observability.alarm_topic_arn,
    "dashboard": observability.dashboard_url,
}
"""What our other stacks and runbooks read from this one, by name."""
for output_name, value in STACK_OUTPUTS.items():
    pulumi.export(output_name, value)
