"""The AWS emulator: moto's server app behind the local SES, on 127.0.0.1 and a free port, in its own process.

Its own process, not a thread of the caller: moto keeps its state in module globals (a second
emulator, or a `mock_aws` test in the same interpreter, would share it) and a server thread would
compete for the caller's GIL with the queue pollers. The child prints its port on stdout and
serves until its stdin closes, so it never outlives the parent. The request log is silenced.

Every SESv2 request is answered by the local SES (`ses_api.SesApi` over `ses_service.LocalSes`),
which refuses what Amazon SES refuses and serves local mode's SES controls under `/_localmode/ses/`;
everything else goes to moto unchanged. The server is werkzeug's threaded server with moto's own
request handler, as moto's `ThreadedMotoServer` builds it.

DynamoDB requests are served one at a time (`atomic_dynamodb`): the handlers' correctness rests on
DynamoDB's per-item atomic conditional writes, which moto's threaded server does not provide.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
from botocore.config import Config

REGION = "eu-west-1"
ACCOUNT_ID = "123456789012"
"""moto's default account; the mocked graph uses the same one, so ARNs need no translation."""
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing"}
"""Fake credentials: the emulator accepts any, and nothing here can ever reach real AWS."""
START_TIMEOUT_SECONDS = 30

_REGION_VARIABLE = "LOCALMODE_REGION"
"""Tells the child the region its local SES account lives in (SES names it in some refusals)."""
_CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=30,
                        max_pool_connections=20)


class EmulatorError(RuntimeError):
    """The emulator did not start or stopped answering."""


class Emulator:
    """Start/stop moto server mode; hand out clients pointed at it (parent side only)."""

    def __init__(self, region: str = REGION):
        self.region = region
        self.endpoint: str = ""
        self._process: subprocess.Popen[str] | None = None

    def start(self) -> Emulator:
        env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
        env.update(CREDENTIALS, PYTHONDONTWRITEBYTECODE="1")
        env[_REGION_VARIABLE] = self.region
        self._process = subprocess.Popen(
            [sys.executable, "-m", "order_email.localmode.emulator"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
            env=env,
        )
        assert self._process.stdout is not None
        line = self._process.stdout.readline().strip()
        if not line.isdigit():
            self.stop()
            raise EmulatorError(f"moto server did not start (said {line!r})")
        self.endpoint = f"http://127.0.0.1:{line}"
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.endpoint}/moto-api/data.json", timeout=2):  # noqa: S310
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise EmulatorError(f"moto server at {self.endpoint} is not answering")

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        end_process(process, timeout=5, terminate=True)  # its state is throw-away: no graceful shutdown

    def client(self, service: str) -> Any:
        """A boto3 client for the emulator (never real AWS: explicit endpoint and fake credentials)."""
        if not self.endpoint:
            raise EmulatorError("emulator not started")
        return boto3.session.Session(
            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=CREDENTIALS["AWS_SESSION_TOKEN"],
            region_name=self.region,
        ).client(service, endpoint_url=self.endpoint, config=_CLIENT_CONFIG)  # type: ignore[call-overload]

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextlib.contextmanager
def atomic_dynamodb() -> Iterator[None]:
    """Serve moto's DynamoDB requests one at a time while the context is open.

    Real DynamoDB applies a conditional write atomically per item and never shows a half-applied
    update. moto checks a write's condition, then validates and applies the update in place, with no
    lock: two server threads can both pass `version = :read`, and the later write silently replaces
    the earlier one (a 10,000-order chaos run lost a Complaint that way). One lock around each
    DynamoDB request restores the service's guarantee; the GIL serialised that work anyway.
    """
    from moto.dynamodb.responses import DynamoHandler

    original = DynamoHandler.call_action
    lock = threading.Lock()

    @functools.wraps(original)
    def one_at_a_time(handler: DynamoHandler) -> Any:
        with lock:
            return original(handler)

    DynamoHandler.call_action = one_at_a_time  # type: ignore[method-assign]
    try:
        yield
    finally:
        DynamoHandler.call_action = original  # type: ignore[method-assign]


def serve() -> None:
    """Child entry point: serve on a free port, print it, stop when stdin closes."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server

    from order_email.localmode.ses_api import SesApi
    from order_email.localmode.ses_service import LocalSes

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the request log
    with atomic_dynamodb():
        ses = LocalSes(region=os.environ.get(_REGION_VARIABLE, REGION))
        app = SesApi(DomainDispatcherApplication(create_backend_app), ses)
        server = make_server("127.0.0.1", 0, app, True, request_handler=MotoRequestHandler)
        thread = threading.Thread(target=server.serve_forever, name="emulator", daemon=True)
        thread.start()
        sys.stdout.write(f"{server.server_port}\n")
        sys.stdout.flush()
        with contextlib.suppress(KeyboardInterrupt):
            sys.stdin.read()  # returns at EOF: the parent closed the pipe or died
        server.shutdown()
        thread.join()


if __name__ == "__main__":
    serve()


def end_process(process: subprocess.Popen[Any], timeout: float, terminate: bool = False) -> None:
    """Close a child's stdin (a worker's cue to exit), terminate it if asked, and kill it if it is still
    running after `timeout` seconds."""
    with contextlib.suppress(OSError):
        if process.stdin:
            process.stdin.close()
    if terminate:
        process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)
