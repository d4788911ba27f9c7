"""A host written the Flask-SQLAlchemy way: ``db = SQLAlchemy()``, an app factory, the
extension and its ``watch`` declared at import time (before any app exists), the
helpdesk's pages in a blueprint under a URL prefix, string ticket numbers, status
as a plain column, and a reply and its status change committed separately.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Blueprint, Flask, abort, request
from web_helpers import EXAMPLES

from sla_timers.web import SLATimers
from sla_timers.web.watch import Watcher

flask_sqlalchemy = pytest.importorskip("flask_sqlalchemy", reason="flask-sqlalchemy is not installed")


def _helpdesk(instance: Path, config: dict[str, Any] | None = None) -> tuple[Any, SLATimers, Watcher, Any]:
    """The host module: models, extension, watch and pages, then its factory."""
    db = flask_sqlalchemy.SQLAlchemy()

    class Ticket(db.Model):  # type: ignore[name-defined,misc]
        __tablename__ = "fsa_tickets"
        number = db.Column(db.String(20), primary_key=True)
        subject = db.Column(db.String(200), nullable=False)
        state = db.Column(db.String(20), nullable=False, default="new")
        requester_email = db.Column(db.String(120), nullable=False)

    class Reply(db.Model):  # type: ignore[name-defined,misc]
        __tablename__ = "fsa_replies"
        id = db.Column(db.Integer, primary_key=True)
        ticket_number = db.Column(db.String(20), db.ForeignKey("fsa_tickets.number"), nullable=False)
        author_email = db.Column(db.String(120), nullable=False)
        body = db.Column(db.Text, nullable=False, default="")

    sla = SLATimers()
    watcher = sla.watch(
        ticket=Ticket,
        reply=Reply,
        status="state",
        requester="requester_email",
        reply_ticket="ticket_number",
        reply_author="author_email",
        session=db.session,
    )
    desk = Blueprint("desk", __name__)

    @desk.post("/tickets")
    def open_ticket() -> tuple[str, int]:
        ticket = Ticket(number=request.form["number"], subject="Laptop", requester_email="pat@example.com")
        db.session.add(ticket)
        db.session.commit()
        return ticket.number, 201

    @desk.post("/tickets/<number>/reply")
    def reply(number: str) -> str:
        ticket = db.session.get(Ticket, number) or abort(404)
        db.session.add(Reply(ticket_number=number, author_email=request.form["author"], body="..."))
        db.session.commit()  # the reply first ...
        if request.form.get("solve"):
            ticket.state = "solved"
            db.session.commit()  # ... then its status, in a second commit
        return "ok"

    def create_app() -> Flask:
        instance.mkdir(parents=True, exist_ok=True)
        app = Flask("helpdesk", instance_path=str(instance))
        app.config.update(
            TESTING=True,
            SQLALCHEMY_DATABASE_URI=f"sqlite:///{instance / 'helpdesk.db'}",
            SLA_POLICIES=[str(EXAMPLES / "policies")],
            SLA_PRIORITY_MATRIX=str(EXAMPLES / "priority_matrix.toml"),
            SLA_ADMIN_AUTHORIZER=lambda: True,
            SLA_AGENT_AUTHORIZER=lambda ticket_id: True,
        )
        app.config.update(config or {})
        db.init_app(app)
        sla.init_app(app)
        app.register_blueprint(desk, url_prefix="/helpdesk")
        with app.app_context():
            db.create_all()
        return app

    return create_app, sla, watcher, db


@pytest.fixture()
def helpdesk(tmp_path: Path) -> Iterator[tuple[Flask, Watcher]]:
    create_app, _sla, watcher, _db = _helpdesk(tmp_path / "instance")
    try:
        yield create_app(), watcher
    finally:
        watcher.remove()


def test_requests_of_a_flask_sqlalchemy_host_become_events(helpdesk: tuple[Flask, Watcher]) -> None:
    app, _ = helpdesk
    client = app.test_client()
    assert client.post("/helpdesk/tickets", data={"number": "INC-7"}).status_code == 201
    assert client.post("/helpdesk/tickets/INC-7/reply", data={"author": "pat@example.com"}).status_code == 200
    assert client.post("/helpdesk/tickets/INC-7/reply", data={"author": "sam@helpdesk", "solve": "1"}).data == b"ok"
    with app.app_context():
        events = app.extensions["sla_timers"].store().events("INC-7")
    assert [(e.kind, e.get("author")) for e in events] == [
        ("created", None),
        ("customer_reply", "pat@example.com"),  # the requester's own reply
        ("agent_reply", "sam@helpdesk"),
        ("status", None),
    ]
    # The agent's answer and the solve were one request in two commits: one instant.
    assert events[2].at == events[3].at
    badges = client.get("/sla/api/badges?ticket=INC-7").get_json()
    resolution = [t for t in badges["tickets"]["INC-7"]["timers"] if t["metric"] == "resolution"]
    assert resolution and resolution[0]["stopped_at"] is not None


def test_a_host_error_after_the_commit_is_the_hosts_not_ours(helpdesk: tuple[Flask, Watcher]) -> None:
    app, watcher = helpdesk
    client = app.test_client()
    client.post("/helpdesk/tickets", data={"number": "INC-8"})
    # A reply to a ticket that does not exist: the host's 404, nothing recorded.
    assert client.post("/helpdesk/tickets/NOPE/reply", data={"author": "x"}).status_code == 404
    with app.app_context():
        assert app.extensions["sla_timers"].store().events("NOPE") == []
    assert watcher.pending() == 0


def test_the_backfill_command_reads_through_db_session(tmp_path: Path) -> None:
    create_app, _sla, watcher, db = _helpdesk(tmp_path / "instance")
    try:
        app = create_app()
        with app.app_context():
            watcher.remove()  # tickets from before the plugin: nobody watching
            db.session.execute(
                db.text(
                    "insert into fsa_tickets (number, subject, state, requester_email) "
                    "values ('OLD-1', 'Old', 'open', 'a@b')"
                )
            )
            db.session.commit()
        result = app.test_cli_runner().invoke(args=["sla", "backfill"])
        assert "1 timed, 0 already timed, 0 failed" in result.output, result.output
        with app.app_context():
            kinds = [e.kind for e in app.extensions["sla_timers"].store().events("OLD-1")]
        assert kinds == ["created", "status"]
    finally:
        watcher.remove()


def test_a_failing_store_never_turns_a_saved_request_into_an_error(
    helpdesk: tuple[Flask, Watcher], monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError

    from sla_timers.store import Store

    app, watcher = helpdesk

    def down(self: Store, *args: Any, **kwargs: Any) -> Any:
        raise OperationalError("INSERT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(Store, "record", down)
    client = app.test_client()
    assert client.post("/helpdesk/tickets", data={"number": "INC-9"}).status_code == 201  # the host's answer
    with app.app_context():
        store = app.extensions["sla_timers"].store()
        assert store.events("INC-9") == []
    monkeypatch.undo()
    from datetime import UTC, datetime, timedelta

    with app.app_context():
        assert watcher.retry(now=datetime.now(UTC) + timedelta(minutes=1)).recorded == 1
        assert [e.kind for e in store.events("INC-9")] == ["created"]


def test_a_host_whose_templates_cannot_change_gets_badges_injected(tmp_path: Path) -> None:
    # The host renders its ticket page itself, with no sla_badge call; the plugin adds the
    # script and places the badge by selector, reading the ticket number from the URL.
    injection = {
        "SLA_INJECT_BADGES": True,
        "SLA_BADGE_SELECTOR": "h1",
        "SLA_BADGE_ID_SOURCE": "url",
        "SLA_BADGE_ID_PATTERN": r"^/helpdesk/view/([A-Z]+-[0-9]+)",
    }
    create_app, _sla, watcher, _db = _helpdesk(tmp_path / "instance", injection)
    try:
        app = create_app()

        @app.get("/helpdesk/view/<number>")
        def view(number: str) -> str:
            return f"<html><body><h1>Ticket {number}</h1></body></html>"

        client = app.test_client()
        client.post("/helpdesk/tickets", data={"number": "INC-5"})
        page = client.get("/helpdesk/view/INC-5").get_data(as_text=True)
        assert "data-sla-script" in page and page.index("data-sla-script") < page.index("</body>")
        badges = client.get("/sla/api/badges?ticket=INC-5").get_json()
        assert [t["metric"] for t in badges["tickets"]["INC-5"]["timers"]][0] == "first_response"
    finally:
        watcher.remove()
