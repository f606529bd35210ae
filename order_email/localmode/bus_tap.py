"""What reaches an event bus, observed locally: a rule on the bus sends every event to a tap queue.

Local mode's own observer, not part of the stack: a subscriber in AWS would have its own rule on
the bus. `BusTap.events()` drains the queue into a growing list (the events in arrival order), so
tests and the chaos invariants can see every `Email Status Changed` event, repeats included.
"""

from __future__ import annotations

import json
import threading
from typing import Any

TAP_RULE = "localmode-bus-tap"


class BusTap:
    def __init__(self, client: Any, bus_name: str, *, sources: list[str]):
        self._client = client
        self._lock = threading.Lock()
        self._seen: list[dict[str, Any]] = []
        sqs, events = client("sqs"), client("events")
        self._url = sqs.create_queue(QueueName=f"{TAP_RULE}-{bus_name}"[:80])["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=self._url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events.put_rule(Name=TAP_RULE, EventBusName=bus_name, EventPattern=json.dumps({"source": sources}))
        events.put_targets(Rule=TAP_RULE, EventBusName=bus_name, Targets=[{"Id": "tap", "Arn": arn}])

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
