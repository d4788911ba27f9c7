"""The admin pages in headless Chromium: an admin adds a rule and a holiday with the
mouse and keyboard, and an open ticket's priority, badge and due date follow.

The store's clock is fixed at Tue 2026-12-29 10:00 EST, the third-last business
day of Q4 2026 in us-ny-9x5 (Dec 29, 30, 31; Jan 1 is the next quarter). Set
``SLA_SCREENSHOT_DIR`` to write the README's screenshots there.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask, render_template_string
from sqlalchemy import select
from werkzeug.serving import make_server

from sla_timers.store.models import TicketRow
from sla_timers.store.store import Store
from sla_timers.web import SLATimers
from sla_timers.web.api_store import seed_config

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed (apt-get install chromium)"),
]
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
NY = ZoneInfo("America/New_York")
#: Tue 2026-12-29 10:00 EST.
NOW = datetime(2026, 12, 29, 15, tzinfo=UTC)

TICKET_PAGE = """<!doctype html><html><head><title>Ticket {{ id }}</title></head><body>
<h1>Ticket {{ id }}</h1>
<p>Priority: <strong id="priority">{{ priority }}</strong></p>
<ul>{% for t in timers %}<li id="due-{{ t.metric }}">{{ t.metric }} due {{ t.due }}</li>{% endfor %}</ul>
{{ sla_badge(id, mode="all") }}
{{ sla_badge_script() }}
</body></html>"""


def host_app(tmp_path: Path) -> tuple[Flask, Store]:
    app = Flask("host", instance_path=str(tmp_path / "instance"))
    app.secret_key = "browser-test-secret-key"
    url = f"sqlite:///{tmp_path / 'sla.db'}"
    app.config.update(
        SLA_DATABASE_URL=url,
        SLA_POLICIES=[str(EXAMPLES / "policies")],
        SLA_PRIORITY_MATRIX=str(EXAMPLES / "priority_matrix.toml"),
        SLA_HOST_TIMEZONE="America/New_York",
        SLA_ADMIN_AUTHORIZER=lambda: True,
        SLA_AGENT_AUTHORIZER=lambda ticket_id: True,
    )
    SLATimers(app)
    state = app.extensions["sla_timers"]
    store = Store(url, clock=lambda: NOW)
    store.upgrade()
    seed_config(store, state.settings)
    state.store_access._store = store

    @app.get("/tickets/<ticket_id>")
    def ticket(ticket_id: str) -> str:
        with store.engine.connect() as connection:
            priority = connection.execute(select(TicketRow.priority).where(TicketRow.host_id == ticket_id)).scalar_one()
        timers = [
            {"metric": t["metric"], "due": t["due_at"].astimezone(NY).strftime("%a %Y-%m-%d %H:%M")}
            for t in store.timers(ticket_id)
            if t["due_at"] is not None
        ]
        return render_template_string(TICKET_PAGE, id=ticket_id, priority=priority, timers=timers)

    return app, store


def open_ticket(store: Store, ticket: str) -> None:
    # A sales billing ticket: no rule matches it, so it is normal on the sales policy.
    store.record(
        {ticket: [{"kind": "created", "at": NOW.isoformat(), "id": "c1", "status": "new", "priority": "normal"}]},
        inputs={ticket: {"fields": {"business_line": "sales"}, "category": "billing"}},
    )


@pytest.fixture()
def served(tmp_path: Path) -> Iterator[tuple[str, Store]]:
    app, store = host_app(tmp_path)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", store
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


@pytest.fixture()
def browser(tmp_path: Path) -> Iterator[Any]:
    with playwright.sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield launched
        finally:
            launched.close()


def new_page(browser: Any, width: int = 1280, height: int = 900) -> Any:
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale="en-US", timezone_id="America/New_York"
    )
    return context.new_page()


def badge_title(page: Any, metric: str) -> str:
    locator = page.locator(f'[data-sla-badge] [data-sla-metric="{metric}"]')
    locator.wait_for()
    return str(locator.get_attribute("title"))


def test_an_admin_adds_a_quarter_end_rule_and_the_open_sales_ticket_turns_urgent(
    served: tuple[str, Store], browser: Any
) -> None:
    url, store = served
    open_ticket(store, "T-1")
    page = new_page(browser)
    page.goto(f"{url}/tickets/T-1")
    assert page.locator("#priority").inner_text() == "normal"
    # Normal first response 2h from 10:00 EST.
    assert "12:00" in badge_title(page, "first_response")

    page.goto(f"{url}/sla/admin/matrix")
    page.get_by_role("link", name="Add a rule").click()
    page.get_by_label("Name").fill("Sales at quarter end")
    page.locator('[name="cond-0-field"]').fill("fields.business_line")
    page.locator('[name="cond-0-value"]').fill("sales")
    page.locator('[name="quarter_end"]').fill("3")
    page.locator('[name="move"]').select_option("set")
    page.locator('[name="priority"]').select_option("urgent")
    page.locator('[name="ticket_fields"]').fill("fields.business_line = sales\ncategory = billing")
    page.get_by_role("button", name="Try on the test ticket").click()

    after = page.locator(".trace").nth(1)
    assert "Sales at quarter end: matched: priority normal → urgent" in after.inner_text()
    assert "Priority normal" in page.locator(".trace").nth(0).inner_text()
    assert store.timers("T-1")  # nothing saved yet: still the ticket as it was
    page.get_by_label("also reclassify open tickets now").check()
    page.get_by_role("button", name="Save the matrix with this rule").click()
    assert "Saved matrix version 2. 1 open ticket(s) changed priority or policy." in page.locator(".flash").inner_text()
    assert "the last 3 business days of the quarter: priority urgent, continue" in page.content()

    page.goto(f"{url}/tickets/T-1")
    assert page.locator("#priority").inner_text() == "urgent"
    # Urgent first response on the sales policy is 30m from 10:00 EST.
    assert "10:30" in badge_title(page, "first_response")


def test_a_holiday_added_on_the_calendar_page_moves_an_open_tickets_due_date(
    served: tuple[str, Store], browser: Any
) -> None:
    url, store = served
    open_ticket(store, "T-2")
    page = new_page(browser)
    page.goto(f"{url}/tickets/T-2")
    # Normal resolution eod+1: the close of the next business day, Wed 12-30 17:00.
    assert page.locator("#due-resolution").inner_text() == "resolution due Wed 2026-12-30 17:00"

    page.goto(f"{url}/sla/admin/calendars/us-ny-9x5")
    page.get_by_label("Date").first.fill("2026-12-30")
    page.get_by_role("button", name="Preview effect").first.click()
    # Resolution keeps its 15h of business time (Tue 7h + Wed 8h): Wed closed, so Thu 17:00.
    assert "would move: 1 later, 0 earlier; by 1d on average" in page.locator(".impact").inner_text()
    page.get_by_role("button", name="Add and save").click()
    assert "Stored calendar us-ny-9x5 version 1." in page.locator(".flash").inner_text()

    page.goto(f"{url}/tickets/T-2")
    assert page.locator("#due-resolution").inner_text() == "resolution due Thu 2026-12-31 17:00"


def test_the_pages_are_keyboard_usable_and_fit_a_phone(served: tuple[str, Store], browser: Any) -> None:
    url, _ = served
    page = new_page(browser, 390, 844)
    for path in (
        "/sla/admin/matrix",
        "/sla/admin/matrix/rules/1",
        "/sla/admin/policies/sales",
        "/sla/admin/calendars/us-ny-9x5",
        "/sla/admin/history",
    ):
        page.goto(url + path)
        # Nothing wider than the phone's screen but the tables that scroll in their own box.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
    page.goto(f"{url}/sla/admin/matrix")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Priority matrix"


@pytest.mark.skipif("SLA_SCREENSHOT_DIR" not in os.environ, reason="set SLA_SCREENSHOT_DIR to write screenshots")
def test_screenshots(served: tuple[str, Store], browser: Any) -> None:
    url, store = served
    open_ticket(store, "T-3")
    store.put_ladders((EXAMPLES / "escalation_ladders.toml").read_text())
    out = Path(os.environ["SLA_SCREENSHOT_DIR"])
    page = new_page(browser, 1280, 900)
    page.goto(f"{url}/sla/admin/matrix")
    page.screenshot(path=str(out / "admin-matrix.png"), full_page=True)
    page.goto(f"{url}/sla/admin/policies/standard")
    page.screenshot(path=str(out / "admin-policy.png"), full_page=True)
    page.goto(f"{url}/sla/admin/calendars/us-ny-9x5")
    page.get_by_label("Date").first.fill("2026-12-30")
    page.get_by_role("button", name="Preview effect").first.click()
    page.screenshot(path=str(out / "admin-calendar.png"), full_page=True)
