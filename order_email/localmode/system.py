"""`LocalSystem`: the stack's runtime on the local emulator, as a Python API (and the e2e tests' driver).

    with LocalSystem(stack="dev") as system:
        system.publish_order(order)
        system.run_until_idle()
        system.deliveries(order["orderId"])   # GET /orders/{id} of the status API

Start-up: the Pulumi program runs under mocks (`mockstack.run_stack`), `provision` creates what the
graph declares in the emulator, one worker process per function and concurrency slot is started
with exactly the declared environment, and one poller per slot drives each SQS mapping.

Chaos runs (`faults=FaultPlan(...)`, see `localmode.faults`) inject faults where AWS has them and
may compress time (`time_scale`): LEASE_SECONDS and SEND_GRACE_SECONDS in the functions' declared
environment and the queues' visibility timeout (the retry delay of failed records) are multiplied
by the scale, so a crash's lease and grace run out in seconds instead of minutes. `time_compression`
lists every value changed; handler code is untouched.

What the system shows without changing it is `observation.SystemObservation` (a mixin of this
class); the status API is invoked with the event a function URL builds (`function_url`), and
schedule-triggered functions (the quota probe) run when `run_scheduled()` says so (`schedules`).
"""

from __future__ import annotations

import functools
import json
import logging
import os
import shutil
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from order_email.cli.common import STACK_OUTPUTS_ENV
from order_email.handlers.shared.event_types import EVENT_TYPE_ATTRIBUTE, ORDER_EVENT_TYPE
from order_email.localmode.bus_tap import BusTap
from order_email.localmode.capture import parse_emf
from order_email.localmode.config_overrides import config_overrides
from order_email.localmode.emulator import ACCOUNT_ID, CREDENTIALS, Emulator
from order_email.localmode.faults import FaultPlan, compressed_environment, scaled_seconds
from order_email.localmode.function_code import unpack
from order_email.localmode.function_url import function_url_event
from order_email.localmode.observation import SystemObservation
from order_email.localmode.pipes import PipeRunner, pipe_specs
from order_email.localmode.provision import FunctionSpec, MappingSpec, Provisioned, provision
from order_email.localmode.roles import Roles, roles_of, url_parts
from order_email.localmode.schedules import ScheduleSpec, schedule_specs, scheduled_event
from order_email.localmode.serve import StatusServer
from order_email.localmode.ses_controls import SesControls
from order_email.localmode.ses_feed import AcceptedFeed
from order_email.localmode.ses_simulator import SesSimulator, SimulatorOptions, event_message_id
from order_email.localmode.workers import Activity, FunctionWorker, Invocation, QueuePoller
from order_email.mockstack import Project, StackRun, run_stack

log = logging.getLogger("localmode")

IDLE_CHECKS = 2
"""Consecutive idle observations (IDLE_PAUSE apart) before the system counts as idle."""
IDLE_PAUSE_SECONDS = 0.15
BACKLOG_LIMIT = 100
"""Messages a long local run keeps queued before it publishes more. moto's SQS costs O(queued
messages) per receive and per attribute read, so publishing 10,000 orders at once makes the run
quadratic; a bounded backlog keeps every request cheap (a publisher at a steady rate, as in life)."""


class FunctionError(RuntimeError):
    """A function invocation failed (init error, exception, timeout)."""


class LocalSystem(SystemObservation):
    """The whole system on moto: start with `with`, drive with publish_* and run_until_idle."""

    def __init__(self, stack: str = "dev", *, project_dir: Path | str | None = None, graph: StackRun | None = None,
                 concurrency: int | None = None, retry_delay: int = 1, simulator: SimulatorOptions | None = None,
                 echo_logs: bool = False, faults: FaultPlan | None = None, time_scale: float | None = None,
                 config: Mapping[str, Any] | None = None):
        """`project_dir` holds the Pulumi program to run (default: the current directory); `graph`
        replaces its recorded graph (tests alter it to prove wiring comes from it);
        `concurrency` caps each mapping's MaximumConcurrency (default: the CPU count); failed records
        become visible again after `retry_delay` seconds; `echo_logs` prints the handlers' output.

        `faults` injects a chaos plan (SES event faults come from it unless `simulator` is given);
        `time_scale` (default: the plan's) compresses lease, grace and visibility timeouts, and then
        replaces `retry_delay` with each queue's scaled visibility timeout.

        `config` overrides the stack's config for this run (`localmode.config_overrides`), e.g.
        `{"webhook": {"url": "http://127.0.0.1:8080/hook", "secret": "..."}}`."""
        super().__init__()
        self.stack = stack
        self.project_dir = project_dir
        self._config = dict(config or {})
        self._graph = graph
        self._concurrency = concurrency or max(1, os.cpu_count() or 1)
        self._retry_delay = retry_delay
        self.faults = faults
        self.time_scale = time_scale if time_scale is not None else (faults.time_scale if faults else None)
        self.time_compression: dict[str, str] = {}
        """What the time scale changed: "function VARIABLE" / "queue visibility" → "declared → local"."""
        self._simulator_options = simulator or (SimulatorOptions.of_plan(faults) if faults else SimulatorOptions())
        self._echo = echo_logs
        self.emulator = Emulator()
        self.resources: Provisioned | None = None
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._activity = Activity()
        self._workers: list[FunctionWorker] = []
        self._pollers: list[QueuePoller] = []
        self._status_worker: FunctionWorker | None = None
        self._intake: FunctionSpec | None = None
        self._intake_worker: FunctionWorker | None = None
        """Started by the first `order_api` call: a run that posts no order pays for no extra process."""
        self._intake_lock = threading.Lock()
        self._status_server: StatusServer | None = None
        self._schedules: list[ScheduleSpec] = []
        self._scheduled_workers: dict[str, FunctionWorker] = {}
        self._simulator: SesSimulator | None = None
        self._feed: AcceptedFeed | None = None
        self._pipes: list[PipeRunner] = []
        self._taps: dict[str, BusTap] = {}
        self._workdir: Path | None = None
        """Holds the unpacked code archives and the outputs file; removed by stop()."""
        self._task_roots: dict[str, Path] = {}
        self.roles: Roles | None = None
        """Which provisioned resource is the orders topic, the deliveries table, … (`localmode.roles`)."""
        self.ses: SesControls | None = None
        """The local SES's controls: pause()/resume(), verify_identity(), set_limits(), delay_events(), …"""
        self.published_at: dict[str, float] = {}
        """orderId → when `publish_order` published it (first time)."""
        self.feedback_done_at: dict[str, float] = {}
        """SES message id → when the feedback function last finished an event of it."""

    # -- lifecycle -------------------------------------------------------------------------------

    def __enter__(self) -> LocalSystem:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> LocalSystem:
        try:
            self._graph = self._graph or run_stack(self.stack, project_dir=self.project_dir, overrides=config_overrides(
                self._config, Project.at(self.project_dir).name))
            self._workdir = Path(tempfile.mkdtemp(prefix="order-email-local-"))
            self.emulator.start()
            self.ses = self._ses_controls()
            self.resources = provision(self._graph, self.client, self.ses)
            self.roles = roles_of(self.resources)
            self._simulator = SesSimulator(self.resources.event_destinations, self._publish_batch,
                                           self._simulator_options)
            self.ses.configuration_set, self.ses.identity = self.resources.stack_ses()
            self._write_outputs(self.resources)
            self._feed = AcceptedFeed(self.ses, self._accepted, self._stop)
            self._feed.start()
            for mapping in self.resources.mappings:
                if mapping.enabled:
                    self._start_mapping(mapping)
            status, self._intake = url_parts(self.resources)
            if status is not None:
                self._status_worker = self._worker(status, 0)
            self._start_pipes(self.resources)
            self._schedules = schedule_specs(self._graph, self.resources)
            for poller in self._pollers:
                poller.start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start_pipes(self, resources: Provisioned) -> None:
        """Each pipe of the graph runs as a local runner; a tap on its bus records what arrives."""
        assert self._graph is not None
        for spec in pipe_specs(self._graph, resources):
            enrich = None
            if spec.enrichment is not None:
                worker = self._worker(self._compressed(spec.enrichment), 0)
                enrich = functools.partial(self._invoke, worker)
            self._taps.setdefault(spec.bus_arn, BusTap(self.client, spec.bus_arn.rpartition("/")[2],
                                                       sources=[spec.source], stop=self._stop))
            runner = PipeRunner(spec, self.client, enrich, self._stop)
            self._pipes.append(runner)
            runner.start()

    def _invoke(self, worker: FunctionWorker, event: Any) -> Any:
        """A synchronous invocation (as a pipe's enrichment is); raises if the function failed."""
        invocation = worker.invoke(event)
        self._record(worker.spec, invocation)
        if invocation.error is not None:
            raise FunctionError(f"{invocation.error.get('errorType')}: {invocation.error.get('errorMessage')}")
        return invocation.result

    def _ses_controls(self) -> SesControls:
        simulator = self._simulator_hook
        return SesControls(self.emulator.endpoint, self.client("sesv2"), configuration_set=None, identity=None,
                           on_delay_events=lambda seconds: simulator().delay_events(seconds))

    def _worker(self, spec: FunctionSpec, instance: int, faults: str | None = None) -> FunctionWorker:
        worker = FunctionWorker(spec, self.emulator.endpoint, self.emulator.region, self._output,
                                self._task_root(spec), instance, faults)
        self._workers.append(worker.start())
        return worker

    def _task_root(self, spec: FunctionSpec) -> Path:
        """The function's declared code archive, unpacked once and shared by its workers."""
        if spec.logical_name not in self._task_roots:
            assert self._workdir is not None
            self._task_roots[spec.logical_name] = unpack(spec.logical_name, spec.code,
                                                         self._workdir / "code" / spec.logical_name)
        return self._task_roots[spec.logical_name]

    def _start_mapping(self, mapping: MappingSpec) -> None:
        slots = max(1, min(mapping.maximum_concurrency or self._concurrency, self._concurrency))
        mapping = replace(mapping, function=self._compressed(mapping.function))
        retry_delay = self._compressed_visibility(mapping)
        faults = self.faults.to_json() if self.faults is not None and self.faults.injects_calls else None
        for instance in range(slots):
            worker = self._worker(mapping.function, instance, faults)
            self._pollers.append(QueuePoller(mapping, worker, self.client("sqs"), self.emulator.region,
                                             self._observe, self._activity, self._stop, retry_delay))

    def _compressed(self, spec: FunctionSpec) -> FunctionSpec:
        """The function as local mode runs it (`faults.compressed_environment`); changes go to time_compression."""
        environment, changes = compressed_environment(spec.logical_name, spec.environment, self.time_scale)
        self.time_compression.update(changes)
        return replace(spec, environment=environment)

    def _compressed_visibility(self, mapping: MappingSpec) -> int:
        """Seconds a failed record stays invisible: the queue's scaled visibility timeout, or retry_delay."""
        if not self.time_scale:
            return self._retry_delay
        declared = int(self.client("sqs").get_queue_attributes(
            QueueUrl=mapping.queue.url, AttributeNames=["VisibilityTimeout"])["Attributes"]["VisibilityTimeout"])
        local = scaled_seconds(declared, self.time_scale)
        self.time_compression[f"{mapping.queue.logical_name} visibility timeout"] = f"{declared} → {local}"
        return local

    def stop(self) -> None:
        self._stop.set()
        for thread in [self._feed, *self._pipes]:
            if thread is not None and thread.is_alive():
                thread.join(timeout=5)
        if self._simulator is not None:
            self._simulator.close()
        for poller in self._pollers:
            poller.join(timeout=5)
        if self._status_server is not None:
            self._status_server.close()
            self._status_server = None
        for worker in self._workers:
            worker.stop()
        self._workers.clear()
        self.emulator.stop()
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)

    def cli_environment(self) -> dict[str, str]:
        """The variables that point every `order-email` command at this system as at a deployed stack.

        The emulator endpoint, region and (fake) credentials, and `ORDER_EMAIL_STACK_OUTPUTS`: a file
        with the stack's outputs as `pulumi stack output --json` prints them, in the emulator's
        values (queue URLs, topic ARNs), which the commands read instead of asking the Pulumi CLI.
        """
        if self._workdir is None:
            raise RuntimeError("LocalSystem is not started")
        return {"AWS_ENDPOINT_URL": self.emulator.endpoint, "AWS_REGION": self.emulator.region,
                "AWS_DEFAULT_REGION": self.emulator.region, **CREDENTIALS,
                STACK_OUTPUTS_ENV: str(self._workdir / "stack-outputs.json")}

    def _write_outputs(self, resources: Provisioned) -> None:
        """The program's outputs, plus the ones the CLI reads derived from the graph (a consumer
        program may export none of them, or under other names)."""
        assert self._workdir is not None and self.roles is not None and self._graph is not None
        outputs = {**self.roles.as_outputs(), **resources.translation(self._graph.outputs)}
        if self._status_server is not None:
            outputs["statusApiUrl"] = self._status_server.url
        (self._workdir / "stack-outputs.json").write_text(json.dumps(outputs, indent=2, default=str))

    # -- what the workers report -----------------------------------------------------------------

    def _output(self, function: str, stream: str, line: str) -> None:
        document = parse_emf(line) if stream == "stdout" else None
        with self._lock:
            if document is not None:
                self._emf.append({"function": function, **document})
            else:
                self._logs.append((function, stream, line))
        if self._echo:
            print(f"[{function}] {line}", flush=True)

    def _record(self, function: FunctionSpec, invocation: Invocation) -> None:
        with self._lock:
            self._invocations[function.logical_name] += 1
            self._calls.update(invocation.calls)
            self._calls_by_function.setdefault(function.logical_name, Counter()).update(invocation.calls)
            self._faults.update(invocation.faults)
            if invocation.error is not None:
                self._errors.append({"function": function.logical_name, "at": time.time(),
                                     "errorType": invocation.error.get("errorType"),
                                     "errorMessage": invocation.error.get("errorMessage")})
        if invocation.error is not None:
            log.error("%s failed: %s: %s", function.logical_name, invocation.error.get("errorType"),
                      invocation.error.get("errorMessage"))

    def _observe(self, mapping: MappingSpec, records: list[dict[str, Any]], invocation: Invocation,
                 failed: list[str]) -> None:
        self._record(mapping.function, invocation)
        done_at = time.time()
        failed_ids = set(failed)
        for record in records:
            if record["messageId"] in failed_ids:
                continue
            message_id = event_message_id(record.get("body") or "")
            if message_id:
                with self._lock:
                    self.feedback_done_at[message_id] = done_at

    def _accepted(self, emails: list[dict[str, Any]]) -> None:
        """What the local SES accepted (any client): kept for `sent_emails`, its events published."""
        with self._lock:
            self._sent.extend(emails)
        self._simulator_hook().accept(emails)

    def _publish_batch(self, topic_arn: str, messages: list[str]) -> None:
        sns = self.client("sns")
        for start in range(0, len(messages), 10):
            chunk = messages[start:start + 10]
            sns.publish_batch(TopicArn=topic_arn, PublishBatchRequestEntries=[
                {"Id": str(index), "Message": message} for index, message in enumerate(chunk)])

    # -- driving ---------------------------------------------------------------------------------

    def publish_order(self, order: Mapping[str, Any]) -> str:
        """Publish an order event to the orders topic, as the order service does; returns the SNS id."""
        order_id = str(order.get("orderId", ""))
        with self._lock:
            self.published_at.setdefault(order_id, time.time())
        return self.publish_raw(json.dumps(order, default=str), {EVENT_TYPE_ATTRIBUTE: ORDER_EVENT_TYPE})

    def publish_raw(self, body: str, attributes: Mapping[str, Any] | None = None) -> str:
        """Publish any body (a bad one, too) to the orders topic; attribute values are strings."""
        message_attributes = {
            name: value if isinstance(value, dict) else {"DataType": "String", "StringValue": str(value)}
            for name, value in (attributes or {}).items()
        }
        answer = self.client("sns").publish(TopicArn=self._roles.orders_topic_arn, Message=body,
                                            MessageAttributes=message_attributes)
        return str(answer["MessageId"])

    def publish_ses_event(self, event: Mapping[str, Any] | str) -> None:
        """Publish an SES event (dict or text) to the ses-events topic, as SES would."""
        body = event if isinstance(event, str) else json.dumps(event, default=str)
        topics = list(dict.fromkeys(d.topic_arn for d in self._resources.event_destinations))
        if not topics:
            raise RuntimeError("the graph declares no SES event destination")
        self._publish_batch(topics[0], [body])

    def suppress(self, address: str, reason: str = "MANUAL") -> None:
        """Put an address on the suppression list up front, as an operator would."""
        from order_email.handlers.shared.schema import utc_now
        from order_email.handlers.shared.suppression_item import SuppressionReason, suppression_item

        self.client("dynamodb").put_item(TableName=self._roles.suppression_table, Item=suppression_item(
            address, SuppressionReason(reason), utc_now(), "localmode"))

    def in_flight(self) -> int:
        """Messages waiting or being processed in the mapped queues, plus batches being handled."""
        sqs = self.client("sqs")
        total = self._feed.drain() if self._feed is not None else 0
        total += sum(pipe.drain() for pipe in self._pipes)
        total += 0 if self._activity.idle else 1
        total += self._simulator.pending() if self._simulator is not None else 0
        for mapping in self._resources.mappings:
            attributes = sqs.get_queue_attributes(QueueUrl=mapping.queue.url, AttributeNames=[
                "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                "ApproximateNumberOfMessagesDelayed"])["Attributes"]
            total += sum(int(value) for value in attributes.values())
        return total

    def wait_for_backlog(self, limit: int = BACKLOG_LIMIT) -> None:
        """Block while more than `limit` messages are queued or in flight (see `BACKLOG_LIMIT`)."""
        while self.in_flight() > limit:
            time.sleep(IDLE_PAUSE_SECONDS)

    def run_scheduled(self) -> dict[str, Any]:
        """Invoke each schedule-triggered function once, with the event its rule sends (a worker each,
        started on first use); {function logical name: its answer}. FunctionError when one fails.

        Local mode keeps no schedule clock: call this where the schedule would have fired."""
        answers: dict[str, Any] = {}
        for spec in self._schedules:
            name = spec.function.logical_name
            if name not in self._scheduled_workers:
                self._scheduled_workers[name] = self._worker(spec.function, 0)
            answers[name] = self._invoke(self._scheduled_workers[name],
                                         scheduled_event(spec, self.emulator.region, ACCOUNT_ID))
        return answers

    def run_until_idle(self, timeout: float = 60, on_poll: Callable[[int], None] | None = None) -> None:
        """Block until no queue holds work and no batch is being processed; TimeoutError otherwise.

        `on_poll` hears the number of messages still in flight at every check (for progress bars).
        """
        deadline = time.monotonic() + timeout
        quiet = 0
        while quiet < IDLE_CHECKS:
            if time.monotonic() > deadline:
                raise TimeoutError(f"still {self.in_flight()} message(s) in flight after {timeout}s")
            waiting = self.in_flight()
            if on_poll is not None:
                on_poll(waiting)
            quiet = quiet + 1 if waiting == 0 else 0
            time.sleep(IDLE_PAUSE_SECONDS)

    # -- looking ---------------------------------------------------------------------------------

    def status_api(self, path: str, query: Mapping[str, str] | None = None) -> tuple[int, Any]:
        """Invoke the status function as its function URL would; (status code, parsed JSON body)."""
        if self._status_worker is None:
            raise RuntimeError("the graph declares no function URL")
        return self._url_answer(self._invoke(self._status_worker,
                                             function_url_event("GET", path, query, self._status_worker.spec)))

    def order_api(self, body: str, event_type: str | None = None) -> tuple[int, Any]:
        """POST `body` (JSON text) to the order intake as its function URL would; (status code, parsed JSON).

        The event is the one Lambda builds for `POST /orders` (`?eventType=` when given, e.g.
        `order.shipped`) with `Content-Type: application/json`; a 202 means the event is on the orders
        topic (`run_until_idle` then lets it be sent)."""
        if self._intake is None:
            raise RuntimeError("the graph declares no order intake (no function URL function sets ORDERS_TOPIC_ARN)")
        with self._intake_lock:
            if self._intake_worker is None:
                self._intake_worker = self._worker(self._intake, 0)
            worker = self._intake_worker
        code, answer = self._url_answer(self._invoke(worker, function_url_event(
            "POST", "/orders", {"eventType": event_type} if event_type else None, worker.spec, body=body)))
        if code == 202:
            with self._lock:
                self.published_at.setdefault(str(answer["orderId"]), time.time())
        return code, answer

    @staticmethod
    def _url_answer(answer: Any) -> tuple[int, Any]:
        """A function URL response as the caller reads it: (status code, parsed JSON body)."""
        answer = answer or {}
        body = answer.get("body")
        return int(answer.get("statusCode", 200)), json.loads(body) if isinstance(body, str) and body else body

    def serve_status_api(self, port: int = 0) -> str:
        """Serve the status API on a loopback URL until `stop()` (`serve.StatusServer`) and make it the
        `statusApiUrl` of `cli_environment()`'s outputs: `order-email console` then reaches it as it
        reaches a deployed stack's function URL. Returns the URL; serving twice returns the same."""
        if self._status_server is None:
            self._status_server = StatusServer(self, port).start()
            self._write_outputs(self._resources)
        return self._status_server.url

    def deliveries(self, order_id: str) -> Any:
        """The status API's JSON for GET /orders/{order_id} (404 answers come back as their JSON)."""
        return self.status_api(f"/orders/{order_id}")[1]
