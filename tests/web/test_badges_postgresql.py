"""Badges read from a PostgreSQL store: one row per ticket with its timers as JSON text,
a badge kept per text, and a connection that dies between requests.

Skipped without ``SLA_TEST_DATABASE_URL``; each test gets a database of its own
(``sla_test_<random>``, dropped after), so parallel runs never collide.

Expected instants are worked out beside each case from the example policy
(``examples/policies/standard.toml``) and calendar us-ny-9x5 (Mon-Fri 09:00-17:00
New York; 2026-11-23 is a Monday with no holiday, EST = UTC-5). Every deadline
below is in the past when the tests run, so unanswered timers are breached.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, text
from web_helpers import AppFactory

from sla_timers.store import engine as engine_module
from sla_timers.web import api_store, badge_data
from sla_timers.web.state import app_state

pytestmark = pytest.mark.skipif(
    "SLA_TEST_DATABASE_URL" not in os.environ, reason="SLA_TEST_DATABASE_URL not set (PostgreSQL)"
)

# company x blocking is "urgent" in the example matrix; no business line: policy standard.
URGENT = {"category": "email", "impact": "company", "urgency": "blocking"}


def _at(clock: str) -> str:
    return f"2026-11-23T{clock}:00-05:00"


def _created(event_id: str = "c") -> dict[str, Any]:
    return {"kind": "created", "at": _at("10:00"), "id": event_id, "status": "new", "priority": "normal"}


EVENTS: dict[str, list[dict[str, Any]]] = {
    # Never answered.
    "T-1": [_created()],
    # Pending from 10:10.
    "T-2": [_created(), {"kind": "status", "at": _at("10:10"), "id": "p", "status": "pending"}],
    # Answered at 10:20, then two customer replies, the first answered at 10:40.
    "T-3": [
        _created(),
        {"kind": "agent_reply", "at": _at("10:20"), "id": "r1", "public": True},
        {"kind": "customer_reply", "at": _at("10:30"), "id": "q1"},
        {"kind": "agent_reply", "at": _at("10:40"), "id": "r2", "public": True},
        {"kind": "customer_reply", "at": _at("10:50"), "id": "q2"},
    ],
}


@pytest.fixture()
def app(create_app: AppFactory, postgresql_url: str) -> Iterator[Flask]:
    app = create_app({"SLA_DATABASE_URL": postgresql_url})
    with app.app_context():
        store = app_state().store()
        store.record(EVENTS, inputs={ticket: URGENT for ticket in EVENTS})
    yield app
    store.engine.dispose()


def _get(app: Flask, *tickets: str) -> Any:
    answer = app.test_client().get("/sla/api/badges?" + "&".join(f"ticket={t}" for t in tickets))
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer


def _timers(data: dict[str, Any], ticket: str) -> dict[str, dict[str, Any]]:
    return {t["metric"]: t for t in data["tickets"][ticket]["timers"]}


def test_badges_on_postgresql_follow_the_contract(app: Flask) -> None:
    data = _get(app, "T-1", "T-2", "T-3", "T-404").get_json()
    assert data["missing"] == ["T-404"]
    assert {name: data["tickets"][name]["status"] for name in ("T-1", "T-2", "T-3")} == {
        "T-1": "new",
        "T-2": "pending",
        "T-3": "new",
    }
    one = _timers(data, "T-1")
    # Urgent: first response 30m from 10:00 EST -> 10:30 EST = 15:30Z; resolution 4h -> 19:00Z.
    assert (one["first_response"]["due_at"], one["first_response"]["breached_at"]) == (
        "2026-11-23T15:30:00Z",
        "2026-11-23T15:30:00Z",
    )
    assert one["resolution"]["due_at"] == "2026-11-23T19:00:00Z"
    assert set(one) == {"first_response", "resolution"}
    two = _timers(data, "T-2")["resolution"]
    # Paused at 10:10 (15:10Z) after 10m of 4h: 3h50m = 13,800 s left, frozen.
    assert (two["status"], two["paused_since"], two["remaining_seconds"]) == ("paused", "2026-11-23T15:10:00Z", 13_800)
    three = _timers(data, "T-3")
    # First response met by the 10:20 reply (15:20Z).
    assert (three["first_response"]["status"], three["first_response"]["stopped_at"]) == ("met", "2026-11-23T15:20:00Z")
    assert three["first_response"]["stop_reason"] == "agent_reply"
    # Only the latest next-response cycle: the second, opened by the 10:50 reply, 1h -> 11:50 EST
    # = 16:50Z, unanswered. The first (10:30, met at 10:40) is not shown.
    assert [t["metric"] for t in data["tickets"]["T-3"]["timers"]].count("next_response") == 1
    second = three["next_response"]
    assert (second["cycle"], second["status"], second["due_at"]) == (2, "breached", "2026-11-23T16:50:00Z")


def test_the_per_timer_query_gives_the_same_answer(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    # The one-row-per-ticket query and the portable one (SQLite, MariaDB) read the same tables.
    fast = _get(app, "T-1", "T-2", "T-3", "T-404").get_data()
    badge_data._KEYED.clear()
    monkeypatch.setattr(api_store, "_postgresql_rows", api_store._portable_rows)
    portable = _get(app, "T-1", "T-2", "T-3", "T-404").get_data()
    assert portable == fast


def test_a_ticket_badge_is_written_once_until_its_timers_change(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    written: list[str] = []
    entry = badge_data._ticket_entry

    def counted(item: badge_data.TicketTimers, day: Any, cached: bool = True) -> Any:
        written.append(item.status or "")
        return entry(item, day, cached)

    monkeypatch.setattr(badge_data, "_ticket_entry", counted)
    badge_data._KEYED.clear()
    first = _get(app, "T-1", "T-2")
    assert len(written) == 2
    again = _get(app, "T-1", "T-2")
    assert len(written) == 2  # both kept
    assert again.get_data() == first.get_data()
    # T-1 answered: only its badge is written again.
    reply = {"ticket": "T-1", "kind": "agent_reply", "at": _at("10:05"), "id": "r", "public": True}
    assert app.test_client().post("/sla/api/events", json={"events": [reply]}).status_code == 200
    changed = _get(app, "T-1", "T-2")
    assert len(written) == 3
    assert _timers(changed.get_json(), "T-1")["first_response"]["status"] == "met"
    assert changed.headers["ETag"] != first.headers["ETag"]


def _end_connections(url: str) -> None:
    """The server ends every connection of the app's database (a restart or an idle
    timeout looks the same to the pool): the pooled connections are dead."""
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            ended = connection.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalar_one()
    finally:
        admin.dispose()
    assert ended >= 1


def test_a_connection_killed_between_requests_still_gets_the_answer(
    app: Flask, postgresql_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    before = _get(app, "T-1", "T-2", "T-3").get_data()
    _end_connections(postgresql_url)
    # Used a moment ago, the connection is not pinged: the read fails on it, and is run
    # again on a new connection.
    with caplog.at_level(logging.WARNING, logger="sla_timers.web"):
        assert _get(app, "T-1", "T-2", "T-3").get_data() == before
    assert any("reading again" in record.getMessage() for record in caplog.records)
    assert _get(app, "T-1", "T-2", "T-3").get_data() == before


def test_a_connection_idle_past_the_limit_is_pinged_and_replaced(
    create_app: AppFactory, postgresql_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Every checkout counts as idle: the pool pings first and replaces the dead connection,
    # so the read itself never fails.
    monkeypatch.setattr(engine_module, "PING_AFTER_IDLE_SECONDS", 0.0)
    app = create_app({"SLA_DATABASE_URL": postgresql_url})
    with app.app_context():
        store = app_state().store()
    try:
        store.record(EVENTS, inputs={ticket: URGENT for ticket in EVENTS})
        before = _get(app, "T-1", "T-2").get_data()
        _end_connections(postgresql_url)
        with caplog.at_level(logging.WARNING, logger="sla_timers.web"):
            assert _get(app, "T-1", "T-2").get_data() == before
        assert not any("reading again" in record.getMessage() for record in caplog.records)
    finally:
        store.engine.dispose()


def test_a_write_on_a_killed_connection_is_a_clean_503_or_done(app: Flask, postgresql_url: str) -> None:
    client = app.test_client()
    _get(app, "T-1")
    _end_connections(postgresql_url)
    reply = {"ticket": "T-1", "kind": "agent_reply", "at": _at("10:05"), "id": "r", "public": True}
    first = client.post("/sla/api/events", json={"events": [reply]})
    # A write is not run twice by the plugin: the caller is told to retry, or it went through.
    assert first.status_code in (200, 503), first.get_data(as_text=True)
    if first.status_code == 503:
        assert first.get_json()["error"]["code"] == "database_unavailable"
    again = client.post("/sla/api/events", json={"events": [reply]})
    assert again.status_code == 200
    # Recorded once either way: T-1's first response is met by the 10:05 reply (15:05Z).
    first_response = _timers(_get(app, "T-1").get_json(), "T-1")["first_response"]
    assert (first_response["status"], first_response["stopped_at"]) == ("met", "2026-11-23T15:05:00Z")


def test_kept_badges_stay_within_their_bound(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = _get(app, "T-1", "T-2", "T-3").get_data()
    badge_data._KEYED.clear()
    monkeypatch.setattr(badge_data, "_KEYED_SIZE", 2)
    # Three tickets through a bound of two: the oldest kept badge makes room, the answer is whole.
    assert _get(app, "T-1", "T-2", "T-3").get_data() == expected
    assert len(badge_data._KEYED) == 2
    assert _get(app, "T-1", "T-2", "T-3").get_data() == expected
    assert len(badge_data._KEYED) == 2
