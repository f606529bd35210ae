"""EventBridge Pipes from a DynamoDB stream, run locally: moto stores pipes but never runs them.

`pipe_specs` reads what the graph declares (source stream, filter patterns, enrichment function,
target bus with its Source and DetailType, batch size, retries, DLQ); `PipeRunner` does what the
pipe does in AWS: read the table's stream from the oldest record (moto serves DynamoDB Streams),
keep the records a filter pattern matches, hand each batch to the enrichment function (a local
worker with exactly its declared environment) and put what it returns on the bus, one event per
element, in PutEvents calls of at most ten. A failing batch is retried, then described in a
message to the pipe's DLQ (as Pipes does for stream sources: the batch's metadata, not its records).

Filter patterns support what the stack uses of EventBridge's syntax: nested objects, lists of
literal values and `{"exists": true|false}`.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from order_email.localmode.provision import PIPE
from order_email.localmode.provisioned import FunctionSpec, Provisioned, ProvisioningError
from order_email.mockstack import StackRun

POLL_SECONDS = 0.1
RETRY_PAUSE_SECONDS = 0.2
PUT_EVENTS_LIMIT = 10


@dataclass(frozen=True)
class PipeSpec:
    name: str
    stream_arn: str
    patterns: tuple[dict[str, Any], ...]
    enrichment: FunctionSpec | None
    bus_arn: str
    source: str
    detail_type: str
    batch_size: int
    retries: int
    dead_letter_url: str | None


def matches(pattern: Mapping[str, Any], value: Any) -> bool:
    """Whether an event-pattern matches `value` (the subset of EventBridge's syntax above; pure)."""
    if not isinstance(value, Mapping):
        return False
    for key, wanted in pattern.items():
        present = key in value
        if isinstance(wanted, Mapping):
            if not (present and matches(wanted, value[key])):
                return False
            continue
        options = wanted if isinstance(wanted, list) else [wanted]
        if not any(_option_matches(option, present, value.get(key)) for option in options):
            return False
    return True


def _option_matches(option: Any, present: bool, value: Any) -> bool:
    if isinstance(option, Mapping) and "exists" in option:
        return present is bool(option["exists"])
    return present and value == option


def pipe_specs(graph: StackRun, provisioned: Provisioned) -> list[PipeSpec]:
    """The pipes the graph declares, in the emulator's names (pure but for the lookups)."""
    t = provisioned.translation
    specs: list[PipeSpec] = []
    for resource in graph.of_type(PIPE):
        state = resource.state
        source = state.get("sourceParameters") or {}
        stream = source.get("dynamodbStreamParameters") or {}
        if not stream:
            provisioned.skipped[f"{PIPE} (non-DynamoDB source)"] = 1
            continue
        target = (state.get("targetParameters") or {}).get("eventbridgeEventBusParameters") or {}
        filters = (source.get("filterCriteria") or {}).get("filters") or []
        dead_letter_arn = t((stream.get("deadLetterConfig") or {}).get("arn") or "")
        enrichment = t(state.get("enrichment") or "")
        specs.append(PipeSpec(
            name=str(state.get("name") or resource.name),
            stream_arn=t(state["source"]),
            patterns=tuple(json.loads(entry["pattern"]) for entry in filters),
            enrichment=_function(provisioned, enrichment) if enrichment else None,
            bus_arn=t(state["target"]),
            source=str(target.get("source") or "order-email"),
            detail_type=str(target.get("detailType") or ""),
            batch_size=int(stream.get("batchSize") or 10),
            retries=int(stream.get("maximumRetryAttempts") or 0),
            dead_letter_url=provisioned.queue_by_arn(dead_letter_arn).url if dead_letter_arn else None,
        ))
    return specs


def _function(provisioned: Provisioned, arn: str) -> FunctionSpec:
    for function in provisioned.functions.values():
        if arn in (function.arn, function.name):
            return function
    raise ProvisioningError(f"the pipe's enrichment {arn!r} is no function of the graph")


Invoke = Callable[[Any], Any]
"""(event) → the enrichment's answer; raises on a failed invocation."""


class PipeRunner(threading.Thread):
    """One pipe: polls its stream's shards, filters, enriches, puts on the bus; `drain()` for the idle check."""

    def __init__(self, spec: PipeSpec, client: Callable[[str], Any], enrich: Invoke | None, stop: threading.Event):
        super().__init__(daemon=True, name=f"pipe-{spec.name}")
        self.spec = spec
        self._client = client
        self._enrich = enrich
        self._halt = stop
        self._lock = threading.Lock()
        self._iterators: dict[str, str | None] = {}
        self.delivered = 0
        self.dead_lettered = 0

    def run(self) -> None:
        while not self._halt.wait(POLL_SECONDS):
            try:
                self.drain()
            except Exception:  # the emulator is going away while stopping; the next drain says more
                if self._halt.is_set():
                    return

    def drain(self) -> int:
        """Read every record written since the last read and deliver it; how many records there were."""
        with self._lock:
            records = self._read()
            wanted = [record for record in records
                      if not self.spec.patterns or any(matches(p, record) for p in self.spec.patterns)]
            for start in range(0, len(wanted), self.spec.batch_size):
                self._deliver(wanted[start:start + self.spec.batch_size])
            return len(records)

    def _read(self) -> list[dict[str, Any]]:
        streams = self._client("dynamodbstreams")
        shards = streams.describe_stream(StreamArn=self.spec.stream_arn)["StreamDescription"]["Shards"]
        records: list[dict[str, Any]] = []
        for shard in shards:
            shard_id = shard["ShardId"]
            if shard_id not in self._iterators:
                self._iterators[shard_id] = streams.get_shard_iterator(
                    StreamArn=self.spec.stream_arn, ShardId=shard_id,
                    ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
            while self._iterators[shard_id]:
                answer = streams.get_records(ShardIterator=self._iterators[shard_id])
                got = answer.get("Records") or []
                records.extend(json.loads(json.dumps(record, default=str)) for record in got)
                self._iterators[shard_id] = answer.get("NextShardIterator") or self._iterators[shard_id]
                if not got:
                    break
        return [record | {"eventSourceARN": self.spec.stream_arn} for record in records]

    def _deliver(self, batch: list[dict[str, Any]]) -> None:
        for attempt in range(self.spec.retries + 1):
            if attempt:
                time.sleep(RETRY_PAUSE_SECONDS)
            try:
                details = self._enrich(batch) if self._enrich is not None else batch
                self._put(details if isinstance(details, list) else [details])
                return
            except Exception as error:  # a failed invocation or PutEvents: Pipes retries the batch
                failure = error
        self._dead_letter(batch, failure)

    def _put(self, details: list[Any]) -> None:
        events = self._client("events")
        entries = [{"Source": self.spec.source, "DetailType": self.spec.detail_type, "EventBusName": self.spec.bus_arn,
                    "Detail": json.dumps(detail)} for detail in details if detail not in ("", {}, None)]
        for start in range(0, len(entries), PUT_EVENTS_LIMIT):
            answer = events.put_events(Entries=entries[start:start + PUT_EVENTS_LIMIT])
            if answer.get("FailedEntryCount"):
                raise RuntimeError(f"{answer['FailedEntryCount']} entries failed")
            self.delivered += len(entries[start:start + PUT_EVENTS_LIMIT])

    def _dead_letter(self, batch: list[dict[str, Any]], failure: Exception) -> None:
        self.dead_lettered += len(batch)
        if self.spec.dead_letter_url is None:
            return
        numbers = [record.get("dynamodb", {}).get("SequenceNumber") for record in batch]
        self._client("sqs").send_message(QueueUrl=self.spec.dead_letter_url, MessageBody=json.dumps({
            "pipe": self.spec.name, "streamArn": self.spec.stream_arn, "batchSize": len(batch),
            "startSequenceNumber": numbers[0], "endSequenceNumber": numbers[-1], "error": type(failure).__name__}))
