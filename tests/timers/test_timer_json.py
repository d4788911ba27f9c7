"""Events, timer states and evaluations to and from JSON-ready data.

Calendar: New York, Mon-Fri 09:00-17:00, no holidays; 2026-11-23 is a Monday on
EST, so 09:00 there is 14:00Z.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from timer_helpers import created, customer, ny, reply, status, weekly

from sla_timers.errors import EventError
from sla_timers.timers import KINDS, Policy, TicketEvent, evaluate, evaluate_ticket, parse_events

NY95 = weekly("NY95", "09:00-17:00")
POLICY = Policy.from_dict(
    {
        "name": "standard",
        "version": 3,
        "calendar": "NY95",
        "warn_at": [0.5],
        "targets": {"high": {"first_response": "1h", "resolution": "8h"}},
    }
)

instants = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=-5)), timezone(timedelta(hours=5, minutes=30))]),
)
names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=12).filter(
    lambda s: "/" not in s and "\\" not in s and ".." not in s and "\x00" not in s and ".toml" not in s.lower()
)
DATA = {
    "created": st.fixed_dictionaries(
        {"priority": names}, optional={"status": names, "policy": names, "group": st.none() | names}
    ),
    "status": st.fixed_dictionaries({"status": names}),
    "priority": st.fixed_dictionaries({"priority": names}),
    "agent_reply": st.fixed_dictionaries({"public": st.booleans()}, optional={"channel": names, "author": names}),
    "customer_reply": st.fixed_dictionaries({}, optional={"channel": names, "author": names}),
    "assigned": st.fixed_dictionaries({"group": st.none() | names}),
    "field": st.fixed_dictionaries({"name": names}, optional={"value": st.none() | st.integers() | names}),
    "pin": st.fixed_dictionaries({"metric": names, "due_at": instants}),
    "unpin": st.fixed_dictionaries({"metric": names}),
    "policy": st.fixed_dictionaries({"policy": names}, optional={"calendar": names}),
}


@st.composite
def events(draw: st.DrawFn) -> TicketEvent:
    kind = draw(st.sampled_from(KINDS))
    data = draw(DATA[kind])
    if draw(st.booleans()):
        data["id"] = draw(names)
    return TicketEvent(kind, draw(instants), **data)


@given(events())
def test_an_event_round_trips_through_json(event: TicketEvent) -> None:
    data = json.loads(json.dumps(event.to_dict()))
    assert TicketEvent.from_dict(data) == event
    assert parse_events([data]) == [event]
    assert data["at"].endswith("+00:00")  # stored and written in UTC


def test_a_field_value_is_kept_as_given() -> None:
    # A field event's value is the host's: to_dict leaves it as it came, so it round-trips.
    event = TicketEvent("field", ny(2026, 11, 23, 9), name="due_hint", value=ny(2026, 11, 24, 9))
    assert event.to_dict()["value"] == ny(2026, 11, 24, 9)
    assert TicketEvent.from_dict(event.to_dict()) == event


@pytest.mark.parametrize(
    "name", ["../calendars/x", "/etc/passwd", "us/ny", "a\\b", "a\x00b", "evil.toml", "Evil.TOML", "..", "x..y"]
)
def test_event_data_may_not_name_a_calendar_file(name: str) -> None:
    # Event data may come from the network: it names only registered or shipped calendars.
    with pytest.raises(EventError) as raised:
        TicketEvent("policy", ny(2026, 11, 23, 9), policy="premium", calendar=name)
    assert raised.value.field == "calendar"
    assert "file path" in str(raised.value)
    with pytest.raises(EventError) as raised:
        parse_events([{"kind": "policy", "at": "2026-11-23T09:00:00-05:00", "policy": "premium", "calendar": name}])
    assert raised.value.field == "events[0].calendar"


def test_a_policy_event_names_a_shipped_calendar() -> None:
    # Switched at 10:00 to the same policy on the shipped us-ny-9x5 (also 09:00-17:00
    # on a plain Monday): resolution keeps running, 8h from 09:00 -> due 17:00 (22:00Z).
    event = TicketEvent("policy", ny(2026, 11, 23, 10), policy="standard", calendar="us-ny-9x5")
    state = evaluate(POLICY, [created(ny(2026, 11, 23, 9)), event], now=ny(2026, 11, 23, 11), calendar=NY95)[
        "resolution"
    ]
    assert (state.status, state.due_at) == ("running", datetime(2026, 11, 23, 22, tzinfo=UTC))


def test_a_timer_state_is_json_ready() -> None:
    # Created Mon 09:00 (14:00Z); now 10:30:00.000001: 1h30m and a microsecond run of
    # the 8h resolution, 6h29m59.999999s left, due 17:00 (22:00Z); 50% not reached.
    now = ny(2026, 11, 23, 10, 30, 0, 1)
    state = evaluate(POLICY, [created(ny(2026, 11, 23, 9))], now=now, calendar=NY95)["resolution"]
    data = json.loads(json.dumps(state.to_dict()))
    assert data == {
        "metric": "resolution",
        "cycle": 1,
        "status": "running",
        "target": 28800,
        "started_at": "2026-11-23T14:00:00+00:00",
        "due_at": "2026-11-23T22:00:00+00:00",
        "elapsed": 5400.000001,
        "remaining": 23399.999999,
        "breached_at": None,
        "stopped_at": None,
        "stop_reason": None,
        "warning_level": None,
        "paused_for": 0,
        "customer_wait": 0,
        "paused_since": None,
        "group": None,
        "next_warning_at": "2026-11-23T18:00:00+00:00",
        "running_since": "2026-11-23T14:00:00+00:00",
        "is_open": True,
    }
    # 50% of 8h = 4h run: 13:00 = 18:00Z, the next warning above.
    assert isinstance(data["target"], int) and isinstance(data["elapsed"], float)


def test_an_evaluation_is_json_ready() -> None:
    # First response met by the 09:30 reply (30m run, 30m left); a status nobody knows
    # is fine (no statuses list); a second created event is a problem.
    events = [
        created(ny(2026, 11, 23, 9), id="e0"),
        reply(ny(2026, 11, 23, 9, 30), id="e1"),
        customer(ny(2026, 11, 23, 10), id="e2"),
        status(ny(2026, 11, 23, 10), "open", id="e3"),
        created(ny(2026, 11, 23, 11), id="e4"),
    ]
    evaluation = evaluate_ticket(POLICY, events, now=ny(2026, 11, 23, 12), calendar=NY95)
    data = json.loads(json.dumps(evaluation.to_dict()))
    assert (data["now"], data["policy"], data["priority"]) == (
        "2026-11-23T17:00:00+00:00",
        {"name": "standard", "version": 3},
        "high",
    )
    assert set(data["states"]) == {"first_response", "resolution"}
    assert data["states"]["first_response"]["remaining"] == 1800
    assert data["cycles"]["first_response"] == [data["states"]["first_response"]]
    # 09:00-09:30 the requester waited, then again from the 10:00 message to noon: 30m + 2h.
    assert data["measures"] == {"requester_wait": 9000, "customer_wait": 0, "work_time": 10800, "solved_time": 0}
    (problem,) = data["problems"]
    assert (problem["event_id"], problem["kind"], problem["at"], problem["index"]) == (
        "e4",
        "created",
        "2026-11-23T16:00:00+00:00",
        4,
    )
