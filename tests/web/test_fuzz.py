"""Fuzzing every JSON route: no input gives a server error, and every error
answer has the documented shape and a documented code for its route.

Bodies are arbitrary JSON values and valid requests with one field replaced by
arbitrary JSON; query strings are arbitrary text. Hypothesis draws them with
the suite's fixed seed (profile ``ci``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from web_helpers import EXAMPLES

from sla_timers import BusinessCalendar, Policy, TicketEvent, evaluate
from sla_timers.web import SLATimers
from sla_timers.web.badge_data import TicketTimers
from sla_timers.web.http import ROUTES

pytestmark = pytest.mark.slow

_POLICY = Policy.from_toml((EXAMPLES / "policies" / "standard.toml").read_text())
_CALENDAR = BusinessCalendar.load("us-ny-9x5")


def _source(ids: Sequence[str]) -> Mapping[str, TicketTimers]:
    now = datetime.now(UTC)
    events = [TicketEvent("created", now - timedelta(hours=1), id="c", priority="high", status="new")]
    states = evaluate(_POLICY, events, now=now, calendar=_CALENDAR)
    return {i: TicketTimers(states, _CALENDAR, "us-ny-9x5", policy=_POLICY) for i in ids[:3]}


def _app() -> Flask:
    app = Flask("fuzzed")
    app.config.update(
        SLA_POLICIES=[str(EXAMPLES / "policies")],
        SLA_PRIORITY_MATRIX=str(EXAMPLES / "priority_matrix.toml"),
        SLA_ADMIN_AUTHORIZER=lambda: True,
        SLA_AGENT_AUTHORIZER=lambda ticket_id: True,
    )
    sla = SLATimers(app)
    sla.timer_source(_source)
    return app


APP = _app()
VALID = {
    "dry_run_due": {"policy": "standard", "priority": "high", "at": "2026-11-25T16:30:00-05:00"},
    "dry_run_classify": {"ticket": {"category": "printer", "requester": {"tier": "premium"}}},
}
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)


def _check(route_endpoint: str, answer: Any) -> None:
    assert answer.status_code < 500, answer.get_data(as_text=True)
    if answer.status_code >= 400:
        body = answer.get_json()
        assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "field"}
        route = next(r for r in ROUTES if r.endpoint == route_endpoint)
        assert body["error"]["code"] in route.errors


@pytest.mark.parametrize("endpoint", sorted(VALID))
@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_json_bodies(endpoint: str, data: st.DataObject) -> None:
    route = next(r for r in ROUTES if r.endpoint == endpoint)
    valid = VALID[endpoint]
    body = data.draw(
        JSON | st.builds(lambda key, value: valid | {key: value}, st.sampled_from(sorted(valid) + ["other"]), JSON)
    )
    answer = APP.test_client().post("/sla" + route.rule, json=body)
    _check(endpoint, answer)


@pytest.mark.parametrize("endpoint", ["calendar_preview", "badge_batch", "calendar_list", "openapi"])
@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(
    params=st.dictionaries(st.sampled_from(["from", "to", "ticket", "x"]), TEXT, max_size=3),
    name=st.sampled_from(["us-ny-9x5", "24x7", "nope"]) | TEXT.filter(lambda t: "/" not in t and t),
)
def test_query_strings(endpoint: str, params: dict[str, str], name: str) -> None:
    route = next(r for r in ROUTES if r.endpoint == endpoint)
    path = "/sla" + route.rule.replace("<name>", quote(name, safe=""))
    answer = APP.test_client().get(path, query_string=params)
    if answer.status_code == 404 and answer.get_json()["error"]["code"] == "not_found":
        return  # a name the router cannot match (".", "..") never reaches the route
    _check(endpoint, answer)
