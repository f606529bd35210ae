"""order-email: transactional order e-mail on AWS SES — Pulumi components, Lambda handlers, an operator CLI.

    from order_email import DeliveryStore, EmailSender, FeedbackLoop, Observability, OrderIntake, StatusApi

The components are imported on first use (PEP 562), so `import order_email.handlers…` or the CLI's
`--version` loads neither Pulumi nor pulumi-aws.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

COMPONENT_API = (
    "DeliveryStore", "DeliveryStoreArgs", "EmailSender", "EmailSenderArgs", "EncryptionKey", "EncryptionKeyArgs",
    "FeedbackLoop", "FeedbackLoopArgs", "Observability", "ObservabilityArgs", "OrderIntake", "OrderIntakeArgs",
    "StatusApi", "StatusApiArgs",
)
"""Every public component and its args type: the one list `order_email.components` exports and
`components.package.COMPONENTS` (the classes the schema is built from) is taken from."""

if TYPE_CHECKING:
    from order_email.components import *  # noqa: F403  (the names above, for type checkers)

__all__ = [*COMPONENT_API, "__version__"]


def __getattr__(name: str) -> Any:
    if name in COMPONENT_API:
        return getattr(import_module("order_email.components"), name)
    raise AttributeError(f"module 'order_email' has no attribute {name!r}")
