"""`order-email local` as a newcomer runs it, and the loopback status API of `--serve`."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

from order_email.localmode import LocalSystem
from order_email.localmode.serve import StatusServer
from tests.support.json_keys import non_camel_keys

CLI = Path(sys.executable).parent / "order-email"
SUMMARY_KEYS = {"orders", "sent", "delivered", "bounced", "complained", "suppressed", "deadLettered",
                "duplicatesSkipped", "emailsPerSecond", "awsCallsPerEmail", "outcomes"}


def test_local_json_summary_and_exit_code() -> None:
    result = subprocess.run([str(CLI), "local", "--orders", "12", "--seed", "5", "--json"],
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads(result.stdout)
    assert set(summary) >= SUMMARY_KEYS
    assert summary["ok"] is True and summary["orders"] == 12
    assert all(outcome["expected"] == outcome["actual"] for outcome in summary["outcomes"].values())
    assert "@" not in result.stderr, "a log line leaked an address"
    assert non_camel_keys(summary) == []


def test_serve_answers_status_requests_over_loopback() -> None:
    with LocalSystem("dev") as system:
        system.publish_order({
            "orderId": "SERVE-1", "customerEmail": "success@simulator.amazonses.com", "customerName": "Ada",
            "items": [{"name": "Tea", "quantity": 1, "unitPrice": "3.50"}], "total": "3.50", "currency": "EUR",
            "timestamp": "2026-11-23T07:00:00Z", "metadata": {}})
        system.run_until_idle(timeout=60)
        server = StatusServer(system).start()
        try:
            with urllib.request.urlopen(f"{server.url}/orders/SERVE-1", timeout=30) as answer:
                body = json.loads(answer.read())
            assert answer.status == 200
            assert body["emails"][0]["status"] == "DELIVERED"
            try:
                urllib.request.urlopen(f"{server.url}/orders/NOPE-1", timeout=30)
                raise AssertionError("unknown order answered 200")
            except urllib.error.HTTPError as error:
                assert error.code == 404
        finally:
            server.close()
