"""The webhook handler: signing, backoff, which URLs it accepts, one POST against a real local server, and
a whole SQS batch on moto (secret from SSM at cold start, visibility backoff, partial failures, DLQ)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import Any

import boto3
import pytest

from order_email.handlers.shared.environment import WEBHOOK, ConfigurationError
from order_email.handlers.webhook.batch import NotAStatusChange, encoded, status_change
from order_email.handlers.webhook.endpoint import check_endpoint
from order_email.handlers.webhook.retries import retry_delay, schedule
from order_email.handlers.webhook.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature, signed_headers
from order_email.handlers.webhook.transport import post

SECRET = "whsec-handler-test-0123456789abcdef01234567"
DETAIL = {"schemaVersion": "1.0", "eventId": "a" * 32, "orderId": "o-1", "kind": "order-confirmation",
          "status": "DELIVERED", "previousStatus": "SENT", "sesMessageId": "m-1",
          "timestamp": "2026-01-01T00:00:00.000Z", "reason": None, "recipient": "j***@example.com"}


def bus_event(detail: dict[str, Any] = DETAIL) -> str:
    return json.dumps({"version": "0", "id": "e-1", "source": "order-email", "detail-type": "Email Status Changed",
                       "account": "123456789012", "time": "2026-01-01T00:00:00Z", "region": "eu-west-1",
                       "resources": [], "detail": detail})


# --- pure parts ----------------------------------------------------------------------------------


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body_in_hex() -> None:
    body = encoded(DETAIL)
    expected = hmac.new(SECRET.encode(), b"1767225600." + body, hashlib.sha256).hexdigest()
    assert signature(SECRET.encode(), 1767225600, body) == expected
    headers = signed_headers(SECRET.encode(), 1767225600, body, DETAIL["eventId"])
    assert headers[SIGNATURE_HEADER] == f"v1={expected}" and headers[TIMESTAMP_HEADER] == "1767225600"
    assert signature(SECRET.encode(), 1767225601, body) != expected  # the timestamp is signed too


def test_the_backoff_doubles_up_to_the_cap_and_releases_the_last_attempt() -> None:
    assert schedule(max_attempts=8, base_seconds=30, max_seconds=3600) == [30, 60, 120, 240, 480, 960, 1920]
    assert retry_delay(7, max_attempts=20, base_seconds=30, max_seconds=1000) == 1000
    assert retry_delay(8, max_attempts=8, base_seconds=30, max_seconds=3600) == 0
    assert retry_delay(60, max_attempts=99, base_seconds=30, max_seconds=10**9) == 12 * 3600


@pytest.mark.parametrize("url", ["https://shop.example.com/h", "http://127.0.0.1:9/h", "http://localhost/h",
                                 "http://[::1]/h"])
def test_https_and_loopback_http_are_accepted(url: str) -> None:
    assert check_endpoint(url) == url


@pytest.mark.parametrize(("url", "reason"), [("http://shop.example.com/h", "https"), ("file:///etc/passwd", "absolute"),
                                             ("https://u:p@shop.example.com/", "credentials"), ("gopher://x/", "https")])
def test_other_urls_are_refused(url: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        check_endpoint(url)


def test_only_our_status_change_events_are_deliverable() -> None:
    assert status_change(bus_event()) == DETAIL
    for body, reason in (("nope", "not JSON"), (json.dumps({"source": "x"}), "not a"),
                         (bus_event({"orderId": "o"}), "no eventId")):
        with pytest.raises(NotAStatusChange, match=reason):
            status_change(body)


# --- one POST against a real server ----------------------------------------------------------------


class Server:
    def __init__(self, answer: int, delay: float = 0.0, location: str = "") -> None:
        self.bodies: list[bytes] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                server.bodies.append(self.rfile.read(int(self.headers["Content-Length"])))
                time.sleep(delay)
                self.send_response(answer)
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._http.server_address[1]}/hook"
        threading.Thread(target=self._http.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._http.shutdown()
        self._http.server_close()


@pytest.fixture
def server(request: pytest.FixtureRequest) -> Iterator[Server]:
    running = Server(*request.param)
    yield running
    running.close()


@pytest.mark.parametrize(("server", "delivered", "status"), [
    ((200,), True, 200), ((204,), True, 204), ((500,), False, 500), ((429,), False, 429), ((410,), False, 410),
    ((307, 0.0, "http://127.0.0.1:9/elsewhere"), False, 307),
], indirect=["server"])
def test_a_post_is_delivered_only_on_2xx_and_never_redirected(server: Server, delivered: bool, status: int) -> None:
    attempt = post(server.url, b'{"a":1}', {"Content-Type": "application/json"}, 2)
    assert (attempt.delivered, attempt.status) == (delivered, status)
    assert server.bodies == [b'{"a":1}']


@pytest.mark.parametrize("server", [(200, 1.5)], indirect=True)
def test_a_slow_receiver_times_out(server: Server) -> None:
    started = time.monotonic()
    attempt = post(server.url, b"{}", {}, 0.3)
    assert not attempt.delivered and attempt.status is None and "timed out" in (attempt.error or "")
    assert time.monotonic() - started < 1.4


def test_a_refused_connection_is_a_failed_attempt() -> None:
    attempt = post("http://127.0.0.1:9/hook", b"{}", {}, 1)
    assert not attempt.delivered and attempt.status is None and attempt.error


# --- the handler on moto ---------------------------------------------------------------------------


def _environment(monkeypatch: pytest.MonkeyPatch, url: str) -> tuple[Any, str, str]:
    sqs = boto3.client("sqs")
    queue = sqs.create_queue(QueueName="webhook")["QueueUrl"]
    dlq = sqs.create_queue(QueueName="webhook-dlq")["QueueUrl"]
    boto3.client("ssm").put_parameter(Name="/order-email/t/webhook-secret", Value=SECRET, Type="SecureString")
    for name, value in WEBHOOK.environment(webhook_url=url, secret_parameter="/order-email/t/webhook-secret",
                                           queue_url=queue, dlq_url=dlq, timeout_seconds=2, max_attempts=3,
                                           retry_base_seconds=30, retry_max_seconds=600).items():
        monkeypatch.setenv(name, value)
    from order_email.handlers import webhook_delivery

    webhook_delivery._batch.cache_clear()
    return sqs, queue, dlq


def _received(sqs: Any, queue: str, body: str) -> dict[str, Any]:
    sqs.send_message(QueueUrl=queue, MessageBody=body)
    message = sqs.receive_message(QueueUrl=queue, AttributeNames=["All"])["Messages"][0]
    return {"messageId": message["MessageId"], "receiptHandle": message["ReceiptHandle"], "body": message["Body"],
            "attributes": message["Attributes"]}


CONTEXT = SimpleNamespace(get_remaining_time_in_millis=lambda: 60_000)


@pytest.mark.parametrize("server", [(503,)], indirect=True)
def test_a_failed_delivery_is_reported_and_backed_off(aws: None, monkeypatch: pytest.MonkeyPatch,
                                                      server: Server) -> None:
    from order_email.handlers.webhook_delivery import handler

    sqs, queue, _ = _environment(monkeypatch, server.url)
    record = _received(sqs, queue, bus_event())
    assert handler({"Records": [record]}, CONTEXT) == {"batchItemFailures": [{"itemIdentifier": record["messageId"]}]}
    assert server.bodies == [encoded(DETAIL)]
    attributes = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "1"  # hidden for the 30 s backoff


@pytest.mark.parametrize("server", [(200,)], indirect=True)
def test_a_batch_delivers_what_it_can_and_dead_letters_what_is_no_status_change(
        aws: None, monkeypatch: pytest.MonkeyPatch, server: Server) -> None:
    from order_email.handlers.webhook_delivery import handler

    sqs, queue, dlq = _environment(monkeypatch, server.url)
    good, bad = _received(sqs, queue, bus_event()), _received(sqs, queue, "not an event")
    assert handler({"Records": [good, bad]}, CONTEXT) == {"batchItemFailures": []}
    assert server.bodies == [encoded(DETAIL)]
    [letter] = sqs.receive_message(QueueUrl=dlq, MessageAttributeNames=["All"])["Messages"]
    assert letter["Body"] == "not an event"
    assert letter["MessageAttributes"]["errorType"]["StringValue"] == "NotAStatusChange"


def test_records_left_without_time_for_a_post_wait_for_the_next_invocation(
        aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from order_email.handlers.webhook_delivery import handler

    sqs, queue, _ = _environment(monkeypatch, "http://127.0.0.1:9/never-called")
    record = _received(sqs, queue, bus_event())
    short = SimpleNamespace(get_remaining_time_in_millis=lambda: 1000)
    assert handler({"Records": [record]}, short) == {"batchItemFailures": [{"itemIdentifier": record["messageId"]}]}


def test_a_non_https_url_fails_every_invocation_naming_the_variable(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from order_email.handlers.webhook_delivery import handler

    _environment(monkeypatch, "http://shop.example.com/hook")
    with pytest.raises(ConfigurationError, match="WEBHOOK_URL must be an https"):
        handler({"Records": []}, CONTEXT)
