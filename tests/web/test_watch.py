"""``sla.watch``: a host's models become ticket events, recorded only after the host commits.

The hosts are in ``watch_hosts.py``: status as a related row, naive local
timestamps, integer or string ids, plain SQLAlchemy sessions. Expected events
are written from what the test's host did, never read back from the watch.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from watch_hosts import WATCH, Host, make_host
from web_helpers import AppFactory

import sla_timers.web.watch as watch_module
from sla_timers.store import Store
from sla_timers.store.models import TicketRow
from sla_timers.web import SLATimers
from sla_timers.web.state import AppState
from sla_timers.web.watch import Watcher, pending_rows
from sla_timers.web.watch_declare import WatchError

NY = "America/New_York"


@pytest.fixture()
def host(tmp_path: Path) -> Host:
    return make_host(f"sqlite:///{tmp_path / 'host.db'}")


@pytest.fixture()
def app(create_app: AppFactory) -> Flask:
    return create_app({"SLA_HOST_TIMEZONE": NY})


@pytest.fixture()
def watcher(app: Flask, host: Host) -> Iterator[Watcher]:
    sla: SLATimers = app.extensions["sla_timers"].extension
    found = sla.watch(ticket=host.Ticket, reply=host.Post, session=host.Session, **WATCH)
    yield found
    found.remove()


def _store(app: Flask) -> Store:
    state: AppState = app.extensions["sla_timers"]
    return state.store()


def _log(app: Flask, ticket: str) -> list[tuple[str, dict[str, Any]]]:
    return [(e.kind, dict(e.data)) for e in _store(app).events(ticket)]


def _refuse_records(monkeypatch: pytest.MonkeyPatch, reason: str) -> None:
    """Every ``Store.record`` fails as a database that cannot write does, with ``reason``."""

    def down(self: Store, *args: Any, **kwargs: Any) -> Any:
        raise OperationalError("INSERT", {}, Exception(reason))

    monkeypatch.setattr(Store, "record", down)


def _open_ticket(host: Host, **fields: Any) -> Any:
    with host.Session.begin() as session:
        ticket = host.Ticket(**{"subject": "Printer", "status_id": 1, "requester_id": 1, **fields})
        session.add(ticket)
    return ticket.id


# --- what a commit records ---------------------------------------------------------------


def test_a_new_ticket_is_created_with_its_status_priority_and_group(app: Flask, host: Host, watcher: Watcher) -> None:
    ticket = _open_ticket(host, priority="high", team="billing")
    log = _log(app, str(ticket))
    assert log == [("created", {"priority": "high", "status": "new", "group": "billing"})]


def test_a_rollback_records_nothing(app: Flask, host: Host, watcher: Watcher) -> None:
    session = host.Session()
    session.add(host.Ticket(id=7, subject="Printer", status_id=1, requester_id=1))
    session.flush()  # the listener saw it ...
    session.rollback()  # ... and the host changed its mind
    session.close()
    assert _store(app).events("7") == []


def test_a_rolled_back_savepoint_drops_only_its_own_changes(app: Flask, host: Host, watcher: Watcher) -> None:
    ticket = _open_ticket(host)
    with host.Session.begin() as session:
        row = session.get(host.Ticket, ticket)
        row.status_id = 2
        session.flush()
        nested = session.begin_nested()
        row.status_id = 4
        session.flush()
        nested.rollback()
    kinds = [(kind, data.get("status")) for kind, data in _log(app, str(ticket))]
    assert kinds == [("created", "new"), ("status", "open")]  # never "solved"


def test_status_through_the_foreign_key_or_the_relationship_reads_the_same(
    app: Flask, host: Host, watcher: Watcher
) -> None:
    ticket = _open_ticket(host)
    with host.Session.begin() as session:
        session.get(host.Ticket, ticket).status_id = 3  # the column
    with host.Session.begin() as session:
        row = session.get(host.Ticket, ticket)
        row.status = session.get(host.Status, 2)  # the relationship
    statuses = [data["status"] for kind, data in _log(app, str(ticket)) if kind == "status"]
    assert statuses == ["pending", "open"]


def test_priority_and_group_changes_become_events(app: Flask, host: Host, watcher: Watcher) -> None:
    ticket = _open_ticket(host, priority="normal")
    with host.Session.begin() as session:
        row = session.get(host.Ticket, ticket)
        row.priority = "urgent"
        row.team = "network"
    log = _log(app, str(ticket))
    assert ("priority", {"priority": "urgent"}) in log
    assert ("assigned", {"group": "network"}) in log


def test_an_unwatched_change_records_nothing_new(app: Flask, host: Host, watcher: Watcher) -> None:
    ticket = _open_ticket(host)
    with host.Session.begin() as session:
        session.get(host.Ticket, ticket).subject = "Printer (again)"
    assert len(_log(app, str(ticket))) == 1


def test_replies_by_the_requester_are_the_customers_others_the_agents(app: Flask, host: Host, watcher: Watcher) -> None:
    ticket = _open_ticket(host)
    with host.Session.begin() as session:
        session.add(host.Post(ticket_id=ticket, author_id=2, body="On it"))
    with host.Session.begin() as session:
        session.add(host.Post(ticket_id=ticket, author_id=2, internal=True, body="Note to self"))
    with host.Session.begin() as session:
        session.add(host.Post(ticket_id=ticket, author_id=1, body="Still jammed"))
    replies = [(kind, data.get("public"), data.get("author")) for kind, data in _log(app, str(ticket))[1:]]
    assert sorted(replies, key=str) == sorted(
        [("agent_reply", True, "2"), ("agent_reply", False, "2"), ("customer_reply", None, "1")], key=str
    )


def test_a_host_flag_for_agents_decides_over_the_requester(app: Flask, host: Host) -> None:
    sla: SLATimers = app.extensions["sla_timers"].extension
    mapping = {**WATCH, "reply_by_agent": "author.is_agent"}
    watcher = sla.watch(ticket=host.Ticket, reply=host.Post, session=host.Session, **mapping)
    try:
        ticket = _open_ticket(host, requester_id=2)  # an agent files a ticket for themself
        with host.Session.begin() as session:
            session.add(host.Post(ticket_id=ticket, author_id=2, body="Self-answer"))
        assert [kind for kind, _ in _log(app, str(ticket))] == ["created", "agent_reply"]
    finally:
        watcher.remove()


def test_naive_host_timestamps_are_read_in_the_host_zone(app: Flask, host: Host, watcher: Watcher) -> None:
    # 2026-12-01 09:00 in New York is EST (UTC-5): 14:00Z.
    ticket = _open_ticket(host, opened_at=datetime(2026, 12, 1, 9, 0))
    events = _store(app).events(str(ticket))
    assert events[0].at == datetime(2026, 12, 1, 14, 0, tzinfo=UTC)


def test_what_one_request_did_is_one_instant_even_over_separate_commits(
    app: Flask, host: Host, watcher: Watcher
) -> None:
    ticket = _open_ticket(host)
    with app.test_request_context("/tickets/1/reply", method="POST"):
        with host.Session.begin() as session:
            session.add(host.Post(ticket_id=ticket, author_id=2, body="Fixed, closing"))
        with host.Session.begin() as session:  # the host commits the status on its own
            session.get(host.Ticket, ticket).status_id = 4
        with host.Session.begin() as session:  # and a priority change after that
            session.get(host.Ticket, ticket).priority = "low"
    events = _store(app).events(str(ticket))
    later = [e for e in events if e.kind != "created"]
    assert sorted(e.kind for e in later) == ["agent_reply", "priority", "status"]
    assert len({e.at for e in later}) == 1, [e.at for e in later]


def test_string_ticket_ids(app: Flask, tmp_path: Path) -> None:
    host = make_host(f"sqlite:///{tmp_path / 'strings.db'}", string_ids=True)
    sla: SLATimers = app.extensions["sla_timers"].extension
    watcher = sla.watch(ticket=host.Ticket, reply=host.Post, session=host.Session, **WATCH)
    try:
        with host.Session.begin() as session:
            session.add(host.Ticket(id="INC-0042", subject="VPN", status_id=1, requester_id=1))
        with host.Session.begin() as session:
            session.add(host.Post(ticket_id="INC-0042", author_id=2))
        assert [kind for kind, _ in _log(app, "INC-0042")] == ["created", "agent_reply"]
    finally:
        watcher.remove()


def test_classification_inputs_reach_the_matrix(app: Flask, host: Host) -> None:
    # examples/priority_matrix.toml: impact "company" x urgency "blocking" is urgent.
    sla: SLATimers = app.extensions["sla_timers"].extension
    mapping = {k: v for k, v in WATCH.items() if k != "priority"}
    watcher = sla.watch(
        ticket=host.Ticket,
        reply=host.Post,
        session=host.Session,
        inputs={"impact": "team", "urgency": "subject", "requester.name": "requester.name"},
        **mapping,
    )
    try:
        ticket = _open_ticket(host, team="company")
        with host.Session.begin() as session:
            session.get(host.Ticket, ticket).subject = "blocking"
        with _store(app).engine.connect() as connection:
            priority = connection.execute(
                select(TicketRow.priority).where(TicketRow.host_id == str(ticket))
            ).scalar_one()
        # Created with no urgency (the matrix's default, normal); the subject edit made it urgent.
        assert priority == "urgent"
        assert ("priority", {"priority": "urgent"}) in _log(app, str(ticket))
    finally:
        watcher.remove()


# --- failures never reach the host ------------------------------------------------------------


def test_a_store_that_refuses_keeps_the_change_for_a_retry(
    app: Flask, host: Host, watcher: Watcher, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    store = _store(app)
    real = Store.record

    _refuse_records(monkeypatch, "database is locked")
    with caplog.at_level(logging.WARNING, logger="sla_timers.web.watch"):
        ticket = _open_ticket(host)  # the host's commit succeeds
    with host.Session() as session:
        assert session.get(host.Ticket, ticket) is not None
    assert "kept for a retry" in caplog.text
    rows = pending_rows(store)
    assert [row["ticket"] for row in rows] == [str(ticket)]
    assert "database is locked" in rows[0]["last_error"]
    monkeypatch.setattr(Store, "record", real)
    # Not due yet: the first retry waits a few seconds.
    assert watcher.retry(now=datetime.now(UTC)).recorded == 0
    result = watcher.retry(now=datetime.now(UTC) + timedelta(minutes=1))
    assert (result.recorded, result.failed) == (1, 0)
    assert pending_rows(store) == []
    assert [kind for kind, _ in _log(app, str(ticket))] == ["created"]


def test_a_change_retried_until_it_is_given_up(
    app: Flask, host: Host, watcher: Watcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    _refuse_records(monkeypatch, "gone")
    _open_ticket(host)
    at = datetime.now(UTC)
    for _ in range(12):
        at += timedelta(hours=2)  # past any backoff
        watcher.retry(now=at)
    assert pending_rows(_store(app)) == []
    [dead] = pending_rows(_store(app), status="dead")
    assert dead["attempts"] == 10


def test_an_unreachable_store_keeps_the_change_in_memory(
    app: Flask, host: Host, watcher: Watcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    state: AppState = app.extensions["sla_timers"]

    def unreachable() -> Store:
        raise OperationalError("connect", {}, Exception("connection refused"))

    monkeypatch.setattr(state.store_access, "get", unreachable)
    ticket = _open_ticket(host)
    assert watcher.pending() == 1
    monkeypatch.undo()
    assert watcher.retry().recorded == 1
    assert [kind for kind, _ in _log(app, str(ticket))] == ["created"]


def test_an_error_inside_the_listener_never_reaches_the_host(
    app: Flask, host: Host, watcher: Watcher, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug in reading the ticket")

    monkeypatch.setattr(Watcher, "snapshot", broken)
    with caplog.at_level(logging.ERROR, logger="sla_timers.web.watch"):
        ticket = _open_ticket(host)  # no exception here
    assert "a bug in reading the ticket" in caplog.text
    monkeypatch.undo()
    # The ticket was kept to be rebuilt from its rows; the next retry does it.
    assert watcher.retry(now=datetime.now(UTC) + timedelta(minutes=1)).recorded == 1
    assert [kind for kind, _ in _log(app, str(ticket))] == ["created"]


# --- declarations are checked at watch() time ------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"status": "status.nam"}, "status", 'has no mapped attribute "nam"'),
        ({"status": "status"}, "status", "is a relationship"),
        ({"group": "posts.id"}, "group", "is a collection"),
        ({"priority": "subject.length"}, "priority", "is a column, not a relationship"),
        ({"impact": "team"}, "urgency", "impact and urgency go together"),
        ({"reply_ticket": None}, "reply_ticket", "ticket's id"),
        ({"reply_author": "writer"}, "reply_author", 'has no mapped attribute "writer"'),
        ({"reply_public": "internal"}, "reply_internal", "not both"),
        ({"status": ""}, "status", "dotted path"),
    ],
    ids=[
        "typo",
        "ends-on-relationship",
        "collection",
        "through-a-column",
        "impact-alone",
        "reply-without-ticket",
        "reply-author-typo",
        "public-and-internal",
        "empty",
    ],
)
def test_a_bad_declaration_names_the_argument(
    app: Flask, host: Host, change: dict[str, Any], field: str, words: str
) -> None:
    sla: SLATimers = app.extensions["sla_timers"].extension
    with pytest.raises(WatchError, match=words) as caught:
        sla.watch(ticket=host.Ticket, reply=host.Post, **{**WATCH, **change})
    assert caught.value.field == field
    assert sla.watchers == []


def test_a_class_that_is_not_mapped_is_refused(app: Flask) -> None:
    sla: SLATimers = app.extensions["sla_timers"].extension

    class Ticket:
        pass

    with pytest.raises(WatchError, match="not a mapped SQLAlchemy class") as caught:
        sla.watch(ticket=Ticket)
    assert caught.value.field == "ticket"


def test_telling_customers_from_agents_needs_an_author_or_a_flag(app: Flask, host: Host) -> None:
    sla: SLATimers = app.extensions["sla_timers"].extension
    with pytest.raises(WatchError) as caught:
        sla.watch(ticket=host.Ticket, reply=host.Post, reply_ticket="ticket_id")
    assert caught.value.field == "reply_author"


def test_the_ticket_rows_written_are_the_hosts_own(app: Flask, host: Host, watcher: Watcher) -> None:
    ticket = _open_ticket(host)
    with host.Session() as session:
        assert session.execute(select(host.Ticket.subject).where(host.Ticket.id == ticket)).scalar_one() == "Printer"


def test_host_and_plugin_share_one_postgresql_database(create_app: AppFactory, postgresql_url: str) -> None:
    # The realistic production layout: the host's tables and the sla_ tables in one database.
    host = make_host(postgresql_url)
    app = create_app({"SLA_HOST_TIMEZONE": NY, "SLA_DATABASE_URL": postgresql_url})
    sla: SLATimers = app.extensions["sla_timers"].extension
    watcher = sla.watch(ticket=host.Ticket, reply=host.Post, session=host.Session, **WATCH)
    try:
        ticket = _open_ticket(host, opened_at=datetime(2026, 12, 1, 9, 0))
        with host.Session.begin() as session:
            session.add(host.Post(ticket_id=ticket, author_id=2, written_at=datetime(2026, 12, 1, 9, 20)))
            row = session.get(host.Ticket, ticket)
            row.status_id, row.updated_at = 3, datetime(2026, 12, 1, 9, 20)
        events = _store(app).events(str(ticket))
        # 09:00 and 09:20 New York (EST, UTC-5) are 14:00Z and 14:20Z.
        assert [(e.kind, e.at.strftime("%H:%M")) for e in events] == [
            ("created", "14:00"),
            ("agent_reply", "14:20"),
            ("status", "14:20"),
        ]
        session = host.Session()
        session.add(host.Ticket(id=99, subject="x", status_id=1, requester_id=1))
        session.flush()
        session.rollback()
        session.close()
        assert _store(app).events("99") == []
    finally:
        watcher.remove()
        _store(app).engine.dispose()
        host.engine.dispose()


def test_outside_a_request_each_row_keeps_its_own_date(app: Flask, host: Host, watcher: Watcher) -> None:
    # An import script: two tickets in one transaction, each opened at its own time.
    with host.Session.begin() as session:
        session.add(host.Ticket(id=31, subject="a", status_id=1, requester_id=1, opened_at=datetime(2026, 12, 1, 9)))
        session.add(host.Ticket(id=32, subject="b", status_id=1, requester_id=1, opened_at=datetime(2026, 12, 2, 9)))
    # 09:00 EST is 14:00Z, on the 1st and on the 2nd.
    assert _store(app).events("31")[0].at == datetime(2026, 12, 1, 14, tzinfo=UTC)
    assert _store(app).events("32")[0].at == datetime(2026, 12, 2, 14, tzinfo=UTC)


def test_a_change_that_leaves_the_date_column_alone_is_dated_now(app: Flask, host: Host, watcher: Watcher) -> None:
    ticket = _open_ticket(host, opened_at=datetime(2026, 12, 1, 9), updated_at=datetime(2026, 12, 1, 9))
    before = datetime.now(UTC)
    with host.Session.begin() as session:
        session.get(host.Ticket, ticket).status_id = 3  # updated_at not bumped: stale
    status = [e for e in _store(app).events(str(ticket)) if e.kind == "status"][0]
    assert status.at >= before


def test_the_next_commits_catch_up_once_the_store_answers(
    app: Flask, host: Host, watcher: Watcher, monkeypatch: pytest.MonkeyPatch
) -> None:

    monkeypatch.setattr(watch_module, "FIRST_BACKOFF", timedelta(0))  # due at once
    real = Store.record

    _refuse_records(monkeypatch, "database is locked")
    first = _open_ticket(host)
    assert [row["ticket"] for row in pending_rows(_store(app))] == [str(first)]
    monkeypatch.setattr(Store, "record", real)
    second = _open_ticket(host)  # the store answers: this commit also records what was kept
    assert pending_rows(_store(app)) == []
    assert [kind for kind, _ in _log(app, str(first))] == ["created"]
    assert [kind for kind, _ in _log(app, str(second))] == ["created"]


def test_the_plugin_on_the_hosts_own_sqlite_engine(create_app: AppFactory, host: Host) -> None:
    # SLA_ENGINE: the sla_ tables beside the host's in one SQLite file, written right after its commits.
    app = create_app({"SLA_ENGINE": host.engine})
    sla: SLATimers = app.extensions["sla_timers"].extension
    watcher = sla.watch(ticket=host.Ticket, reply=host.Post, session=host.Session, **WATCH)
    try:
        ticket = _open_ticket(host)
        with host.Session.begin() as session:
            session.add(host.Post(ticket_id=ticket, author_id=2))
            session.get(host.Ticket, ticket).status_id = 4
        assert [kind for kind, _ in _log(app, str(ticket))] == ["created", "agent_reply", "status"]
        assert watcher.pending() == 0 and pending_rows(_store(app)) == []
    finally:
        watcher.remove()


def test_even_a_listener_that_cannot_name_its_tickets_never_raises_into_the_host(
    app: Flask, host: Host, watcher: Watcher, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("broken beyond repair")

    monkeypatch.setattr(Watcher, "snapshot", broken)
    monkeypatch.setattr(Watcher, "_ticket_pk", broken)
    with caplog.at_level(logging.ERROR, logger="sla_timers.web.watch"):
        ticket = _open_ticket(host)  # the host's commit goes through
    with host.Session() as session:
        assert session.get(host.Ticket, ticket) is not None
    assert "could not keep the tickets to rebuild" in caplog.text


def test_flask_sla_worker_records_what_the_watch_kept(
    app: Flask, host: Host, watcher: Watcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(watch_module, "FIRST_BACKOFF", timedelta(0))  # the kept change is due at once
    store = _store(app)
    real = Store.record

    _refuse_records(monkeypatch, "database is locked")
    ticket = _open_ticket(host)
    assert [row["ticket"] for row in pending_rows(store)] == [str(ticket)]
    monkeypatch.setattr(Store, "record", real)
    result = app.test_cli_runner().invoke(args=["sla", "worker", "--once", "--log-level", "warning"])
    assert result.exit_code == 0, result.output
    assert pending_rows(store) == []
    assert [kind for kind, _ in _log(app, str(ticket))] == ["created"]
