"""What marks an order event: the SNS message attribute publishers set and the one value we accept.

The `EmailSender` component filters its subscription on it, and the resend command and local mode
publish with it; a message without it is dropped by SNS (the filtered-out-orders alarm counts them).
"""

from __future__ import annotations

EVENT_TYPE_ATTRIBUTE = "eventType"
"""The SNS message attribute naming the kind of event."""
ORDER_EVENT_TYPE = "order.confirmed"
"""Value of `eventType` on an order event: the only one the send queue receives."""
