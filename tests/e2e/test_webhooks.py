"""Webhooks end to end: every status change reaches a real HTTP receiver on 127.0.0.1, signed, retried
through the queue's backoff while the receiver fails, and dead-lettered when it never recovers."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from order_email.localmode import LocalSystem
from tests.support.local_system import SIM, order

SECRET = "whsec-local-test-0123456789abcdef0123456789"


def verify(secret: str, headers: Any, body: bytes, now: float, tolerance: int = 300) -> bool:
    """The receiver's recipe from README "Webhooks", verbatim."""
    timestamp = headers["X-Order-Email-Timestamp"]
    scheme, _, received = headers["X-Order-Email-Signature"].partition("=")
    if scheme != "v1" or abs(now - int(timestamp)) > tolerance:
        return False
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, received)


class Receiver:
    """A shop's endpoint: answers 500 to the first `failures` deliveries of each change, then 200."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                event_id = self.headers["X-Order-Email-Event-Id"]
                with receiver._lock:
                    tries = sum(1 for seen in receiver.requests if seen["eventId"] == event_id)
                    accepted = tries >= receiver.failures
                    receiver.requests.append({"eventId": event_id, "body": body, "accepted": accepted,
                                              "valid": verify(SECRET, self.headers, body, time.time()),
                                              "at": time.time()})
                self.send_response(200 if accepted else 500)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hooks/order-email"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def accepted(self) -> dict[str, dict[str, Any]]:
        return {seen["eventId"]: json.loads(seen["body"]) for seen in self.requests if seen["accepted"]}


def run_with(receiver: Receiver, max_attempts: int) -> Iterator[LocalSystem]:
    with LocalSystem(stack="dev", config={"webhook": {"url": receiver.url, "secret": SECRET,
                                                      "maxAttempts": max_attempts}}) as system:
        yield system


@pytest.fixture
def flaky() -> Iterator[Receiver]:
    receiver = Receiver(failures=2)
    yield receiver
    receiver.close()


@pytest.fixture
def broken() -> Iterator[Receiver]:
    receiver = Receiver(failures=10**6)
    yield receiver
    receiver.close()


def test_a_receiver_that_fails_twice_gets_every_status_change_signed(flaky: Receiver) -> None:
    for system in run_with(flaky, max_attempts=5):
        system.publish_order(order("W.1", f"success+w1@{SIM}"))
        system.publish_order(order("W.2", f"bounce+w2@{SIM}"))
        system.run_until_idle(timeout=150)

        on_bus = {event["detail"]["eventId"]: event["detail"] for event in system.status_events()}
        assert {detail["orderId"] for detail in on_bus.values()} == {"W.1", "W.2"}
        assert flaky.accepted() == on_bus  # each change, exactly its detail, nothing lost
        assert all(seen["valid"] for seen in flaky.requests)
        tries = Counter(seen["eventId"] for seen in flaky.requests)
        assert set(tries.values()) == {3}  # two 500s, then the 200
        webhook = next(name for name in system.function_names() if "webhook" in name)
        assert system.aws_calls(webhook).get("sqs.ChangeMessageVisibility", 0) == 2 * len(on_bus)
        retried = [line for line in system.logs(webhook) if "retried after the backoff" in line]
        assert len(retried) == 2 * len(on_bus) and all('"retryInSeconds":' in line for line in retried)
        assert not any("webhook" in name and letters for name, letters in system.dead_letters().items())
        assert SECRET not in "\n".join(system.logs(webhook))


def test_a_receiver_that_always_fails_leaves_the_changes_in_the_webhook_dlq(broken: Receiver) -> None:
    for system in run_with(broken, max_attempts=2):
        system.publish_order(order("W.3", f"success+w3@{SIM}"))
        system.run_until_idle(timeout=150)

        on_bus = {event["detail"]["eventId"] for event in system.status_events()}
        assert on_bus and Counter(seen["eventId"] for seen in broken.requests) == dict.fromkeys(on_bus, 2)
        letters = next(letters for name, letters in system.dead_letters().items() if "webhook-dlq" in name)
        assert {json.loads(letter["body"])["detail"]["eventId"] for letter in letters} == on_bus
