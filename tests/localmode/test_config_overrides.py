"""`LocalSystem(config=...)` as the engine's flat config (pure), and its effect on the program run."""

from __future__ import annotations

import json

import pytest

from order_email.components.config import StackConfigError
from order_email.localmode import LocalSystem
from order_email.localmode.config_overrides import config_overrides


def test_bare_keys_get_the_project_namespace_and_values_the_engine_text() -> None:
    overrides = config_overrides({"webhook": {"url": "https://x.example.com", "secret": "s"}, "aws:region": "us-east-1",
                                  "sandboxMode": False, "maxReceiveCount": 7, "replyTo": None}, "order-email")
    assert overrides == {"order-email:webhook": json.dumps({"url": "https://x.example.com", "secret": "s"}),
                         "aws:region": "us-east-1", "order-email:sandboxMode": "false",
                         "order-email:maxReceiveCount": "7", "order-email:replyTo": None}


@pytest.mark.parametrize("key", ["", ":webhook", "order-email:"])
def test_a_malformed_key_is_refused(key: str) -> None:
    with pytest.raises(ValueError, match="config key"):
        config_overrides({key: "x"}, "order-email")


def test_a_bad_override_fails_start_up_naming_the_key() -> None:
    with pytest.raises(StackConfigError, match=r"order-email:webhook\.url"), \
            LocalSystem(stack="dev", config={"webhook": {"url": "http://shop.example.com", "secret": "s" * 32}}):
        pass
