"""What an agent sees in a browser: the demo helpdesk in headless Chromium.

The system Chromium (Debian's ``chromium``) is driven by Playwright; the page's
clock is driven by Playwright's clock, so a test moves time forward without
waiting. Skipped, with the reason, where Playwright or Chromium is missing.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from sla_timers.web.demo import create_app

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed (apt-get install chromium)"),
]

FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture()
def demo_url(tmp_path: Path) -> Iterator[str]:
    app = create_app(tmp_path / "demo.db")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


@pytest.fixture()
def page(tmp_path: Path) -> Iterator[Any]:
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield browser.new_page()
        finally:
            browser.close()


def _badge(page: Any, ticket: int) -> Any:
    return page.locator(f'[data-sla-badge="{ticket}"]').first


def _wait_for(page: Any, script: str, *, clock: bool = False) -> None:
    """Wait until ``script`` is true in the page; with a faked clock, move it 100 ms per try."""
    for _ in range(200):
        if page.evaluate(script):
            return
        if clock:
            page.clock.run_for(100)
        time.sleep(0.05)
    raise AssertionError(f"never true: {script}")


def _wait_loaded(page: Any, ticket: int, *, clock: bool = False) -> str:
    _wait_for(
        page,
        f"(() => {{ const b = document.querySelector('[data-sla-badge=\"{ticket}\"]'); "
        f'return !!b && b.hasAttribute("data-sla-state"); }})()',
        clock=clock,
    )
    return str(_badge(page, ticket).inner_text())


def _intervals(page: Any, url: str) -> list[tuple[datetime, datetime]]:
    data = page.request.get(f"{url}/sla/api/badges?ticket=1").json()
    pairs = data["calendars"]["us-ny-9x5"]["intervals"]
    return [
        (datetime.fromisoformat(a.replace("Z", "+00:00")), datetime.fromisoformat(b.replace("Z", "+00:00")))
        for a, b in pairs
    ]


def test_the_list_shows_a_badge_per_ticket(page: Any, demo_url: str) -> None:
    page.goto(demo_url + "/")
    for ticket in range(1, 7):
        text = _wait_loaded(page, ticket)
        assert ":" in text, text  # "<metric>: <state>", never the placeholder
        assert _badge(page, ticket).get_attribute("aria-label").startswith(text)
    assert "paused" in _badge(page, 4).inner_text()  # the pending VPN ticket
    assert "met" in _badge(page, 5).inner_text()  # the solved laptop ticket


def test_a_badge_moves_in_open_hours_and_stands_still_when_closed(page: Any, demo_url: str) -> None:
    # The CEO's printer (ticket 1): first response 15m on New York 9-to-5. Put the page's
    # clock in the next open stretch that starts after now, then in a closed stretch.
    page.goto(demo_url + "/")  # any page of the app, to ask the API
    now = datetime.now(UTC)
    intervals = [pair for pair in _intervals(page, demo_url) if pair[0] > now]
    opening, closing = intervals[0]
    page.clock.install(time=opening + timedelta(minutes=1))
    page.goto(demo_url + "/")
    first = _wait_loaded(page, 1, clock=True)
    page.clock.run_for(5 * 60 * 1000)  # five minutes of open time
    later = _badge(page, 1).inner_text()
    assert first != later, (first, later)
    # Closed: from an hour after the close, two more hours change nothing.
    page.clock.set_system_time(closing + timedelta(hours=1))
    page.clock.run_for(2000)
    night = _badge(page, 1).inner_text()
    page.clock.run_for(2 * 60 * 60 * 1000)
    assert _badge(page, 1).inner_text() == night


def test_setting_pending_pauses_the_badge(page: Any, demo_url: str) -> None:
    page.goto(demo_url + "/tickets/2")
    _wait_loaded(page, 2)
    page.get_by_role("button", name="Set pending").click()
    page.wait_for_load_state()
    _wait_for(page, "!!document.querySelector('[data-sla-metric=\"resolution\"]')")
    assert "paused" in page.locator('[data-sla-metric="resolution"]').inner_text()


def test_an_agent_reply_meets_first_response(page: Any, demo_url: str) -> None:
    page.goto(demo_url + "/tickets/1")
    _wait_loaded(page, 1)
    assert page.locator('[data-sla-metric="first_response"]').count() == 1
    page.get_by_role("button", name="Reply as agent").click()
    page.wait_for_load_state()
    _wait_loaded(page, 1)
    _wait_for(page, "!!document.querySelector('[data-sla-metric=\"resolution\"]')")
    assert page.locator('[data-sla-metric="first_response"]').count() == 0  # met: no longer running
    page.goto(demo_url + "/")
    assert not _wait_loaded(page, 1).startswith("First response")


def _metric(page: Any, metric: str) -> str:
    _wait_for(page, f"!!document.querySelector('[data-sla-metric=\"{metric}\"]')")
    return str(page.locator(f'[data-sla-metric="{metric}"]').first.inner_text())


def _press(page: Any, ticket: int, name: str) -> None:
    page.get_by_role("button", name=name).click()
    page.wait_for_load_state()
    _wait_loaded(page, ticket)


def test_solve_then_reopen_moves_the_badges(page: Any, demo_url: str) -> None:
    # The booking ticket (2) was answered: resolution runs until solved, and a reopen resumes it.
    page.goto(demo_url + "/tickets/2")
    _wait_loaded(page, 2)
    assert "Resolution" in _metric(page, "resolution")
    _press(page, 2, "Solve")
    # Nothing runs any more: the page shows how each timer ended.
    _wait_for(page, "document.body.innerText.includes('Resolution: met')")
    page.goto(demo_url + "/")
    assert "met" in _wait_loaded(page, 2)
    page.goto(demo_url + "/tickets/2")
    _wait_loaded(page, 2)
    _press(page, 2, "Reopen")
    assert "left" in _metric(page, "resolution")


def test_a_customer_reply_after_an_answer_opens_next_response(page: Any, demo_url: str) -> None:
    page.goto(demo_url + "/tickets/2")  # answered an hour ago
    _wait_loaded(page, 2)
    assert page.locator('[data-sla-metric="next_response"]').count() == 0
    page.get_by_placeholder("Reply").fill("It failed again")
    _press(page, 2, "Reply as customer")
    assert "Next response" in _metric(page, "next_response")
    assert "It failed again" in page.content()


@pytest.mark.skipif("SLA_SCREENSHOT_DIR" not in os.environ, reason="set SLA_SCREENSHOT_DIR to write screenshots")
def test_screenshots(page: Any, demo_url: str) -> None:
    out = Path(os.environ["SLA_SCREENSHOT_DIR"])
    out.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1100, "height": 560})
    page.goto(demo_url + "/")
    for ticket in range(1, 7):
        _wait_loaded(page, ticket)
    page.screenshot(path=str(out / "ticket-list.png"), full_page=True)
    page.goto(demo_url + "/tickets/3")
    _wait_loaded(page, 3)
    page.screenshot(path=str(out / "ticket-page.png"), full_page=True)
