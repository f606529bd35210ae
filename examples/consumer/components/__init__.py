"""shop-mail's own components. The folder is called `components`, as order-email's is; order-email's
live under its import root (`order_email.components`), so the two never meet."""

from components.order_audit import OrderAudit, OrderAuditArgs
from components.settings import SettingsError, ShopSettings, load_settings

__all__ = ["OrderAudit", "OrderAuditArgs", "SettingsError", "ShopSettings", "load_settings"]
