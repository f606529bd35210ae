"""`SystemObservation`: what a running `LocalSystem` shows without changing it (the e2e tests' eyes).

Tables and streams read through the emulator's API, the dead-letter queues peeked (messages stay),
and what the workers reported: logs, EMF metrics, AWS calls, invocations, errors and the faults
injected. `LocalSystem` fills the state below; this mixin only reads it.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from typing import Any

from order_email.handlers.shared.masking import address_hash
from order_email.handlers.shared.schema import EXPIRES_AT
from order_email.handlers.shared.suppression_item import is_active
from order_email.localmode.bus_tap import BusTap
from order_email.localmode.capture import emf_values
from order_email.localmode.emulator import Emulator
from order_email.localmode.pipes import PipeRunner
from order_email.localmode.provisioned import Provisioned
from order_email.localmode.roles import Roles
from order_email.localmode.ses_simulator import SesSimulator
from order_email.localmode.table_stream import stream_records

LOG_LINES_KEPT = 5_000
"""Handler log lines kept (the oldest go first); EMF documents are all kept, for the metrics."""


class SystemObservation:
    """The read-only half of `LocalSystem`'s public API."""

    emulator: Emulator
    resources: Provisioned | None
    roles: Roles | None
    _lock: threading.Lock
    _clients: dict[str, Any]
    _simulator: SesSimulator | None
    _pipes: list[PipeRunner]
    _taps: dict[str, BusTap]

    def __init__(self) -> None:
        """What the workers report, empty: `LocalSystem` appends to it under `_lock` as they run."""
        self._calls: Counter[str] = Counter()
        self._calls_by_function: dict[str, Counter[str]] = {}
        self._sent: list[dict[str, Any]] = []
        self._errors: list[dict[str, Any]] = []
        self._emf: list[dict[str, Any]] = []
        self._logs: deque[tuple[str, str, str]] = deque(maxlen=LOG_LINES_KEPT)
        self._invocations: Counter[str] = Counter()
        self._faults: Counter[str] = Counter()

    def client(self, service: str) -> Any:
        """A client of the emulator (shared; boto3 clients are thread-safe)."""
        with self._lock:
            if service not in self._clients:
                self._clients[service] = self.emulator.client(service)
            return self._clients[service]

    @property
    def _resources(self) -> Provisioned:
        if self.resources is None:
            raise RuntimeError("LocalSystem is not started")
        return self.resources

    def _simulator_hook(self) -> SesSimulator:
        if self._simulator is None:
            raise RuntimeError("LocalSystem is not started")
        return self._simulator

    @property
    def _roles(self) -> Roles:
        if self.roles is None:
            raise RuntimeError("LocalSystem is not started")
        return self.roles

    def is_suppressed(self, address: str) -> bool:
        item = self.client("dynamodb").get_item(
            TableName=self._roles.suppression_table, Key={"addressHash": {"S": address_hash(address)}},
            ConsistentRead=True).get("Item")
        return bool(item) and is_active(item.get(EXPIRES_AT, {}).get("N"), time.time())

    def delivery_items(self) -> list[dict[str, Any]]:
        """Every delivery item (a table scan, for summaries; not something the system itself does)."""
        return self._scan(self._roles.deliveries_table)

    def suppression_items(self) -> list[dict[str, Any]]:
        """Every suppression item, soft-bounce counters included (a scan, for invariant checks)."""
        return self._scan(self._roles.suppression_table)

    def _scan(self, table: str) -> list[dict[str, Any]]:
        from boto3.dynamodb.types import TypeDeserializer

        deserializer = TypeDeserializer()
        items: list[dict[str, Any]] = []
        paginator = self.client("dynamodb").get_paginator("scan")
        for page in paginator.paginate(TableName=table, ConsistentRead=True):
            items.extend({key: deserializer.deserialize(value) for key, value in item.items()}
                         for item in page.get("Items", []))
        return items

    def very_late_message_ids(self) -> set[str]:
        """E-mails whose SES events the simulator held back past lease + grace (chaos's `very_late_rate`)."""
        return set(self._simulator_hook().very_late_message_ids)

    def deliveries_stream(self) -> list[dict[str, Any]]:
        """Every record of the deliveries table's stream so far, read from the oldest (as a new reader)."""
        return stream_records(self.client("dynamodb"), self.client("dynamodbstreams"), self._roles.deliveries_table)

    def status_events(self) -> list[dict[str, Any]]:
        """Every event the status bus received (as a subscriber's rule would see it), oldest first."""
        return [event for tap in self._taps.values() for event in tap.events()]

    def dead_letters(self) -> dict[str, list[dict[str, Any]]]:
        """{DLQ name: [{"body", "attributes"}]} for every dead-letter queue (the pipes' too); messages stay."""
        sqs = self.client("sqs")
        result: dict[str, list[dict[str, Any]]] = {}
        pipe_letters = {pipe.spec.dead_letter_url for pipe in self._pipes} - {None}
        queues = [*self._resources.dead_letter_queues,
                  *(queue for queue in self._resources.queues.values() if queue.url in pipe_letters)]
        for queue in queues:
            seen: dict[str, dict[str, Any]] = {}
            handles: list[str] = []
            while True:
                messages = sqs.receive_message(QueueUrl=queue.url, MaxNumberOfMessages=10, VisibilityTimeout=30,
                                               MessageAttributeNames=["All"]).get("Messages") or []
                if not messages:
                    break
                for message in messages:
                    handles.append(message["ReceiptHandle"])
                    seen[message["MessageId"]] = {
                        "body": message.get("Body"),
                        "attributes": {name: value.get("StringValue")
                                       for name, value in (message.get("MessageAttributes") or {}).items()},
                    }
            for start in range(0, len(handles), 10):
                sqs.change_message_visibility_batch(QueueUrl=queue.url, Entries=[
                    {"Id": str(index), "ReceiptHandle": handle, "VisibilityTimeout": 0}
                    for index, handle in enumerate(handles[start:start + 10])])
            result[queue.name] = list(seen.values())
        return result

    def sent_emails(self) -> list[dict[str, Any]]:
        """What SES accepted: message id, from, to, subject, html, text, tags, headers, configuration set."""
        with self._lock:
            return sorted((dict(email) for email in self._sent), key=lambda email: email["acceptedAt"])

    def metrics(self) -> dict[str, float]:
        """EMF metrics the handlers emitted: name → sum of values."""
        totals: dict[str, float] = {}
        for name, values in self.metric_values().items():
            totals[name] = sum(values)
        return totals

    def metric_values(self) -> dict[str, list[float]]:
        with self._lock:
            documents = list(self._emf)
        values: dict[str, list[float]] = {}
        for document in documents:
            for name, items in emf_values(document).items():
                values.setdefault(name, []).extend(items)
        return values

    def emf_documents(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._emf)

    def aws_calls(self, function: str | None = None) -> dict[str, int]:
        """{"service.Operation": count} made by the handlers (one function's, by logical name, if given)."""
        with self._lock:
            calls = self._calls if function is None else self._calls_by_function.get(function, Counter())
            return dict(calls)

    def invocations(self) -> dict[str, int]:
        with self._lock:
            return dict(self._invocations)

    def faults_injected(self) -> dict[str, int]:
        """{"dynamodb.InternalServerError": n, "sesv2.TooManyRequestsException": n, "crash.after_send": n, …}
        — injected inside the functions, plus the SES simulator's late events."""
        with self._lock:
            counts = dict(self._faults)
        if self._simulator is not None:
            counts["ses.late_events"] = self._simulator.late_published
            counts["ses.duplicated_events"] = self._simulator.duplicated
            counts["ses.very_late_emails"] = len(self._simulator.very_late_message_ids)
        return dict(sorted(counts.items()))

    def errors(self) -> list[dict[str, Any]]:
        """Failed invocations: function, errorType, errorMessage — a wiring mistake shows up here."""
        with self._lock:
            return list(self._errors)

    def logs(self, function: str | None = None) -> list[str]:
        with self._lock:
            return [line for name, _, line in self._logs if function is None or name == function]

    def function_names(self) -> dict[str, str]:
        """Logical name → handler, for reports."""
        return {spec.logical_name: spec.handler for spec in self._resources.functions.values()}
