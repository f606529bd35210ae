"""Reusable Pulumi components of order-email; each works alone when imported into another project."""

from order_email.components.alarms import thresholds_from_settings
from order_email.components.config import StackConfig, StackConfigError, load_stack_config, parse_stack_config
from order_email.components.delivery_store import DeliveryStore, DeliveryStoreArgs
from order_email.components.email_sender import EmailSender, EmailSenderArgs
from order_email.components.encryption import EncryptionKey, EncryptionKeyArgs
from order_email.components.feedback_loop import FeedbackLoop, FeedbackLoopArgs
from order_email.components.observability import Observability, ObservabilityArgs
from order_email.components.status_api import StatusApi, StatusApiArgs

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
    "StackConfig",
    "StackConfigError",
    "StatusApi",
    "StatusApiArgs",
    "load_stack_config",
    "parse_stack_config",
    "thresholds_from_settings",
]
