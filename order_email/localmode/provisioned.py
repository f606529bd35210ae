"""What provisioning found in the emulator, in the emulator's names: the specs local mode drives.

`provision` fills a `Provisioned` from the recorded graph; the workers, pollers, pipes and roles
read it. `Translation` maps the graph's recorded (mock) values to the emulator's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class ProvisioningError(RuntimeError):
    """The graph declares something local mode cannot wire (a dangling reference, a missing field)."""


@dataclass
class Translation:
    """Recorded (mock) value → emulator value; applied to strings, nested lists and dicts."""

    values: dict[str, str] = field(default_factory=dict)

    def add(self, recorded: Any, actual: str) -> None:
        if isinstance(recorded, str) and recorded and recorded != actual:
            self.values[recorded] = actual

    def __call__(self, value: Any) -> Any:
        if isinstance(value, str):
            if value in self.values:
                return self.values[value]
            for recorded in sorted(self.values, key=len, reverse=True):  # longest first: URL before ARN
                if recorded in value:
                    value = value.replace(recorded, self.values[recorded])
            return value
        if isinstance(value, list):
            return [self(item) for item in value]
        if isinstance(value, dict):
            return {key: self(item) for key, item in value.items()}
        return value


@dataclass(frozen=True)
class QueueSpec:
    """A queue as the emulator created it."""

    logical_name: str
    """The program's name for the resource (the graph's)."""
    name: str
    url: str
    """The emulator's URL (the graph's is the mock's)."""
    arn: str
    dead_letter_arn: str | None = None
    """Its redrive target, where it has one (the emulator's SQS moves records there after maxReceiveCount)."""


@dataclass(frozen=True)
class FunctionSpec:
    """A Lambda function as its local workers run it."""

    logical_name: str
    """The program's name for the resource; reports and per-function stats use it."""
    name: str
    arn: str
    handler: str
    """`module.attribute`, as Lambda's `handler` setting."""
    environment: dict[str, str]
    """Exactly the declared variables, values translated to the emulator's."""
    timeout_seconds: float
    memory_mb: int
    runtime: str
    code: Any = field(default=None, compare=False, repr=False)
    """The declared deployment package (`pulumi.AssetArchive`/`FileArchive`); see `function_code`."""


@dataclass(frozen=True)
class MappingSpec:
    """An SQS event-source mapping, as the local poller honours it."""

    function: FunctionSpec
    queue: QueueSpec
    batch_size: int
    maximum_concurrency: int | None
    report_batch_item_failures: bool
    batching_window_seconds: float
    enabled: bool


@dataclass(frozen=True)
class EventDestination:
    configuration_set: str
    topic_arn: str
    event_types: frozenset[str]
    """SES's enum spelling: SEND, DELIVERY, BOUNCE, COMPLAINT, DELIVERY_DELAY, OPEN, CLICK …"""


@dataclass
class Provisioned:
    translation: Translation
    queues: dict[str, QueueSpec] = field(default_factory=dict)
    topics: dict[str, str] = field(default_factory=dict)
    tables: dict[str, str] = field(default_factory=dict)
    functions: dict[str, FunctionSpec] = field(default_factory=dict)
    mappings: list[MappingSpec] = field(default_factory=list)
    url_functions: list[FunctionSpec] = field(default_factory=list)
    event_destinations: list[EventDestination] = field(default_factory=list)
    identities: dict[str, str | None] = field(default_factory=dict)
    """SES identity → its default configuration set."""
    configuration_sets: set[str] = field(default_factory=set)
    subscriptions: list[tuple[str, str]] = field(default_factory=list)
    """(topic ARN, endpoint) of every subscription, in the emulator's names."""
    skipped: dict[str, int] = field(default_factory=dict)

    def queue_by_arn(self, arn: str) -> QueueSpec:
        for queue in self.queues.values():
            if queue.arn == arn:
                return queue
        raise ProvisioningError(f"no queue with ARN {arn}")

    @property
    def dead_letter_queues(self) -> list[QueueSpec]:
        targets = {queue.dead_letter_arn for queue in self.queues.values() if queue.dead_letter_arn}
        return [queue for queue in self.queues.values() if queue.arn in targets]

    def stack_ses(self) -> tuple[str | None, str | None]:
        """The configuration set the sender sends with (else the only one) and the stack's identity."""
        named = {spec.environment.get("CONFIGURATION_SET", "") for spec in self.functions.values()}
        sets = sorted(named & self.configuration_sets) or sorted(self.configuration_sets)
        identities = sorted(self.identities)
        return (sets[0] if sets else None), (identities[0] if identities else None)
