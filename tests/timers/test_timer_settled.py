"""Timer semantics settled after a differential run against an independent model
(DESIGN.md, "Timer semantics settled after a differential run"), one rule per
test, and event ids: a retried event counts once.

Calendar: New York, Mon-Fri 09:00-17:00, no holidays. 2026-11-23 is a Monday;
New York is on EST (UTC-5) all through, so 09:00 there is 14:00Z and 17:00 is
22:00Z. Expected instants are written in New York time unless said.
"""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from timer_helpers import created, customer, ny, priority, reply, status, utc, weekly

from sla_timers.rules import EscalationLadders
from sla_timers.timers import Policy, TicketEvent, evaluate, evaluate_ticket

H = timedelta(hours=1)
M = timedelta(minutes=1)
ZERO = timedelta(0)

NY95 = weekly("NY95", "09:00-17:00")


def policy(targets: dict, **extra) -> Policy:
    return Policy.from_dict({"name": "standard", "calendar": "NY95", "targets": targets, **extra})


# -- due_at is the deadline under the target in force ------------------------------------


def test_a_priority_change_past_the_new_target_dates_the_due_where_the_target_was_reached():
    # Normal 6h from Mon 09:00; at 13:00 (4h run) high's 2h applies: the breach is
    # dated at the change (13:00), the due where 2h were reached: 09:00 + 2h = 11:00.
    # At 13:30: remaining 2h - 4h30 = -2h30 = elapsed(13:30, 11:00).
    pol = policy({"normal": {"resolution": "6h"}, "high": {"resolution": "2h"}})
    events = [created(ny(2026, 11, 23, 9), "normal"), priority(ny(2026, 11, 23, 13), "high")]
    now = ny(2026, 11, 23, 13, 30)
    state = evaluate(pol, events, now=now, calendar=NY95)["resolution"]
    assert (state.status, state.breached_at, state.due_at, state.remaining) == (
        "breached",
        ny(2026, 11, 23, 13),
        ny(2026, 11, 23, 11),
        -(2 * H + 30 * M),
    )
    assert state.remaining == NY95.elapsed(now, state.due_at)


def test_a_target_raised_past_a_breach_moves_the_due_later_and_stays_breached():
    # High 2h from Mon 09:00: breached at its due, 11:00. At 12:00 normal's 6h applies:
    # due 09:00 + 6h = 15:00; at 12:30 remaining 6h - 3h30 = 2h30 = elapsed(12:30, 15:00).
    pol = policy({"normal": {"resolution": "6h"}, "high": {"resolution": "2h"}})
    events = [created(ny(2026, 11, 23, 9), "high"), priority(ny(2026, 11, 23, 12), "normal")]
    now = ny(2026, 11, 23, 12, 30)
    state = evaluate(pol, events, now=now, calendar=NY95)["resolution"]
    assert (state.status, state.breached_at, state.due_at, state.remaining) == (
        "breached",
        ny(2026, 11, 23, 11),
        ny(2026, 11, 23, 15),
        2 * H + 30 * M,
    )
    assert state.remaining == NY95.elapsed(now, state.due_at)
    # Solved at 16:00: it stays breached, and keeps the last deadline that applied, 15:00.
    events.append(status(ny(2026, 11, 23, 16), "solved"))
    state = evaluate(pol, events, now=ny(2026, 11, 23, 17), calendar=NY95)["resolution"]
    assert (state.status, state.due_at, state.stopped_at) == ("breached", ny(2026, 11, 23, 15), ny(2026, 11, 23, 16))


# -- reopen -------------------------------------------------------------------------------


@pytest.mark.parametrize("into", ["open", "pending"])
def test_a_plain_reopen_opens_no_next_response(into):
    # Answered at 09:30, solved 10:00 with nobody waiting, reopened at 11:00: the
    # reopen asks nothing of the agent, so no next_response cycle exists at 12:00.
    pol = policy({"high": {"next_response": "2h", "resolution": "8h"}})
    events = [
        created(ny(2026, 11, 23, 9)),
        reply(ny(2026, 11, 23, 9, 30)),
        status(ny(2026, 11, 23, 10), "solved"),
        status(ny(2026, 11, 23, 11), into),
    ]
    states = evaluate(pol, events, now=ny(2026, 11, 23, 12), calendar=NY95)
    assert "next_response" not in states
    assert states["resolution"].status == ("running" if into == "open" else "paused")


def test_a_next_response_cycle_cut_off_by_the_stop_follows_its_reopen_mode():
    # Customer 09:45 opens next_response (cycle 1); solved 10:00 cuts it off (met);
    # reopened 11:00: new_cycle (the default) starts cycle 2 at 11:00, due 13:00.
    pol = policy({"high": {"next_response": "2h"}})
    events = [
        created(ny(2026, 11, 23, 9)),
        reply(ny(2026, 11, 23, 9, 30)),
        customer(ny(2026, 11, 23, 9, 45)),
        status(ny(2026, 11, 23, 10), "solved"),
        status(ny(2026, 11, 23, 11), "open"),
    ]
    cycles = evaluate_ticket(pol, events, now=ny(2026, 11, 23, 12), calendar=NY95).cycles["next_response"]
    assert [(c.cycle, c.status, c.started_at, c.due_at) for c in cycles] == [
        (1, "met", ny(2026, 11, 23, 9, 45), ny(2026, 11, 23, 11, 45)),
        (2, "running", ny(2026, 11, 23, 11), ny(2026, 11, 23, 13)),
    ]


@pytest.mark.parametrize("mode", ["resume", "new_cycle"])
def test_a_customer_reply_while_solved_opens_next_response_at_the_reopen(mode):
    # Cycle 1: customer 09:45, answered 10:00 (met, not cut off by the stop). Solved
    # 10:30; the customer writes at 11:00 while solved: remembered. Reopened at 12:00:
    # cycle 2 starts at the reopen, whatever the reopen mode, due 12:00 + 2h = 14:00.
    pol = policy({"high": {"next_response": "2h"}}, metrics={"next_response": {"reopen": mode}})
    events = [
        created(ny(2026, 11, 23, 9)),
        reply(ny(2026, 11, 23, 9, 30)),
        customer(ny(2026, 11, 23, 9, 45)),
        reply(ny(2026, 11, 23, 10)),
        status(ny(2026, 11, 23, 10, 30), "solved"),
        customer(ny(2026, 11, 23, 11)),
        status(ny(2026, 11, 23, 12), "open"),
    ]
    cycles = evaluate_ticket(pol, events, now=ny(2026, 11, 23, 12, 30), calendar=NY95).cycles["next_response"]
    assert [(c.cycle, c.status, c.stop_reason) for c in cycles] == [(1, "met", "agent_reply"), (2, "running", None)]
    assert (cycles[1].started_at, cycles[1].due_at) == (ny(2026, 11, 23, 12), ny(2026, 11, 23, 14))
    # Answered while still solved (a public reply at 11:30): nothing is owed at the reopen.
    answered = [*events[:-1], reply(ny(2026, 11, 23, 11, 30)), events[-1]]
    cycles = evaluate_ticket(pol, answered, now=ny(2026, 11, 23, 12, 30), calendar=NY95).cycles["next_response"]
    assert [c.cycle for c in cycles] == [1]


def test_a_reopen_never_starts_a_metric_that_never_ran():
    # Solved at 09:30 before any public reply; a public reply while solved (10:00)
    # starts nothing; the reopen at 11:00 resumes resolution only: periodic_update
    # never ran, so it does not start.
    pol = policy({"high": {"periodic_update": "4h", "resolution": "8h"}})
    events = [
        created(ny(2026, 11, 23, 9)),
        status(ny(2026, 11, 23, 9, 30), "solved"),
        reply(ny(2026, 11, 23, 10)),
        status(ny(2026, 11, 23, 11), "open"),
    ]
    states = evaluate(pol, events, now=ny(2026, 11, 23, 12), calendar=NY95)
    assert "periodic_update" not in states
    # Resolution: 30m before the stop + 1h since the reopen.
    assert (states["resolution"].status, states["resolution"].elapsed) == ("running", 90 * M)


def test_a_resumed_cycle_takes_the_target_of_the_priority_at_the_reopen():
    # Normal 8h from 09:00; solved 10:00 (1h run); raised to high (4h) at 10:30 while
    # solved; reopened 11:00: the resumed cycle runs under 4h: 3h left -> due 14:00.
    # At 11:30: elapsed 1h30, remaining 2h30.
    pol = policy({"normal": {"resolution": "8h"}, "high": {"resolution": "4h"}})
    events = [
        created(ny(2026, 11, 23, 9), "normal"),
        status(ny(2026, 11, 23, 10), "solved"),
        priority(ny(2026, 11, 23, 10, 30), "high"),
        status(ny(2026, 11, 23, 11), "open"),
    ]
    state = evaluate(pol, events, now=ny(2026, 11, 23, 11, 30), calendar=NY95)["resolution"]
    assert (state.cycle, state.target, state.elapsed, state.remaining, state.due_at) == (
        1,
        4 * H,
        90 * M,
        150 * M,
        ny(2026, 11, 23, 14),
    )


# -- created in a stop status -------------------------------------------------------------


def test_a_ticket_created_solved_has_its_timers_met_at_once():
    # A phone call logged as solved at Mon 09:00: each timer starts and stops there,
    # met, with its deadline: first_response 09:00 + 1h = 10:00, resolution 17:00.
    pol = policy({"high": {"first_response": "1h", "resolution": "8h"}})
    events = [created(ny(2026, 11, 23, 9), status="solved")]
    states = evaluate(pol, events, now=ny(2026, 11, 23, 9, 30), calendar=NY95)
    for metric, due in (("first_response", ny(2026, 11, 23, 10)), ("resolution", ny(2026, 11, 23, 17))):
        state = states[metric]
        assert (state.status, state.stopped_at, state.stop_reason, state.elapsed, state.due_at) == (
            "met",
            ny(2026, 11, 23, 9),
            "status:solved",
            ZERO,
            due,
        ), metric
    # Reopened at 10:00: first_response stays met (one cycle); resolution resumes with
    # 8h left: Mon 10-17 7h + Tue 09-10 1h -> due Tue 10:00.
    events.append(status(ny(2026, 11, 23, 10), "open"))
    evaluation = evaluate_ticket(pol, events, now=ny(2026, 11, 23, 11), calendar=NY95)
    assert [c.status for c in evaluation.cycles["first_response"]] == ["met"]
    state = evaluation.states["resolution"]
    assert (state.status, state.elapsed, state.due_at) == ("running", H, ny(2026, 11, 24, 10))


# -- cycles are numbered by their trigger ---------------------------------------------------


def _next_response_log() -> list[TicketEvent]:
    # Normal ticket: answered 09:30, customer 10:00 opens cycle 1, answered 10:30;
    # raised to high at 11:00; customer 11:30 opens cycle 2.
    return [
        created(ny(2026, 11, 23, 9), "normal"),
        reply(ny(2026, 11, 23, 9, 30)),
        customer(ny(2026, 11, 23, 10)),
        reply(ny(2026, 11, 23, 10, 30)),
        priority(ny(2026, 11, 23, 11), "high"),
        customer(ny(2026, 11, 23, 11, 30)),
    ]


@pytest.mark.parametrize("normal_target", [None, "4h"], ids=["no-target", "target"])
def test_cycles_are_numbered_by_trigger_whether_or_not_they_have_a_target(normal_target):
    targets: dict = {"normal": {"resolution": "8h"}, "high": {"next_response": "2h", "resolution": "4h"}}
    if normal_target is not None:
        targets["normal"]["next_response"] = normal_target
    pol = policy(targets, warn_at=[0.5])
    cycles = evaluate_ticket(pol, _next_response_log(), now=ny(2026, 11, 23, 12), calendar=NY95).cycles
    first, second = cycles["next_response"]
    # Cycle 2 is cycle 2 either way: 11:30 + 2h = 13:30, 30m run by 12:00.
    assert (second.cycle, second.target, second.due_at, second.remaining) == (
        2,
        2 * H,
        ny(2026, 11, 23, 13, 30),
        90 * M,
    )
    assert (first.cycle, first.stopped_at) == (1, ny(2026, 11, 23, 10, 30))
    if normal_target is None:
        # Without a target: no due, nothing remaining, no warnings; met when it stops.
        assert (first.target, first.due_at, first.remaining, first.warning_level, first.status) == (
            None,
            None,
            None,
            None,
            "met",
        )


def test_a_cycle_without_a_target_gets_one_from_a_priority_change():
    # Customer 10:00 opens next_response with no target (normal); raised to high (2h)
    # at 10:30: due 10:00 + 2h = 12:00; at 11:00 1h run, 1h left.
    pol = policy({"normal": {"resolution": "8h"}, "high": {"next_response": "2h"}}, warn_at=[0.5])
    events = _next_response_log()[:3]
    state = evaluate(pol, events, now=ny(2026, 11, 23, 10, 15), calendar=NY95)["next_response"]
    assert (state.status, state.target, state.due_at, state.remaining, state.next_warning_at) == (
        "running",
        None,
        None,
        None,
        None,
    )
    events.append(priority(ny(2026, 11, 23, 10, 30), "high"))
    state = evaluate(pol, events, now=ny(2026, 11, 23, 11), calendar=NY95)["next_response"]
    assert (state.cycle, state.target, state.due_at, state.remaining, state.warning_level) == (
        1,
        2 * H,
        ny(2026, 11, 23, 12),
        H,
        0.5,
    )


# -- warnings -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "level"), [({"warn_before": ["2h"]}, None), ({"warn_at": [0.75]}, 0.75)], ids=["lead", "fraction"]
)
def test_a_warning_counts_only_if_reached_while_running(extra, level):
    # 8h from Mon 09:00, pending 10:00-12:00: 1h + Mon 12-17 5h = 6h at Mon 17:00 (the
    # close), then pending again at Mon 18:00 (closed: nothing more ran).
    # The 2h lead falls at add(due, -2h) with due Tue 11:00 (7h left from 12:00: Mon
    # 12-17 5h + Tue 09-11 2h): Tue 09:00, after the pause, so it never counts.
    # The 75% fraction falls at the earliest instant elapsed >= 6h: Mon 17:00, while
    # it ran (the pause came at 18:00), so it counts.
    pol = policy({"high": {"resolution": "8h"}}, **extra)
    events = [
        created(ny(2026, 11, 23, 9)),
        status(ny(2026, 11, 23, 10), "pending"),
        status(ny(2026, 11, 23, 12), "open"),
        status(ny(2026, 11, 23, 18), "pending"),
    ]
    state = evaluate(pol, events, now=ny(2026, 11, 24, 10), calendar=NY95)["resolution"]
    assert (state.status, state.elapsed, state.warning_level, state.next_warning_at) == ("paused", 6 * H, level, None)


def test_a_fraction_reached_exactly_as_the_timer_stops_or_pauses_does_not_count():
    # 4h from 09:00, warn_at 0.5: 2h reached at 11:00, the instant it is solved
    # (or paused): not while it ran.
    pol = policy({"high": {"resolution": "4h"}}, warn_at=[0.5])
    start = [created(ny(2026, 11, 23, 9))]
    for stop in ("solved", "pending"):
        events = [*start, status(ny(2026, 11, 23, 11), stop)]
        state = evaluate(pol, events, now=ny(2026, 11, 23, 12), calendar=NY95)["resolution"]
        assert (state.elapsed, state.warning_level) == (2 * H, None), stop
    # Resumed at 13:00 with 2h run: elapsed >= 2h from that instant, while running.
    events = [*start, status(ny(2026, 11, 23, 11), "pending"), status(ny(2026, 11, 23, 13), "open")]
    state = evaluate(pol, events, now=ny(2026, 11, 23, 12, 59), calendar=NY95)["resolution"]
    assert (state.warning_level, state.next_warning_at) == (None, None)  # paused: no next warning
    state = evaluate(pol, events, now=ny(2026, 11, 23, 13), calendar=NY95)["resolution"]
    assert state.warning_level == 0.5


def test_a_fraction_and_a_lead_crossing_together_report_the_fraction():
    # 4h target: 50% = 2h run, and 2h before due = 2h run: both at 11:00.
    pol = policy({"high": {"resolution": "4h"}}, warn_at=[0.5], warn_before=["2h"])
    events = [created(ny(2026, 11, 23, 9))]
    state = evaluate(pol, events, now=ny(2026, 11, 23, 10, 59), calendar=NY95)["resolution"]
    assert (state.warning_level, state.next_warning_at) == (None, ny(2026, 11, 23, 11))
    state = evaluate(pol, events, now=ny(2026, 11, 23, 11), calendar=NY95)["resolution"]
    assert state.warning_level == 0.5


# -- pause at due; same-instant order ------------------------------------------------------


def test_a_pause_exactly_at_due_is_not_a_breach_until_the_resume():
    # 2h from 09:00: due 11:00; pending at 11:00 with nothing left; at 12:00 paused,
    # not breached. Resumed 13:00: breached then; due where 2h were reached, 13:00
    # (no business time ran between 11:00 and 13:00), remaining -30m at 13:30.
    pol = policy({"high": {"resolution": "2h"}})
    events = [created(ny(2026, 11, 23, 9)), status(ny(2026, 11, 23, 11), "pending")]
    state = evaluate(pol, events, now=ny(2026, 11, 23, 12), calendar=NY95)["resolution"]
    assert (state.status, state.breached_at, state.remaining) == ("paused", None, ZERO)
    events.append(status(ny(2026, 11, 23, 13), "open"))
    now = ny(2026, 11, 23, 13, 30)
    state = evaluate(pol, events, now=now, calendar=NY95)["resolution"]
    assert (state.status, state.breached_at, state.due_at, state.remaining) == (
        "breached",
        ny(2026, 11, 23, 13),
        ny(2026, 11, 23, 13),
        -30 * M,
    )
    assert state.remaining == NY95.elapsed(now, state.due_at)


def test_same_instant_events_apply_by_kind_then_id():
    # A reply and a solve at 09:30, listed solve first: the reply applies first, so it
    # meets first_response and starts periodic_update, which the solve then stops
    # with its deadline: 09:30 + 4h = 13:30.
    pol = policy({"high": {"first_response": "1h", "periodic_update": "4h", "resolution": "8h"}})
    events = [created(ny(2026, 11, 23, 9)), status(ny(2026, 11, 23, 9, 30), "solved"), reply(ny(2026, 11, 23, 9, 30))]
    states = evaluate(pol, events, now=ny(2026, 11, 23, 10), calendar=NY95)
    assert states["first_response"].stop_reason == "agent_reply"
    update = states["periodic_update"]
    assert (update.status, update.stop_reason, update.due_at) == ("met", "status:solved", ny(2026, 11, 23, 13, 30))
    # Two status events at 10:00: id "a" (open) before id "b" (pending), in any list order.
    pair = [status(ny(2026, 11, 23, 10), "pending", id="b"), status(ny(2026, 11, 23, 10), "open", id="a")]
    for ordered in (pair, pair[::-1]):
        state = evaluate(pol, [created(ny(2026, 11, 23, 9)), *ordered], now=ny(2026, 11, 23, 11), calendar=NY95)[
            "resolution"
        ]
        assert (state.status, state.paused_since) == ("paused", ny(2026, 11, 23, 10))


# -- event ids ------------------------------------------------------------------------------

DEDUPE_POLICY = policy(
    {"high": {"first_response": "1h", "next_response": "2h", "periodic_update": "2h", "resolution": "8h"}},
    warn_at=[0.5],
)


def _conversation() -> list[TicketEvent]:
    return [
        created(ny(2026, 11, 23, 9), id="e0"),
        reply(ny(2026, 11, 23, 9, 30), id="e1"),
        customer(ny(2026, 11, 23, 10), id="e2"),
        status(ny(2026, 11, 23, 11), "pending", id="e3"),
        status(ny(2026, 11, 23, 12), "open", id="e4"),
        reply(ny(2026, 11, 23, 12, 30), id="e5"),
    ]


def test_a_retried_event_counts_once_in_every_metric():
    # Each event delivered twice (a webhook retry), in shuffled order: the same
    # evaluation as once, and no problem reported.
    events = _conversation()
    now = ny(2026, 11, 23, 13)
    once = evaluate_ticket(DEDUPE_POLICY, events, now=now, calendar=NY95)
    twice = [*events, *[TicketEvent.from_dict(e.to_dict()) for e in events]]
    random.Random(7).shuffle(twice)
    assert evaluate_ticket(DEDUPE_POLICY, twice, now=now, calendar=NY95) == once
    # The retried reply at 09:30 would otherwise stop periodic_update's cycle 1 and start a second.
    assert len(once.cycles["periodic_update"]) == 2  # 09:30 and 12:30
    assert once.problems == ()


@pytest.mark.parametrize("with_ids", [True, False], ids=["with-ids", "without-ids"])
def test_an_event_object_given_twice_counts_once(with_ids):
    # The same TicketEvent objects listed twice (a host that appends a batch it
    # already holds), and equal copies of them, evaluate as the log given once.
    # Without the dedupe the second 09:30 reply would stop periodic_update's
    # first cycle and open another: 3 cycles instead of 2 (09:30 and 12:30).
    events = _conversation()
    if not with_ids:
        events = [TicketEvent(e.kind, e.at, **e.data) for e in events]
    now = ny(2026, 11, 23, 13)
    once = evaluate_ticket(DEDUPE_POLICY, events, now=now, calendar=NY95)
    assert len(once.cycles["periodic_update"]) == 2
    copies = [TicketEvent.from_dict(e.to_dict()) for e in events]
    for log in ([*events, *events], [*events, *copies], [events[1], *events, events[1], *copies]):
        assert evaluate_ticket(DEDUPE_POLICY, log, now=now, calendar=NY95) == once


def test_the_same_id_with_another_payload_is_a_problem_and_the_first_by_time_applies():
    # e1 is also sent as a reply at 09:45: a conflict. The 09:30 one applies
    # (periodic_update from 09:30, first_response met at 09:30) and the problem names both.
    events = _conversation()
    conflict = reply(ny(2026, 11, 23, 9, 45), id="e1")
    for log in ([*events, conflict], [conflict, *events], [conflict, *events, conflict]):
        evaluation = evaluate_ticket(DEDUPE_POLICY, log, now=ny(2026, 11, 23, 10), calendar=NY95)
        first = evaluation.states["first_response"]
        assert (first.stopped_at, evaluation.states["periodic_update"].started_at) == (
            ny(2026, 11, 23, 9, 30),
            ny(2026, 11, 23, 9, 30),
        )
        (problem,) = evaluation.problems
        assert (problem.event_id, problem.at) == ("e1", utc(2026, 11, 23, 14, 45))
        assert "agent_reply e1 at 2026-11-23T14:45:00+00:00" in problem.message
        assert "agent_reply e1 at 2026-11-23T14:30:00+00:00" in problem.message
    # Another kind under the same id conflicts too.
    evaluation = evaluate_ticket(
        DEDUPE_POLICY, [*events, customer(ny(2026, 11, 23, 9, 40), id="e1")], now=ny(2026, 11, 23, 10), calendar=NY95
    )
    assert [p.kind for p in evaluation.problems] == ["customer_reply"]


def test_a_retried_reply_does_not_fire_an_escalation_step_again():
    # periodic_update 2h from the 09:30 reply: its 50% step is due at 10:30 under key
    # T-1/periodic_update/1/half. Fired at 10:45; the reply's retry then arrives: the
    # 11:00 sweep finds nothing new (before, a second cycle made T-1/periodic_update/2/half due).
    ladders = EscalationLadders.from_dict(
        {"ladders": {"standard": {"periodic_update": [{"id": "half", "at": 0.5, "notify": [{"group": "tier1"}]}]}}},
        priorities=("high",),
    )
    events = _conversation()[:2]
    now = ny(2026, 11, 23, 10, 45)
    due = ladders.due_steps(
        "T-1",
        evaluate_ticket(DEDUPE_POLICY, events, now=now, calendar=NY95),
        now=now,
        policy=DEDUPE_POLICY,
        calendar=NY95,
        priority="high",
    )
    assert [str(step.key) for step in due] == ["T-1/periodic_update/1/half"]
    assert due[0].due_at == utc(2026, 11, 23, 15, 30)
    fired = {step.key for step in due}
    events.append(reply(ny(2026, 11, 23, 9, 30), id="e1"))
    now = ny(2026, 11, 23, 11)
    again = ladders.due_steps(
        "T-1",
        evaluate_ticket(DEDUPE_POLICY, events, now=now, calendar=NY95),
        now=now,
        policy=DEDUPE_POLICY,
        calendar=NY95,
        priority="high",
        fired=fired,
    )
    assert again == []


def test_ladders_skip_a_running_cycle_without_a_target():
    # A normal ticket's next_response (customer 10:00) runs with no target: no step of
    # its ladder is due, none is scheduled, and nothing fails. Raised to high (2h) at
    # 10:30: cycle 1 now has a due, 12:00, and its 50% step falls at 11:00.
    pol = policy({"normal": {"resolution": "8h"}, "high": {"next_response": "2h", "resolution": "4h"}})
    ladders = EscalationLadders.from_dict(
        {
            "ladders": {
                "standard": {
                    "next_response": [
                        {"id": "half", "at": 0.5, "notify": [{"group": "tier1"}]},
                        {"id": "breach", "at": "100%", "notify": [{"role": "manager"}]},
                    ]
                }
            }
        },
        priorities=("high", "normal"),
    )
    events = _next_response_log()[:3]
    now = ny(2026, 11, 23, 16)
    evaluation = evaluate_ticket(pol, events, now=now, calendar=NY95)
    assert evaluation.states["next_response"].target is None
    assert ladders.due_steps("T-1", evaluation, now=now, policy=pol, calendar=NY95) == []
    assert ladders.next_due_at("T-1", evaluation, now=now, policy=pol, calendar=NY95) is None
    events.append(priority(ny(2026, 11, 23, 10, 30), "high"))
    now = ny(2026, 11, 23, 10, 45)
    evaluation = evaluate_ticket(pol, events, now=now, calendar=NY95)
    assert ladders.next_due_at("T-1", evaluation, now=now, policy=pol, calendar=NY95) == utc(2026, 11, 23, 16)
