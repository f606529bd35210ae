"""CloudWatch Logs Insights saved queries: the three questions an on-call asks the logs first.

The handlers log with Powertools Logger (one JSON object per line: level, message, service,
timestamp, plus keys such as orderId and sesMessageId) and write their metrics as EMF JSON lines to
the same log groups, so each query works on fields Logs Insights discovers by itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from order_email.handlers.shared.telemetry import MetricName, service_name

ORDER_ID_PLACEHOLDER = "REPLACE-WITH-ORDER-ID"
"""Edit this in the query editor before running "everything about order X"."""

ERRORS_QUERY = """\
fields @timestamp, service, level, message, orderId, sesMessageId, @logStream, @message
| filter level in ["ERROR", "CRITICAL"] or @message like /Task timed out|Runtime\\.\\w+Error|Traceback/
| sort @timestamp desc
| limit 200"""
"""Logged errors, plus what Lambda itself writes when a function times out or crashes on import."""

ORDER_QUERY = f"""\
fields @timestamp, service, level, message, kind, status, sesMessageId, eventType, @logStream
| filter orderId = "{ORDER_ID_PLACEHOLDER}"
| sort @timestamp asc
| limit 1000"""
"""One order's story across the sender and the feedback handler, oldest first."""

SLOWEST_SENDS_QUERY = f"""\
filter @message like /"{MetricName.SEND_LATENCY.value}"/
| fields jsonParse(@message) as emf
| unnest emf.{MetricName.SEND_LATENCY.value} into latencyMs
| sort latencyMs desc
| display @timestamp, latencyMs, @logStream
| limit 50"""
"""The slowest SES calls, read from the sender's EMF lines.

Powertools writes one EMF line per invocation and a metric added several times becomes a list, so
`unnest` turns a batch's latencies into one row each (a single number is a one-item list).
"""


@dataclass(frozen=True)
class SavedQuery:
    key: str
    """Short role; names the resource."""
    name: str
    """Name shown in the console; the `/` puts the stack's queries in one folder."""
    query: str
    log_group_roles: tuple[str, ...] | None
    """The log groups (by role) it runs over; None means all of them."""


def saved_queries(environment: str, log_group_roles: Sequence[str]) -> list[SavedQuery]:
    """The stack's saved queries; the slowest-sends query runs over the sender's log group only."""
    folder = service_name(environment)
    queries = [
        SavedQuery("errors", f"{folder}/errors", ERRORS_QUERY, None),
        SavedQuery("order", f"{folder}/everything-about-one-order", ORDER_QUERY, None),
    ]
    if "sender" in log_group_roles:
        queries.append(SavedQuery("slowest-sends", f"{folder}/slowest-sends", SLOWEST_SENDS_QUERY, ("sender",)))
    return queries
