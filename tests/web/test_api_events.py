"""``POST /sla/api/events``: a batch into the store in one transaction, duplicates
reported, a conflict or a bad event refusing the whole batch with nothing written,
and who may post (the host's callbacks, or a body signed with the webhook secret).

Expected instants come from the example standard policy on us-ny-9x5 (Mon-Fri
09:00-17:00 New York; Mon 2026-11-23 has no holiday; EST = UTC-5).
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, inspect, select, table
from web_helpers import AppFactory
from werkzeug.test import TestResponse

from sla_timers.store import Store
from sla_timers.store.delivery import sign
from sla_timers.web.state import app_state

SECRET = "s3cret-for-the-tests-only"


def _created(ticket: str, event_id: str = "c", at: str = "2026-11-23T10:00:00-05:00") -> dict[str, Any]:
    return {"ticket": ticket, "kind": "created", "at": at, "id": event_id, "status": "new", "priority": "normal"}


def _post(app: Flask, body: Any, headers: dict[str, str] | None = None) -> TestResponse:
    return app.test_client().post("/sla/api/events", json=body, headers=headers or {})


def _store(app: Flask) -> Store:
    with app.app_context():
        return app_state().store()


def counts(store: Store) -> dict[str, int]:
    """Rows in every sla_ table (the migration's version table aside)."""
    with store.engine.connect() as connection:
        names = [n for n in inspect(connection).get_table_names() if n.startswith("sla_") and "alembic" not in n]
        return {n: connection.execute(select(func.count()).select_from(table(n))).scalar_one() for n in names}


def test_a_batch_of_two_tickets_is_recorded_and_shows_in_badges(create_app: AppFactory) -> None:
    app = create_app()
    body = {
        "events": [
            _created("T-1"),
            {"ticket": "T-1", "kind": "agent_reply", "at": "2026-11-23T10:20:00-05:00", "id": "r", "public": True},
            _created("T-2", at="2026-11-23T11:00:00-05:00"),
        ],
        "tickets": {"T-2": {"impact": "company", "urgency": "blocking"}},
    }
    answer = _post(app, body)
    assert answer.status_code == 200, answer.get_json()
    data = answer.get_json()
    assert data["recorded"] == [
        {"ticket": "T-1", "id": "c"},
        {"ticket": "T-1", "id": "r"},
        {"ticket": "T-2", "id": "c"},
    ]
    assert (data["duplicates"], data["held"]) == ([], [])
    badges = app.test_client().get("/sla/api/badges?ticket=T-1&ticket=T-2").get_json()["tickets"]
    first = {t["metric"]: t for t in badges["T-1"]["timers"]}["first_response"]
    # T-1 has no matrix fields: normal, first response 4h, answered at 10:20 (20m in): met.
    assert (first["status"], first["stop_reason"], first["due_at"]) == ("met", "agent_reply", "2026-11-23T19:00:00Z")
    urgent = {t["metric"]: t for t in badges["T-2"]["timers"]}["first_response"]
    # T-2 is company x blocking: urgent, first response 30m from 11:00 EST -> 11:30 EST = 16:30Z.
    assert urgent["due_at"] == "2026-11-23T16:30:00Z"


def test_a_repeated_batch_is_reported_as_duplicates_and_writes_nothing(create_app: AppFactory) -> None:
    app = create_app()
    body = {"events": [_created("T-1")]}
    assert _post(app, body).status_code == 200
    before = counts(_store(app))
    # The same instant written in UTC is the same event.
    again = _post(app, {"events": [_created("T-1", at="2026-11-23T15:00:00Z")]})
    assert again.status_code == 200
    assert again.get_json()["duplicates"] == [{"ticket": "T-1", "id": "c"}]
    assert again.get_json()["recorded"] == []
    assert counts(_store(app)) == before


def test_a_conflict_refuses_the_whole_batch(create_app: AppFactory) -> None:
    app = create_app()
    assert _post(app, {"events": [_created("T-1")]}).status_code == 200
    before = counts(_store(app))
    changed = _created("T-1") | {"priority": "high"}
    answer = _post(app, {"events": [_created("T-2"), changed]})
    assert answer.status_code == 409
    error = answer.get_json()["error"]
    assert (error["code"], error["field"]) == ("event_conflict", "events[1]")
    assert counts(_store(app)) == before  # T-2 was not written either


def test_a_bad_event_deep_in_a_batch_is_named_and_nothing_is_written(create_app: AppFactory) -> None:
    app = create_app()
    before = counts(_store(app))
    events = [_created(f"T-{i}") for i in range(100)]
    events[57] = {"ticket": "T-57", "kind": "status", "at": "2026-11-23T10:00:00-05:00", "id": "s"}  # no status
    answer = _post(app, {"events": events})
    assert answer.status_code == 400
    error = answer.get_json()["error"]
    assert (error["code"], error["field"]) == ("invalid_event", "events[57].status")
    assert counts(_store(app)) == before


@pytest.mark.parametrize(
    ("event", "code", "field"),
    [
        pytest.param({"kind": "sneeze"}, "invalid_request", "events[0].kind", id="unknown-kind"),
        pytest.param({"at": "2026-11-23T10:00:00"}, "invalid_request", "events[0].at", id="naive-at"),
        pytest.param({"at": "2999-01-01T00:00:00Z"}, "event_in_future", "events[0].at", id="future"),
        pytest.param({"mood": "grumpy"}, "invalid_request", "events[0].mood", id="unknown-field"),
        pytest.param({"public": True}, "invalid_event", "events[0].public", id="field-of-another-kind"),
        pytest.param({"ticket": "x" * 256}, "invalid_request", "events[0].ticket", id="long-ticket-id"),
        pytest.param({"priority": "p\u0000"}, "invalid_text", "events[0].priority", id="nul"),
        pytest.param({"priority": "ultra"}, "invalid_event", "events[0].priority", id="unknown-priority"),
        pytest.param({"policy": "nope"}, "policy_not_found", "events[0].policy", id="unknown-policy"),
        pytest.param(
            {"kind": "policy", "policy": "standard", "calendar": "mars-9x5", "status": None, "priority": None},
            "calendar_not_found",
            "events[0].calendar",
            id="unknown-calendar",
        ),
        pytest.param(
            {"kind": "policy", "policy": "standard", "calendar": "../../etc/passwd", "status": None, "priority": None},
            "invalid_event",
            "events[0].calendar",
            id="calendar-path",
        ),
    ],
)
def test_bad_events_are_refused_naming_the_field(
    create_app: AppFactory, event: dict[str, Any], code: str, field: str
) -> None:
    app = create_app()
    before = counts(_store(app))
    sent = {key: value for key, value in (_created("T-1") | event).items() if value is not None}
    answer = _post(app, {"events": [sent]})
    assert answer.status_code in (400, 404), answer.get_json()
    assert (answer.get_json()["error"]["code"], answer.get_json()["error"]["field"]) == (code, field)
    assert counts(_store(app)) == before


def test_events_before_created_are_held(create_app: AppFactory) -> None:
    app = create_app()
    status = {"ticket": "T-1", "kind": "status", "at": "2026-11-23T10:30:00-05:00", "id": "s", "status": "pending"}
    assert _post(app, {"events": [status]}).get_json()["held"] == ["T-1"]
    assert app.test_client().get("/sla/api/badges?ticket=T-1").get_json()["missing"] == ["T-1"]
    assert _post(app, {"events": [_created("T-1")]}).get_json()["held"] == []
    ticket = app.test_client().get("/sla/api/badges?ticket=T-1").get_json()["tickets"]["T-1"]
    assert ticket["status"] == "pending"


# -- who may post ------------------------------------------------------------------------


def test_without_callbacks_posting_is_forbidden(create_app: AppFactory) -> None:
    app = create_app(admin=None, agent=None, config={"SLA_ADMIN_AUTHORIZER": lambda: False})
    answer = _post(app, {"events": [_created("T-1")]})
    assert answer.status_code == 403
    assert answer.get_json()["error"]["code"] == "forbidden"


def test_an_agent_must_be_allowed_every_ticket_of_the_batch(create_app: AppFactory) -> None:
    app = create_app(admin=False, agent=None, config={"SLA_AGENT_AUTHORIZER": lambda t: t in (None, "T-1")})
    before = counts(_store(app))
    answer = _post(app, {"events": [_created("T-1"), _created("T-2")]})
    assert answer.status_code == 403
    assert counts(_store(app)) == before
    assert _post(app, {"events": [_created("T-1")]}).status_code == 200


def _signed(body: dict[str, Any], secret: str = SECRET, stamp: int | None = None) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(body).encode()
    stamp = int(time.time()) if stamp is None else stamp
    headers = {"X-SLA-Timestamp": str(stamp), "X-SLA-Signature": sign(secret, stamp, raw)}
    return raw, headers


def _post_raw(app: Flask, raw: bytes, headers: dict[str, str]) -> TestResponse:
    return app.test_client().post("/sla/api/events", data=raw, content_type="application/json", headers=headers)


def test_a_machine_caller_signs_the_body_instead(create_app: AppFactory) -> None:
    app = create_app(admin=False, agent=False, config={"SLA_WEBHOOK_SECRET": SECRET})
    raw, headers = _signed({"events": [_created("T-1")]})
    answer = _post_raw(app, raw, headers)
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["recorded"] == [{"ticket": "T-1", "id": "c"}]


@pytest.mark.parametrize(
    ("case", "secret_configured"),
    [
        pytest.param("wrong-secret", True, id="wrong-secret"),
        pytest.param("stale", True, id="ten-minutes-old"),
        pytest.param("tampered", True, id="body-changed-after-signing"),
        pytest.param("fine", False, id="no-secret-configured"),
    ],
)
def test_bad_signatures_are_forbidden_and_write_nothing(
    create_app: AppFactory, case: str, secret_configured: bool
) -> None:
    config = {"SLA_WEBHOOK_SECRET": SECRET} if secret_configured else {}
    app = create_app(admin=False, agent=False, config=config)
    before = counts(_store(app))
    body = {"events": [_created("T-1")]}
    if case == "wrong-secret":
        raw, headers = _signed(body, secret="another-secret-entirely")
    elif case == "stale":
        raw, headers = _signed(body, stamp=int(time.time()) - 600)
    else:
        raw, headers = _signed(body)
    if case == "tampered":
        raw = raw.replace(b"normal", b"urgent")
    answer = _post_raw(app, raw, headers)
    assert answer.status_code == 403
    assert answer.get_json()["error"]["code"] == "forbidden"
    assert counts(_store(app)) == before
