"""Queue and event-source-mapping numbers, derived from the consuming Lambda and the SES quota."""

from __future__ import annotations

import json
import math

BATCH_SIZE = 10
"""Records per invocation: one batched suppression read serves ten e-mails."""
BATCHING_WINDOW_SECONDS = 1
"""Short wait to fill a batch; adds at most a second to send latency."""
DLQ_RETENTION_SECONDS = 14 * 24 * 3600
"""The SQS maximum, so an operator has two weeks to inspect and redrive."""
QUEUE_RETENTION_SECONDS = 4 * 24 * 3600
MIN_MAXIMUM_CONCURRENCY = 2
"""The lowest `MaximumConcurrency` Lambda accepts for an SQS event source."""
MAX_MAXIMUM_CONCURRENCY = 1000
FASTEST_SEND_SECONDS = 0.05
"""Lower bound of one e-mail's sequential work in a worker (claim + SES call + record), measured
locally at 60-120 ms; the lower the bound, the more conservative the concurrency cap."""


def visibility_timeout(lambda_timeout_seconds: int, batching_window_seconds: int = BATCHING_WINDOW_SECONDS) -> int:
    """AWS's rule for SQS event sources: at least six times the function timeout plus the batching
    window, so a message is never redelivered while an invocation (and Lambda's own retries of a
    throttled invocation) may still be working on it."""
    if lambda_timeout_seconds <= 0:
        raise ValueError("lambda_timeout_seconds must be positive")
    return 6 * lambda_timeout_seconds + batching_window_seconds


def maximum_concurrency(ses_max_send_rate: float, fastest_send_seconds: float = FASTEST_SEND_SECONDS) -> int:
    """Concurrent sender invocations that cannot outrun the SES send quota.

    One invocation sends its batch sequentially, so it sends at most `1 / fastest_send_seconds`
    e-mails per second; `N` invocations at most `N / fastest_send_seconds`. Keeping that under the
    quota gives `N = floor(rate * fastest_send_seconds)`, raised to Lambda's minimum of 2. When that
    minimum still exceeds a tiny quota (sandbox accounts: 1/s), the first "Maximum sending rate
    exceeded" makes each sender pace itself at `send_rate_per_worker` (`handlers.sender.pacing`) and
    the throttled order backs off through the queue, so throttles stay rare.
    """
    if ses_max_send_rate <= 0:
        raise ValueError("ses_max_send_rate must be positive")
    wanted = math.floor(ses_max_send_rate * fastest_send_seconds)
    return max(MIN_MAXIMUM_CONCURRENCY, min(MAX_MAXIMUM_CONCURRENCY, wanted))


def send_rate_per_worker(ses_max_send_rate: float) -> float:
    """Each concurrent sender's share of the SES send rate: what a throttled sender paces itself to."""
    return ses_max_send_rate / maximum_concurrency(ses_max_send_rate)


def redrive_policy(dead_letter_arn: str, max_receive_count: int) -> str:
    """After `max_receive_count` failed receives a message moves to the DLQ instead of looping."""
    return json.dumps({"deadLetterTargetArn": dead_letter_arn, "maxReceiveCount": max_receive_count})


def feedback_concurrency(ses_max_send_rate: float) -> int:
    """Each e-mail yields two to four SES events, so the feedback consumer may run twice as wide."""
    return min(MAX_MAXIMUM_CONCURRENCY, 2 * maximum_concurrency(ses_max_send_rate))
