"""What the local SES accepted, read back in order: SES's part of the loop starts from here.

The local SES (in the emulator) logs every e-mail it accepts, whoever sent it — a handler, a test,
an operator's script. `AcceptedFeed` polls that log (`SesControls.accepted`) every few tens of
milliseconds and hands each new e-mail, once, to its consumer (the SES simulator, which publishes
its events, and `LocalSystem.sent_emails`). `drain()` reads synchronously, so the idle check never
misses an e-mail that was accepted but not yet read.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from order_email.localmode.ses_controls import SesControls

POLL_SECONDS = 0.05

Consumer = Callable[[list[dict[str, Any]]], None]


class AcceptedFeed(threading.Thread):
    def __init__(self, controls: SesControls, consume: Consumer, stop: threading.Event,
                 interval: float = POLL_SECONDS):
        super().__init__(daemon=True, name="local-ses-feed")
        self._controls = controls
        self._consume = consume
        self._halt = stop
        self._interval = interval
        self._lock = threading.Lock()
        self._last = 0

    def drain(self) -> int:
        """Read and hand on every e-mail accepted since the last read; how many there were."""
        with self._lock:
            self._last, emails = self._controls.accepted(self._last)
            if emails:
                self._consume(emails)
            return len(emails)

    def run(self) -> None:
        while not self._halt.wait(self._interval):
            try:
                self.drain()
            except Exception:  # the emulator is going away while stopping; the next drain says more
                if self._halt.is_set():
                    return
