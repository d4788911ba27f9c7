"""``GET /sla/api/tickets/<id>``: every timer cycle evaluated from the stored log,
escalations fired, the classification and its trace; 404 as JSON for a ticket
unknown or not visible.

The scenario is the CEO's printer of the example matrix (rule "The CEO's printer":
urgent, policy executive, tag ceo). Executive at urgent: first response 15m,
resolution 4h (pauses while pending), a warning at 50%; calendar us-ny-9x5 (Mon-Fri
09:00-17:00 New York; Mon 2026-11-23 has no holiday; EST = UTC-5). The example
ladders fire executive resolution's "warn-half" at 50% of the target.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Flask
from web_helpers import EXAMPLES, AppFactory

from sla_timers.web.state import app_state

CEO = {"requester": {"role": "ceo"}, "category": "printer"}
EVENTS = [
    {"ticket": "T-CEO", "kind": "created", "at": "2026-11-23T09:00:00-05:00", "id": "c", "priority": "normal"},
    {"ticket": "T-CEO", "kind": "agent_reply", "at": "2026-11-23T09:10:00-05:00", "id": "r", "public": True},
    {"ticket": "T-CEO", "kind": "status", "at": "2026-11-23T11:30:00-05:00", "id": "p", "status": "pending"},
]


def _app(create_app: AppFactory, **kwargs: Any) -> Flask:
    app = create_app(**kwargs)
    with app.app_context():
        store = app_state().store()
        ladders = (EXAMPLES / "escalation_ladders.toml").read_text()
        store.put_ladders(ladders, effective_from=datetime(2026, 1, 1, tzinfo=UTC))
        store.record(EVENTS, inputs={"T-CEO": CEO})
    return app


def test_a_tickets_timers_escalations_and_trace(create_app: AppFactory) -> None:
    answer = _app(create_app).test_client().get("/sla/api/tickets/T-CEO")
    assert answer.status_code == 200, answer.get_json()
    ticket = answer.get_json()
    assert (ticket["ticket"], ticket["held"], ticket["status"], ticket["events"]) == ("T-CEO", False, "pending", 3)
    assert ticket["priority"] == "urgent"
    assert ticket["policy"] == {"name": "executive", "version": 1}
    assert (ticket["calendar"], ticket["timezone"]) == ("us-ny-9x5", "America/New_York")
    assert ticket["created_at"] == "2026-11-23T14:00:00Z"
    assert ticket["classification"]["tags"] == ["ceo"]
    assert any("The CEO's printer" in line for line in ticket["trace"])
    timers = {(t["metric"], t["cycle"]): t for t in ticket["timers"]}
    # No customer reply: next response never opened.
    assert set(timers) == {("first_response", 1), ("resolution", 1)}
    first = timers[("first_response", 1)]
    # Due 09:00 + 15m = 09:15 EST = 14:15Z; answered 09:10: met with 5m = 300 s to spare.
    assert (first["status"], first["stop_reason"]) == ("met", "agent_reply")
    assert (first["due_at"], first["stopped_at"]) == ("2026-11-23T14:15:00Z", "2026-11-23T14:10:00Z")
    assert (first["elapsed_seconds"], first["remaining_seconds"], first["target_seconds"]) == (600, 300, 900)
    resolution = timers[("resolution", 1)]
    # Ran 09:00-11:30 = 2h30 = 9,000 s, then pending: 4h - 2h30 = 1h30 = 5,400 s left, frozen.
    assert (resolution["status"], resolution["paused_status"]) == ("paused", "pending")
    assert resolution["paused_since"] == "2026-11-23T16:30:00Z"
    assert (resolution["elapsed_seconds"], resolution["remaining_seconds"]) == (9_000, 5_400)
    # 50% of 4h = 2h of business time, reached at 11:00 EST while running.
    assert resolution["warning_level"] == 0.5
    assert resolution["paused_for_seconds"] > 0  # pending from 11:30 until now (days later)
    # The ladder's step at 50% fell due at 11:00 EST = 16:00Z, before the pause in the same batch.
    (step,) = ticket["escalations"]
    assert (step["metric"], step["cycle"], step["step"], step["due_at"]) == (
        "resolution",
        1,
        "warn-half",
        "2026-11-23T16:00:00Z",
    )
    assert {n["name"] for n in step["actions"]["notify"]} == {"exec-assistant", "pager"}


def test_unknown_and_hidden_tickets_look_alike(create_app: AppFactory) -> None:
    app = _app(create_app, agent=None, config={"SLA_AGENT_AUTHORIZER": lambda t: t != "T-CEO"}, admin=False)
    hidden = app.test_client().get("/sla/api/tickets/T-CEO")
    unknown = app.test_client().get("/sla/api/tickets/T-404")
    assert hidden.status_code == unknown.status_code == 404
    assert hidden.get_json()["error"]["code"] == unknown.get_json()["error"]["code"] == "ticket_not_found"
    assert hidden.get_json()["error"]["message"].replace("T-CEO", "X") == unknown.get_json()["error"][
        "message"
    ].replace("T-404", "X")


def test_a_ticket_waiting_for_created_is_held(create_app: AppFactory) -> None:
    app = create_app()
    with app.app_context():
        app_state().store().record(
            [{"ticket": "T-9", "kind": "status", "at": "2026-11-23T10:00:00-05:00", "id": "s", "status": "open"}]
        )
    ticket = app.test_client().get("/sla/api/tickets/T-9").get_json()
    assert (ticket["held"], ticket["timers"], ticket["classification"], ticket["events"]) == (True, [], None, 1)


def test_script_in_a_ticket_id_comes_back_as_json_text(create_app: AppFactory) -> None:
    hostile = "<img src=x onerror=alert(1)>"
    answer = create_app().test_client().get("/sla/api/tickets/" + hostile)
    assert answer.status_code == 404
    assert answer.mimetype == "application/json"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert hostile in answer.get_json()["error"]["message"]
