"""Reusable Pulumi components of order-email; each works alone when imported into another project."""

from components.alarms import thresholds_from_settings
from components.config import StackConfig, StackConfigError, load_stack_config, parse_stack_config
from components.delivery_store import DeliveryStore, DeliveryStoreArgs
from components.email_sender import EmailSender, EmailSenderArgs
from components.encryption import EncryptionKey, EncryptionKeyArgs
from components.feedback_loop import FeedbackLoop, FeedbackLoopArgs
from components.observability import Observability, ObservabilityArgs
from components.status_api import StatusApi, StatusApiArgs

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
