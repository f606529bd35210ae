"""Self-pacing after a throttle, so throttles stay rare instead of routine.

Lambda's SQS mapping cannot run fewer than two concurrent senders (MaximumConcurrency ≥ 2), and
one sender sends about 20 e-mails a second, so an account limited to 1 e-mail/s (the SES sandbox,
and dev) is throttled on nearly every e-mail unless the senders slow themselves down. Pacing all the
time would slow every healthy stack to its quota's share, so a sender paces only once SES has
throttled it: for the next `window_seconds` it leaves at least 1 / `rate_per_second` seconds between
two sends, where the rate is the account's send rate divided by the mapping's MaximumConcurrency
(the component computes it: `SEND_RATE_PER_WORKER`). The throttled e-mail itself backs off through
the queue (`deferrals`).
"""

from __future__ import annotations

import time
from collections.abc import Callable

PACING_WINDOW_SECONDS = 300.0
"""How long one throttle keeps a sender paced (a new throttle extends it)."""


class SendPacer:
    """Per execution environment (module lifetime): shared by every invocation it serves."""

    def __init__(self, rate_per_second: float, *, window_seconds: float = PACING_WINDOW_SECONDS,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        self._interval = 1.0 / rate_per_second
        self._window = window_seconds
        self._clock = clock
        self._sleep = sleep
        self._paced_until = float("-inf")
        self._last_send = float("-inf")

    @property
    def engaged(self) -> bool:
        return self._clock() < self._paced_until

    def throttled(self) -> None:
        """SES said "Maximum sending rate exceeded": pace the sends of the next window."""
        self._paced_until = self._clock() + self._window

    def wait_seconds(self) -> float:
        """How long the next send would have to wait (0 when not paced)."""
        if not self.engaged:
            return 0.0
        return max(0.0, self._last_send + self._interval - self._clock())

    def before_send(self) -> None:
        """Wait out the pacing interval, then count this send."""
        wait = self.wait_seconds()
        if wait:
            self._sleep(wait)
        self._last_send = self._clock()
