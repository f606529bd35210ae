"""The console's HTTP server: the standard library's threading server on 127.0.0.1, nothing else.

Bound to loopback only: the pages show what the operator's credentials may read, so they are for
that operator's browser, not for the network. Request lines are not logged (a path may hold an
order id; the recipient search is posted so that no address is in a path at all).
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from order_email.console.pages import Console, Page

MAX_FORM_BYTES = 4096
"""A search form is one short field; longer bodies are refused (413)."""


class ConsoleServer:
    """Serves `console`'s pages on 127.0.0.1:`port` (a free port when 0) until `close()`."""

    def __init__(self, console: Console, port: int = 0):
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler_for(console))
        self._thread = threading.Thread(target=self._server.serve_forever, name="console", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> ConsoleServer:
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler_for(console: Console) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._send(console.page(self.path))

        def do_POST(self) -> None:
            length = self.headers.get("Content-Length", "0")
            if not length.isdigit() or int(length) > MAX_FORM_BYTES:
                self._send(Page(413, "form too large\n", {"Content-Type": "text/plain; charset=utf-8"}))
                return
            self._send(console.page(self.path, self.rfile.read(int(length)).decode("utf-8", "replace")))

        def _send(self, page: Page) -> None:
            payload = page.html.encode()
            self.send_response(page.status)
            headers = {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store",
                       "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                                                  "form-action 'self'; img-src 'self'",
                       "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff"} | page.headers
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: see the module docstring."""

    return Handler
