"""``TimerState.running_since`` (since when a running timer has run, unpaused, under
its current target) and ``Evaluation.priority`` (the ticket's priority at ``now``).

Calendar: New York, Mon-Fri 09:00-17:00, no holidays. 2026-11-23 is a Monday; New
York is on EST (UTC-5) all through, so 09:00 there is 14:00Z. Expected instants are
written in UTC.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from timer_helpers import ny, utc, weekly

from sla_timers.timers import Policy, PolicySet, TicketEvent, evaluate, evaluate_ticket

H = timedelta(hours=1)
M = timedelta(minutes=1)
NY95 = weekly("NY95", "09:00-17:00")
#: first_response keeps 1h at both priorities and runs through pauses; resolution pauses.
POLICY = Policy.from_dict(
    {
        "name": "standard",
        "calendar": "NY95",
        "pause_statuses": ["pending"],
        "stop_statuses": ["solved"],
        "metrics": {"first_response": {"pauses": False}, "resolution": {"pauses": True, "reopen": "resume"}},
        "targets": {
            "high": {"first_response": "1h", "resolution": "8h"},
            "urgent": {"first_response": "1h", "resolution": "4h"},
        },
    }
)


def mon(hour: int, minute: int = 0) -> datetime:
    return ny(2026, 11, 23, hour, minute)


#: Mon: created high 09:00, pending 11:00, open 12:00, urgent 13:00, solved 13:45, open 15:00.
LOG = [
    TicketEvent("created", mon(9), id="e1", priority="high", status="open"),
    TicketEvent("status", mon(11), id="e2", status="pending"),
    TicketEvent("status", mon(12), id="e3", status="open"),
    TicketEvent("priority", mon(13), id="e4", priority="urgent"),
    TicketEvent("status", mon(13, 45), id="e5", status="solved"),
    TicketEvent("status", mon(15), id="e6", status="open"),
]


def since_at(now: datetime) -> dict[str, tuple[str, datetime | None]]:
    return {m: (s.status, s.running_since) for m, s in evaluate(POLICY, LOG, now=now, calendar=NY95).items()}


def test_running_since_is_the_start_while_nothing_changed() -> None:
    # Both start at the creation, 09:00 EST = 14:00Z; at 09:30 neither has paused or changed target.
    assert since_at(mon(9, 30)) == {
        "first_response": ("running", utc(2026, 11, 23, 14)),
        "resolution": ("running", utc(2026, 11, 23, 14)),
    }


def test_running_since_is_none_while_paused_and_a_breached_timer_still_running_keeps_it() -> None:
    # Pending 11:00: resolution pauses (None). first_response (1h, does not pause) breached at
    # 10:00 and still runs, as it has since 09:00 = 14:00Z.
    assert since_at(mon(11, 30)) == {
        "first_response": ("breached", utc(2026, 11, 23, 14)),
        "resolution": ("paused", None),
    }


def test_running_since_is_the_resume() -> None:
    # Open again 12:00 EST = 17:00Z: resolution has run since the resume.
    assert since_at(mon(12, 30))["resolution"] == ("running", utc(2026, 11, 23, 17))


def test_running_since_is_a_priority_change_that_changes_the_target() -> None:
    # Urgent at 13:00 EST = 18:00Z: resolution 8h -> 4h (3h used: 09-11 and 12-13), so it runs
    # under 4h since 18:00Z, due 14:00 EST = 19:00Z. first_response's target is 1h at both
    # priorities: nothing changed for it, it still runs since 14:00Z.
    states = evaluate(POLICY, LOG, now=mon(13, 30), calendar=NY95)
    resolution = states["resolution"]
    assert (resolution.status, resolution.target, resolution.due_at, resolution.running_since) == (
        "running",
        4 * H,
        utc(2026, 11, 23, 19),
        utc(2026, 11, 23, 18),
    )
    assert states["first_response"].running_since == utc(2026, 11, 23, 14)


def test_running_since_is_none_after_a_stop_and_the_reopen_after() -> None:
    # Solved 13:45: both stopped (resolution met with 3h45m of 4h; first_response breached).
    states = evaluate(POLICY, LOG, now=mon(14), calendar=NY95)
    assert {m: (s.status, s.stopped_at, s.running_since) for m, s in states.items()} == {
        "first_response": ("breached", utc(2026, 11, 23, 18, 45), None),
        "resolution": ("met", utc(2026, 11, 23, 18, 45), None),
    }
    # Open 15:00 EST = 20:00Z: resolution resumes (reopen = resume) with 15m left, due 15:15;
    # first_response never restarts. At 15:30 resolution is breached (15:15 = 20:15Z), still running.
    assert since_at(mon(15, 10)) == {
        "first_response": ("breached", None),
        "resolution": ("running", utc(2026, 11, 23, 20)),
    }
    late = evaluate(POLICY, LOG, now=mon(15, 30), calendar=NY95)["resolution"]
    assert (late.status, late.breached_at, late.running_since) == (
        "breached",
        utc(2026, 11, 23, 20, 15),
        utc(2026, 11, 23, 20),
    )


def test_running_since_is_a_pin_and_an_unpin() -> None:
    # high 8h from 09:00. Pinned at 10:00 EST (15:00Z) to Tue 12:00; unpinned 11:00 EST (16:00Z).
    log = [LOG[0], TicketEvent("pin", mon(10), metric="resolution", due_at=ny(2026, 11, 24, 12))]
    assert evaluate(POLICY, log, now=mon(10, 30), calendar=NY95)["resolution"].running_since == utc(2026, 11, 23, 15)
    log.append(TicketEvent("unpin", mon(11), metric="resolution"))
    assert evaluate(POLICY, log, now=mon(11, 30), calendar=NY95)["resolution"].running_since == utc(2026, 11, 23, 16)


def test_running_since_is_a_policy_switch_even_to_the_same_target() -> None:
    # premium has the same 8h: the switch at 10:00 EST = 15:00Z still counts as a new target.
    premium = Policy.from_dict({"name": "premium", "calendar": "NY95", "targets": {"high": {"resolution": "8h"}}})
    log = [
        TicketEvent("created", mon(9), priority="high", policy="standard"),
        TicketEvent("policy", mon(10), policy="premium"),
    ]
    evaluation = evaluate_ticket(PolicySet([POLICY, premium]), log, now=mon(10, 30), calendar=NY95)
    assert evaluation.problems == ()
    state = evaluation.states["resolution"]
    assert (state.target, state.running_since) == (8 * H, utc(2026, 11, 23, 15))


def test_evaluation_priority_follows_priority_events() -> None:
    assert evaluate_ticket(POLICY, LOG, now=mon(8), calendar=NY95).priority is None  # before created
    assert evaluate_ticket(POLICY, LOG, now=mon(12, 59), calendar=NY95).priority == "high"
    assert evaluate_ticket(POLICY, LOG, now=mon(13), calendar=NY95).priority == "urgent"
    # A priority with no targets is a problem and leaves the targets alone, but it is the
    # ticket's priority: resolution still runs under urgent's 4h since 13:00 EST = 18:00Z.
    log = [*LOG[:4], TicketEvent("priority", mon(13, 10), id="e7", priority="low")]
    evaluation = evaluate_ticket(POLICY, log, now=mon(13, 20), calendar=NY95)
    assert evaluation.priority == "low"
    assert [p.event_id for p in evaluation.problems] == ["e7"]
    resolution = evaluation.states["resolution"]
    assert (resolution.target, resolution.running_since) == (4 * H, utc(2026, 11, 23, 18))


def test_evaluation_priority_without_a_policy_in_force() -> None:
    # The created event names no policy the set knows, so no timers run; the priority still counts.
    log = [
        TicketEvent("created", mon(9), priority="high", policy="gold"),
        TicketEvent("priority", mon(10), priority="urgent"),
    ]
    evaluation = evaluate_ticket(PolicySet([POLICY]), log, now=mon(11), calendar=NY95)
    assert (evaluation.policy, evaluation.states, evaluation.priority) == (None, {}, "urgent")
    assert len(evaluation.problems) == 1
