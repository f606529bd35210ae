"""Another team's Pulumi program composes our components its own way, under its own names."""

from __future__ import annotations

import pulumi

from order_email.components import DeliveryStore, EmailSender, FeedbackLoop, StatusApi
from order_email.mockstack import run_program


def consumer_program() -> None:
    """What a platform team writes after `pip install order-email`: no stack config of ours at all."""
    store = DeliveryStore("shop", {"point_in_time_recovery": True, "deletion_protection": False})
    sender = EmailSender("shop-mail", {
        "name_prefix": "shop-mail-staging",
        "environment": "staging",
        "sender_domain": "mail.shop.test",
        "from_address": "hello@mail.shop.test",
        "from_name": "Shop",
        "sandbox_mode": True,
        "ses_max_send_rate": 14,
        "max_receive_count": 3,
        "deliveries_table_name": store.deliveries_table_name,
        "deliveries_table_arn": store.deliveries_table_arn,
        "suppression_table_name": store.suppression_table_name,
        "suppression_table_arn": store.suppression_table_arn,
        "retention_days": 30,
        "log_retention_days": 14,
        "memory_mb": 256,
        "timeout_seconds": 20,
    })
    FeedbackLoop("shop-feedback", {
        "name_prefix": "shop-mail-staging",
        "environment": "staging",
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
        "ses_max_send_rate": 14,
        "max_receive_count": 3,
        "log_retention_days": 14,
        "memory_mb": 256,
        "timeout_seconds": 20,
        "topic_kms_key_arn": "arn:aws:kms:eu-west-1:123456789012:key/their-own-key",
    })
    api = StatusApi("shop-status", {
        "name_prefix": "shop-mail-staging",
        "environment": "staging",
        "deliveries_table_name": store.deliveries_table_name,
        "deliveries_table_arn": store.deliveries_table_arn,
        "log_retention_days": 14,
        "memory_mb": 128,
        "timeout_seconds": 5,
    })
    pulumi.export("statusUrl", api.url)


def test_components_compose_from_a_consumer_program() -> None:
    run = run_program(consumer_program, stack="staging", config={"aws:region": "us-east-1"}, project="shop")
    components = {resource.type for resource in run.resources if not resource.custom}
    assert components == {"order-email:index:DeliveryStore", "order-email:index:EmailSender",
                          "order-email:index:FeedbackLoop", "order-email:index:StatusApi"}
    functions = {r.name: r.inputs for r in run.of_type("aws:lambda/function:Function")}
    assert set(functions) == {"shop-mail-function", "shop-feedback-function", "shop-feedback-outbox-function",
                              "shop-status-function"}
    # Used alone, each component packages this package's handlers and builds its own layer.
    assert len(run.of_type("aws:lambda/layerVersion:LayerVersion")) == 3
    assert all(function["code"] for function in functions.values())
    assert run.outputs["statusUrl"].startswith("https://")
    for resource in run.resources:
        if resource.custom:
            assert resource.parent is not None, f"{resource.name} is not parented to a component"
