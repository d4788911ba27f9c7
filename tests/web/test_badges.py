"""Badges: the data the script counts from, the badges route, the Jinja helper
and the injection into host pages."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import Flask, Response, render_template_string, stream_with_context
from web_helpers import EXAMPLES, AppFactory

from sla_timers import BusinessCalendar, Policy, TicketEvent, evaluate
from sla_timers.web.badge_data import TicketTimers, badges

NY = ZoneInfo("America/New_York")
CAL = BusinessCalendar.load("us-ny-9x5")
STANDARD = Policy.from_toml((EXAMPLES / "policies" / "standard.toml").read_text())
HOSTILE = "</script><img src=x onerror=alert(1)>"


def _ticket(events: list[TicketEvent], now: datetime, status: str | None = None) -> TicketTimers:
    states = evaluate(STANDARD, events, now=now, calendar=CAL)
    return TicketTimers(states, CAL, "us-ny-9x5", policy=STANDARD, status=status)


def _opened(at: datetime, ticket: str) -> TicketEvent:
    return TicketEvent("created", at, id=f"{ticket}/1", priority="high", status="new")


MON_0900 = datetime(2026, 11, 23, 9, tzinfo=NY)


def test_badge_data_of_a_running_and_a_paused_ticket() -> None:
    now = MON_0900 + timedelta(hours=2)
    running = _ticket([_opened(MON_0900, "1")], now)
    paused = _ticket(
        [_opened(MON_0900, "2"), TicketEvent("status", MON_0900 + timedelta(hours=1), id="2/2", status="pending")],
        now,
        status="pending",
    )
    data = badges({"1": running, "2": paused}, now)
    assert set(data["calendars"]) == {"us-ny-9x5"}
    timers = {t["metric"]: t for t in data["tickets"]["1"]["timers"]}
    # Standard high: first response 1h, resolution 8h from Mon 09:00 EST (14:00Z):
    # 10:00 EST = 15:00Z and 17:00 EST = 22:00Z, the same day.
    assert timers["first_response"]["due_at"] == "2026-11-23T15:00:00Z"
    assert timers["first_response"]["status"] == "breached"
    assert timers["resolution"]["due_at"] == "2026-11-23T22:00:00Z"
    assert timers["resolution"]["remaining_seconds"] is None  # counted by the script from due_at
    # Business time from Mon 00:00Z (the intervals' start) to each due: Mon 14:00Z opens,
    # so 1h to 15:00Z and 8h to 22:00Z.
    assert timers["first_response"]["remaining_at_from"] == 3600
    assert timers["resolution"]["remaining_at_from"] == 8 * 3600
    assert data["calendars"]["us-ny-9x5"]["from"] == "2026-11-23T00:00:00Z"
    assert timers["resolution"]["clock"] == "business"
    assert timers["resolution"]["label"] == "Resolution"
    resolution = {t["metric"]: t for t in data["tickets"]["2"]["timers"]}["resolution"]
    # Paused at 10:00 after 1h of the 8h: 7h left, frozen, so sent as seconds.
    assert (resolution["status"], resolution["remaining_seconds"]) == ("paused", 7 * 3600)
    assert resolution["remaining_at_from"] is None  # frozen: remaining_seconds says it all
    assert resolution["paused_since"] == "2026-11-23T15:00:00Z"
    assert data["tickets"]["2"]["status"] == "pending"
    # Intervals from Mon 00:00Z: Mon 09:00-17:00 EST is 14:00-22:00Z, first of the list.
    assert data["calendars"]["us-ny-9x5"]["intervals"][0] == ["2026-11-23T14:00:00Z", "2026-11-23T22:00:00Z"]


def test_an_old_breach_is_counted_from_before_the_intervals() -> None:
    # Opened Mon 09:00 EST, first response due 10:00 EST (Mon 15:00Z), seen Thu 10:00 EST.
    # The intervals start Thu 00:00Z; from Mon 15:00Z to then: Mon 15:00-22:00Z (7h),
    # Tue and Wed 8h each = 23h overdue at the start, so -23h.
    now = MON_0900 + timedelta(days=3, hours=1)
    data = badges({"1": _ticket([_opened(MON_0900, "1")], now)}, now)
    first = {t["metric"]: t for t in data["tickets"]["1"]["timers"]}["first_response"]
    assert first["remaining_at_from"] == -23 * 3600


def test_badge_data_does_not_change_within_a_day() -> None:
    # The ETag must stay the same between polls while nothing happens.
    ticket = _ticket([_opened(MON_0900, "1")], MON_0900 + timedelta(minutes=5))
    morning = badges({"1": ticket}, MON_0900 + timedelta(minutes=5))
    later = badges({"1": ticket}, MON_0900 + timedelta(hours=3))
    assert morning == later


class _Source:
    """A timer source over fixed tickets, counting its calls."""

    def __init__(self, tickets: Mapping[str, TicketTimers]) -> None:
        self.tickets = tickets
        self.asked: list[list[str]] = []

    def __call__(self, ids: Sequence[str]) -> Mapping[str, TicketTimers]:
        self.asked.append(list(ids))
        return {i: self.tickets[i] for i in ids if i in self.tickets}


@pytest.fixture()
def source() -> _Source:
    now = datetime.now(NY)
    return _Source(
        {
            "1": _ticket([_opened(now - timedelta(minutes=5), "1")], now),
            "2": _ticket([_opened(now - timedelta(minutes=5), "2")], now),
        }
    )


def _with_source(create_app: AppFactory, source: _Source, **kwargs: object) -> Flask:
    app = create_app(**kwargs)
    app.extensions["sla_timers"].extension.timer_source(source)
    return app


def test_badges_route_answers_many_tickets_and_lists_the_missing(create_app: AppFactory, source: _Source) -> None:
    client = _with_source(create_app, source).test_client()
    answer = client.get("/sla/api/badges?ticket=1&ticket=2&ticket=404")
    assert answer.status_code == 200
    body = answer.get_json()
    assert set(body["tickets"]) == {"1", "2"} and body["missing"] == ["404"]
    assert source.asked == [["1", "2", "404"]]  # one call for the batch


def test_badges_route_answers_304_while_nothing_changed(create_app: AppFactory, source: _Source) -> None:
    client = _with_source(create_app, source).test_client()
    first = client.get("/sla/api/badges?ticket=1")
    tag = first.headers["ETag"]
    again = client.get("/sla/api/badges?ticket=1", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.data == b""
    other = client.get("/sla/api/badges?ticket=1&ticket=2", headers={"If-None-Match": tag})
    assert other.status_code == 200


def test_tickets_the_agent_may_not_see_are_missing_not_forbidden(create_app: AppFactory, source: _Source) -> None:
    app = _with_source(create_app, source, agent=None, admin=False)
    app.extensions["sla_timers"].extension.agent_authorizer(lambda ticket_id: ticket_id != "2")
    body = app.test_client().get("/sla/api/badges?ticket=1&ticket=2").get_json()
    assert set(body["tickets"]) == {"1"} and body["missing"] == ["2"]
    assert source.asked == [["1"]]  # the hidden ticket is not even looked up


@pytest.mark.parametrize(
    ("query", "field"),
    [
        pytest.param("", "ticket", id="none"),
        pytest.param("&".join(f"ticket={i}" for i in range(501)), "ticket", id="over-500"),
        pytest.param("ticket=1&ticket=1", "ticket", id="repeated"),
        pytest.param("ticket=" + "9" * 101, "ticket[0]", id="id-too-long"),
    ],
)
def test_badges_route_refusals(create_app: AppFactory, source: _Source, query: str, field: str) -> None:
    answer = _with_source(create_app, source).test_client().get("/sla/api/badges?" + query)
    assert answer.status_code == 400
    assert answer.get_json()["error"]["field"] == field


def test_badges_without_a_source_read_the_store(client: object) -> None:
    # An empty store knows no ticket: each one asked for is missing (store-backed badges: test_store_source.py).
    answer = client.get("/sla/api/badges?ticket=1")  # type: ignore[attr-defined]
    assert answer.status_code == 200
    assert answer.get_json() == {"calendars": {}, "tickets": {}, "missing": ["1"]}


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))


def _parse(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(html)
    return parser.elements


def test_jinja_helper_escapes_the_ticket_id(app: Flask) -> None:
    with app.test_request_context("/tickets"):
        html = render_template_string("<p>{{ sla_badge(ticket) }}</p>", ticket=HOSTILE)
    elements = _parse(html)
    assert [tag for tag, _ in elements] == ["p", "span"]  # no img, no script
    assert elements[1][1]["data-sla-badge"] == HOSTILE  # the id round-trips as text
    assert elements[1][1]["data-sla-mode"] == "nearest"


def test_jinja_helper_with_inline_data_escapes_it(app: Flask) -> None:
    now = datetime.now(NY)
    timers = _ticket([_opened(now, "1")], now, status=HOSTILE)
    with app.test_request_context("/tickets/1"):
        html = render_template_string("{{ sla_badge('1', mode='all', timers=timers) }}", timers=timers)
    elements = _parse(html)
    assert [tag for tag, _ in elements] == ["span"]
    data = json.loads(elements[0][1]["data-sla-data"] or "")
    assert data["tickets"]["1"]["status"] == HOSTILE
    assert elements[0][1]["data-sla-mode"] == "all"


def test_script_tag_points_at_the_served_script(app: Flask) -> None:
    with app.test_request_context("/"):
        html = render_template_string("{{ sla_badge_script() }}")
    ((tag, attrs),) = _parse(html)
    assert tag == "script" and attrs["data-sla-api"] == "/sla/api" and attrs["data-sla-refresh"] == "30"
    src = attrs["src"] or ""
    assert src.startswith("/sla/static/sla-badges.js?v=")
    answer = app.test_client().get(src)
    assert answer.status_code == 200 and b"business" in answer.data
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    answer.close()


def _host(create_app: AppFactory, **config: object) -> Flask:
    app = create_app({"SLA_INJECT_BADGES": True, **config})

    @app.route("/tickets")
    def tickets() -> str:
        return '<html><body><table><tr data-sla-ticket="7"><td>Printer</td></tr></table></BODY></html>'

    @app.route("/tickets.json")
    def tickets_json() -> dict[str, int]:
        return {"count": 1}

    @app.route("/stream")
    def stream() -> Response:
        return Response(stream_with_context(iter(["<html><body>", "</body></html>"])), mimetype="text/html")

    return app


def test_injection_adds_the_configured_script_before_the_body_end(create_app: AppFactory) -> None:
    app = _host(create_app, SLA_BADGE_SELECTOR='tr[data-sla-ticket]"><script>', SLA_BADGE_ID_PATTERN="(\\d+)")
    answer = app.test_client().get("/tickets")
    page = answer.get_data(as_text=True)
    assert page.index("data-sla-script") < page.index("</BODY>")
    assert int(answer.headers["Content-Length"]) == len(answer.data)
    scripts = [attrs for tag, attrs in _parse(page) if tag == "script"]
    assert len(scripts) == 1  # the selector's quote and tag stayed inside the attribute
    assert scripts[0]["data-sla-selector"] == 'tr[data-sla-ticket]"><script>'
    assert scripts[0]["data-sla-id-pattern"] == "(\\d+)"
    assert scripts[0]["data-sla-id-source"] == "attribute:data-sla-ticket"


def test_injection_leaves_json_streams_our_routes_and_other_apps_alone(create_app: AppFactory) -> None:
    client = _host(create_app).test_client()
    assert client.get("/tickets.json").get_json() == {"count": 1}
    streamed = client.get("/stream")
    assert b"data-sla-script" not in streamed.data
    assert b"data-sla-script" not in client.get("/sla/api/openapi.json").data


def test_injection_is_off_by_default(app: Flask) -> None:
    @app.route("/tickets")
    def tickets() -> str:
        return "<html><body>list</body></html>"

    assert app.test_client().get("/tickets").data == b"<html><body>list</body></html>"


def test_script_is_shipped_in_the_package() -> None:
    import sla_timers.web

    assert (Path(sla_timers.web.__file__).parent / "static" / "sla-badges.js").is_file()


class _Unhashable:
    """A source's own timer type: the attributes a badge reads, and no hash."""

    __hash__ = None  # type: ignore[assignment]

    def __init__(self, state: object) -> None:
        for name in (
            "cycle",
            "status",
            "due_at",
            "remaining",
            "breached_at",
            "stopped_at",
            "stop_reason",
            "paused_since",
            "warning_level",
            "next_warning_at",
        ):
            setattr(self, name, getattr(state, name))


def test_badges_of_timers_that_cannot_be_cache_keys_are_the_same() -> None:
    now = MON_0900 + timedelta(hours=2)
    ticket = _ticket([_opened(MON_0900, "1")], now)
    plain = TicketTimers({m: _Unhashable(s) for m, s in ticket.states.items()}, CAL, "us-ny-9x5", policy=STANDARD)  # type: ignore[misc]
    assert badges({"1": plain}, now) == badges({"1": ticket}, now)
