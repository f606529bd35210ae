"""The component package other languages install from `provider/`: its name and its components.

The name is the first part of every type token, so the schema Pulumi's component provider host
builds from these classes (`order-email:index:<class name>`) names the same tokens the components
register from Python, and a TypeScript `new EmailSender(...)` is the resource a Python
`EmailSender(...)` is. `provider/__main__.py` serves this package; `order-email schema` prints its
schema.
"""

import pulumi

from order_email.components.delivery_store import DeliveryStore
from order_email.components.email_sender import EmailSender
from order_email.components.encryption import EncryptionKey
from order_email.components.feedback_loop import FeedbackLoop
from order_email.components.observability import Observability
from order_email.components.status_api import StatusApi

PACKAGE_NAME = "order-email"

COMPONENTS: tuple[type[pulumi.ComponentResource], ...] = (
    DeliveryStore,
    EmailSender,
    EncryptionKey,
    FeedbackLoop,
    Observability,
    StatusApi,
)
"""Every public component (those `order_email.components` exports), in the schema's order."""
