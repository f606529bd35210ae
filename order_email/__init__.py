"""order-email: transactional order e-mail on AWS SES — Pulumi components, Lambda handlers, an operator CLI.

    from order_email import DeliveryStore, EmailSender, FeedbackLoop, Observability, StatusApi

The components are imported on first use (PEP 562), so `import order_email.handlers…` or the CLI's
`--version` loads neither Pulumi nor pulumi-aws.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

if TYPE_CHECKING:
    from order_email.components import (
        DeliveryStore,
        DeliveryStoreArgs,
        EmailSender,
        EmailSenderArgs,
        EncryptionKey,
        EncryptionKeyArgs,
        FeedbackLoop,
        FeedbackLoopArgs,
        Observability,
        ObservabilityArgs,
        StatusApi,
        StatusApiArgs,
    )

__all__ = [
    "DeliveryStore",
    "DeliveryStoreArgs",
    "EmailSender",
    "EmailSenderArgs",
    "EncryptionKey",
    "EncryptionKeyArgs",
    "FeedbackLoop",
    "FeedbackLoopArgs",
    "Observability",
    "ObservabilityArgs",
    "StatusApi",
    "StatusApiArgs",
    "__version__",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(import_module("order_email.components"), name)
    raise AttributeError(f"module 'order_email' has no attribute {name!r}")
