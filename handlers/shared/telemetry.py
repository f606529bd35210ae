"""Metric names and namespace shared by the handlers and the dashboards that chart them.

Handlers emit through Powertools' EMF `Metrics` (no PutMetricData calls); the components set
`POWERTOOLS_METRICS_NAMESPACE` to `NAMESPACE` and `POWERTOOLS_SERVICE_NAME` to `service_name(env)`,
which Powertools adds as the only dimension, `service`.
"""

from __future__ import annotations

from enum import StrEnum

NAMESPACE = "OrderEmail"


def service_name(environment: str) -> str:
    """The `service` dimension of every metric and log line of one stack."""
    return f"order-email-{environment}"


class MetricName(StrEnum):
    # send path
    ORDERS_RECEIVED = "OrdersReceived"
    EMAILS_SENT = "EmailsSent"
    SEND_FAILURES = "SendFailures"
    SEND_THROTTLED = "SendThrottled"
    HELD_ORDERS = "HeldOrders"
    """Orders SES refused for an account or stack reason (paused, not verified, quota): waiting."""
    DEFERRED = "Deferred"
    """Orders re-enqueued with a delay (held, throttled, SES unreachable, out of invocation time)."""
    HELD_TOO_LONG = "HeldTooLong"
    """Orders that waited past the hold limit and were dead-lettered with their reason."""
    DUPLICATES_SKIPPED = "DuplicatesSkipped"
    SUPPRESSED = "Suppressed"
    INVALID_ORDERS = "InvalidOrders"
    SEND_LATENCY = "SendLatency"
    """Order timestamp → SES accepted, per e-mail (ms)."""
    # account
    SEND_QUOTA_USAGE = "SendQuotaUsage"
    """Share of the SES 24-hour sending quota used (%), polled by the quota probe."""
    # feedback path
    DELIVERIES = "Deliveries"
    HARD_BOUNCES = "HardBounces"
    SOFT_BOUNCES = "SoftBounces"
    COMPLAINTS = "Complaints"
    REJECTS = "Rejects"
    DELAYS = "Delays"
    RENDERING_FAILURES = "RenderingFailures"
    OPENS = "Opens"
    CLICKS = "Clicks"
    DELIVERY_LATENCY = "DeliveryLatency"
    UNKNOWN_MESSAGE_EVENTS = "UnknownMessageEvents"
    FOREIGN_EVENTS = "ForeignEvents"
    """Events whose message is not the one their record holds (another app, an older message)."""
    SUPPRESSIONS_ADDED = "SuppressionsAdded"
    INVALID_EVENTS = "InvalidEvents"
