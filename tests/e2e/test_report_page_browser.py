"""What an admin sees on the report page in a browser at 1280 px: three charts
drawn, nothing wider than the window, hostile names shown as text.

Skipped, with the reason, where Playwright, Chromium or matplotlib is missing.
"""

from __future__ import annotations

import importlib.util
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from sla_timers.web import SLATimers
from sla_timers.web.api_reports import configure_reports

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytest.importorskip("matplotlib", reason="matplotlib is not installed (the 'reports' extra)")
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed (apt-get install chromium)"),
]
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
FIXTURES = Path(__file__).resolve().parents[1] / "web" / "report_fixtures.py"


def _fixtures() -> Any:
    spec = importlib.util.spec_from_file_location("report_fixtures_e2e", FIXTURES)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture()
def report_url(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'reports.db'}"
    _fixtures().fill(url)
    app = Flask("host", instance_path=str(tmp_path / "instance"))
    app.config.update(SLA_DATABASE_URL=url, SLA_ADMIN_AUTHORIZER=lambda: True, SLA_AGENT_AUTHORIZER=lambda t: True)
    SLATimers(app)
    configure_reports(
        app, contracts=[{"customer": "globex <script>alert(1)</script>", "monthly_fee": "100.00", "tiers": []}]
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/sla/admin/reports?from=2026-11-01&to=2026-12-01"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


def test_report_page_at_1280_px(report_url: str, tmp_path: Path) -> None:
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            dialogs: list[str] = []
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.goto(report_url)
            # Compliance, breaches and credit (0.00 for the one customer) are charted.
            sizes = page.evaluate("Array.from(document.images).map(i => [i.complete, i.naturalWidth])")
            assert len(sizes) == 3 and all(done and width > 300 for done, width in sizes)
            assert page.evaluate("document.documentElement.scrollWidth") <= 1280
            assert page.get_by_role("heading", name="Compliance per month").is_visible()
            # The customer's name is shown as text; nothing in it ran.
            assert page.get_by_role("rowheader", name="globex <script>alert(1)</script>").is_visible()
            assert page.evaluate("document.querySelectorAll('script').length") == 0
            assert dialogs == []
        finally:
            browser.close()
