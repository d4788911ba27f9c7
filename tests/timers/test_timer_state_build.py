"""The replay builds timer states and measures without the frozen dataclasses'
``__init__`` (it costs about ten times as much); what it builds must be the same
value, with every field set, of the same class, still immutable. And
``evaluate`` builds only the latest states: the ones ``evaluate_ticket`` reports."""

from __future__ import annotations

import dataclasses
import inspect
from datetime import UTC, datetime, timedelta
from random import Random
from zoneinfo import ZoneInfo

import pytest

from sla_timers import BusinessCalendar
from sla_timers.timers import Policy, TicketEvent, evaluate, evaluate_ticket
from sla_timers.timers.state import Measures, TimerState, measures, timer_state


def test_timer_state_factory_takes_every_field_in_order() -> None:
    # A field added to TimerState but not to the factory would be left unset.
    fields = [field.name for field in dataclasses.fields(TimerState)]
    assert list(inspect.signature(timer_state).parameters) == fields


def test_measures_factory_takes_every_field_in_order() -> None:
    fields = [field.name for field in dataclasses.fields(Measures)]
    assert list(inspect.signature(measures).parameters) == fields


def test_timer_state_factory_equals_the_dataclass() -> None:
    at = datetime(2026, 11, 2, 14, tzinfo=UTC)
    # Every field a different value, so a swapped pair would show.
    values = {
        "metric": "resolution",
        "cycle": 2,
        "status": "breached",
        "target": timedelta(hours=8),
        "started_at": at,
        "due_at": at + timedelta(hours=9),
        "elapsed": timedelta(hours=9),
        "remaining": timedelta(hours=-1),
        "breached_at": at + timedelta(hours=8, minutes=30),
        "stopped_at": at + timedelta(hours=10),
        "stop_reason": "status:solved",
        "warning_level": 0.9,
        "paused_for": timedelta(minutes=5),
        "customer_wait": timedelta(minutes=7),
        "paused_since": at + timedelta(hours=1),
        "group": "tier2",
        "next_warning_at": at + timedelta(hours=2),
        "running_since": at + timedelta(hours=3),
    }
    built = timer_state(**values)
    expected = TimerState(**values)
    assert type(built) is TimerState
    assert built == expected
    assert hash(built) == hash(expected)
    assert dataclasses.astuple(built) == dataclasses.astuple(expected)
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.metric = "other"  # type: ignore[misc]


def test_measures_factory_equals_the_dataclass() -> None:
    values = [timedelta(minutes=m) for m in (1, 2, 3, 4)]
    built = measures(*values)
    assert type(built) is Measures
    assert built == Measures(*values)
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.work_time = timedelta(0)  # type: ignore[misc]


POLICY = {
    "name": "mixed",
    "calendar": "us-ny-9x5",
    "warn_at": [0.5, 0.75, 0.9],
    "warn_before": ["30m"],
    "metrics": {"first_response": {}, "next_response": {}, "periodic_update": {}, "resolution": {}},
    "targets": {
        "high": {"first_response": "1h", "next_response": "2h", "periodic_update": "4h", "resolution": "8h"},
        "normal": {"first_response": "4h", "next_response": "8h", "periodic_update": "eod", "resolution": "eod+3"},
    },
}


@pytest.mark.parametrize("seed", range(12))
def test_evaluate_gives_the_evaluations_states(seed: int) -> None:
    # evaluate() builds the latest states without the rest of the evaluation;
    # they must be the states evaluate_ticket() reports, on varied logs.
    rng = Random(seed)
    t = datetime(2026, 11, 2, 9, tzinfo=ZoneInfo("America/New_York"))
    events = [TicketEvent("created", t, id="e0", priority=rng.choice(["high", "normal"]))]
    for i in range(1, 40):
        t += timedelta(minutes=rng.choice([5, 30, 90, 600]))
        kind = rng.choice(["customer_reply", "agent_reply", "status", "priority"])
        data: dict[str, object] = {
            "customer_reply": {},
            "agent_reply": {"public": rng.random() < 0.8},
            "status": {"status": rng.choice(["open", "pending", "solved"])},
            "priority": {"priority": rng.choice(["high", "normal"])},
        }[kind]
        events.append(TicketEvent(kind, t, id=f"e{i}", **data))
    policy = Policy.from_dict(POLICY)
    calendar = BusinessCalendar.load("us-ny-9x5")
    for now in (events[10].at, events[-1].at + timedelta(hours=2)):
        assert evaluate(policy, events, now=now, calendar=calendar) == dict(
            evaluate_ticket(policy, events, now=now, calendar=calendar).states
        )
