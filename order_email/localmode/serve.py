"""`order-email local --serve`: the status API on a loopback HTTP port, for curl and browsers.

Each GET becomes the function-URL event the status Lambda receives in AWS (via
`LocalSystem.status_api`), so what answers here is the deployed handler code, not a copy.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


class StatusServer:
    """Serves `system`'s status API on 127.0.0.1 (a free port unless given) until `close()`."""

    def __init__(self, system: Any, port: int = 0):
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler_for(system))
        self._thread = threading.Thread(target=self._server.serve_forever, name="status-api", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> StatusServer:
        self._thread.start()
        return self

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler_for(system: Any) -> type[BaseHTTPRequestHandler]:
    lock = threading.Lock()  # one status worker process: one invocation at a time, like one Lambda instance

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            with lock:
                status, body = system.status_api(parts.path, dict(parse_qsl(parts.query)))
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the terminal belongs to the summary."""

    return Handler
