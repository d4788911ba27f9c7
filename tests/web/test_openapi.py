"""The OpenAPI document matches the app: every route is in it, every documented
error code is reachable, successful answers fit their documented schemas; and
every route under the prefix is denied without the host's callbacks."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from web_helpers import EXAMPLES, AppFactory
from werkzeug.test import TestResponse

from sla_timers import BusinessCalendar, Policy, TicketEvent, evaluate
from sla_timers.web.badge_data import TicketTimers
from sla_timers.web.http import ROUTES

PREFIX = "/sla"
#: A ticket's first event, for the events route.
CREATED = {"ticket": "T-1", "kind": "created", "at": "2026-11-23T10:00:00-05:00", "id": "c", "priority": "normal"}
#: Nothing listens on port 9 of loopback: a connection is refused at once.
UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:9/none"
#: Routes anyone may call: the API's description and the badge script.
PUBLIC = {"sla.openapi", "sla.static"}

# One valid request per route: (method, path, json body or query).
VALID: dict[str, tuple[str, str, dict[str, Any] | None]] = {
    "dry_run_due": ("POST", "/api/dry-run/due", {"policy": "standard", "priority": "high"}),
    "dry_run_classify": ("POST", "/api/dry-run/classify", {"ticket": {"category": "printer"}}),
    "calendar_list": ("GET", "/api/calendars", None),
    "calendar_preview": ("GET", "/api/calendars/us-ny-9x5/open-intervals", {"from": "2026-11-25T00:00:00Z"}),
    "openapi": ("GET", "/api/openapi.json", None),
    "badge_batch": ("GET", "/api/badges", {"ticket": "1"}),
    "post_events": ("POST", "/api/events", {"events": [CREATED]}),
    "ticket_timers": ("GET", "/api/tickets/T-1", None),
    "report_compliance": ("GET", "/api/reports/compliance", {"from": "2026-11-01", "to": "2026-12-01"}),
    "report_service_levels": (
        "GET",
        "/api/reports/service-levels",
        {"from": "2026-11-01", "to": "2026-12-01", "levels": "first_response=80/60"},
    ),
    "report_review": ("GET", "/api/reports/review", {"from": "2026-11-01", "to": "2026-12-01"}),
    "report_credits": ("GET", "/api/reports/credits", {"from": "2026-11-01", "to": "2026-12-01"}),
    "report_availability": (
        "GET",
        "/api/reports/availability",
        {"from": "2026-11-01", "to": "2026-12-01", "service": "mail", "calendar": "us-ny-9x5"},
    ),
}

Call = Callable[[AppFactory], TestResponse]


def _send(app: Flask, method: str, path: str, payload: dict[str, Any] | None) -> TestResponse:
    client = app.test_client()
    if method == "GET":
        return client.get(PREFIX + path, query_string=payload)
    return client.open(PREFIX + path, method=method, json=payload)


def _generic(endpoint: str, code: str) -> Call | None:
    method, path, payload = VALID[endpoint]
    if code == "forbidden":
        return lambda make: _send(make(admin=False, agent=False), method, path, payload)
    if method == "GET":
        if code == "invalid_request":
            return lambda make: make().test_client().get(PREFIX + path, query_string={"from": "soon"})
        return None
    raw = {
        "unsupported_media_type": (b"{}", "text/plain"),
        "payload_too_large": (b"{" + b" " * 2_000_000 + b"}", "application/json"),
        "malformed_json": (b"{", "application/json"),
        "invalid_request": (b'{"unknown": 1}', "application/json"),
        "invalid_text": (json.dumps(_with_nul(payload)).encode(), "application/json"),
    }.get(code)
    if raw is None:
        return None
    data, content_type = raw
    return lambda make: make().test_client().open(PREFIX + path, method=method, data=data, content_type=content_type)


def _with_nul(value: Any) -> Any:
    """``value`` with a NUL appended to its first string (depth first)."""
    if isinstance(value, str):
        return value + "\u0000"
    if isinstance(value, dict):
        first = next(iter(value))
        return {**value, first: _with_nul(value[first])}
    return value


SPECIFIC: dict[tuple[str, str], Call] = {
    ("dry_run_due", "policy_not_found"): lambda make: _send(
        make(), "POST", "/api/dry-run/due", {"policy": "nope", "priority": "high"}
    ),
    ("dry_run_due", "calendar_not_found"): lambda make: _send(
        make(), "POST", "/api/dry-run/due", {"policy": "standard", "priority": "high", "calendar": "nope"}
    ),
    ("dry_run_classify", "not_configured"): lambda make: _send(
        make({"SLA_PRIORITY_MATRIX": None}), "POST", "/api/dry-run/classify", {"ticket": {}}
    ),
    ("calendar_preview", "calendar_not_found"): lambda make: _send(
        make(), "GET", "/api/calendars/nope/open-intervals", None
    ),
    ("post_events", "invalid_event"): lambda make: _send(
        make(), "POST", "/api/events", {"events": [CREATED | {"priority": "ultra"}]}
    ),
    ("post_events", "event_in_future"): lambda make: _send(
        make(), "POST", "/api/events", {"events": [CREATED | {"at": "2999-01-01T00:00:00Z"}]}
    ),
    ("post_events", "event_conflict"): lambda make: _send(
        make(), "POST", "/api/events", {"events": [CREATED, CREATED | {"priority": "high"}]}
    ),
    ("post_events", "policy_not_found"): lambda make: _send(
        make(), "POST", "/api/events", {"events": [CREATED | {"policy": "nope"}]}
    ),
    ("post_events", "calendar_not_found"): lambda make: _send(
        make(),
        "POST",
        "/api/events",
        {
            "events": [
                CREATED,
                {"ticket": "T-1", "kind": "policy", "at": CREATED["at"], "policy": "standard", "calendar": "x"},
            ]
        },
    ),
    ("post_events", "invalid_text"): lambda make: _send(
        make(), "POST", "/api/events", {"events": [CREATED | {"id": "c\u0000"}]}
    ),
    ("post_events", "database_unavailable"): lambda make: _send(
        make({"SLA_DATABASE_URL": UNREACHABLE}), "POST", "/api/events", {"events": [CREATED]}
    ),
    ("ticket_timers", "ticket_not_found"): lambda make: _send(make(), "GET", "/api/tickets/T-404", None),
    ("ticket_timers", "database_unavailable"): lambda make: _send(
        make({"SLA_DATABASE_URL": UNREACHABLE}), "GET", "/api/tickets/T-1", None
    ),
    ("badge_batch", "database_unavailable"): lambda make: _send(
        make({"SLA_DATABASE_URL": UNREACHABLE}), "GET", "/api/badges", {"ticket": "1"}
    ),
    **{
        (endpoint, "unknown_timezone"): lambda make, e=endpoint: _send(
            make(), "GET", VALID[e][1], {**(VALID[e][2] or {}), "zone": "Mars/Olympus"}
        )
        for endpoint in (
            "report_compliance",
            "report_service_levels",
            "report_review",
            "report_credits",
            "report_availability",
        )
    },
    **{
        (endpoint, "database_unavailable"): lambda make, e=endpoint: _send(
            make({"SLA_DATABASE_URL": UNREACHABLE}), "GET", VALID[e][1], VALID[e][2]
        )
        for endpoint in (
            "report_compliance",
            "report_service_levels",
            "report_review",
            "report_credits",
            "report_availability",
        )
    },
    ("report_service_levels", "not_configured"): lambda make: _send(
        make(), "GET", "/api/reports/service-levels", {"from": "2026-11-01", "to": "2026-12-01"}
    ),
    ("report_availability", "calendar_not_found"): lambda make: _send(
        make(), "GET", "/api/reports/availability", {"from": "2026-11-01", "to": "2026-12-01", "calendar": "nope"}
    ),
}


def _one_ticket(ids: Sequence[str]) -> Mapping[str, TicketTimers]:
    """Ticket "1", opened five minutes ago on the standard policy at high priority."""
    now = datetime.now(UTC)
    policy = Policy.from_toml((EXAMPLES / "policies" / "standard.toml").read_text())
    calendar = BusinessCalendar.load("us-ny-9x5")
    states = evaluate(
        policy,
        [TicketEvent("created", now - timedelta(minutes=5), id="1/1", priority="high", status="new")],
        now=now,
        calendar=calendar,
    )
    return {"1": TicketTimers(states, calendar, "us-ny-9x5", policy=policy)} if "1" in ids else {}


def _documented(app: Flask) -> dict[str, Any]:
    answer = app.test_client().get(PREFIX + "/api/openapi.json")
    assert answer.status_code == 200
    return answer.get_json()  # type: ignore[no-any-return]


def test_document_is_openapi_3_1_and_lists_every_route(app: Flask) -> None:
    document = _documented(app)
    assert document["openapi"] == "3.1.0"
    operations = {(path, method.upper()) for path, item in document["paths"].items() for method in item}
    served = set()
    for rule in app.url_map.iter_rules():
        # The JSON API is documented; the admin pages under <prefix>/admin are HTML.
        if not rule.rule.startswith(PREFIX + "/api/"):
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        served |= {(path, method) for method in rule.methods or () if method not in ("HEAD", "OPTIONS")}
    assert served == operations


def test_every_route_has_a_valid_request_here() -> None:
    assert set(VALID) == {route.endpoint for route in ROUTES}


CASES = [(route.endpoint, code) for route in ROUTES for code in route.errors]


@pytest.mark.parametrize(("endpoint", "code"), CASES, ids=[f"{e}-{c}" for e, c in CASES])
def test_every_documented_error_is_reachable(create_app: AppFactory, endpoint: str, code: str) -> None:
    call = SPECIFIC.get((endpoint, code)) or _generic(endpoint, code)
    assert call is not None, f"no request in this test reaches {code} on {endpoint}"
    answer = call(create_app)
    assert answer.get_json()["error"]["code"] == code
    documented = _documented(create_app())
    route = next(r for r in ROUTES if r.endpoint == endpoint)
    path = PREFIX + re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", route.rule)
    responses = documented["paths"][path][route.method.lower()]["responses"]
    assert code in responses[str(answer.status_code)]["x-sla-error-codes"]


@pytest.mark.parametrize("endpoint", sorted(VALID))
def test_successful_answers_fit_their_documented_schema(create_app: AppFactory, endpoint: str) -> None:
    route = next(r for r in ROUTES if r.endpoint == endpoint)
    method, path, payload = VALID[endpoint]
    app = create_app(source=_one_ticket)
    if endpoint == "ticket_timers":
        assert _send(app, *VALID["post_events"]).status_code == 200  # ticket T-1 into the store
    answer = _send(app, method, path, payload)
    assert answer.status_code == route.status
    route.response.check(answer.get_json(), "")  # raises naming the first field that does not fit


def test_route_inventory_denies_everything_but_the_public_list(create_app: AppFactory) -> None:
    app = create_app(admin=False, agent=False)
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX + "/"):
            continue
        path = re.sub(r"<any\(([a-z_]+)[^>]*>", r"\1", rule.rule)  # an any() converter: its first choice
        path = re.sub(r"<int:[^>]+>", "1", path)
        path = re.sub(r"<[^>]+>", "us-ny-9x5", path)
        if rule.endpoint == "sla.static":
            path = PREFIX + "/static/sla-badges.js"
        if rule.endpoint == "sla.admin.static":
            path = PREFIX + "/admin/static/sla-admin.css"
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            answer = app.test_client().open(path, method=method, json={} if method != "GET" else None)
            if rule.endpoint in PUBLIC:
                assert answer.status_code == 200, (rule.rule, method)
            else:
                assert answer.status_code == 403, (rule.rule, method)
                if rule.rule.startswith(PREFIX + "/api/"):  # the admin pages answer in HTML
                    assert answer.get_json()["error"]["code"] == "forbidden"
            answer.close()
            checked += 1
    assert checked >= len(ROUTES)


def test_agent_callback_gets_no_ticket_for_dry_runs_and_must_say_true(create_app: AppFactory) -> None:
    seen: list[object] = []

    def agent(ticket_id: str | None) -> bool:
        seen.append(ticket_id)
        return 1  # type: ignore[return-value]  # truthy is not True: refused

    app = create_app({"SLA_AGENT_AUTHORIZER": agent}, admin=False)
    answer = _send(app, *VALID["dry_run_due"])
    assert answer.status_code == 403
    assert seen == [None]


def test_admins_may_read_what_agents_may(create_app: AppFactory) -> None:
    app = create_app(admin=True, agent=False)
    assert _send(app, *VALID["calendar_list"]).status_code == 200


def test_decorated_agent_callback(tmp_path: object) -> None:
    from sla_timers.web import SLATimers

    app = Flask("host")
    sla = SLATimers()
    sla.admin_authorizer(lambda: False)

    @sla.agent_authorizer
    def agents(ticket_id: str | None) -> bool:
        return True

    sla.init_app(app)
    assert _send(app, *VALID["calendar_list"]).status_code == 200


def test_documented_examples_are_valid_requests(create_app: AppFactory) -> None:
    with_examples = [route for route in ROUTES if route.example is not None]
    assert with_examples
    for route in with_examples:
        assert route.body is not None
        route.body.check(route.example, "")
        answer = create_app().test_client().open(PREFIX + route.rule, method=route.method, json=route.example)
        assert answer.status_code == route.status, answer.get_json()
