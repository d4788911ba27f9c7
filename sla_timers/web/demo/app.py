"""The demo helpdesk's Flask app: its tables (stdlib ``sqlite3``), pages and seed tickets."""

from __future__ import annotations

import json
import secrets
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from flask import Flask, abort, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from ...timers import TicketEvent, evaluate
from .. import SLATimers
from ..badge_data import TicketTimers
from ..state import app_state

_SCHEMA = """
create table if not exists demo_tickets (
  id integer primary key, subject text not null, requester text not null, fields text not null,
  status text not null, priority text not null, policy text not null, calendar text not null,
  tags text not null, created_at text not null);
create table if not exists demo_posts (
  id integer primary key, ticket_id integer not null references demo_tickets(id),
  author text not null, body text not null, public integer not null, at text not null);
create table if not exists demo_events (
  id integer primary key, ticket_id integer not null references demo_tickets(id),
  kind text not null, at text not null, data text not null);
"""

#: Seed tickets: subject, requester fields, ticket fields, what happened (minutes ago, action).
SEED: list[tuple[str, dict[str, Any], dict[str, Any], list[tuple[int, str]]]] = [
    (
        "Printer jams on every page",
        {"name": "Dana Whitfield", "role": "ceo", "tier": "premium"},
        {"category": "printer", "impact": "department", "urgency": "degraded"},
        [(20, "created")],
    ),
    (
        "Booking system rejects orders",
        {"name": "Sam Ortiz", "organization": "Globex", "seats": 1200},
        {"category": "booking", "impact": "department", "urgency": "blocking", "fields": {"business_line": "sales"}},
        [(90, "created"), (60, "agent_reply")],
    ),
    (
        "Cannot export invoices",
        {"name": "Priya Nair", "tier": "premium"},
        {"category": "billing", "impact": "person", "urgency": "blocking"},
        [(300, "created"), (280, "agent_reply"), (30, "customer_reply")],
    ),
    (
        "VPN drops every hour",
        {"name": "Lee Chan"},
        {"category": "network", "impact": "person", "urgency": "degraded"},
        [(240, "created"), (200, "agent_reply"), (180, "pending")],
    ),
    (
        "New laptop for a starter",
        {"name": "Alex Kim"},
        {"category": "hardware", "impact": "person", "urgency": "cosmetic"},
        [(600, "created"), (590, "agent_reply"), (400, "solved")],
    ),
    (
        "Email outage for the finance team",
        {"name": "Jo Baker"},
        {"category": "email", "impact": "company", "urgency": "blocking", "fields": {"business_line": "finance"}},
        [(4 * 24 * 60, "created")],
    ),
]

ACTIONS = ("agent_reply", "customer_reply", "pending", "solved", "reopen")


def create_app(database: str | Path | None = None, *, seed: bool = True, now: datetime | None = None) -> Flask:
    """The demo helpdesk on SQLite file ``database`` (default: the app's instance folder).

    ``seed`` adds the seed tickets to an empty database, dated back from ``now``.
    """
    app = Flask(__name__)
    config = resources.files(__package__).joinpath("config")
    app.config.update(
        SECRET_KEY=secrets.token_hex(16),
        SLA_POLICIES=[str(path) for path in _files(config.joinpath("policies"))],
        SLA_PRIORITY_MATRIX=str(config.joinpath("priority_matrix.toml")),
        # The demo has no login: everyone is an agent and an admin.
        SLA_AGENT_AUTHORIZER=lambda ticket_id: True,
        SLA_ADMIN_AUTHORIZER=lambda: True,
        SLA_BADGE_REFRESH_SECONDS=5,
    )
    path = Path(database) if database is not None else Path(app.instance_path, "demo.db")
    path.parent.mkdir(parents=True, exist_ok=True)
    app.config["DEMO_DATABASE"] = str(path)
    sla = SLATimers(app)
    sla.timer_source(lambda ids: _timers(app, ids))
    with _db(app) as db:
        db.executescript(_SCHEMA)
        if seed and db.execute("select count(*) from demo_tickets").fetchone()[0] == 0:
            _seed(app, db, now or datetime.now(UTC))
    _routes(app)
    return app


def _files(folder: Any) -> list[Any]:
    return sorted((item for item in folder.iterdir() if item.name.endswith(".toml")), key=lambda item: item.name)


@contextmanager
def _db(app: Flask) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(app.config["DEMO_DATABASE"])
    connection.row_factory = sqlite3.Row
    try:
        with connection:
            yield connection
    finally:
        connection.close()


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def _open(
    app: Flask,
    db: sqlite3.Connection,
    subject: str,
    requester: Mapping[str, Any],
    fields: Mapping[str, Any],
    at: datetime,
) -> int:
    registry = app_state().registry if _in_context() else app.extensions["sla_timers"].registry
    ticket = {"subject": subject, "requester": dict(requester), **fields}
    found = registry.require_matrix().classify(ticket, now=at)
    cursor = db.execute(
        "insert into demo_tickets (subject, requester, fields, status, priority, policy, calendar, tags, created_at)"
        " values (?, ?, ?, 'new', ?, ?, ?, ?, ?)",
        (
            subject,
            json.dumps(dict(requester)),
            json.dumps(dict(fields)),
            found.priority,
            found.policy,
            found.calendar,
            json.dumps(list(found.tags)),
            _iso(at),
        ),
    )
    ticket_id = int(cursor.lastrowid or 0)
    _event(db, ticket_id, "created", at, priority=found.priority, status="new")
    return ticket_id


def _in_context() -> bool:
    from flask import has_app_context

    return has_app_context()


def _event(db: sqlite3.Connection, ticket_id: int, kind: str, at: datetime, **data: Any) -> None:
    db.execute(
        "insert into demo_events (ticket_id, kind, at, data) values (?, ?, ?, ?)",
        (ticket_id, kind, _iso(at), json.dumps(data)),
    )


def act(db: sqlite3.Connection, ticket_id: int, action: str, at: datetime, body: str = "") -> None:
    """Do ``action`` on a ticket as the helpdesk would, recording its posts, status and events."""
    row = db.execute("select * from demo_tickets where id = ?", (ticket_id,)).fetchone()
    if row is None:
        raise LookupError(ticket_id)
    status = row["status"]
    requester = json.loads(row["requester"])["name"]

    def set_status(new: str) -> None:
        if new != status:
            db.execute("update demo_tickets set status = ? where id = ?", (new, ticket_id))
            _event(db, ticket_id, "status", at, status=new)

    if action == "agent_reply":
        db.execute(
            "insert into demo_posts (ticket_id, author, body, public, at) values (?, ?, ?, 1, ?)",
            (ticket_id, "Agent", body or "Thanks, we are looking into it.", _iso(at)),
        )
        _event(db, ticket_id, "agent_reply", at, public=True)
        if status == "new":
            set_status("open")
    elif action == "customer_reply":
        db.execute(
            "insert into demo_posts (ticket_id, author, body, public, at) values (?, ?, ?, 1, ?)",
            (ticket_id, requester, body or "Any news?", _iso(at)),
        )
        _event(db, ticket_id, "customer_reply", at)
        if status == "pending":
            set_status("open")
    elif action == "pending":
        set_status("pending")
    elif action == "solved":
        set_status("solved")
    elif action == "reopen":
        set_status("open")
    else:
        raise ValueError(f"unknown action {action!r}")


def _seed(app: Flask, db: sqlite3.Connection, now: datetime) -> None:
    with app.app_context():
        for subject, requester, fields, story in SEED:
            ticket_id = 0
            for minutes_ago, action in story:
                at = now - timedelta(minutes=minutes_ago)
                if action == "created":
                    ticket_id = _open(app, db, subject, requester, fields, at)
                else:
                    act(db, ticket_id, action, at)


def _timers(app: Flask, ids: Sequence[str]) -> dict[str, TicketTimers]:
    """The timer source: each ticket's log evaluated on its policy and calendar, now."""
    wanted = [int(i) for i in ids if i.isdigit()]
    if not wanted:
        return {}
    registry = app_state().registry
    now = datetime.now(UTC)
    marks = ",".join("?" * len(wanted))
    with _db(app) as db:
        tickets = db.execute(f"select * from demo_tickets where id in ({marks})", wanted).fetchall()
        rows = db.execute(f"select * from demo_events where ticket_id in ({marks}) order by id", wanted).fetchall()
    logs: dict[int, list[TicketEvent]] = {}
    for row in rows:
        logs.setdefault(row["ticket_id"], []).append(
            TicketEvent(
                row["kind"],
                datetime.fromisoformat(row["at"]),
                id=f"{row['ticket_id']}/{row['id']}",
                **json.loads(row["data"]),
            )
        )
    found: dict[str, TicketTimers] = {}
    for ticket in tickets:
        created = datetime.fromisoformat(ticket["created_at"])
        policy = registry.policy(ticket["policy"], created)
        calendar = registry.calendar(ticket["calendar"])
        states = evaluate(policy, logs.get(ticket["id"], []), now=now, calendar=calendar)
        found[str(ticket["id"])] = TicketTimers(
            states, calendar, ticket["calendar"], policy=policy, status=ticket["status"]
        )
    return found


def _routes(app: Flask) -> None:
    @app.get("/")
    def ticket_list() -> str:
        with _db(app) as db:
            tickets = db.execute("select * from demo_tickets order by id").fetchall()
        return render_template("list.html", tickets=[_view(t) for t in tickets])

    @app.get("/tickets/<int:ticket_id>")
    def ticket_page(ticket_id: int) -> str:
        with _db(app) as db:
            ticket = db.execute("select * from demo_tickets where id = ?", (ticket_id,)).fetchone()
            posts = db.execute("select * from demo_posts where ticket_id = ? order by id", (ticket_id,)).fetchall()
        if ticket is None:
            abort(404)
        return render_template("ticket.html", ticket=_view(ticket), posts=posts, token=_token())

    @app.post("/tickets/<int:ticket_id>/<action>")
    def ticket_action(ticket_id: int, action: str) -> Response:
        if action not in ACTIONS:
            abort(404)
        if not secrets.compare_digest(request.form.get("token", ""), _token()):
            abort(400)
        with _db(app) as db:
            try:
                act(db, ticket_id, action, datetime.now(UTC), request.form.get("body", "").strip())
            except LookupError:
                abort(404)
        return redirect(url_for("ticket_page", ticket_id=ticket_id))

    @app.post("/tickets")
    def ticket_new() -> Response:
        if not secrets.compare_digest(request.form.get("token", ""), _token()):
            abort(400)
        subject = request.form.get("subject", "").strip()[:200] or "(no subject)"
        requester = {"name": request.form.get("requester", "").strip()[:100] or "Customer"}
        with _db(app) as db:
            ticket_id = _open(
                app, db, subject, requester, {"category": request.form.get("category", "")}, datetime.now(UTC)
            )
        return redirect(url_for("ticket_page", ticket_id=ticket_id))


def _token() -> str:
    # The demo's own CSRF token for its forms (a host brings its own).
    if "token" not in session:
        session["token"] = secrets.token_hex(16)
    return str(session["token"])


def _view(row: sqlite3.Row) -> dict[str, Any]:
    return {**dict(row), "requester": json.loads(row["requester"]), "tags": json.loads(row["tags"])}
