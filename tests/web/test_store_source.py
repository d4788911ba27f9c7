"""Badges read from the store by default; the store opens, upgrades and takes the
host's configuration on first use; ``flask sla db`` works on the app's database.

Expected instants are worked out beside each case from the example policy
(``examples/policies/standard.toml``) and calendar us-ny-9x5 (Mon-Fri 09:00-17:00
New York; 2026-11-23 is a Monday with no holiday, EST = UTC-5).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from web_helpers import AppFactory

from sla_timers.store.models import MatrixRow, PolicyRow
from sla_timers.web.state import app_state

CREATED = {
    "kind": "created",
    "at": "2026-11-23T10:00:00-05:00",
    "id": "e1",
    "status": "new",
    "priority": "normal",
}
# company x blocking is "urgent" in the example matrix; no business line: policy standard.
URGENT = {"category": "email", "impact": "company", "urgency": "blocking"}


def _record(app: Flask, events: dict[str, list[dict[str, object]]], inputs: dict[str, object] | None = None) -> None:
    with app.app_context():
        app_state().store().record(events, inputs=inputs)


def test_badges_come_from_the_store_by_default(create_app: AppFactory) -> None:
    app = create_app()
    _record(app, {"T-1": [CREATED]}, {"T-1": URGENT})
    answer = app.test_client().get("/sla/api/badges?ticket=T-1&ticket=T-2")
    assert answer.status_code == 200
    data = answer.get_json()
    assert data["missing"] == ["T-2"]
    ticket = data["tickets"]["T-1"]
    assert (ticket["calendar"], ticket["status"]) == ("us-ny-9x5", "new")
    timers = {t["metric"]: t for t in ticket["timers"]}
    # Urgent on standard: first response 30m from Mon 10:00 EST -> 10:30 EST = 15:30Z;
    # resolution 4h -> 14:00 EST = 19:00Z. Both passed long before today, unanswered: breached then.
    assert timers["first_response"]["due_at"] == "2026-11-23T15:30:00Z"
    assert timers["first_response"]["breached_at"] == "2026-11-23T15:30:00Z"
    assert timers["resolution"]["due_at"] == "2026-11-23T19:00:00Z"
    assert {t["status"] for t in timers.values()} == {"breached"}
    # No public agent reply yet: next response and periodic update never started.
    assert set(timers) == {"first_response", "resolution"}


def test_paused_ticket_shows_its_status_and_frozen_time(create_app: AppFactory) -> None:
    app = create_app()
    pending = {"kind": "status", "at": "2026-11-23T10:10:00-05:00", "id": "e2", "status": "pending"}
    _record(app, {"T-1": [CREATED, pending]}, {"T-1": URGENT})
    ticket = app.test_client().get("/sla/api/badges?ticket=T-1").get_json()["tickets"]["T-1"]
    assert ticket["status"] == "pending"
    resolution = next(t for t in ticket["timers"] if t["metric"] == "resolution")
    # Resolution pauses while pending: 10:00-10:10 ran, 4h - 10m = 3h50m = 13,800 s left, frozen.
    assert resolution["status"] == "paused"
    assert resolution["paused_since"] == "2026-11-23T15:10:00Z"
    assert resolution["remaining_seconds"] == 13_800


def test_events_waiting_for_created_give_no_badge(create_app: AppFactory) -> None:
    app = create_app()
    _record(app, {"T-9": [{"kind": "status", "at": "2026-11-23T10:10:00-05:00", "id": "s", "status": "open"}]})
    data = app.test_client().get("/sla/api/badges?ticket=T-9").get_json()
    assert (data["tickets"], data["missing"]) == ({}, ["T-9"])


def test_a_timer_source_still_overrides_the_store(create_app: AppFactory) -> None:
    app = create_app(source=lambda ids: {})
    _record(app, {"T-1": [CREATED]}, {"T-1": URGENT})
    assert app.test_client().get("/sla/api/badges?ticket=T-1").get_json()["missing"] == ["T-1"]


def test_store_is_opened_on_first_use_with_the_host_configuration(create_app: AppFactory, tmp_path: Path) -> None:
    app = create_app()
    state = app.extensions["sla_timers"]
    assert not state.store_access.opened
    assert not (tmp_path / "instance" / "sla.db").exists()
    with app.app_context():
        store = app_state().store()
    assert (tmp_path / "instance" / "sla.db").is_file()
    with store.engine.connect() as connection:
        names = set(connection.execute(select(PolicyRow.name)).scalars())
        matrices = connection.execute(select(func.count()).select_from(MatrixRow)).scalar_one()
    # The six example policies and the matrix, stored once.
    assert names == {"executive", "finance", "internal", "premium", "sales", "standard"}
    assert matrices == 1
    # A second app on the same database (a restart) stores nothing again.
    again = create_app()
    with again.app_context():
        store = app_state().store()
    with store.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(MatrixRow)).scalar_one() == 1
        assert connection.execute(select(func.count()).select_from(PolicyRow)).scalar_one() == 6


def test_an_unreachable_database_is_a_json_503(create_app: AppFactory) -> None:
    # Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    app = create_app({"SLA_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:9/none"})
    answer = app.test_client().get("/sla/api/badges?ticket=T-1")
    assert answer.status_code == 503
    assert answer.get_json()["error"]["code"] == "database_unavailable"


def test_flask_sla_db_uses_the_apps_database(create_app: AppFactory, tmp_path: Path) -> None:
    app = create_app({"SLA_DATABASE_URL": f"sqlite:///{tmp_path / 'host' / 'plugin.db'}"})
    runner = app.test_cli_runner()
    result = runner.invoke(args=["sla", "db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "host" / "plugin.db").is_file()
    current = runner.invoke(args=["sla", "db", "current"])
    assert current.exit_code == 0
    assert current.output.strip() != "base (no sla_ tables)"
    assert current.output.strip() in result.output


def test_flask_sla_db_uses_the_hosts_engine(create_app: AppFactory, tmp_path: Path) -> None:
    from sqlalchemy import create_engine, inspect

    engine = create_engine(f"sqlite:///{tmp_path / 'shared.db'}")
    app = create_app({"SLA_ENGINE": engine})
    result = app.test_cli_runner().invoke(args=["sla", "db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "sla_tickets" in inspect(engine).get_table_names()


def test_an_event_changes_the_etag_and_only_that_tickets(create_app: AppFactory) -> None:
    app = create_app()
    client = app.test_client()
    two = {"kind": "created", "at": "2026-11-23T11:00:00-05:00", "id": "e1", "status": "new", "priority": "normal"}
    _record(app, {"T-1": [CREATED], "T-2": [two]}, {"T-1": URGENT})
    first = client.get("/sla/api/badges?ticket=T-1")
    tag = first.headers["ETag"]
    assert client.get("/sla/api/badges?ticket=T-1", headers={"If-None-Match": tag}).status_code == 304
    # Another ticket's event leaves T-1's badges as they were.
    other = {"ticket": "T-2", "kind": "status", "at": "2026-11-23T11:05:00-05:00", "id": "s", "status": "pending"}
    assert client.post("/sla/api/events", json={"events": [other]}).status_code == 200
    assert client.get("/sla/api/badges?ticket=T-1", headers={"If-None-Match": tag}).status_code == 304
    # T-1 set pending: the poll with the old tag gets the new badges and a new tag.
    pending = {"ticket": "T-1", "kind": "status", "at": "2026-11-23T10:10:00-05:00", "id": "p", "status": "pending"}
    assert client.post("/sla/api/events", json={"events": [pending]}).status_code == 200
    changed = client.get("/sla/api/badges?ticket=T-1", headers={"If-None-Match": tag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != tag
    assert changed.get_json()["tickets"]["T-1"]["status"] == "pending"
    new_tag = changed.headers["ETag"]
    assert client.get("/sla/api/badges?ticket=T-1", headers={"If-None-Match": new_tag}).status_code == 304


def test_badges_cost_the_same_statements_for_3_or_60_tickets(
    create_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy import event

    # The configuration check is timed; an hour keeps a slow machine from adding one here.
    monkeypatch.setattr("sla_timers.web.api_store.CONFIG_CHECK_SECONDS", 3600.0)
    app = create_app()
    events = {
        f"T-{i}": [
            CREATED | {"id": f"c{i}"},
            {"kind": "status", "at": "2026-11-23T10:10:00-05:00", "status": "pending"},
        ]
        for i in range(60)
    }
    _record(app, events)
    with app.app_context():
        engine = app_state().store().engine
    client = app.test_client()
    counts = []
    for size in (3, 60, 3):
        seen: list[str] = []
        listener = lambda *args, seen=seen: seen.append(args[2])  # noqa: E731  (conn, cursor, statement, ...)
        event.listen(engine, "before_cursor_execute", listener)
        try:
            answer = client.get("/sla/api/badges?" + "&".join(f"ticket=T-{i}" for i in range(size)))
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        assert answer.status_code == 200 and len(answer.get_json()["tickets"]) == size
        counts.append(sum(1 for statement in seen if statement.lstrip().upper().startswith("SELECT")))
    # One query for the tickets, their status and latest timers, whatever their number;
    # the first read also asks whether the configuration changed (then at most once a second).
    assert counts[1] == counts[2] == 1
    assert counts[0] <= 2
