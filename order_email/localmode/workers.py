"""Each Lambda function as a local process, and each SQS event-source mapping as a poller that drives it.

`FunctionWorker` runs one execution environment: a `localmode.lambda_runtime` process whose
environment is exactly the function's declared variables plus what the Lambda runtime itself
provides (region, credentials, AWS_LAMBDA_* names, AWS_ENDPOINT_URL → the emulator). A handler that
needs a variable its component forgot fails here, as it would in AWS.

`QueuePoller` is one concurrent poller of an event-source mapping: receive up to the batch size,
invoke with the event Lambda would build, delete what succeeded, and make the failures visible
again after `retry_delay` seconds, so the queue's redrive policy (maxReceiveCount) moves poison
messages to the DLQ, exactly as SQS does for Lambda.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import select
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from order_email.localmode.emulator import CREDENTIALS, end_process
from order_email.localmode.provisioned import FunctionSpec, MappingSpec

TIMEOUT_GRACE_SECONDS = 5.0
"""Beyond the function's own timeout before a stuck process is killed (Sandbox.Timedout)."""
SQS_RECEIVE_LIMIT = 10

OutputSink = Callable[[str, str, str], None]
"""(function logical name, "stdout" | "stderr", line)."""


def runtime_environment(spec: FunctionSpec, endpoint: str, region: str, task_root: Path,
                        instance: int = 0) -> dict[str, str]:
    """The declared variables plus the Lambda runtime's own; nothing inherited from this process.

    `task_root` holds the unpacked code archive (`/var/task` in Lambda): the only code the handler
    string resolves against. Runtime-reserved names win over declared ones, as Lambda refuses to let
    a function set them.
    """
    runtime = {
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        **CREDENTIALS,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_LAMBDA_FUNCTION_NAME": spec.name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": f"local/[$LATEST]{instance:04d}",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
        "LAMBDA_TASK_ROOT": str(task_root),
        "LAMBDA_RUNTIME_DIR": str(Path(__file__).resolve().parent),
        "_HANDLER": spec.handler,
        "TZ": ":UTC",
        "LANG": "en_US.UTF-8",
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(task_root),
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    return {**spec.environment, **runtime}


@dataclass
class Invocation:
    """One invocation's answer, plus what the process observed while it ran."""

    result: Any = None
    error: dict[str, Any] | None = None
    calls: dict[str, int] = field(default_factory=dict)
    duration_ms: float = 0.0
    cold_start: bool = False
    faults: dict[str, int] = field(default_factory=dict)
    """Faults a chaos run injected during this invocation (`localmode.faults`)."""


class FunctionWorker:
    """One execution environment of a function: a process, invoked one event at a time."""

    def __init__(self, spec: FunctionSpec, endpoint: str, region: str, sink: OutputSink, task_root: Path,
                 instance: int = 0, faults: str | None = None):
        """`task_root`: the unpacked code archive, the process's working directory and import root.
        `faults`: a `FaultPlan` as JSON, handed to the runtime on its command line (chaos runs)."""
        self.spec = spec
        self._task_root = task_root
        self._env = runtime_environment(spec, endpoint, region, task_root, instance)
        self._faults = faults
        self._sink = sink
        self._lock = threading.Lock()
        self._process: subprocess.Popen[str] | None = None
        self._responses: Any = None
        self._sequence = 0

    def start(self) -> FunctionWorker:
        read_fd, write_fd = os.pipe()
        try:
            self._process = subprocess.Popen(  # noqa: S603 - our interpreter, our runtime module
                [sys.executable, "-m", "order_email.localmode.lambda_runtime", str(write_fd),
                 *([self._faults] if self._faults else [])],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                env=self._env, cwd=str(self._task_root), pass_fds=(write_fd,), bufsize=1,
            )
        finally:
            os.close(write_fd)
        self._responses = os.fdopen(read_fd, "r")
        for name, stream in (("stdout", self._process.stdout), ("stderr", self._process.stderr)):
            threading.Thread(target=self._pump, args=(name, stream), daemon=True,
                             name=f"{self.spec.logical_name}-{name}").start()
        return self

    def _pump(self, name: str, stream: Any) -> None:
        for line in stream:
            self._sink(self.spec.logical_name, name, line.rstrip("\n"))

    def invoke(self, event: Any) -> Invocation:
        """Synchronous invoke; a crash or a timeout restarts the process and is reported as an error."""
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                self._restart()
            assert self._process is not None and self._process.stdin is not None
            self._sequence += 1
            request = {"id": self._sequence, "event": event, "requestId": str(uuid.uuid4()),
                       "timeoutMs": int(self.spec.timeout_seconds * 1000), "functionArn": self.spec.arn}
            try:
                self._process.stdin.write(json.dumps(request) + "\n")
                self._process.stdin.flush()
            except BrokenPipeError:
                self._restart()
                return Invocation(error={"errorType": "Runtime.ExitError", "errorMessage": "process exited"})
            ready, _, _ = select.select([self._responses], [], [],
                                        self.spec.timeout_seconds + TIMEOUT_GRACE_SECONDS)
            line = self._responses.readline() if ready else ""
            if not line:
                timed_out = not ready
                self._restart()
                kind = "Sandbox.Timedout" if timed_out else "Runtime.ExitError"
                return Invocation(error={"errorType": kind, "errorMessage": f"{self.spec.name}: {kind}"})
            answer = json.loads(line)
            if answer.get("crashed"):  # the process reported what it saw, then died: start a new one
                self._reap()
            return Invocation(result=answer.get("result"), error=answer.get("error"),
                              calls=answer.get("calls") or {},
                              duration_ms=float(answer.get("durationMs") or 0),
                              cold_start=bool(answer.get("coldStart")), faults=answer.get("faults") or {})

    def _reap(self) -> None:
        """Wait for a process that announced its death, then start its replacement (a cold start)."""
        if self._process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(timeout=TIMEOUT_GRACE_SECONDS)
        self._restart()

    def _restart(self) -> None:
        self.stop()
        self.start()

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        end_process(process, timeout=3)
        if self._responses is not None:
            with contextlib.suppress(OSError):
                self._responses.close()
            self._responses = None


# -- the event-source mapping ---------------------------------------------------------------------


def sqs_record(message: Mapping[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """One record of Lambda's SQS event, from a ReceiveMessage answer (pure)."""
    attributes = {key: str(value) for key, value in (message.get("Attributes") or {}).items()}
    message_attributes = {}
    for name, value in (message.get("MessageAttributes") or {}).items():
        message_attributes[name] = {
            "stringValue": value.get("StringValue"),
            "binaryValue": value.get("BinaryValue"),
            "stringListValues": list(value.get("StringListValues") or []),
            "binaryListValues": list(value.get("BinaryListValues") or []),
            "dataType": value.get("DataType"),
        }
        if message_attributes[name]["binaryValue"] is None:
            del message_attributes[name]["binaryValue"]
    body = message.get("Body") or ""
    record = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": body,
        "attributes": attributes,
        "messageAttributes": message_attributes,
        "md5OfBody": message.get("MD5OfBody") or hashlib.md5(body.encode(), usedforsecurity=False).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    if message.get("MD5OfMessageAttributes"):
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def failed_message_ids(invocation: Invocation, message_ids: Sequence[str], report_failures: bool) -> list[str]:
    """Which messages go back to the queue, by Lambda's rules for SQS mappings (pure).

    An error fails the whole batch. With ReportBatchItemFailures, the listed ids fail; a malformed
    answer (missing/empty/unknown itemIdentifier) fails the whole batch. Without it, success
    deletes everything.
    """
    if invocation.error is not None:
        return list(message_ids)
    if not report_failures or not isinstance(invocation.result, dict):
        return []
    items = invocation.result.get("batchItemFailures")
    if not items:
        return []
    known = set(message_ids)
    failed: list[str] = []
    for item in items:
        identifier = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not identifier or identifier not in known:
            return list(message_ids)
        failed.append(identifier)
    return list(dict.fromkeys(failed))


class Activity:
    """How many batches are being processed right now (the idle check needs it)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._busy = 0

    @contextlib.contextmanager
    def busy(self) -> Iterator[None]:
        with self._lock:
            self._busy += 1
        try:
            yield
        finally:
            with self._lock:
                self._busy -= 1

    @property
    def idle(self) -> bool:
        with self._lock:
            return self._busy == 0


BatchObserver = Callable[[MappingSpec, list[dict[str, Any]], Invocation, list[str]], None]
"""Called after each invocation, before its messages are deleted (SES's part runs here)."""


class QueuePoller(threading.Thread):
    """One concurrent poller of an SQS event-source mapping."""

    def __init__(self, mapping: MappingSpec, worker: FunctionWorker, sqs: Any, region: str,
                 observer: BatchObserver, activity: Activity, stop: threading.Event, retry_delay: int = 1):
        super().__init__(daemon=True, name=f"poller-{mapping.function.logical_name}")
        self._mapping = mapping
        self._worker = worker
        self._sqs = sqs
        self._region = region
        self._observer = observer
        self._activity = activity
        self._halt = stop
        self._retry_delay = retry_delay

    def run(self) -> None:
        while not self._halt.is_set():
            try:
                self._poll_once()
            except Exception as error:  # the emulator went away while stopping, or a transient error
                if self._halt.is_set():
                    return
                self._worker._sink(self._mapping.function.logical_name, "poller", f"poller error: {error!r}")
                self._halt.wait(0.2)

    def _receive(self) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        wait = 1
        while len(messages) < self._mapping.batch_size:
            answer = self._sqs.receive_message(
                QueueUrl=self._mapping.queue.url,
                MaxNumberOfMessages=min(SQS_RECEIVE_LIMIT, self._mapping.batch_size - len(messages)),
                WaitTimeSeconds=wait,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            )
            received = answer.get("Messages") or []
            messages.extend(received)
            if len(received) < SQS_RECEIVE_LIMIT:
                break
            wait = 0
        return messages

    def _poll_once(self) -> None:
        messages = self._receive()  # received messages count as "not visible": the idle check sees them
        if not messages:
            return
        with self._activity.busy():
            records = [sqs_record(message, self._mapping.queue.arn, self._region) for message in messages]
            invocation = self._worker.invoke({"Records": records})
            ids = [record["messageId"] for record in records]
            failed = failed_message_ids(invocation, ids, self._mapping.report_batch_item_failures)
            self._observer(self._mapping, records, invocation, failed)
            self._settle(records, set(failed))

    def _settle(self, records: list[dict[str, Any]], failed: set[str]) -> None:
        done = [record for record in records if record["messageId"] not in failed]
        for start in range(0, len(done), SQS_RECEIVE_LIMIT):
            chunk = done[start:start + SQS_RECEIVE_LIMIT]
            self._sqs.delete_message_batch(QueueUrl=self._mapping.queue.url, Entries=[
                {"Id": str(index), "ReceiptHandle": record["receiptHandle"]} for index, record in enumerate(chunk)])
        again = [record for record in records if record["messageId"] in failed]
        for start in range(0, len(again), SQS_RECEIVE_LIMIT):
            chunk = again[start:start + SQS_RECEIVE_LIMIT]
            self._sqs.change_message_visibility_batch(QueueUrl=self._mapping.queue.url, Entries=[
                {"Id": str(index), "ReceiptHandle": record["receiptHandle"],
                 "VisibilityTimeout": self._retry_delay} for index, record in enumerate(chunk)])
