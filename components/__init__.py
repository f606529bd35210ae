"""Reusable Pulumi components of order-email; each works alone when imported into another project."""

from order_email import COMPONENT_API
from order_email.components.alarms import thresholds_from_settings
from order_email.components.config import StackConfig, StackConfigError, load_stack_config, parse_stack_config
from order_email.components.delivery_store import DeliveryStore as DeliveryStore
from order_email.components.delivery_store import DeliveryStoreArgs as DeliveryStoreArgs
from order_email.components.email_sender import EmailSender as EmailSender
from order_email.components.email_sender import EmailSenderArgs as EmailSenderArgs
from order_email.components.encryption import EncryptionKey as EncryptionKey
from order_email.components.encryption import EncryptionKeyArgs as EncryptionKeyArgs
from order_email.components.feedback_loop import FeedbackLoop as FeedbackLoop
from order_email.components.feedback_loop import FeedbackLoopArgs as FeedbackLoopArgs
from order_email.components.observability import Observability as Observability
from order_email.components.observability import ObservabilityArgs as ObservabilityArgs
from order_email.components.order_intake import OrderIntake as OrderIntake
from order_email.components.order_intake import OrderIntakeArgs as OrderIntakeArgs
from order_email.components.status_api import StatusApi as StatusApi
from order_email.components.status_api import StatusApiArgs as StatusApiArgs

__all__ = [
    *COMPONENT_API,
    "StackConfig",
    "StackConfigError",
    "load_stack_config",
    "parse_stack_config",
    "thresholds_from_settings",
]
