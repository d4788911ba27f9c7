"""Escalation ladders over the real timers: thresholds, once-only firing, held
notifications (no reminders at night), paused timers, deactivated policies, and
a priority raise that moves the deadline."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sla_timers.clock import BusinessCalendar
from sla_timers.errors import (
    ArgumentTypeError,
    CalendarNotFound,
    DurationOutOfRangeError,
    NaiveDatetimeError,
    RulesError,
)
from sla_timers.rules import DueStep, EscalationLadders, Notify, StepKey
from sla_timers.timers import Policy, TicketEvent, TimerState, evaluate, evaluate_ticket

H = timedelta(hours=1)
NY = ZoneInfo("America/New_York")
#: Mon-Fri 09:00-17:00 New York, no holidays: every date below is an ordinary weekday or weekend.
CAL = BusinessCalendar.from_dict(
    {
        "name": "ny",
        "timezone": "America/New_York",
        "hours": {d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
    }
)
CAL_24X7 = BusinessCalendar.always_open("America/New_York")
LEVELS = ("urgent", "high", "normal", "low")
POLICY = Policy.from_dict(
    {
        "name": "standard",
        "calendar": "ny",
        "pause_statuses": ["pending"],
        "stop_statuses": ["solved"],
        "metrics": {"resolution": {"pauses": True}},
        "targets": {
            "urgent": {"resolution": "4h"},
            "high": {"resolution": "8h"},
            "normal": {"resolution": "16h"},
            "low": {"resolution": "32h"},
        },
    }
)
LADDERS = EscalationLadders.from_dict(
    {
        "ladders": {
            "standard": {
                "resolution": [
                    {"id": "half", "at": 0.5, "notify": [{"group": "tier1"}]},
                    {"id": "warn-30m", "offset": "-30m", "notify": [{"user": "lead"}], "hold_to_business_hours": True},
                    {
                        "id": "breach",
                        "at": "100%",
                        "notify": [{"role": "manager"}, {"webhook": "pager"}],
                        "hold_to_business_hours": True,
                        "add_tags": ["breached"],
                    },
                    {"id": "late", "offset": "1h", "reassign": "tier2"},
                ]
            }
        }
    },
    priorities=LEVELS,
)
MON_9 = datetime(2026, 11, 23, 9, 0, tzinfo=NY)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A November 2026 instant in New York (23 = Mon, 24 = Tue, 20 = Fri)."""
    return datetime(2026, 11, day, hour, minute, tzinfo=NY)


def states(events: list[TicketEvent], now: datetime, policy: Policy = POLICY) -> dict[str, Any]:
    return evaluate(policy, events, now=now, calendar=CAL)


def due(
    events: list[TicketEvent],
    now: datetime,
    ladders: EscalationLadders = LADDERS,
    policy: Policy = POLICY,
    **kwargs: Any,
) -> list[DueStep]:
    kwargs.setdefault("priority", "high")
    return ladders.due_steps("T1", states(events, now, policy), now=now, policy="standard", calendar=CAL, **kwargs)


def next_due(events: list[TicketEvent], now: datetime, **kwargs: Any) -> datetime | None:
    return LADDERS.next_due_at("T1", states(events, now), now=now, policy="standard", calendar=CAL, **kwargs)


HIGH = [TicketEvent("created", MON_9, priority="high")]  # 8h: due Mon 17:00


def test_steps_fall_due_at_their_thresholds() -> None:
    # high = 8h from Mon 09:00: half at 4h = 13:00; warn-30m at 16:30; breach 17:00; late at
    # 9h of business time = Tue 10:00 (Mon 09:00-17:00 is 8h, then Tue 09:00-10:00).
    assert due(HIGH, at(23, 12, 59)) == []
    assert next_due(HIGH, at(23, 12)) == at(23, 13)
    assert [(d.step.id, d.due_at) for d in due(HIGH, at(23, 13))] == [("half", at(23, 13))]
    assert next_due(HIGH, at(23, 13), fired={StepKey("T1", "resolution", 1, "half")}) == at(23, 16, 30)
    assert [(d.step.id, d.due_at) for d in due(HIGH, at(23, 16, 45))] == [
        ("half", at(23, 13)),
        ("warn-30m", at(23, 16, 30)),
    ]
    late = due(HIGH, at(24, 10))
    assert [(d.step.id, d.due_at) for d in late] == [
        ("half", at(23, 13)),
        ("warn-30m", at(23, 16, 30)),
        ("breach", at(23, 17)),
        ("late", at(24, 10)),
    ]
    assert late[3].step.reassign == "tier2" and late[3].notify_at is None
    assert all(d.due_at.utcoffset() == timedelta(0) for d in late)  # UTC, like timer states
    assert late[2].step.notify == (Notify("role", "manager"), Notify("webhook", "pager"))


def test_next_due_at_is_now_while_a_step_is_due_and_not_fired() -> None:
    # high = 8h from Mon 09:00: half (4h) fell due at 13:00. At 13:10, unfired, a store
    # scheduling its next sweep with next_due_at must sweep again now, not at 16:30.
    assert next_due(HIGH, at(23, 13, 10)) == at(23, 13, 10)
    # Once fired, the next is warn-30m: 30 min before the 17:00 due = 16:30.
    fired = {StepKey("T1", "resolution", 1, "half")}
    assert next_due(HIGH, at(23, 13, 10), fired=fired) == at(23, 16, 30)


def test_a_threshold_crossed_at_a_close_is_dated_at_the_close() -> None:
    # normal = 16h from Mon 09:00: half (8h) is reached at Mon 17:00, the close, not Tue 09:00.
    normal = [TicketEvent("created", MON_9, priority="normal")]
    (half,) = due(normal, at(24, 9))
    assert (half.step.id, half.due_at) == ("half", at(23, 17))
    # The same step seen later, after more business time has run, keeps its date.
    assert [d.due_at for d in due(normal, at(24, 11)) if d.step.id == "half"] == [at(23, 17)]


def test_each_key_fires_once_as_the_sweep_repeats() -> None:
    # The pure part of firing once: sweep every 30 min from Mon 09:00 to Tue 12:00, recording what fired.
    fired: set[StepKey] = set()
    firings: list[StepKey] = []
    now = MON_9
    while now <= at(24, 12):
        for step in due(HIGH, now, fired=fired):
            firings.append(step.key)
            fired.add(step.key)
        now += timedelta(minutes=30)
    assert firings == [StepKey("T1", "resolution", 1, s) for s in ("half", "warn-30m", "breach", "late")]
    assert due(HIGH, at(24, 12), fired=fired) == []
    assert next_due(HIGH, at(24, 12), fired=fired) is None
    # Keys may be kept as their string form too.
    assert due(HIGH, at(24, 12), fired={str(k) for k in fired}) == []
    assert str(firings[0]) == "T1/resolution/1/half"


def test_breach_notification_held_to_monday() -> None:
    # NY 9x5, high (8h) created Fri 2026-11-20 09:00: due and breached Fri 17:00. The breach is
    # dated Fri 17:00; its held notification goes out at the next opening, Mon 11-23 09:00.
    friday = [TicketEvent("created", at(20, 9), priority="high")]
    state = states(friday, at(20, 17))["resolution"]
    assert state.breached_at == at(20, 17)
    steps = {d.step.id: d for d in due(friday, at(20, 17))}
    assert (steps["breach"].due_at, steps["breach"].notify_at) == (at(20, 17), at(23, 9))
    # A held step that falls due while open goes out at once: warn-30m at Fri 16:30.
    assert (steps["warn-30m"].due_at, steps["warn-30m"].notify_at) == (at(20, 16, 30), at(20, 16, 30))
    # Not held: goes out when due, even at a close.
    assert steps["half"].notify_at == steps["half"].due_at == at(20, 13)


def test_a_warning_due_at_night_on_a_24x7_metric_is_held_to_the_opening() -> None:
    # The metric runs on wall time (24x7, 4h from Mon 00:00 -> due 04:00); the 30-min warning falls
    # due at 03:30. Held to the policy's 9x5 calendar, it goes out at Mon 09:00.
    policy = Policy.from_dict(
        {
            "name": "standard",
            "calendar": "ny",
            "metrics": {"resolution": {"time": "calendar"}},
            "targets": {"high": {"resolution": "4h"}},
        }
    )
    events = [TicketEvent("created", at(23, 0), priority="high")]
    now = at(23, 3, 45)
    state = evaluate(policy, events, now=now, calendar=CAL)
    assert state["resolution"].due_at == at(23, 4)
    (warn, half) = sorted(
        LADDERS.due_steps(
            "T1", state, now=now, policy="standard", calendar=CAL, metric_calendars={"resolution": CAL_24X7}
        ),
        key=lambda d: d.step.id,
        reverse=True,
    )
    assert (warn.step.id, warn.due_at, warn.notify_at) == ("warn-30m", at(23, 3, 30), at(23, 9))
    assert (half.step.id, half.due_at, half.notify_at) == ("half", at(23, 2), at(23, 2))


def test_a_paused_timer_fires_nothing_new() -> None:
    # Pending Mon 16:00, an hour before the 17:00 due; the sweep comes at Tue 10:00.
    events = HIGH + [TicketEvent("status", at(23, 16), status="pending")]
    state = states(events, at(24, 10))["resolution"]
    assert state.status == "paused" and state.breached_at is None
    fired = {StepKey("T1", "resolution", 1, "half")}  # fired at 13:00, before the pause
    assert due(events, at(24, 10), fired=fired) == []
    assert next_due(events, at(24, 10), fired=fired) is None
    # The unfired 30-minute warning (remaining 1h > 30m) is not due either; on resume Tue 10:00 it
    # falls due after 30 more business minutes, at 10:30, and the breach at 11:00.
    resumed = events + [TicketEvent("status", at(24, 10), status="open")]
    assert next_due(resumed, at(24, 10), fired=fired) == at(24, 10, 30)
    assert [(d.step.id, d.due_at) for d in due(resumed, at(24, 11), fired=fired)] == [
        ("warn-30m", at(24, 10, 30)),
        ("breach", at(24, 11)),
    ]


def test_a_step_crossed_before_a_pause_waits_for_the_resume() -> None:
    # half (13:00) was never fired; the ticket went pending at 14:00. While paused: nothing.
    events = HIGH + [TicketEvent("status", at(23, 14), status="pending")]
    assert due(events, at(23, 15)) == []
    resumed = events + [TicketEvent("status", at(23, 15), status="open")]
    assert [d.step.id for d in due(resumed, at(23, 15))] == ["half"]
    # Dated at the resume, 15:00: later than the truth (13:00), as due_steps says. Counting back
    # from 15:30 by lead 4h - remaining 2h30m (5h30m used: 09-14, 15-15:30) = 1h30m would give
    # 14:00, inside the pause.
    assert [d.due_at for d in due(resumed, at(23, 15, 30))] == [at(23, 15)]


def test_a_stopped_timer_fires_nothing() -> None:
    events = HIGH + [TicketEvent("status", at(23, 18), status="solved")]  # solved after the breach
    assert states(events, at(24, 12))["resolution"].stopped_at is not None
    assert due(events, at(24, 12)) == []


def test_a_deactivated_policy_fires_nothing() -> None:
    assert len(due(HIGH, at(24, 12))) == 4
    assert due(HIGH, at(24, 12), active=False) == []
    assert next_due(HIGH, at(23, 12), active=False) is None


def test_other_policies_and_metrics_have_no_ladder() -> None:
    s = states(HIGH, at(24, 12))
    assert LADDERS.due_steps("T1", s, now=at(24, 12), policy="premium", calendar=CAL) == []
    assert LADDERS.ladder("standard", "first_response") is None


RAISING = EscalationLadders.from_dict(
    {
        "ladders": {
            "standard": {
                "resolution": [
                    {"id": "half", "at": 0.5, "raise_priority": 1, "add_tags": ["escalated"]},
                    {"id": "breach", "at": 1.0, "raise_priority": 1},
                ]
            }
        }
    },
    priorities=LEVELS,
)


#: As POLICY, but high is 12h, so the moved deadline stays ahead of the sweep.
POLICY_12H = Policy.from_dict(
    {
        "name": "standard",
        "calendar": "ny",
        "pause_statuses": ["pending"],
        "stop_statuses": ["solved"],
        "metrics": {"resolution": {"pauses": True}},
        "targets": {"urgent": {"resolution": "4h"}, "high": {"resolution": "12h"}, "normal": {"resolution": "16h"}},
    }
)


def test_a_priority_raise_moves_the_deadline_and_never_refires() -> None:
    # normal = 16h from Mon 09:00 -> due Tue 17:00 (8h Mon + 8h Tue).
    events = [TicketEvent("created", MON_9, priority="normal")]
    assert states(events, at(24, 9, 30), POLICY_12H)["resolution"].due_at == at(24, 17)
    # half = 8h, reached at the Mon 17:00 close; the sweep runs Tue 09:30.
    (half,) = due(events, at(24, 9, 30), RAISING, POLICY_12H, priority="normal")
    assert (half.step.id, half.due_at, half.priority) == ("half", at(23, 17), "high")
    (event,) = half.events
    assert (event.kind, event.at, event.data["priority"], event.id) == (
        "priority",
        at(23, 17),
        "high",
        "escalation/T1/resolution/1/half",
    )
    # high = 12h, the elapsed 8h30 kept: 3h30 left from Tue 09:30 -> due Tue 13:00.
    events = events + list(half.events)
    state = states(events, at(24, 9, 30), POLICY_12H)["resolution"]
    assert (state.target, state.due_at) == (timedelta(hours=12), at(24, 13))
    # Under the new target half is 6h, long passed, but its key is fired: nothing new until the breach.
    fired = {half.key}
    assert due(events, at(24, 9, 30), RAISING, POLICY_12H, priority="high", fired=fired) == []
    assert RAISING.next_due_at(
        "T1", states(events, at(24, 9, 30), POLICY_12H), now=at(24, 9, 30), policy="standard", calendar=CAL, fired=fired
    ) == at(24, 13)
    (breach,) = due(events, at(24, 13), RAISING, POLICY_12H, priority="high", fired=fired)
    assert (breach.step.id, breach.due_at, breach.priority) == ("breach", at(24, 13), "urgent")


def test_a_step_after_the_due_is_never_dated_before_the_breach() -> None:
    # high = 8h from Mon 09:00 -> breach Mon 17:00; the breach raises to urgent (4h) then.
    # With 8h elapsed against 4h the timer is 4h over, so "late" (1h after due) is crossed
    # at once; counted back from now along the new target it would be Mon 14:00
    # (17:00 - 3h), before the breach. It is dated at the raise (the timer's
    # running_since), which is the breach, Mon 17:00.
    events = [TicketEvent("created", MON_9, priority="high"), TicketEvent("priority", at(23, 17), priority="urgent")]
    steps = {d.step.id: d for d in due(events, at(23, 17), priority="urgent")}
    assert steps["late"].due_at == at(23, 17)
    # A later sweep (Tue 10:00) dates it the same.
    steps = {d.step.id: d for d in due(events, at(24, 10), priority="urgent")}
    assert steps["late"].due_at == at(23, 17)


#: The breach raises normal (16h) two levels to urgent (4h), as a sweep at the breach would.
BREACH_RAISES = EscalationLadders.from_dict(
    {
        "ladders": {
            "standard": {
                "resolution": [
                    {"id": "half", "at": 0.5, "notify": [{"group": "tier1"}]},
                    {"id": "breach", "at": 1.0, "raise_priority": 2},
                    {"id": "late", "offset": "1h", "reassign": "tier2"},
                    {"id": "double", "at": 2.0, "add_tags": ["long-overdue"]},
                ]
            }
        }
    },
    priorities=LEVELS,
)


def test_steps_a_breach_raise_made_due_are_dated_at_the_raise() -> None:
    # normal = 16h from Mon 09:00 -> breach Tue 17:00 (8h Mon + 8h Tue). The sweep at Tue 17:00
    # finds half (8h, the Mon 17:00 close) and breach, which raises to urgent at Tue 17:00.
    events = [TicketEvent("created", MON_9, priority="normal")]
    first = due(events, at(24, 17), BREACH_RAISES, priority="normal")
    assert [(d.step.id, d.due_at, d.priority) for d in first] == [
        ("half", at(23, 17), None),
        ("breach", at(24, 17), "urgent"),
    ]
    events = events + list(first[1].events)
    state = states(events, at(24, 17))["resolution"]
    # urgent's 4h against 16h elapsed: 12h over, running under 4h since the raise.
    assert (state.target, state.remaining, state.running_since) == (4 * H, -12 * H, at(24, 17))
    # late (lead -1h) and double (2.0 x 4h = 8h: lead -4h) are due at once. Counted back from
    # Tue 17:00 by lead - remaining they would be 11h (Mon 14:00) and 8h (Mon 17:00) earlier,
    # before anything made them due; they are dated at the raise, Tue 17:00.
    fired = {d.key for d in first}
    second = due(events, at(24, 17), BREACH_RAISES, priority="urgent", fired=fired)
    assert [(d.step.id, d.due_at) for d in second] == [("late", at(24, 17)), ("double", at(24, 17))]
    # A later sweep (Wed 10:00, 1h more: back 12h and 9h) dates them the same.
    later = due(events, at(25, 10), BREACH_RAISES, priority="urgent", fired=fired)
    assert [(d.step.id, d.due_at) for d in later] == [("late", at(24, 17)), ("double", at(24, 17))]


#: half raises normal (16h) two levels to urgent (4h), which leaves the timer past its due.
HALF_RAISES = EscalationLadders.from_dict(
    {
        "ladders": {
            "standard": {
                "resolution": [
                    {"id": "half", "at": 0.5, "raise_priority": 2},
                    {"id": "warn-30m", "offset": "-30m", "notify": [{"user": "lead"}]},
                ]
            }
        }
    },
    priorities=LEVELS,
)


def test_a_step_before_the_due_that_a_raise_made_due_is_dated_at_the_raise() -> None:
    # normal = 16h from Mon 09:00; half (8h) is reached at the Mon 17:00 close, swept Tue 09:30.
    # warn-30m (15h30m elapsed, Tue 16:30 at normal) is not due yet.
    events = [TicketEvent("created", MON_9, priority="normal")]
    (half,) = due(events, at(24, 9, 30), HALF_RAISES, priority="normal")
    assert (half.step.id, half.due_at, half.priority) == ("half", at(23, 17), "urgent")
    events = events + list(half.events)  # urgent at Mon 17:00: 8h used of 4h, breached then
    state = states(events, at(24, 9, 30))["resolution"]
    assert (state.breached_at, state.running_since, state.remaining) == (at(23, 17), at(23, 17), -4.5 * H)
    # warn-30m is due since the raise. Counted back from Tue 09:30 by 30m + 4h30m = 5h it would
    # be Mon 12:30 (30m Tue, 4h30m back from the Mon 17:00 close), hours before the raise.
    (warn,) = due(events, at(24, 9, 30), HALF_RAISES, priority="urgent", fired={half.key})
    assert (warn.step.id, warn.due_at, warn.notify_at) == ("warn-30m", at(23, 17), at(23, 17))


def test_raises_compose_and_cap_at_the_top() -> None:
    # Both steps due in one sweep (Tue 12:00 on an 8h high ticket): high -> urgent, then capped.
    (half, breach) = due(HIGH, at(24, 12), RAISING, priority="high")
    assert (half.priority, [e.data["priority"] for e in half.events]) == ("urgent", ["urgent"])
    assert (breach.priority, breach.events) == (None, ())  # already at the top: fires, changes nothing
    (only,) = due(HIGH, at(24, 12), RAISING, priority="urgent", fired={half.key})
    assert (only.step.id, only.events) == ("breach", ())


def test_raising_needs_the_current_priority() -> None:
    with pytest.raises(RulesError) as info:
        due(HIGH, at(24, 12), RAISING, priority=None)
    assert info.value.field == "priority"
    with pytest.raises(RulesError, match='unknown priority "p2"'):
        due(HIGH, at(24, 12), RAISING, priority="p2")


def test_naive_now_is_refused() -> None:
    with pytest.raises(NaiveDatetimeError):
        LADDERS.due_steps("T1", {}, now=datetime(2026, 11, 23, 9), policy="standard", calendar=CAL)


def test_a_new_cycle_fires_again() -> None:
    # next_response-style new cycles get new keys; a resolution reopen with new_cycle shows it.
    policy = Policy.from_dict(
        {
            "name": "standard",
            "calendar": "ny",
            "stop_statuses": ["solved"],
            "metrics": {"resolution": {"reopen": "new_cycle"}},
            "targets": {"high": {"resolution": "8h"}},
        }
    )
    events = HIGH + [
        TicketEvent("status", at(23, 14), status="solved"),
        TicketEvent("status", at(24, 9), status="open"),
    ]
    s = evaluate(policy, events, now=at(24, 13), calendar=CAL)
    steps = LADDERS.due_steps(
        "T1", s, now=at(24, 13), policy="standard", calendar=CAL, fired={StepKey("T1", "resolution", 1, "half")}
    )
    assert [(d.key.cycle, d.step.id, d.due_at) for d in steps] == [(2, "half", at(24, 13))]


# -- property: the sweep fires every reached step exactly once --------------------


@given(gaps=st.lists(st.integers(1, 600), min_size=1, max_size=25), priority=st.sampled_from(["urgent", "high"]))
def test_sweeps_at_any_times_fire_each_reached_step_once(gaps: list[int], priority: str) -> None:
    events = [TicketEvent("created", MON_9, priority=priority)]
    fired: set[StepKey] = set()
    seen: list[StepKey] = []
    now = MON_9
    for gap in gaps:
        now += timedelta(minutes=gap)
        for step in due(events, now, fired=fired):
            assert step.due_at <= now
            seen.append(step.key)
            fired.add(step.key)
    assert len(seen) == len(set(seen))
    # Every step whose threshold the final remaining has reached fired; no other did.
    state = states(events, now)["resolution"]
    ladder = LADDERS.ladder("standard", "resolution")
    assert ladder is not None
    reached = {s.id for s in ladder.steps if state.remaining <= s.lead(state.target)}
    assert {k.step for k in seen} == reached


# -- validation ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("step", "field", "message"),
    [
        ({"at": 0.5, "notify": [{"group": "g"}]}, "ladders.standard.resolution[0].id", "is required"),
        ({"id": "a", "notify": [{"group": "g"}]}, "ladders.standard.resolution[0]", 'exactly one of "at"'),
        (
            {"id": "a", "at": 0.5, "offset": "1h", "notify": [{"group": "g"}]},
            "ladders.standard.resolution[0]",
            'exactly one of "at"',
        ),
        ({"id": "a", "at": 0}, "ladders.standard.resolution[0].at", "must be above 0"),
        ({"id": "a", "at": "75", "add_tags": ["x"]}, "ladders.standard.resolution[0].at", "expected a fraction"),
        ({"id": "a", "at": "x%", "add_tags": ["x"]}, "ladders.standard.resolution[0].at", "is not a percentage"),
        (
            {"id": "a", "offset": "-30 minutes", "add_tags": ["x"]},
            "ladders.standard.resolution[0].offset",
            "is not a duration",
        ),
        ({"id": "a", "offset": 30, "add_tags": ["x"]}, "ladders.standard.resolution[0].offset", "expected a duration"),
        ({"id": "a", "at": 0.5}, "ladders.standard.resolution[0]", "a step needs at least one action"),
        (
            {"id": "a", "at": 0.5, "notify": [{"team": "g"}]},
            "ladders.standard.resolution[0].notify[0].team",
            'unknown key "team"',
        ),
        (
            {"id": "a", "at": 0.5, "notify": [{"user": "u", "group": "g"}]},
            "ladders.standard.resolution[0].notify[0]",
            "exactly one recipient",
        ),
        (
            {"id": "a", "at": 0.5, "notify": [{"user": ""}]},
            "ladders.standard.resolution[0].notify[0].user",
            "must not be empty",
        ),
        (
            {"id": "a", "at": 0.5, "add_tags": ["x"], "hold_to_business_hours": True},
            "ladders.standard.resolution[0].hold_to_business_hours",
            "notifies nobody",
        ),
        ({"id": "a", "at": 0.5, "raise_priority": 0}, "ladders.standard.resolution[0].raise_priority", "must be >= 1"),
        (
            {"id": "a", "at": 0.5, "reasign": "tier2"},
            "ladders.standard.resolution[0].reasign",
            'did you mean "reassign"?',
        ),
    ],
)
def test_invalid_steps_name_the_bad_part(step: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(RulesError) as info:
        EscalationLadders.from_dict({"ladders": {"standard": {"resolution": [step]}}}, priorities=LEVELS)
    assert info.value.field == field
    assert message in str(info.value)


def test_duplicate_step_ids_and_missing_priorities() -> None:
    with pytest.raises(RulesError) as info:
        EscalationLadders.from_dict(
            {
                "ladders": {
                    "p": {"m": [{"id": "a", "at": 0.5, "add_tags": ["x"]}, {"id": "a", "at": 1.0, "add_tags": ["y"]}]}
                }
            }
        )
    assert info.value.field == "ladders.p.m[1].id"
    with pytest.raises(RulesError) as info:
        EscalationLadders.from_dict({"ladders": {"p": {"m": [{"id": "a", "at": 0.5, "raise_priority": 1}]}}})
    assert info.value.field == "ladders.p.m[0].raise_priority"
    assert "priorities=" in str(info.value)


def test_ladders_from_toml() -> None:
    text = """
[[ladders.standard.resolution]]
id = "warn"
offset = "-1h30m"
notify = [{ group = "tier1" }]
"""
    ladder = EscalationLadders.from_toml(text).ladder("standard", "resolution")
    assert ladder is not None
    (step,) = ladder.steps
    assert (step.offset, step.lead(timedelta(hours=8))) == (timedelta(hours=-1, minutes=-30), timedelta(minutes=90))


def test_ladders_for_unknown_policies_or_metrics_are_refused_when_policies_are_given() -> None:
    # POLICY ("standard") has only a resolution metric: a ladder on first_response could never fire.
    data = {"ladders": {"standard": {"first_response": [{"id": "half", "at": 0.5, "add_tags": ["x"]}]}}}
    with pytest.raises(RulesError) as caught:
        EscalationLadders.from_dict(data, priorities=LEVELS, policies=[POLICY])
    assert caught.value.field == "ladders.standard.first_response"
    assert "unknown metric of policy 'standard' \"first_response\"" in str(caught.value)
    misspelt = {"ladders": {"standrad": {"resolution": [{"id": "half", "at": 0.5, "add_tags": ["x"]}]}}}
    with pytest.raises(RulesError) as caught:
        EscalationLadders.from_dict(misspelt, priorities=LEVELS, policies=[POLICY])
    assert caught.value.field == "ladders.standrad"
    assert 'did you mean "standard"' in str(caught.value)
    # Without policies the same data loads: names are only checked when the host says what exists.
    assert EscalationLadders.from_dict(misspelt, priorities=LEVELS).ladder("standrad", "resolution") is not None


# -- a 24x7 metric is dated in real time, from the policy's own settings -------------------------
# Resolution runs on calendar time (24x7) under a 9x5 policy. Created Fri 2026-11-20 15:00 EST
# (20:00Z), high = 24h of real time: due Sat 11-21 15:00 EST (20:00Z), across the closed weekend.
#   half      at 12h       -> Sat 03:00 EST = 08:00Z
#   warn-30m  due - 30m    -> Sat 14:30 EST = 19:30Z, held to the 9x5 opening Mon 11-23 09:00 EST = 14:00Z
#   breach    at the due   -> Sat 15:00 EST = 20:00Z, held likewise to Mon 14:00Z
#   late      due + 1h     -> Sat 16:00 EST = 21:00Z
# Dated on the 9x5 calendar instead, the half step seen at Fri 16:00 (11h to go) would be
# Tue 11:00 (Fri 16-17, Mon 9-17, Tue 9-11), and the late one Mon 09:30.

POLICY_24X7 = Policy.from_dict(
    {
        "name": "standard",
        "calendar": "ny",
        "stop_statuses": ["solved"],
        "metrics": {"resolution": {"time": "calendar"}},
        "targets": {"high": {"resolution": "24h"}},
    }
)
FRI_15 = at(20, 15)
CREATED_FRI = [TicketEvent("created", FRI_15, priority="high")]
UTC = ZoneInfo("UTC")


def _utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def _ask(style: str, now: datetime, method: str, **kwargs: Any) -> Any:
    """Call ``method`` of ladders the documented ways, none with metric_calendars."""
    ladder_data = {
        "ladders": {
            "standard": {
                "resolution": [
                    {"id": "half", "at": 0.5, "notify": [{"group": "tier1"}]},
                    {"id": "warn-30m", "offset": "-30m", "notify": [{"user": "lead"}], "hold_to_business_hours": True},
                    {"id": "breach", "at": "100%", "notify": [{"role": "manager"}], "hold_to_business_hours": True},
                    {"id": "late", "offset": "1h", "reassign": "tier2"},
                ]
            }
        }
    }
    evaluation = evaluate_ticket(POLICY_24X7, CREATED_FRI, now=now, calendar=CAL)
    if style == "built-with-policies":  # the README's call: ladders know the policies, policy by name
        ladders = EscalationLadders.from_dict(ladder_data, priorities=LEVELS, policies=[POLICY_24X7])
        args: dict[str, Any] = {"states": evaluation.states, "policy": "standard"}
    elif style == "policy-object":
        ladders = EscalationLadders.from_dict(ladder_data, priorities=LEVELS)
        args = {"states": evaluation.states, "policy": POLICY_24X7}
    else:  # the Evaluation carries the policy in force
        ladders = EscalationLadders.from_dict(ladder_data, priorities=LEVELS)
        args = {"states": evaluation, "policy": "standard"}
    return getattr(ladders, method)("T1", args.pop("states"), now=now, calendar=CAL, **args, **kwargs)


STYLES = ["built-with-policies", "policy-object", "evaluation"]


@pytest.mark.parametrize("style", STYLES)
def test_a_24x7_metric_across_a_weekend_is_dated_in_real_time(style: str) -> None:
    assert evaluate(POLICY_24X7, CREATED_FRI, now=FRI_15, calendar=CAL)["resolution"].due_at == _utc(21, 20)
    assert _ask(style, at(20, 16), "next_due_at") == _utc(21, 8)
    now = at(21, 15, 30)  # Sat 15:30 EST, half an hour after the due
    steps = _ask(style, now, "due_steps", priority="high")
    assert [(d.step.id, d.due_at, d.notify_at) for d in steps] == [
        ("half", _utc(21, 8), _utc(21, 8)),
        ("warn-30m", _utc(21, 19, 30), _utc(23, 14)),
        ("breach", _utc(21, 20), _utc(23, 14)),
    ]
    fired = {d.key for d in steps}
    assert _ask(style, now, "next_due_at", fired=fired) == _utc(21, 21)
    (late,) = _ask(style, at(22, 10), "due_steps", fired=fired)  # swept Sun 10:00 EST
    assert (late.step.id, late.due_at) == ("late", _utc(21, 21))


def test_policy_versions_on_different_clocks_need_the_policy_itself() -> None:
    business = Policy.from_dict(
        {
            "name": "standard",
            "version": 2,
            "calendar": "ny",
            "stop_statuses": ["solved"],
            "metrics": {"resolution": {}},
            "targets": {"high": {"resolution": "24h"}},
        }
    )
    ladders = EscalationLadders.from_dict(
        {"ladders": {"standard": {"resolution": [{"id": "half", "at": 0.5, "add_tags": ["half"]}]}}},
        policies=[POLICY_24X7, business],
    )
    states_24x7 = evaluate(POLICY_24X7, CREATED_FRI, now=at(20, 16), calendar=CAL)
    with pytest.raises(RulesError) as info:
        ladders.next_due_at("T1", states_24x7, now=at(20, 16), policy="standard", calendar=CAL)
    assert info.value.field == "policy" and "pass the Policy" in str(info.value)
    # 23h to go at Fri 16:00, half at 12h of real time: Sat 03:00 EST = 08:00Z.
    assert ladders.next_due_at("T1", states_24x7, now=at(20, 16), policy=POLICY_24X7, calendar=CAL) == _utc(21, 8)
    # Version 2 counts business time: 24h from Fri 15:00 is Fri 15-17 (2h), Mon, Tue (16h), Wed 09-15
    # (6h): due Wed 15:00; half (12h) at Tue 09:00 + 2h = Tue 11:00 EST = 16:00Z.
    states_business = evaluate(business, CREATED_FRI, now=at(20, 16), calendar=CAL)
    assert ladders.next_due_at("T1", states_business, now=at(20, 16), policy=business, calendar=CAL) == _utc(24, 16)


def test_real_time_past_year_9999_is_a_range_error() -> None:
    # A 24x7 cycle started 9999-12-31 00:00Z with 48h: at 12:00Z 36h are left, so the half step
    # (24h before the due) comes 12h later, at 10000-01-01 00:00Z: no such instant.
    start = datetime(9999, 12, 31, tzinfo=UTC)
    state = TimerState(
        metric="resolution",
        cycle=1,
        status="running",
        target=48 * H,
        started_at=start,
        due_at=None,
        elapsed=12 * H,
        remaining=36 * H,
        breached_at=None,
        stopped_at=None,
        stop_reason=None,
        warning_level=None,
        paused_for=timedelta(0),
        customer_wait=timedelta(0),
        running_since=start,
    )
    with pytest.raises(DurationOutOfRangeError) as info:
        LADDERS.next_due_at("T1", [state], now=start + 12 * H, policy=POLICY_24X7, calendar=CAL)
    assert info.value.code == "duration_out_of_range"


# -- arguments of the wrong type ---------------------------------------------------------

WRONG_ARGUMENTS = [
    ({"calendar": None}, "calendar", "calendar must be a BusinessCalendar or a calendar name, got None"),
    ({"now": "2026-11-23T09:00:00-05:00"}, "now", 'now: "2026-11-23T09:00:00-05:00" is not a datetime'),
    ({"ticket": None}, "ticket", "got None"),
    ({"ticket": 1001}, "ticket", "got int"),
    ({"states": None}, "states", "got None"),
    ({"policy": None}, "policy", "policy must be a policy name or a Policy, got None"),
    ({"fired": None}, "fired", "got None"),
    ({"priority": 2}, "priority", "got int"),
    ({"metric_calendars": ["ny"]}, "metric_calendars", "got list"),
    ({"metric_calendars": {"resolution": None}}, "metric_calendars['resolution']", "got None"),
]


@pytest.mark.parametrize(
    ("method", "change", "field", "message"),
    [
        pytest.param(method, *case, id=f"{method}-{case[1]}")
        for method in ("due_steps", "next_due_at")
        for case in WRONG_ARGUMENTS
        if method == "due_steps" or "priority" not in case[0]  # next_due_at takes no priority
    ],
)
def test_a_wrong_argument_type_is_named(method: str, change: dict[str, Any], field: str, message: str) -> None:
    kwargs: dict[str, Any] = {
        "ticket": "T1",
        "states": states(HIGH, at(24, 10)),
        "now": at(24, 10),
        "policy": "standard",
        "calendar": CAL,
        **change,
    }
    with pytest.raises(ArgumentTypeError) as info:
        getattr(LADDERS, method)(kwargs.pop("ticket"), kwargs.pop("states"), **kwargs)
    assert (info.value.code, info.value.field) == ("invalid_argument", field)
    assert message in str(info.value)


def test_a_calendar_name_is_loaded() -> None:
    # The shipped us-ny-9x5 is open Mon 11-23 09:00-17:00 like CAL (no holiday that day), so the
    # half step of high (8h from Mon 09:00) falls at 13:00 either way.
    shipped = BusinessCalendar.load("us-ny-9x5")
    s = evaluate(POLICY, HIGH, now=at(23, 13), calendar=shipped)
    by_name = LADDERS.due_steps("T1", s, now=at(23, 13), policy="standard", calendar="us-ny-9x5")
    assert [(d.step.id, d.due_at) for d in by_name] == [("half", at(23, 13))]
    with pytest.raises(CalendarNotFound):
        LADDERS.due_steps("T1", s, now=at(23, 13), policy="standard", calendar="no-such-calendar")


@pytest.mark.parametrize(("policies", "field"), [("standard", "policies"), (["standard"], "policies[0]")])
def test_policies_of_the_wrong_type_are_named(policies: Any, field: str) -> None:
    with pytest.raises(ArgumentTypeError) as info:
        EscalationLadders.from_dict({"ladders": {}}, policies=policies)
    assert info.value.field == field


# -- enum members as names ---------------------------------------------------------------


class PolicyName(enum.StrEnum):
    STANDARD = "standard"


class Level(str, enum.Enum):  # noqa: UP042 (host code written before StrEnum)
    URGENT = "urgent"
    HIGH = "high"


def test_enum_members_read_as_their_text() -> None:
    ladders = EscalationLadders.from_dict(
        {"ladders": {PolicyName.STANDARD: {"resolution": [{"id": "half", "at": 0.5, "raise_priority": 1}]}}},
        priorities=list(Level),
    )
    ladder = ladders.ladder("standard", "resolution")
    assert ladder is not None and ladder.policy.__class__ is str
    assert [p.__class__ for p in ladders.priorities] == [str, str]
    # high = 8h from Mon 09:00: half at 13:00, raising high to urgent.
    (half,) = ladders.due_steps(
        "T1", states(HIGH, at(23, 13)), now=at(23, 13), policy=PolicyName.STANDARD, calendar=CAL, priority=Level.HIGH
    )
    assert (half.priority, half.priority.__class__, half.events[0].data["priority"]) == ("urgent", str, "urgent")
