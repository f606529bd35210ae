"""The console's status API client: SigV4 for service `lambda` in the URL's region, https only off loopback."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from order_email.console.client import StatusApiClient, StatusApiUnavailable, url_region

CREDENTIALS = Credentials("AKIDEXAMPLE", "secret", "session-token")


@pytest.fixture
def recorder() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A loopback server that records each request's path and headers and answers JSON (or not)."""
    seen: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append({"path": self.path, "headers": dict(self.headers.items())})
            payload = b"<html>gateway</html>" if self.path.startswith("/html") else json.dumps({"ok": 1}).encode()
            self.send_response(502 if self.path.startswith("/html") else 200)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def test_requests_are_signed_for_lambda_in_the_given_region(recorder: tuple[str, list[dict[str, Any]]]) -> None:
    url, seen = recorder
    answer = StatusApiClient(url, CREDENTIALS, "eu-west-1").get("/recipients", {"address": "a b+c@example.com"})
    assert (answer.status, answer.body) == (200, {"ok": 1})
    headers = seen[0]["headers"]
    authorization = headers["Authorization"]
    assert authorization.startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "/eu-west-1/lambda/aws4_request, SignedHeaders=accept;host;x-amz-date;x-amz-security-token" in authorization
    assert seen[0]["path"] == "/recipients?address=a%20b%2Bc%40example.com"
    # what the function URL does: recompute the signature from the request as it arrived
    received = AWSRequest(method="GET", url=url + seen[0]["path"], headers={
        name: value for name, value in headers.items() if name.lower() in ("accept", "x-amz-date", "x-amz-security-token")})
    received.context["timestamp"] = headers["X-Amz-Date"]
    signer = SigV4Auth(CREDENTIALS, "lambda", "eu-west-1")
    expected = signer.signature(signer.string_to_sign(received, signer.canonical_request(received)), received)
    assert authorization.endswith(f"Signature={expected}")


def test_an_answer_that_is_not_json_or_no_answer_is_unavailable(recorder: tuple[str, list[dict[str, Any]]]) -> None:
    url, _ = recorder
    with pytest.raises(StatusApiUnavailable, match="without JSON"):
        StatusApiClient(url, CREDENTIALS, "eu-west-1").get("/html")
    with pytest.raises(StatusApiUnavailable, match="cannot reach"):
        StatusApiClient("http://127.0.0.1:9", CREDENTIALS, "eu-west-1").get("/health")


def test_only_https_or_loopback_http_and_the_region_comes_from_a_function_url() -> None:
    with pytest.raises(ValueError, match="must be https"):
        StatusApiClient("http://status.example.com", CREDENTIALS, "eu-west-1")
    assert url_region("https://abc123.lambda-url.ap-southeast-2.on.aws/") == "ap-southeast-2"
    assert url_region("http://127.0.0.1:8000") is None
