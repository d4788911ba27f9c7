"""The admin report page: admins only, three server-drawn SVG charts with the
tables of their figures, every value from the data escaped."""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import Flask
from report_fixtures import fill
from web_helpers import AppFactory

from sla_timers.web import report_page
from sla_timers.web.api_reports import configure_reports

PAGE = "/sla/admin/reports"
NOV = {"from": "2026-11-01", "to": "2026-12-01", "zone": "America/New_York"}
HOSTILE = "globex <script>alert(1)</script>"
CONTRACTS = [
    # acme: first responses 1 met, 1 breached (T1, T2) -> 50% < 99.5%: 5% of 1000.00 = 50.00.
    {
        "customer": "acme",
        "monthly_fee": "1000.00",
        "timezone": "America/New_York",
        "tiers": [{"measure": "compliance", "metric": "first_response", "below": 99.5, "credit": "5%"}],
    },
    # The hostile name: T3 and O1 met everything; a per-breach credit on resolution earns nothing.
    {"customer": HOSTILE, "monthly_fee": "500.00", "per_breach": [{"metric": "resolution", "credit": "1.00"}]},
    # A third customer whose name holds "$": charted as text, never as mathtext.
    {
        "customer": "$cash$ & co",
        "monthly_fee": "100.00",
        "tiers": [{"measure": "compliance", "metric": "resolution", "below": 100, "credit": "1%"}],
    },
]


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> _Elements:
    parser = _Elements()
    parser.feed(html)
    return parser


@pytest.fixture
def database(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'reports.db'}"
    fill(url)
    yield url


@pytest.fixture
def app(create_app: AppFactory, database: str) -> Flask:
    app = create_app({"SLA_DATABASE_URL": database})
    configure_reports(app, contracts=CONTRACTS)
    return app


def svgs(page: _Elements) -> list[ET.Element]:
    out = []
    for tag, attrs in page.tags:
        src = attrs.get("src") or ""
        if tag == "img" and src.startswith("data:image/svg+xml;base64,"):
            out.append(ET.fromstring(base64.b64decode(src.split(",", 1)[1])))
    return out


def test_page_has_three_svg_charts_and_their_tables(app: Flask) -> None:
    pytest.importorskip("matplotlib", reason="matplotlib is not installed (the 'reports' extra)")
    answer = app.test_client().get(PAGE, query_string=NOV)
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    page = parse(html)
    charts = svgs(page)
    assert len(charts) == 3
    assert all(chart.tag == "{http://www.w3.org/2000/svg}svg" for chart in charts)
    chart_text = ["".join(t.itertext()) for t in charts]
    assert "Compliance per month" in chart_text[0] and "2026-11" in chart_text[0]
    assert "Breaches per priority" in chart_text[1]
    # The credit chart names customers as text: the hostile one as plain text, "$" kept literally.
    assert HOSTILE in chart_text[2] and "$cash$ & co" in chart_text[2]
    assert all(not any(e.tag.endswith("script") for e in chart.iter()) for chart in charts)
    # Tables: first_response in November 2026 (New York): 3 met of 4 with a verdict (T2 breached) -> 75.00%.
    assert "75.00%" in html
    # Breaches per priority (columns high, normal): first_response 1 (T2) and 0; resolution none.
    assert '<th scope="row">first_response</th><td>1</td><td>0</td>' in html
    assert '<th scope="row">resolution</th><td>0</td><td>0</td>' in html
    # acme owes 50.00 (see CONTRACTS); the others 0.00 (everything met; resolution at 100%, not below it).
    assert re.search(r'acme</th><td class="number">50\.00', html)
    assert re.search(r'\$cash\$ &amp; co</th><td class="number">0\.00', html)
    # The page holds no script element, and the hostile name reaches it escaped, as text.
    assert not any(tag == "script" for tag, _ in page.tags)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert HOSTILE in "".join(page.text)
    assert "script-src" not in answer.headers["Content-Security-Policy"]  # default-src 'none': no script at all
    assert "default-src 'none'" in answer.headers["Content-Security-Policy"]


def test_page_is_for_admins_only(create_app: AppFactory, database: str) -> None:
    app = create_app({"SLA_DATABASE_URL": database}, admin=False, agent=True)
    answer = app.test_client().get(PAGE, query_string=NOV)
    assert answer.status_code == 403
    page = parse(answer.get_data(as_text=True))
    assert not svgs(page)
    assert "Only SLA administrators" in "".join(page.text)


@pytest.mark.parametrize(
    ("query", "words"),
    [
        pytest.param({**NOV, "zone": "Mars/Olympus"}, "zone", id="zone"),
        pytest.param({**NOV, "from": "2026-02-30"}, "from", id="date"),
        pytest.param({**NOV, "to": "2026-10-01"}, "to", id="reversed"),
        pytest.param({**NOV, "colour": "<b>red</b>"}, "colour", id="unknown"),
    ],
)
def test_bad_parameters_are_a_400_page_naming_the_field(app: Flask, query: dict[str, str], words: str) -> None:
    answer = app.test_client().get(PAGE, query_string=query)
    assert answer.status_code == 400
    html = answer.get_data(as_text=True)
    assert f"(field: {words})" in html
    assert "<b>red</b>" not in html


def test_without_matplotlib_the_page_says_so_and_keeps_its_tables(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report_page, "charts_available", lambda: False)
    answer = app.test_client().get(PAGE, query_string=NOV)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "pip install &#39;sla_timers[reports]&#39;" in html
    assert not svgs(parse(html)) and "75.00%" in html


def test_empty_range_and_no_contracts(create_app: AppFactory, database: str) -> None:
    app = create_app({"SLA_DATABASE_URL": database})
    answer = app.test_client().get(PAGE, query_string={"from": "2020-01-01", "to": "2020-02-01"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert html.count("No timer cycles in this range.") == 2
    assert "No contracts are configured" in html
