"""The demo helpdesk's Flask app: its SQLAlchemy models, pages and seed tickets.

It is written as any small helpdesk is, and embeds the plugin the way a host
does: ``SLATimers(app)`` and one ``sla.watch(...)`` declaration. Its own code
never mentions timers or events; the watch turns its commits into ticket events,
the store classifies and times them, and a worker thread sweeps.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from flask import Flask, abort, redirect, render_template, request, session, url_for
from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text, create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship, sessionmaker
from werkzeug.wrappers import Response

from ...store.models import TicketRow
from .. import SLATimers

_log = logging.getLogger("sla_timers.web.demo")


class Base(DeclarativeBase):
    """The demo helpdesk's own tables (prefixed ``demo_``)."""


class Person(Base):
    """A requester or an agent."""

    __tablename__ = "demo_people"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    is_agent: Mapped[bool] = mapped_column(Boolean, default=False)
    role: Mapped[str | None] = mapped_column(String(40))
    tier: Mapped[str | None] = mapped_column(String(40))
    organization: Mapped[str | None] = mapped_column(String(100))
    seats: Mapped[int | None] = mapped_column(Integer)


class Status(Base):
    """A ticket status, kept as a row (as many helpdesks do)."""

    __tablename__ = "demo_statuses"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)


class Ticket(Base):
    """A ticket; times are naive UTC, as the demo stores them."""

    __tablename__ = "demo_tickets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject: Mapped[str] = mapped_column(String(200))
    requester_id: Mapped[int] = mapped_column(ForeignKey("demo_people.id"))
    requester: Mapped[Person] = relationship()
    status_id: Mapped[int] = mapped_column(ForeignKey("demo_statuses.id"))
    status: Mapped[Status] = relationship()
    category: Mapped[str] = mapped_column(String(40), default="")
    impact: Mapped[str | None] = mapped_column(String(40))
    urgency: Mapped[str | None] = mapped_column(String(40))
    business_line: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class Post(Base):
    """A reply on a ticket: the requester's, an agent's, or an agent's internal note."""

    __tablename__ = "demo_posts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("demo_tickets.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("demo_people.id"))
    author: Mapped[Person] = relationship()
    body: Mapped[str] = mapped_column(Text)
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime)


#: The one declaration that connects the helpdesk to the plugin.
WATCH: dict[str, Any] = {
    "status": "status.name",
    "impact": "impact",
    "urgency": "urgency",
    "requester": "requester_id",
    "created_at": "created_at",
    "changed_at": "updated_at",
    # What the priority matrix reads (examples/priority_matrix.toml).
    "inputs": {
        "subject": "subject",
        "category": "category",
        "fields.business_line": "business_line",
        "requester.name": "requester.name",
        "requester.role": "requester.role",
        "requester.tier": "requester.tier",
        "requester.organization": "requester.organization",
        "requester.seats": "requester.seats",
    },
    "reply_ticket": "ticket_id",
    "reply_at": "created_at",
    "reply_author": "author_id",
    "reply_internal": "internal",
}

STATUSES = ("new", "open", "pending", "solved")
AGENT = "Agent Ann"

#: Seed tickets: subject, requester, ticket fields, what happened (minutes ago, action).
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
        {"category": "booking", "impact": "department", "urgency": "blocking", "business_line": "sales"},
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
        {"category": "email", "impact": "company", "urgency": "blocking", "business_line": "finance"},
        [(4 * 24 * 60, "created")],
    ),
]

ACTIONS = ("agent_reply", "customer_reply", "pending", "solved", "reopen")


def create_app(database: str | Path | None = None, *, seed: bool = True, now: datetime | None = None) -> Flask:
    """The demo helpdesk on SQLite file ``database`` (default: the app's instance folder);
    the plugin's tables go in ``sla.db`` beside it.

    ``seed`` adds the seed tickets to an empty database, dated back from ``now``.
    """
    app = Flask(__name__)
    config = resources.files(__package__).joinpath("config")
    path = Path(database) if database is not None else Path(app.instance_path, "demo.db")
    path.parent.mkdir(parents=True, exist_ok=True)
    app.config.update(
        SECRET_KEY=secrets.token_hex(16),
        SLA_DATABASE_URL=f"sqlite:///{path.with_name('sla.db')}",
        SLA_POLICIES=[str(path) for path in _files(config.joinpath("policies"))],
        SLA_PRIORITY_MATRIX=str(config.joinpath("priority_matrix.toml")),
        # The demo has no login: everyone is an agent and an admin.
        SLA_AGENT_AUTHORIZER=lambda ticket_id: True,
        SLA_ADMIN_AUTHORIZER=lambda: True,
        SLA_BADGE_REFRESH_SECONDS=5,
    )
    engine = create_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    sessions = sessionmaker(engine, expire_on_commit=False)
    app.extensions["demo_sessions"] = sessions
    sla = SLATimers(app)
    sla.watch(ticket=Ticket, reply=Post, session=sessions, **WATCH)
    with sessions.begin() as db:
        if not db.execute(select(Status)).first():
            db.add_all(Status(name=name) for name in STATUSES)
            db.add(Person(name=AGENT, is_agent=True))
    with app.app_context():
        app.extensions["sla_timers"].store()  # create the plugin's tables and store the policies now
        if seed:
            with sessions() as db:
                empty = db.execute(select(Ticket.id)).first() is None
            if empty:
                _seed(sessions, now or datetime.now(UTC))
    _routes(app, sessions)
    return app


def start_worker(app: Flask, *, interval: float = 5.0) -> Callable[[], None]:
    """Sweep the app's timers and retry kept changes every ``interval`` seconds in a
    daemon thread (what ``sla-timers worker`` does in production). Returns a function that stops it."""
    from ...store.worker import Worker

    state = app.extensions["sla_timers"]
    stop = threading.Event()
    worker = Worker(state.store(), None, interval=timedelta(seconds=interval))

    def loop() -> None:
        while not stop.is_set():
            try:
                worker.run_once()
                for watcher in state.extension.watchers:
                    watcher.retry()
            except Exception:  # the demo's sweeper keeps going; the next round tries again
                _log.exception("demo worker: a round failed")
            stop.wait(interval)

    thread = threading.Thread(target=loop, name="sla-demo-worker", daemon=True)
    thread.start()

    def halt() -> None:
        stop.set()
        thread.join(timeout=interval + 5)

    return halt


def _files(folder: Any) -> list[Any]:
    return sorted((item for item in folder.iterdir() if item.name.endswith(".toml")), key=lambda item: item.name)


def _naive(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(tzinfo=None)


def _status(db: Session, name: str) -> Status:
    return db.execute(select(Status).where(Status.name == name)).scalar_one()


def _agent(db: Session) -> Person | None:
    return db.execute(select(Person).where(Person.is_agent)).scalars().first()


def open_ticket(
    sessions: sessionmaker[Any], subject: str, requester: dict[str, Any], fields: dict[str, Any], at: datetime
) -> int:
    """Open a ticket as the helpdesk does: a requester (found by name or added) and the ticket."""
    with sessions.begin() as db:
        person = db.execute(select(Person).where(Person.name == requester["name"], ~Person.is_agent)).scalars().first()
        if person is None:
            person = Person(**requester)
            db.add(person)
        ticket = Ticket(
            subject=subject,
            requester=person,
            status=_status(db, "new"),
            created_at=_naive(at),
            updated_at=_naive(at),
            **fields,
        )
        db.add(ticket)
        db.flush()
        return ticket.id


def act(sessions: sessionmaker[Any], ticket_id: int, action: str, at: datetime, body: str = "") -> None:
    """Do ``action`` on a ticket as the helpdesk would: a post and its status change.

    :raises LookupError: for a ticket that does not exist.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    with sessions.begin() as db:
        ticket = db.get(Ticket, ticket_id)
        if ticket is None:
            raise LookupError(ticket_id)
        status = ticket.status.name

        def set_status(new: str) -> None:
            if new != status:
                ticket.status = _status(db, new)
                ticket.updated_at = _naive(at)

        if action == "agent_reply":
            author = _agent(db)
            db.add(
                Post(
                    ticket_id=ticket.id,
                    author=author,
                    body=body or "Thanks, we are looking into it.",
                    created_at=_naive(at),
                )
            )
            if status == "new":
                set_status("open")
        elif action == "customer_reply":
            db.add(Post(ticket_id=ticket.id, author=ticket.requester, body=body or "Any news?", created_at=_naive(at)))
            if status == "pending":
                set_status("open")
        elif action == "pending":
            set_status("pending")
        elif action == "solved":
            set_status("solved")
        else:
            set_status("open")


def _seed(sessions: sessionmaker[Any], now: datetime) -> None:
    for subject, requester, fields, story in SEED:
        ticket_id = 0
        for minutes_ago, action in story:
            at = now - timedelta(minutes=minutes_ago)
            if action == "created":
                ticket_id = open_ticket(sessions, subject, requester, fields, at)
            else:
                act(sessions, ticket_id, action, at)


@contextmanager
def _read(sessions: sessionmaker[Any]) -> Iterator[Any]:
    with sessions() as db:
        yield db


def _classifications(app: Flask, ids: list[int]) -> dict[str, Any]:
    """Priority, policy, calendar and tags as the plugin's store decided them."""
    store = app.extensions["sla_timers"].store()
    with store.engine.connect() as connection:
        rows = connection.execute(
            select(
                TicketRow.host_id,
                TicketRow.priority,
                TicketRow.policy_name,
                TicketRow.calendar,
                TicketRow.classification,
            ).where(TicketRow.host_id.in_([str(i) for i in ids]))
        ).all()
    return {
        row.host_id: {
            "priority": row.priority,
            "policy": row.policy_name,
            "calendar": row.calendar,
            "tags": list((row.classification or {}).get("tags", [])),
        }
        for row in rows
    }


def _view(ticket: Ticket, found: dict[str, Any]) -> dict[str, Any]:
    sla = found.get(str(ticket.id), {"priority": "-", "policy": "-", "calendar": "-", "tags": []})
    return {
        "id": ticket.id,
        "subject": ticket.subject,
        "requester": {"name": ticket.requester.name},
        "status": ticket.status.name,
        **sla,
    }


def _routes(app: Flask, sessions: sessionmaker[Any]) -> None:
    @app.get("/")
    def ticket_list() -> str:
        with _read(sessions) as db:
            tickets = db.execute(select(Ticket).order_by(Ticket.id)).scalars().all()
            found = _classifications(app, [t.id for t in tickets])
            views = [_view(t, found) for t in tickets]
        return render_template("list.html", tickets=views)

    @app.get("/tickets/<int:ticket_id>")
    def ticket_page(ticket_id: int) -> str:
        with _read(sessions) as db:
            ticket = db.get(Ticket, ticket_id)
            if ticket is None:
                abort(404)
            posts = db.execute(select(Post).where(Post.ticket_id == ticket_id).order_by(Post.id)).scalars().all()
            view = _view(ticket, _classifications(app, [ticket_id]))
            shown = [
                {"author": p.author.name, "body": p.body, "at": p.created_at.isoformat(), "internal": p.internal}
                for p in posts
            ]
        return render_template("ticket.html", ticket=view, posts=shown, token=_token())

    @app.post("/tickets/<int:ticket_id>/<action>")
    def ticket_action(ticket_id: int, action: str) -> Response:
        if action not in ACTIONS:
            abort(404)
        if not secrets.compare_digest(request.form.get("token", ""), _token()):
            abort(400)
        try:
            act(sessions, ticket_id, action, datetime.now(UTC), request.form.get("body", "").strip())
        except LookupError:
            abort(404)
        return redirect(url_for("ticket_page", ticket_id=ticket_id))

    @app.post("/tickets")
    def ticket_new() -> Response:
        if not secrets.compare_digest(request.form.get("token", ""), _token()):
            abort(400)
        subject = request.form.get("subject", "").strip()[:200] or "(no subject)"
        requester = {"name": request.form.get("requester", "").strip()[:100] or "Customer"}
        ticket_id = open_ticket(
            sessions, subject, requester, {"category": request.form.get("category", "")[:40]}, datetime.now(UTC)
        )
        return redirect(url_for("ticket_page", ticket_id=ticket_id))


def _token() -> str:
    # The demo's own CSRF token for its forms (a host brings its own).
    if "token" not in session:
        session["token"] = secrets.token_hex(16)
    return str(session["token"])
