"""The component package other languages install from `provider/`: its name and its components.

The name is the first part of every type token, so the schema Pulumi's component provider host
builds from these classes (`order-email:index:<class name>`) names the same tokens the components
register from Python, and a TypeScript `new EmailSender(...)` is the resource a Python
`EmailSender(...)` is. `provider/__main__.py` serves this package; `order-email schema` prints its
schema.
"""

import inspect

import pulumi

from order_email import COMPONENT_API, components

PACKAGE_NAME = "order-email"

COMPONENTS: tuple[type[pulumi.ComponentResource], ...] = tuple(
    item for item in (getattr(components, name) for name in COMPONENT_API)
    if inspect.isclass(item) and issubclass(item, pulumi.ComponentResource)
)
"""Every public component (those `order_email.components` exports), in the schema's order."""
