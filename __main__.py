"""The order-email stack: reads the validated stack config and composes the components."""

import pulumi

from order_email.components import (
    DeliveryStore,
    EmailSender,
    EncryptionKey,
    FeedbackLoop,
    Observability,
    OrderIntake,
    StatusApi,
    load_stack_config,
    thresholds_from_settings,
)
from order_email.components.feedback_loop import status_bus_name
from order_email.components.webhook import Webhook

config = load_stack_config()
tags = config.resource_tags
prefix = f"order-email-{config.environment}"

customer_managed = config.kms == "customer-managed"
key = EncryptionKey("order-email-key", {
    "alias": prefix,
    "event_bus_names": [status_bus_name(prefix)] if customer_managed else [],
    "rules_send_to_queues": customer_managed and config.webhook is not None,
    "tags": tags,
})
data_key_arn = key.key_arn if customer_managed else None

store = DeliveryStore(
    "order-email-store",
    {
        "point_in_time_recovery": config.point_in_time_recovery,
        "deletion_protection": config.deletion_protection,
        "kms_key_arn": data_key_arn,
        "tags": tags,
    },
)

sender = EmailSender(
    "order-email-sender",
    {
        "name_prefix": prefix,
        "environment": config.environment,
        "sender_domain": config.sender_domain,
        "from_address": config.from_address,
        "from_name": config.from_name,
        "reply_to": config.reply_to,
        "sandbox_mode": config.sandbox_mode,
        "ses_max_send_rate": config.ses_max_send_rate,
        "max_receive_count": config.max_receive_count,
        "deliveries_table_name": store.deliveries_table_name,
        "deliveries_table_arn": store.deliveries_table_arn,
        "suppression_table_name": store.suppression_table_name,
        "suppression_table_arn": store.suppression_table_arn,
        "retention_days": config.data_retention_days,
        "log_retention_days": config.log_retention_days,
        "memory_mb": config.lambda_.memory_mb,
        "timeout_seconds": config.lambda_.sender_timeout_seconds,
        "publisher_principals": config.publisher_principals,
        "kms_key_arn": data_key_arn,
        "route53_zone_id": config.route53_zone_id,
        "templates_dir": str(config.templates_dir) if config.templates_dir else None,
        "tags": tags,
    },
)

feedback = FeedbackLoop(
    "order-email-feedback",
    {
        "name_prefix": prefix,
        "environment": config.environment,
        "configuration_set_name": sender.configuration_set_name,
        "configuration_set_arn": sender.configuration_set_arn,
        "track_opens_and_clicks": config.track_opens_and_clicks,
        "deliveries_table_name": store.deliveries_table_name,
        "deliveries_table_arn": store.deliveries_table_arn,
        "deliveries_stream_arn": store.deliveries_stream_arn,
        "suppression_table_name": store.suppression_table_name,
        "suppression_table_arn": store.suppression_table_arn,
        "soft_bounce_count": config.suppression.soft_bounce_count,
        "soft_bounce_window_days": config.suppression.soft_bounce_window_days,
        "ses_max_send_rate": config.ses_max_send_rate,
        "max_receive_count": config.max_receive_count,
        "log_retention_days": config.log_retention_days,
        "memory_mb": config.lambda_.memory_mb,
        "timeout_seconds": config.lambda_.feedback_timeout_seconds,
        "code": sender.code.archive,
        "layers": sender.code.layers,
        "topic_kms_key_arn": key.key_arn,
        "publish_dependencies": [key],
        "kms_key_arn": data_key_arn,
        "tags": tags,
    },
)

webhook = Webhook(
    "order-email-webhook",
    {
        "name_prefix": prefix,
        "environment": config.environment,
        "event_bus_name": feedback.event_bus_name,
        "url": config.webhook.url,
        "secret": pulumi.Output.secret(config.webhook.secret.get_secret_value()),
        "max_attempts": config.webhook.max_attempts,
        "log_retention_days": config.log_retention_days,
        "code": sender.code.archive,
        "layers": sender.code.layers,
        "kms_key_arn": data_key_arn,
        "tags": tags,
    },
) if config.webhook else None
webhooks = {"webhook": webhook} if webhook else {}
"""The optional webhook (stack key `webhook`) by its role in alarms and dashboards: none, or one."""

status_api = StatusApi(
    "order-email-status",
    {
        "name_prefix": prefix,
        "environment": config.environment,
        "deliveries_table_name": store.deliveries_table_name,
        "deliveries_table_arn": store.deliveries_table_arn,
        "suppression_table_name": store.suppression_table_name,
        "suppression_table_arn": store.suppression_table_arn,
        "dead_letter_queue_urls": [sender.dead_letter_queue_url, feedback.dead_letter_queue_url,
                                   feedback.outbox_dead_letter_queue_url,
                                   *[part.dead_letter_queue_url for part in webhooks.values()]],
        "dead_letter_queue_arns": [sender.dead_letter_queue_arn, feedback.dead_letter_queue_arn,
                                   feedback.outbox_dead_letter_queue_arn,
                                   *[part.dead_letter_queue_arn for part in webhooks.values()]],
        "log_retention_days": config.log_retention_days,
        "memory_mb": config.lambda_.memory_mb,
        "timeout_seconds": config.lambda_.status_timeout_seconds,
        "code": sender.code.archive,
        "layers": sender.code.layers,
        "kms_key_arn": data_key_arn,
        "reader_principals": config.status_readers,
        "tags": tags,
    },
)

order_intake = OrderIntake(
    "order-email-intake",
    {
        "name_prefix": prefix,
        "environment": config.environment,
        "orders_topic_arn": sender.orders_topic_arn,
        "topic_kms_key_arn": data_key_arn,
        "log_retention_days": config.log_retention_days,
        "memory_mb": config.lambda_.memory_mb,
        "timeout_seconds": config.lambda_.intake_timeout_seconds,
        "code": sender.code.archive,
        "layers": sender.code.layers,
        "kms_key_arn": data_key_arn,
        "submitter_principals": config.order_submitters,
        "tags": tags,
    },
)

observability = Observability(
    "order-email-observability",
    {
        "environment": config.environment,
        "thresholds": thresholds_from_settings(config.alarms),
        "function_names": {
            "sender": sender.function_name,
            "feedback": feedback.function_name,
            "status": status_api.function_name,
            "intake": order_intake.function_name,
            "outbox": feedback.outbox_function_name,
            **{role: part.function_name for role, part in webhooks.items()},
        },
        "queue_names": {"send": sender.send_queue_name, "feedback": feedback.feedback_queue_name,
                        **{role: part.queue_name for role, part in webhooks.items()}},
        "dead_letter_queue_names": {"send": sender.dead_letter_queue_name, "feedback": feedback.dead_letter_queue_name,
                                    "status-events": feedback.outbox_dead_letter_queue_name,
                                    **{role: part.dead_letter_queue_name for role, part in webhooks.items()}},
        "orders_topic_names": [sender.orders_topic_name],
        "log_group_names": {
            "sender": sender.log_group_name,
            "feedback": feedback.log_group_name,
            "status": status_api.log_group_name,
            "intake": order_intake.log_group_name,
            "outbox": feedback.outbox_log_group_name,
            **{role: part.log_group_name for role, part in webhooks.items()},
        },
        "kms_key_arn": key.key_arn,
        "subscribers": list(config.alarms.subscribers),
        "profile": config.observability,
        "reputation_guard": config.alarms.reputation_guard,
        "configuration_set_name": sender.configuration_set_name,
        "log_retention_days": config.log_retention_days,
        "logs_kms_key_arn": data_key_arn,
        "code": sender.code.archive,
        "layers": sender.code.layers,
        "tags": tags,
    },
)

pulumi.export("ordersTopicArn", sender.orders_topic_arn)
pulumi.export("sendQueueUrl", sender.send_queue_url)
pulumi.export("sendDeadLetterQueueUrl", sender.dead_letter_queue_url)
pulumi.export("feedbackDeadLetterQueueUrl", feedback.dead_letter_queue_url)
pulumi.export("statusEventsDeadLetterQueueUrl", feedback.outbox_dead_letter_queue_url)
if webhook:
    pulumi.export("webhookDeadLetterQueueUrl", webhook.dead_letter_queue_url)
pulumi.export("configurationSetName", sender.configuration_set_name)
pulumi.export("dnsRecords", sender.dns_records)
pulumi.export("statusBusName", feedback.event_bus_name)
pulumi.export("statusApiUrl", status_api.url)
pulumi.export("statusApiFunctionArn", status_api.function_arn)
pulumi.export("orderIntakeUrl", order_intake.url)
pulumi.export("orderIntakeFunctionArn", order_intake.function_arn)
pulumi.export("deliveriesTableName", store.deliveries_table_name)
pulumi.export("suppressionTableName", store.suppression_table_name)
pulumi.export("kmsKeyArn", key.key_arn)
pulumi.export("dashboardUrl", observability.dashboard_url)
pulumi.export("alarmTopicArn", observability.alarm_topic_arn)
