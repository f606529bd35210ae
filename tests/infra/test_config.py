"""The stack config model: real stack files load; each bad value fails naming its key."""

from __future__ import annotations

import pytest

from order_email.components.config import StackConfigError, parse_stack_config
from order_email.mockstack import run_stack, stack_config


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_real_stack_files_validate(stack: str) -> None:
    config = parse_stack_config(stack_config(stack))
    assert config.environment == stack
    assert config.from_address.endswith(config.sender_domain)


def test_dev_is_sandboxed_short_lived_and_lenient() -> None:
    dev, prod = (parse_stack_config(stack_config(stack)) for stack in ("dev", "prod"))
    assert dev.sandbox_mode and not prod.sandbox_mode
    assert dev.data_retention_days < prod.data_retention_days
    assert dev.alarms.bounce_rate_percent > prod.alarms.bounce_rate_percent
    assert dev.alarms.complaint_rate_percent > prod.alarms.complaint_rate_percent
    assert (prod.kms, prod.point_in_time_recovery, prod.deletion_protection) == ("customer-managed", True, True)
    assert (dev.kms, dev.deletion_protection) == ("aws-managed", False)


BAD_VALUES = [
    ("order-email:fromAddress", "not-an-address", "order-email:fromAddress: must be an e-mail address"),
    ("order-email:fromAddress", "orders@evil.example.org", "must be an address at senderDomain"),
    ("order-email:dataRetentionDays", "-3", "order-email:dataRetentionDays: Input should be greater than or equal to 1"),
    ("order-email:logRetentionDays", "10", "order-email:logRetentionDays: must be one of the CloudWatch Logs retention"),
    ("order-email:sandboxMod", "false", "order-email:sandboxMod: unknown key"),
    ("order-email:sesMaxSendRate", "fast", "order-email:sesMaxSendRate: Input should be a valid number"),
    ("order-email:alarms", '{"subscribers": ["oncall"]}', "order-email:alarms.subscribers.0: must be an e-mail address"),
    ("order-email:lambda", '{"memoryMb": 64}', "order-email:lambda.memoryMb: Input should be greater than or equal to 128"),
    ("order-email:kms", "kms-please", "order-email:kms: Input should be 'aws-managed' or 'customer-managed'"),
    ("order-email:publisherPrincipals", '["*"]', "order-email:publisherPrincipals.0: must be a 12-digit account id"),
    ("order-email:alarms", '{"reputationBounceRatePercent": 7}', "reputationBounceRatePercent: Input should be less than 5"),
]


@pytest.mark.parametrize(("key", "value", "message"), BAD_VALUES, ids=[case[0] + "=" + case[1] for case in BAD_VALUES])
def test_bad_value_fails_the_program_naming_the_key(key: str, value: str, message: str) -> None:
    with pytest.raises(StackConfigError) as raised:
        run_stack("dev", overrides={key: value})
    assert message in str(raised.value)


def test_missing_required_key_is_named() -> None:
    with pytest.raises(StackConfigError, match="order-email:senderDomain: required key is missing"):
        run_stack("prod", overrides={"order-email:senderDomain": None})


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(StackConfigError) as raised:
        parse_stack_config({**stack_config("dev"), "order-email:dataRetentionDays": "0", "order-email:tagz": "{}"})
    assert "dataRetentionDays" in str(raised.value) and "tagz" in str(raised.value)


def test_other_namespaces_are_not_ours_to_judge() -> None:
    config = parse_stack_config({**stack_config("dev"), "aws:skipMetadataApiCheck": "true"})
    assert config.environment == "dev"


def test_tags_cannot_use_the_aws_prefix() -> None:
    with pytest.raises(StackConfigError, match=r"order-email:tags: .*aws:"):
        parse_stack_config({**stack_config("dev"), "order-email:tags": '{"aws:owner": "x"}'})
