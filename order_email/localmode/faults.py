"""Chaos for local mode: which faults to inject at which rates (`FaultPlan`), and the injector that
runs inside each function's process (`FaultInjector`).

Faults are injected where they happen in AWS, never in handler code:

* SES throttling and transient DynamoDB errors are HTTP answers. A botocore `before-send` hook
  (the last step before the request would go on the wire) answers a seeded share of attempts with
  the error SES/DynamoDB would send — `TooManyRequestsException` "Maximum sending rate exceeded"
  (429) on SendEmail; `ProvisionedThroughputExceededException` (400) or `InternalServerError` (500)
  on DynamoDB. botocore parses them and applies the handler's own retry configuration, so some
  DynamoDB faults are absorbed by retries, as they would be in AWS.
* A partial BatchGetItem: DynamoDB answers part of a batch read when a partition is throttled and
  lists the rest as `UnprocessedKeys` (all of it unanswered would be a throughput error instead). A
  `before-parameter-build` hook holds back a seeded share of the keys of a read asking for two or
  more (never all of them) and an `after-call` hook returns them as `UnprocessedKeys`, with the
  request's projection, so the readers' ask-again loop (`handlers.shared.batch_reads`) runs as in AWS.
* A worker crash between SES accepting an e-mail and the record update: an
  `after-call.sesv2.SendEmail` hook kills the process (`os._exit`) right after a successful send.
  Before dying it hands what it observed to the parent; the local SES has the e-mail and its
  events are published as for any other.
* A feedback crash after its write: an `after-call.dynamodb.UpdateItem` hook in the feedback
  function kills it right after a status change was written, before the invocation finishes.
* Duplicated publishes, poison inputs and late / reordered / repeated SES events are the driver's
  and the SES simulator's part (`localmode.chaos`, `localmode.ses_simulator`).
* A constrained send rate and a pause of sending are the local SES's (`system.ses.set_limits`,
  `system.ses.pause()` / `resume()`): SES refuses with its own errors, the sender holds or backs off.

Randomness is seeded per function, execution environment and invocation, so a run is repeatable
as far as thread scheduling allows.
"""

from __future__ import annotations

import json
import os
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

from order_email.json_keys import camel_fields

PROFILES = ("none", "chaos")
CRASH_EXIT_CODE = 137
"""What a killed Lambda process reports (SIGKILL); the worker reports Runtime.ExitError."""
FEEDBACK_HANDLER = "handlers.ses_feedback.handler"
"""The function whose writes `feedback_crash_rate` kills (by its `_HANDLER`, as Lambda names it)."""

SCALED_VARIABLES = ("LEASE_SECONDS", "SEND_GRACE_SECONDS", "HOLD_MAX_DELAY_SECONDS", "HOLD_GIVE_UP_SECONDS")
"""Declared durations the time scale compresses in a function's environment (visible deviation)."""
RATE_VARIABLES = ("SEND_RATE_PER_WORKER",)
"""Declared rates the time scale raises by the same factor (a compressed second holds more sends)."""
HOLD_VARIABLES = ("HOLD_MAX_DELAY_SECONDS", "HOLD_GIVE_UP_SECONDS")
LOCAL_HOLD_SCALE = 0.02
"""Local mode always compresses the hold backoff (900 s → 18 s, 72 h → 86 min), even without a time
scale, so held orders go out within about a minute of `ses.resume()`; it says so in `time_compression`."""

DYNAMODB_FAULTS = (
    (400, "ProvisionedThroughputExceededException",
     "The level of configured provisioned throughput for the table was exceeded."),
    (500, "InternalServerError", "Internal server error"),
)


@dataclass(frozen=True)
class FaultPlan:
    """Rates (0..1) of each fault, the seed, and how much to compress the system's clocks."""

    seed: int = 0
    duplicate_rate: float = 0.0
    """Share of valid orders the order service publishes twice."""
    poison_rate: float = 0.0
    """Share of published inputs that are malformed or invalid (non-JSON, bad orders, bad SES events)."""
    ses_throttle_rate: float = 0.0
    """Share of SendEmail calls SES answers with 429 Maximum sending rate exceeded."""
    dynamodb_error_rate: float = 0.0
    """Share of DynamoDB HTTP attempts answered with a transient error (before botocore retries)."""
    unprocessed_keys_rate: float = 0.0
    """Share of BatchGetItem calls for two keys or more that DynamoDB answers only in part (`UnprocessedKeys`)."""
    crash_rate: float = 0.0
    """Share of accepted sends after which the sender's process dies before recording them."""
    feedback_crash_rate: float = 0.0
    """Share of the feedback function's DynamoDB writes after which its process dies."""
    late_event_rate: float = 0.0
    """Share of SES events published late (after `late_event_seconds`)."""
    late_event_seconds: tuple[float, float] = (1.0, 4.0)
    event_duplicate_rate: float = 0.0
    """Share of SES events published twice."""
    very_late_rate: float = 0.0
    """Share of e-mails whose events SES publishes only after `very_late_seconds` (past lease + grace)."""
    very_late_seconds: float = 60.0
    reorder_events: bool = False
    """Publish each e-mail's events in random order."""
    send_rate: float | None = None
    """E-mails per (real) second the local SES accepts; None: no limit."""
    pause_after: float | None = None
    """Pause sending on the configuration set once this share of the inputs is published."""
    pause_seconds: float = 0.0
    """How long the pause lasts before sending is resumed."""
    time_scale: float | None = None
    """Multiply LEASE_SECONDS, SEND_GRACE_SECONDS and the queues' visibility timeouts by this."""

    @classmethod
    def chaos(cls, seed: int, **changes: Any) -> FaultPlan:
        """The chaos profile; time compressed 20x (LEASE 60→3 s, GRACE 900→45 s, visibility 181→9 s,
        hold backoff 900→45 s) and dev's 1 e-mail/s SES rate with it (20/s), sending paused for 20 s
        once 30% of the inputs are published, and 2% of e-mails' events published 60 s late — past
        lease + grace, so a crash before one of those sends was recorded causes a duplicate."""
        plan = cls(seed=seed, duplicate_rate=0.10, poison_rate=0.01, ses_throttle_rate=0.05,
                   dynamodb_error_rate=0.02, unprocessed_keys_rate=0.05, crash_rate=0.01, feedback_crash_rate=0.02,
                   late_event_rate=0.05,
                   event_duplicate_rate=0.05, very_late_rate=0.02, very_late_seconds=60.0, reorder_events=True,
                   send_rate=20.0, pause_after=0.3, pause_seconds=20.0, time_scale=0.05)
        return replace(plan, **changes)

    def to_json(self) -> str:
        """For the function workers (`from_json` reads it back): the fields as named here."""
        return json.dumps(asdict(self), sort_keys=True)

    def report(self) -> dict[str, Any]:
        """For the chaos summary (`local --faults chaos --json`): every field, camelCase like every --json key."""
        return camel_fields(self)

    @classmethod
    def from_json(cls, text: str) -> FaultPlan:
        values = json.loads(text)
        values["late_event_seconds"] = tuple(values.get("late_event_seconds") or (1.0, 4.0))
        return cls(**values)

    @property
    def injects_calls(self) -> bool:
        """Whether function processes need the in-process injector at all."""
        return bool(self.ses_throttle_rate or self.dynamodb_error_rate or self.unprocessed_keys_rate
                    or self.crash_rate or self.feedback_crash_rate)


def profile(name: str, seed: int) -> FaultPlan | None:
    """The plan of a named profile (`--faults`): None for "none"."""
    if name == "none":
        return None
    if name == "chaos":
        return FaultPlan.chaos(seed)
    raise ValueError(f"unknown fault profile {name!r} (choose from {', '.join(PROFILES)})")


def scaled_seconds(declared: int, scale: float, minimum: int = 1) -> int:
    """A declared duration compressed by `scale`, never below `minimum` (pure)."""
    return max(minimum, round(declared * scale))


def scaled_environment(environment: dict[str, str], scale: float | None) -> dict[str, str]:
    """The declared variables with time compressed (pure).

    With a scale: SCALED_VARIABLES multiplied by it, RATE_VARIABLES divided by it. Without one, only
    the hold backoff (HOLD_VARIABLES) is compressed, by LOCAL_HOLD_SCALE.
    """
    changed = dict(environment)
    for name in SCALED_VARIABLES if scale else HOLD_VARIABLES:
        raw = environment.get(name, "").strip()
        if raw.isdigit():
            changed[name] = str(scaled_seconds(int(raw), scale or LOCAL_HOLD_SCALE))
    if scale:
        for name in RATE_VARIABLES:
            raw = environment.get(name, "").strip()
            if raw:
                changed[name] = f"{float(raw) / scale:g}"
    return changed


def compressed_environment(function: str, environment: dict[str, str],
                           scale: float | None) -> tuple[dict[str, str], dict[str, str]]:
    """`scaled_environment`, and what it changed: "function VARIABLE" → "declared → local" (pure).

    The change is a visible, recorded deviation; without a scale only the hold backoff is compressed
    (`LOCAL_HOLD_SCALE`)."""
    scaled = scaled_environment(environment, scale)
    changes = {f"{function} {name}": f"{environment[name]} → {scaled[name]}"
               for name in (*SCALED_VARIABLES, *RATE_VARIABLES) if scaled.get(name) != environment.get(name)}
    return scaled, changes


# -- inside a function's process -------------------------------------------------------------------


class RawBody:
    """The `raw` botocore's AWSResponse reads an answer's bytes from."""

    def __init__(self, data: bytes):
        self._data = data

    def stream(self, **_: Any) -> Any:
        yield self._data


def error_response(url: str, status: int, code: str, message: str, protocol: str) -> Any:
    """An HTTP error answer in the service's wire format, for botocore to parse like a real one."""
    from botocore.awsrequest import AWSResponse, HTTPHeaders

    if protocol == "json":  # DynamoDB (JSON 1.0)
        body = {"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": message}
        headers = {"Content-Type": "application/x-amz-json-1.0"}
    else:  # rest-json (SESv2)
        body = {"message": message}
        headers = {"Content-Type": "application/json", "x-amzn-ErrorType": f"{code}:"}
    data = json.dumps(body).encode()
    headers |= {"Content-Length": str(len(data)), "x-amzn-RequestId": "localmode-fault"}
    return AWSResponse(url, status, HTTPHeaders.from_dict(headers), RawBody(data))


class FaultInjector:
    """Answers a seeded share of AWS calls with errors, and kills the process after some sends."""

    def __init__(self, plan: FaultPlan, function: str, instance: int, on_crash: Callable[[], None]):
        self._plan = plan
        self._function = function
        self._instance = instance
        self._on_crash = on_crash
        self._rng = random.Random(self._seed(0))  # noqa: S311 - simulation, not security
        self.counts: Counter[str] = Counter()

    def _seed(self, invocation: int) -> str:
        return f"{self._plan.seed}/{self._function}/{self._instance}/{invocation}"

    def begin(self, invocation: int) -> None:
        """Reseed for one invocation (the parent's invocation counter survives restarts)."""
        self._rng = random.Random(self._seed(invocation))  # noqa: S311 - simulation, not security

    def attach(self, session: Any) -> None:
        session.register("before-send.dynamodb", self._dynamodb)
        session.register("before-parameter-build.dynamodb.BatchGetItem", self._hold_back_keys)
        session.register("after-call.dynamodb.BatchGetItem", self._return_held_back_keys)
        session.register("before-send.sesv2.SendEmail", self._send_email)
        session.register("after-call.sesv2.SendEmail", self._after_send)
        if os.environ.get("_HANDLER") == FEEDBACK_HANDLER:
            session.register("after-call.dynamodb.UpdateItem", self._after_feedback_write)

    def _dynamodb(self, request: Any, **_: Any) -> Any:
        if self._rng.random() >= self._plan.dynamodb_error_rate:
            return None
        status, code, message = self._rng.choice(DYNAMODB_FAULTS)
        self.counts[f"dynamodb.{code}"] += 1
        return error_response(request.url, status, code, message, "json")

    def _hold_back_keys(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        """Ask DynamoDB for only part of the keys (at least one); `context` keeps the rest for the answer.
        The caller's own request objects are left as they are: it asks again with them."""
        requests = params.get("RequestItems") or {}
        keys = [(table, index) for table, request in requests.items() for index in range(len(request.get("Keys", [])))]
        if len(keys) < 2 or self._rng.random() >= self._plan.unprocessed_keys_rate:
            return
        held = set(self._rng.sample(keys, self._rng.randint(1, len(keys) - 1)))
        def part(table: str, request: dict[str, Any], held_back: bool) -> dict[str, Any]:
            return {**request, "Keys": [key for index, key in enumerate(request.get("Keys", []))
                                        if ((table, index) in held) is held_back]}

        asked = {table: part(table, request, False) for table, request in requests.items()}
        unprocessed = {table: part(table, request, True) for table, request in requests.items()}
        params["RequestItems"] = {table: request for table, request in asked.items() if request["Keys"]}
        context["unprocessedKeys"] = {table: request for table, request in unprocessed.items() if request["Keys"]}
        self.counts["dynamodb.UnprocessedKeys"] += 1

    def _return_held_back_keys(self, parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        held = context.pop("unprocessedKeys", None)
        if held:
            parsed["UnprocessedKeys"] = {**(parsed.get("UnprocessedKeys") or {}), **held}

    def _send_email(self, request: Any, **_: Any) -> Any:
        if self._rng.random() >= self._plan.ses_throttle_rate:
            return None
        self.counts["sesv2.TooManyRequestsException"] += 1
        return error_response(request.url, 429, "TooManyRequestsException", "Maximum sending rate exceeded.",
                              "rest-json")

    def _after_send(self, http_response: Any, parsed: dict[str, Any], **_: Any) -> None:
        if http_response is not None and http_response.status_code < 300 and parsed.get("MessageId"):
            self._crash_at(self._plan.crash_rate, "after_send")

    def _after_feedback_write(self, http_response: Any, **_: Any) -> None:
        """The feedback function dies right after a successful write, before anything else happens."""
        if http_response is not None and http_response.status_code < 300:
            self._crash_at(self._plan.feedback_crash_rate, "after_feedback_write")

    def _crash_at(self, rate: float, point: str) -> None:
        """A share `rate` of the calls kill the process here, as a lost container would (no cleanup)."""
        if self._rng.random() >= rate:
            return
        self.counts[f"crash.{point}"] += 1
        self._on_crash()
        os._exit(CRASH_EXIT_CODE)

    def drain(self) -> dict[str, int]:
        counts, self.counts = dict(self.counts), Counter()
        return counts
