"""``flask sla backfill`` / ``sla-timers backfill``: timers for tickets that existed before the watch.

History as the host keeps it (creation time, replies, current status) becomes
the ticket's events; a second run records nothing; an interrupted run resumes
from its checkpoint.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from watch_hosts import WATCH, Host, make_host
from web_helpers import AppFactory

from sla_timers.cli import main
from sla_timers.store import Store
from sla_timers.web import SLATimers
from sla_timers.web.backfill import backfill
from sla_timers.web.watch_declare import WatchError

NY = "America/New_York"


@pytest.fixture()
def host(tmp_path: Path) -> Host:
    host = make_host(f"sqlite:///{tmp_path / 'host.db'}")
    # Three tickets the helpdesk had before it watched anything (naive New York time).
    with host.Session.begin() as session:
        session.add(
            host.Ticket(id=1, subject="Printer", status_id=1, requester_id=1, opened_at=datetime(2026, 12, 1, 9))
        )
        session.add(
            host.Ticket(
                id=2,
                subject="VPN",
                status_id=3,  # pending
                requester_id=1,
                opened_at=datetime(2026, 12, 1, 10),
                updated_at=datetime(2026, 12, 1, 11, 30),
            )
        )
        session.add(host.Ticket(id=3, subject="Mail", status_id=2, requester_id=1, opened_at=datetime(2026, 12, 2, 9)))
        session.add(host.Post(id=10, ticket_id=2, author_id=2, written_at=datetime(2026, 12, 1, 10, 20)))
        session.add(host.Post(id=11, ticket_id=2, author_id=1, written_at=datetime(2026, 12, 1, 10, 50)))
        session.add(host.Post(id=12, ticket_id=2, author_id=2, internal=True, written_at=datetime(2026, 12, 1, 11)))
    return host


@pytest.fixture()
def app(create_app: AppFactory, host: Host) -> Any:
    app = create_app({"SLA_HOST_TIMEZONE": NY})
    sla: SLATimers = app.extensions["sla_timers"].extension
    watcher = sla.watch(ticket=host.Ticket, reply=host.Post, session=host.Session, **WATCH)
    yield app
    watcher.remove()


def _store(app: Flask) -> Store:
    return app.extensions["sla_timers"].store()


def test_history_becomes_events_at_the_rows_times(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["sla", "backfill"])
    assert result.exit_code == 0, result.output
    events = [(e.kind, e.at, e.get("status") or e.get("public")) for e in _store(app).events("2")]
    # New York is UTC-5 in December: 10:00 -> 15:00Z, 10:20 -> 15:20Z, 10:50 -> 15:50Z,
    # 11:00 -> 16:00Z, 11:30 (the ticket's last change, when it went pending) -> 16:30Z.
    assert events == [
        ("created", datetime(2026, 12, 1, 15, 0, tzinfo=UTC), "new"),
        ("agent_reply", datetime(2026, 12, 1, 15, 20, tzinfo=UTC), True),
        ("customer_reply", datetime(2026, 12, 1, 15, 50, tzinfo=UTC), None),
        ("agent_reply", datetime(2026, 12, 1, 16, 0, tzinfo=UTC), False),
        ("status", datetime(2026, 12, 1, 16, 30, tzinfo=UTC), "pending"),
    ]
    resolution = [t for t in _store(app).timers("2") if t["metric"] == "resolution"]
    assert resolution[-1]["status"] == "paused"
    assert "3 timed, 0 already timed, 0 failed" in result.output
    assert "Ticket tickets" in result.output  # the progress bar's label


def test_a_second_run_records_nothing(app: Flask) -> None:
    runner = app.test_cli_runner()
    runner.invoke(args=["sla", "backfill"])
    before = {t: len(_store(app).events(t)) for t in ("1", "2", "3")}
    again = runner.invoke(args=["sla", "backfill"])
    assert "0 timed, 3 already timed, 0 failed" in again.output, again.output
    assert {t: len(_store(app).events(t)) for t in ("1", "2", "3")} == before


def test_an_interrupted_run_resumes_after_its_checkpoint(app: Flask, tmp_path: Path) -> None:
    checkpoint = Path(app.instance_path, "sla-backfill-Ticket.json")
    with app.app_context():
        state = app.extensions["sla_timers"]
        first = backfill(
            state.extension.watchers[0],
            state.store(),
            state.settings.host_timezone,
            checkpoint=checkpoint,
            batch_size=2,
            limit=2,
        )
    assert first.timed == 2 and checkpoint.exists()  # stopped after the first batch
    assert _store(app).events("3") == []
    result = app.test_cli_runner().invoke(args=["sla", "backfill"])
    assert "resumed after ticket 2" in result.output and "1 timed" in result.output, result.output
    assert [e.kind for e in _store(app).events("3")] == ["created", "status"]
    assert not checkpoint.exists()  # a finished run leaves none
    restarted = app.test_cli_runner().invoke(args=["sla", "backfill", "--restart"])
    assert "0 timed, 3 already timed" in restarted.output


def test_tickets_the_watch_saw_are_left_alone(app: Flask, host: Host) -> None:
    with host.Session.begin() as session:
        session.add(host.Ticket(id=4, subject="New one", status_id=1, requester_id=1))
    watched = _store(app).events("4")
    result = app.test_cli_runner().invoke(args=["sla", "backfill"])
    assert "3 timed, 1 already timed" in result.output, result.output
    assert _store(app).events("4") == watched


def test_a_bad_ticket_is_reported_and_the_others_done(app: Flask, host: Host) -> None:
    with host.Session.begin() as session:  # opened in the future: the store refuses it
        session.get(host.Ticket, 3).opened_at = datetime(2031, 1, 1, 9)
    result = app.test_cli_runner().invoke(args=["sla", "backfill"])
    assert "2 timed, 0 already timed, 1 failed" in result.output, result.output
    assert "ticket 3: EventInFutureError" in result.output


def test_backfill_needs_the_hosts_sessions(create_app: AppFactory, host: Host) -> None:
    app = create_app()
    sla: SLATimers = app.extensions["sla_timers"].extension
    watcher = sla.watch(ticket=host.Ticket, reply=host.Post, **WATCH)  # no session=
    try:
        result = app.test_cli_runner().invoke(args=["sla", "backfill"])
        assert result.exit_code == 2
        assert "pass watch(session=...)" in result.output
    finally:
        watcher.remove()
    assert isinstance(WatchError("x"), ValueError)


def test_sla_timers_backfill_outside_flask_asks_for_the_app(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backfill"]) == 2
    assert "give --app MODULE:NAME" in capsys.readouterr().err
    assert main(["backfill", "--app", "no_such_module:app"]) == 2
    assert "No module named 'no_such_module'" in capsys.readouterr().err


def test_sla_timers_backfill_imports_the_hosts_app_factory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A host module with an app factory, as `sla-timers backfill --app helpdesk:create_app` finds it.
    (tmp_path / "backfill_host.py").write_text(
        f'''
from flask import Flask
from watch_hosts import WATCH, make_host
from web_helpers import EXAMPLES
from sla_timers.web import SLATimers

host = make_host("sqlite:///{tmp_path / "cli-host.db"}")
with host.Session.begin() as session:
    session.add(host.Ticket(id=1, subject="Printer", status_id=2, requester_id=1))

def create_app():
    app = Flask("backfill_host", instance_path="{tmp_path / "instance"}")
    app.config.update(
        SLA_POLICIES=[str(EXAMPLES / "policies")],
        SLA_PRIORITY_MATRIX=str(EXAMPLES / "priority_matrix.toml"),
        SLA_ADMIN_AUTHORIZER=lambda: False,
    )
    sla = SLATimers(app)
    app.extensions["watcher"] = sla.watch(ticket=host.Ticket, reply=host.Post, session=host.Session, **WATCH)
    return app
''',
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    import backfill_host  # noqa: F401  (the module the command imports, loaded here to clean up after)

    try:
        assert main(["backfill", "--app", "backfill_host:create_app"]) == 0
        out = capsys.readouterr().out
        assert "backfill: 1 timed, 0 already timed, 0 failed" in out, out
        store = Store(f"sqlite:///{tmp_path / 'instance' / 'sla.db'}")
        assert [e.kind for e in store.events("1")] == ["created", "status"]
        store.engine.dispose()
    finally:
        # The listeners are on that module's own sessionmaker: dropping the module ends them.
        sys.modules.pop("backfill_host", None)
