"""What reaches an event bus, observed locally: a rule on the bus sends every event to a tap queue.

Local mode's own observer, not part of the stack: a subscriber in AWS would have its own rule on
the bus. `BusTap.events()` drains the queue into a growing list (the events in arrival order), so
tests and the chaos invariants can see every `Email Status Changed` event, repeats included.

Given the system's stop event, the tap also drains in the background every DRAIN_SECONDS: the
emulator's ReceiveMessage walks the whole queue, so a tap read only at the end of a 10,000-order run
(thousands of events waiting) drained at about one event a second.
"""

from __future__ import annotations

import json
import threading
from typing import Any

TAP_RULE = "localmode-bus-tap"
DRAIN_SECONDS = 1.0


class BusTap:
    def __init__(self, client: Any, bus_name: str, *, sources: list[str], stop: threading.Event | None = None):
        self._client = client
        self._lock = threading.Lock()
        self._seen: list[dict[str, Any]] = []
        sqs, events = client("sqs"), client("events")
        self._url = sqs.create_queue(QueueName=f"{TAP_RULE}-{bus_name}"[:80])["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=self._url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events.put_rule(Name=TAP_RULE, EventBusName=bus_name, EventPattern=json.dumps({"source": sources}))
        events.put_targets(Rule=TAP_RULE, EventBusName=bus_name, Targets=[{"Id": "tap", "Arn": arn}])
        if stop is not None:
            threading.Thread(target=self._drain_until, args=(stop,), name=f"bus-tap-{bus_name}", daemon=True).start()

    def _drain_until(self, stop: threading.Event) -> None:
        while not stop.wait(DRAIN_SECONDS):
            try:
                self.events()
            except Exception:  # the emulator stopping under a read, or a passing error: the next read retries
                if stop.is_set():
                    return

    def events(self) -> list[dict[str, Any]]:
        """Every event the bus received so far (source, detail-type, detail parsed), oldest first."""
        sqs = self._client("sqs")
        with self._lock:
            while True:
                messages = sqs.receive_message(QueueUrl=self._url, MaxNumberOfMessages=10).get("Messages") or []
                if not messages:
                    return list(self._seen)
                self._seen.extend(json.loads(message["Body"]) for message in messages)
                sqs.delete_message_batch(QueueUrl=self._url, Entries=[
                    {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"]}
                    for index, message in enumerate(messages)])
