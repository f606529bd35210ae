"""The wait before a failed webhook delivery is tried again: doubling per attempt, capped (pure).

The wait is the message's new SQS visibility timeout (ChangeMessageVisibility), which SQS caps at
12 hours (`MAX_VISIBILITY_SECONDS`, the ChangeMessageVisibility reference). After the last attempt
the message is released at once, so the queue's redrive policy moves it to the DLQ on the next
receive instead of after one more wait.
"""

from __future__ import annotations

MAX_VISIBILITY_SECONDS = 12 * 3600


def retry_delay(receive_count: int, *, max_attempts: int, base_seconds: int, max_seconds: int) -> int:
    """Seconds until attempt `receive_count + 1`: `base * 2^(n-1)` up to `max_seconds`; 0 after the last."""
    if receive_count >= max_attempts:
        return 0
    exponent = max(0, receive_count - 1)
    return min(base_seconds * 2 ** min(exponent, 30), max_seconds, MAX_VISIBILITY_SECONDS)


def schedule(*, max_attempts: int, base_seconds: int, max_seconds: int) -> list[int]:
    """The waits between the attempts of one change (what README "Webhooks" tabulates)."""
    return [retry_delay(count, max_attempts=max_attempts, base_seconds=base_seconds, max_seconds=max_seconds)
            for count in range(1, max_attempts)]
