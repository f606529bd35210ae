"""`order-email console` in a real headless Chromium, against a local system, as an operator uses it.

The system runs in this process; the console is the installed command in a subprocess, pointed at
the system only by `LocalSystem.cli_environment()` (its outputs name the loopback status API of
`serve_status_api`), exactly as a shell with those variables exported would run it. The browser is
Debian's `chromium`, driven by Playwright; the module installs the package when it is missing.
The home page's screenshot is the README's (`docs/console.png`).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from order_email.handlers.shared.event_types import EVENT_TYPE_ATTRIBUTE, ORDER_EVENT_TYPE
from order_email.localmode import LocalSystem
from tests.support.local_system import SIM, order, status
from tests.support.paths import REPO

CLI = Path(sys.executable).parent / "order-email"
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT = REPO / "docs" / "console.png"
REFRESH_SCREENSHOT_ENV = "ORDER_EMAIL_REFRESH_SCREENSHOT"
"""Set (to anything) to write the screenshot to `SCREENSHOT`; otherwise a run leaves the checkout as it was."""
DELIVERED, BOUNCED, SUPPRESSED, HELD = "WEB-1001", "SHOP/2002", "WEB-1003", "WEB-1004"
"""One order per outcome; the bounced one's id needs percent-encoding in a path."""
FULL_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
"""An address with its local part: a masked one (`s***@…`) has none before its `@`."""


def chromium() -> Path:
    """Debian's chromium, installed with apt-get when missing (a fresh CI machine has no browser)."""
    if not CHROMIUM.exists():
        environment = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
        for command in (["apt-get", "update"], ["apt-get", "install", "-y", "--no-install-recommends", "chromium"]):
            subprocess.run(command, check=True, env=environment, capture_output=True, timeout=900)
    return CHROMIUM


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the console exited: {process.communicate()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"the console did not listen on {port} within {timeout}s")


@pytest.fixture(scope="module")
def system() -> Iterator[LocalSystem]:
    with LocalSystem("dev") as running:
        running.publish_order(order(DELIVERED, f"success@{SIM}"))
        for number, label in enumerate(("web", "app"), start=1):  # more rows for the screenshot
            running.publish_order(order(f"{label.upper()}-77{number}", f"success+{label}@{SIM}"))
        running.publish_order(order(BOUNCED, f"bounce@{SIM}", customerName="Ada Lovelace"))
        running.publish_raw("{not an order", {EVENT_TYPE_ATTRIBUTE: ORDER_EVENT_TYPE})  # dead-lettered
        running.run_until_idle(timeout=300)
        running.publish_order(order(SUPPRESSED, f"bounce@{SIM}"))  # the bounce suppressed the address
        running.run_until_idle(timeout=300)
        assert running.ses is not None
        running.ses.pause()  # the account's refusal: the next order is held (and retried) until resume()
        running.publish_order(order(HELD, f"success@{SIM}"))
        deadline = time.monotonic() + 120
        while status(running, HELD) != "HELD":
            assert time.monotonic() < deadline, f"{HELD} was not held"
            time.sleep(0.5)
        running.serve_status_api()
        yield running


@pytest.fixture(scope="module")
def console(system: LocalSystem) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen([str(CLI), "console", "--port", str(port)],
                               env=os.environ | system.cli_environment(), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = chromium()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(executable), args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    opened = browser.new_page(viewport={"width": 1280, "height": 760})
    yield opened
    opened.close()


def visible(page: Page) -> str:
    return page.inner_text("body")


def assert_no_full_address(page: Page) -> None:
    """Neither the text a person reads nor the HTML behind it (links, attributes) holds an address."""
    for where, text in (("text", visible(page)), ("html", page.content())):
        found = [match.group(0) for match in FULL_ADDRESS.finditer(text)]
        assert found == [], f"full address in the page {where}: {found}"


def home_while_held(console: str, page: Page, timeout: float = 90) -> Any:
    """The home page at a moment the held order is HELD: SES stays paused, so the sender retries it, and
    during each retry it is SENDING (claimed) for a moment before it is held again; a person reloads."""
    deadline = time.monotonic() + timeout
    while True:
        answer = page.goto(f"{console}/")
        if "HELD 1" in page.inner_text("nav.tabs") or time.monotonic() > deadline:
            return answer
        time.sleep(1)


def test_the_home_page_shows_recent_emails_by_status_and_the_counts(console: str, page: Page) -> None:
    answer = home_while_held(console, page)
    assert answer is not None and answer.status == 200
    tabs = page.inner_text("nav.tabs")
    for count in ("DELIVERED 3", "BOUNCED 1", "SUPPRESSED 1", "HELD 1"):
        assert count in tabs
    rows = page.inner_text("#emails")
    assert DELIVERED in rows and f"s***@{SIM}" in rows and "DELIVERED" in rows
    assert page.inner_text("#held").startswith("1")
    dead_letters = page.locator(".dead-letters").all_inner_texts()
    assert any(text.startswith("1") and "sender-queue-dlq" in text for text in dead_letters), dead_letters
    assert_no_full_address(page)
    shot = page.screenshot(full_page=True)
    assert shot.startswith(b"\x89PNG") and len(shot) > 10_000
    if os.environ.get(REFRESH_SCREENSHOT_ENV):
        SCREENSHOT.write_bytes(shot)


def test_an_order_page_shows_its_timeline_from_the_status_tab(console: str, page: Page) -> None:
    page.goto(f"{console}/?status=BOUNCED")
    page.click(f"text={BOUNCED}")
    assert page.url == f"{console}/orders/SHOP%2F2002"
    assert page.inner_text("h1") == f"Order {BOUNCED}"
    summary = page.inner_text("table.summary")
    assert f"b***@{SIM}" in summary
    events = [row.split("\t") for row in page.inner_text("table.timeline tbody").splitlines()]
    names = [row[1] for row in events]
    assert names[0] == "Created" and names[-1] == "Now BOUNCED", events
    assert any(name.lower().startswith("bounce") for name in names[1:-1]), events
    assert_no_full_address(page)


def test_the_held_tab_lists_the_held_order_with_its_reason(console: str, page: Page) -> None:
    home_while_held(console, page)
    page.click("text=HELD 1")
    rows = page.inner_text("#emails")
    assert HELD in rows and "HELD" in rows and "paused" in rows.lower(), rows


def test_search_by_order_id_and_by_recipient(console: str, page: Page) -> None:
    page.goto(f"{console}/")
    page.fill("input[name=orderId]", SUPPRESSED)
    page.click("text=Find order")
    assert page.inner_text("h1") == f"Order {SUPPRESSED}"
    assert "SUPPRESSED" in page.inner_text("section.email h2")
    page.fill("input[name=address]", f"Bounce@{SIM.upper()}")  # any spelling of the address finds it
    page.click("text=Find recipient")
    assert page.inner_text("h1") == f"E-mails to b***@{SIM}"
    rows = page.inner_text("#emails")
    assert BOUNCED in rows and SUPPRESSED in rows and DELIVERED not in rows and "WEB-771" not in rows
    assert "@" not in page.url, "the searched address is posted, never put in the URL"
    assert_no_full_address(page)


def test_the_suppression_list(console: str, page: Page) -> None:
    page.goto(f"{console}/")
    page.click("text=Suppressions")
    listing = page.inner_text("#suppressions")
    assert f"b***@{SIM}" in listing and "BOUNCE" in listing and "never" in listing
    assert_no_full_address(page)


@pytest.mark.parametrize(("path", "status", "says"), [
    ("/orders/%20", 400, "orderId must be"),
    ("/orders/NOPE-404", 404, "order not found"),
    ("/search?orderId=", 400, "orderId is required"),
    ("/?status=LOST", 400, "unknown status"),
    ("/nowhere", 404, "no console page"),
])
def test_bad_input_gets_a_400_or_404_page_naming_it(console: str, page: Page, path: str, status: int,
                                                      says: str) -> None:
    answer = page.goto(f"{console}{path}")
    assert answer is not None and answer.status == status
    assert says in page.inner_text("[role=alert]")


def test_a_bad_recipient_address_gets_a_400_page_that_does_not_repeat_it(console: str, page: Page) -> None:
    page.goto(f"{console}/")
    page.fill("input[name=address]", "jane.doe(at)example")
    with page.expect_response(lambda response: response.url.endswith("/recipients")) as answered:
        page.click("text=Find recipient")
    response: Any = answered.value
    assert response.status == 400
    alert = page.inner_text("[role=alert]")
    assert "address" in alert and "jane.doe" not in page.content()


def test_the_console_needs_a_status_api_url(tmp_path: Path) -> None:
    outputs = tmp_path / "outputs.json"
    outputs.write_text("{}")
    result = subprocess.run([str(CLI), "console", "--port", str(free_port())],
                            env=os.environ | {"ORDER_EMAIL_STACK_OUTPUTS": str(outputs)}, capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 2 and "no status API URL" in result.stderr
