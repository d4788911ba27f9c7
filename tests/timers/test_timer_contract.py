"""The timer contract of DESIGN.md ("Timer semantics where helpdesks differ"):
pauses, priority and policy changes, reopens and event handling, one rule per
test, where test_timer_scenarios.py does not already pin the rule down.

Calendar: New York, Mon-Fri 09:00-17:00, no holidays. 2026-11-21 is a
Saturday, 2026-11-23 a Monday; New York is on EST (UTC-5) all through these
weeks, so 09:00 there is 14:00Z and 17:00 is 22:00Z. Expected instants are
written in UTC.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from timer_helpers import created, customer, ny, reply, status, utc, weekly

from sla_timers import BusinessCalendar, SLAError
from sla_timers.errors import EventError, NaiveDatetimeError
from sla_timers.timers import Policy, PolicySet, TicketEvent, evaluate, evaluate_ticket, next_change

H = timedelta(hours=1)
M = timedelta(minutes=1)
ZERO = timedelta(0)

NY95 = weekly("NY95", "09:00-17:00")


def policy(targets: dict, **extra) -> Policy:
    return Policy.from_dict({"name": "standard", "calendar": "NY95", "targets": targets, **extra})


# -- next_response ------------------------------------------------------------------


def test_next_response_needs_a_public_answer_before_a_customer_reply_opens_it():
    # No first_response metric at all: the opening message and a follow-up at 09:30
    # still open no next_response cycle; an internal note at 09:45 is no answer either.
    pol = policy({"high": {"next_response": "1h"}})
    events = [created(ny(2026, 11, 23, 9)), customer(ny(2026, 11, 23, 9, 30)), reply(ny(2026, 11, 23, 9, 45), False)]
    assert "next_response" not in evaluate(pol, events, now=ny(2026, 11, 23, 11), calendar=NY95)
    # Public answer 10:00, customer 10:30: the cycle starts 10:30 (not 09:30),
    # due 10:30 + 1h = 11:30 EST = 16:30Z.
    events += [reply(ny(2026, 11, 23, 10)), customer(ny(2026, 11, 23, 10, 30))]
    (cycle,) = evaluate_ticket(pol, events, now=ny(2026, 11, 23, 11), calendar=NY95).cycles["next_response"]
    assert (cycle.status, cycle.started_at, cycle.due_at) == (
        "running",
        utc(2026, 11, 23, 15, 30),
        utc(2026, 11, 23, 16, 30),
    )


def test_an_internal_note_does_not_answer_the_customer():
    # Public reply 09:15; customer 10:00 opens next_response, due 11:00 EST = 16:00Z.
    # Internal note 10:20 stops nothing; at 11:30 it is breached (since 16:00Z) and
    # still open; the public reply at 11:40 (16:40Z) stops it, breached.
    pol = policy({"high": {"next_response": "1h"}})
    events = [
        created(ny(2026, 11, 23, 9)),
        reply(ny(2026, 11, 23, 9, 15)),
        customer(ny(2026, 11, 23, 10)),
        reply(ny(2026, 11, 23, 10, 20), public=False),
    ]
    state = evaluate(pol, events, now=ny(2026, 11, 23, 10, 40), calendar=NY95)["next_response"]
    assert (state.status, state.elapsed, state.remaining, state.stopped_at) == ("running", 40 * M, 20 * M, None)
    state = evaluate(pol, events, now=ny(2026, 11, 23, 11, 30), calendar=NY95)["next_response"]
    assert (state.status, state.breached_at, state.stopped_at) == ("breached", utc(2026, 11, 23, 16), None)
    events.append(reply(ny(2026, 11, 23, 11, 40)))
    state = evaluate(pol, events, now=ny(2026, 11, 23, 12), calendar=NY95)["next_response"]
    assert (state.status, state.breached_at, state.stopped_at, state.stop_reason, state.elapsed) == (
        "breached",
        utc(2026, 11, 23, 16),
        utc(2026, 11, 23, 16, 40),
        "agent_reply",
        100 * M,
    )


# -- stops ----------------------------------------------------------------------------


def test_a_stop_status_stops_every_running_timer_and_exactly_at_due_is_met():
    # Created Mon 09:00. Public reply 09:30: first_response met (30m); periodic_update
    # cycle from 09:30, due 12:30 (17:30Z). Customer 10:00: next_response due 12:00 (17:00Z).
    # Resolution due 17:00 (22:00Z). Solved at 12:00 (17:00Z), exactly next_response's due:
    # every open timer stops there, all met, each keeping its deadline.
    pol = policy({"high": {"first_response": "4h", "next_response": "2h", "periodic_update": "3h", "resolution": "8h"}})
    events = [
        created(ny(2026, 11, 23, 9)),
        reply(ny(2026, 11, 23, 9, 30)),
        customer(ny(2026, 11, 23, 10)),
        status(ny(2026, 11, 23, 12), "solved"),
    ]
    states = evaluate(pol, events, now=ny(2026, 11, 23, 14), calendar=NY95)
    first = states["first_response"]
    assert (first.status, first.stop_reason, first.stopped_at, first.elapsed) == (
        "met",
        "agent_reply",
        utc(2026, 11, 23, 14, 30),
        30 * M,
    )
    expected = {
        "next_response": (utc(2026, 11, 23, 17), 2 * H, ZERO),
        "periodic_update": (utc(2026, 11, 23, 17, 30), 2 * H + 30 * M, 30 * M),
        "resolution": (utc(2026, 11, 23, 22), 3 * H, 5 * H),
    }
    for metric, (due, elapsed, remaining) in expected.items():
        state = states[metric]
        assert (state.status, state.stop_reason, state.stopped_at, state.breached_at) == (
            "met",
            "status:solved",
            utc(2026, 11, 23, 17),
            None,
        ), metric
        assert (state.due_at, state.elapsed, state.remaining) == (due, elapsed, remaining), metric
    # Nothing left to change on its own.
    assert next_change(states) is None


def test_after_a_stop_due_at_is_the_deadline_in_force_at_the_stop():
    # normal 8h from Mon 09:00 -> 17:00. Raised to urgent (4h) at 10:00 with 1h used:
    # 3h left -> 13:00 EST = 18:00Z. Solved 12:00: met, due_at 18:00Z (not 22:00Z),
    # elapsed 3h, remaining 1h.
    pol = policy({"normal": {"resolution": "8h"}, "urgent": {"resolution": "4h"}})
    events = [
        created(ny(2026, 11, 23, 9), "normal"),
        TicketEvent("priority", ny(2026, 11, 23, 10), priority="urgent"),
        status(ny(2026, 11, 23, 12), "solved"),
    ]
    state = evaluate(pol, events, now=ny(2026, 11, 23, 15), calendar=NY95)["resolution"]
    assert (state.status, state.due_at, state.elapsed, state.remaining, state.target) == (
        "met",
        utc(2026, 11, 23, 18),
        3 * H,
        H,
        4 * H,
    )


# -- statuses -------------------------------------------------------------------------


def test_a_status_in_neither_list_is_a_working_status():
    # awaiting_vendor from 10:00 is neither pause nor stop: resolution keeps running.
    # At 14:00: 5h used, due 09:00 + 8h = 17:00 EST = 22:00Z, nothing paused, no customer share.
    pol = policy({"high": {"resolution": "8h"}})
    events = [created(ny(2026, 11, 23, 9)), status(ny(2026, 11, 23, 10), "awaiting_vendor")]
    evaluation = evaluate_ticket(pol, events, now=ny(2026, 11, 23, 14), calendar=NY95)
    state = evaluation.states["resolution"]
    assert (state.status, state.elapsed, state.due_at, state.paused_for, state.customer_wait) == (
        "running",
        5 * H,
        utc(2026, 11, 23, 22),
        ZERO,
        ZERO,
    )
    assert evaluation.problems == ()
    assert (evaluation.measures.work_time, evaluation.measures.customer_wait) == (5 * H, ZERO)


def test_first_response_runs_through_a_pause_and_still_sees_the_customer_wait():
    # Defaults: first_response does not pause, resolution does. Created Mon 09:00,
    # pending 10:00, looked at 12:00: first_response 3h used, due 13:00 EST = 18:00Z,
    # paused_for 0 but the customer's share of its wait is 10:00-12:00 = 2h.
    # Resolution: paused since 10:00 (15:00Z) with 7h left.
    pol = policy({"high": {"first_response": "4h", "resolution": "8h"}})
    events = [created(ny(2026, 11, 23, 9)), status(ny(2026, 11, 23, 10), "pending")]
    states = evaluate(pol, events, now=ny(2026, 11, 23, 12), calendar=NY95)
    first = states["first_response"]
    assert (first.status, first.elapsed, first.due_at, first.paused_for, first.customer_wait) == (
        "running",
        3 * H,
        utc(2026, 11, 23, 18),
        ZERO,
        2 * H,
    )
    resolution = states["resolution"]
    assert (resolution.status, resolution.remaining, resolution.paused_since, resolution.customer_wait) == (
        "paused",
        7 * H,
        utc(2026, 11, 23, 15),
        2 * H,
    )
    assert next_change(states) == utc(2026, 11, 23, 18)


# -- reopen ---------------------------------------------------------------------------


def test_periodic_update_reopens_with_a_new_cycle_by_default():
    # Reply Mon 10:00: periodic_update cycle 1, 3h, due 13:00. Solved 11:00: met after 1h.
    # Reopened Tue 10:00: cycle 2 with the full 3h -> Tue 13:00 EST = 18:00Z; cycle 1 kept.
    pol = policy({"high": {"periodic_update": "3h"}})
    events = [
        created(ny(2026, 11, 23, 9)),
        reply(ny(2026, 11, 23, 10)),
        status(ny(2026, 11, 23, 11), "solved"),
        status(ny(2026, 11, 24, 10), "open"),
    ]
    first, second = evaluate_ticket(pol, events, now=ny(2026, 11, 24, 11), calendar=NY95).cycles["periodic_update"]
    assert (first.status, first.elapsed, first.stopped_at, first.due_at) == (
        "met",
        H,
        utc(2026, 11, 23, 16),
        utc(2026, 11, 23, 18),
    )
    assert (second.cycle, second.status, second.started_at, second.due_at, second.elapsed) == (
        2,
        "running",
        utc(2026, 11, 24, 15),
        utc(2026, 11, 24, 18),
        H,
    )


@pytest.mark.parametrize("closed", [False, True], ids=["solved-reopened", "solved-closed-reopened"])
def test_closing_in_between_changes_no_new_cycle(closed):
    # Reply Mon 10:00 (periodic_update cycle 1), customer 11:00 (next_response cycle 1),
    # solved 12:00 (both stop, met), maybe closed 14:00, reopened Tue 10:00 (15:00Z):
    # default new_cycle, full targets from the reopen: next_response 2h -> Tue 12:00 =
    # 17:00Z, periodic_update 3h -> Tue 13:00 = 18:00Z; 1h run by Tue 11:00 each.
    # The closed step changes nothing: solved time is Mon 12-17 5h + Tue 09-10 1h = 6h.
    pol = policy({"high": {"next_response": "2h", "periodic_update": "3h"}})
    events = [
        created(ny(2026, 11, 23, 9)),
        reply(ny(2026, 11, 23, 10)),
        customer(ny(2026, 11, 23, 11)),
        status(ny(2026, 11, 23, 12), "solved"),
        status(ny(2026, 11, 24, 10), "open"),
    ]
    if closed:
        events.append(status(ny(2026, 11, 23, 14), "closed"))
    evaluation = evaluate_ticket(pol, events, now=ny(2026, 11, 24, 11), calendar=NY95)
    for metric, due in (("next_response", utc(2026, 11, 24, 17)), ("periodic_update", utc(2026, 11, 24, 18))):
        old, new = evaluation.cycles[metric]
        assert (old.status, old.stop_reason, old.stopped_at) == ("met", "status:solved", utc(2026, 11, 23, 17)), metric
        assert (new.cycle, new.status, new.started_at, new.due_at, new.elapsed) == (
            2,
            "running",
            utc(2026, 11, 24, 15),
            due,
            H,
        ), metric
    assert evaluation.measures.solved_time == 6 * H


def test_a_reopen_into_a_pause_status_resumes_paused():
    # 8h from Mon 09:00; solved 11:00 (2h used). Reopened straight to pending at 13:00:
    # resolution resumes but paused; open 14:00: 6h left = Mon 14-17 3h + Tue 09-12 3h
    # -> Tue 12:00 EST = 17:00Z. Solved time 11-13 counts nowhere; pending 13-14 is the
    # customer's share (1h).
    pol = policy({"high": {"resolution": "8h"}})
    events = [
        created(ny(2026, 11, 23, 9)),
        status(ny(2026, 11, 23, 11), "solved"),
        status(ny(2026, 11, 23, 13), "pending"),
    ]
    paused = evaluate(pol, events, now=ny(2026, 11, 23, 13, 30), calendar=NY95)["resolution"]
    assert (paused.status, paused.due_at, paused.remaining, paused.paused_since, paused.stopped_at) == (
        "paused",
        None,
        6 * H,
        utc(2026, 11, 23, 18),
        None,
    )
    events.append(status(ny(2026, 11, 23, 14), "open"))
    evaluation = evaluate_ticket(pol, events, now=ny(2026, 11, 23, 15), calendar=NY95)
    (state,) = evaluation.cycles["resolution"]
    assert (state.status, state.due_at, state.elapsed, state.paused_for, state.customer_wait) == (
        "running",
        utc(2026, 11, 24, 17),
        3 * H,
        H,
        H,
    )
    assert evaluation.measures.solved_time == 2 * H


# -- priority -------------------------------------------------------------------------


def test_priority_raised_past_its_target_while_paused_breaches_at_the_change():
    # normal 8h from Mon 09:00; pending 14:00 (5h used). Urgent (4h) at 15:00 while
    # pending: 5h > 4h, so breached at the change, 15:00 EST = 20:00Z, never in the past
    # (not 13:00 = 18:00Z, when 4h had run). The pause goes on (since 14:00 = 19:00Z),
    # remaining is frozen at 4h - 5h = -1h, and nothing is left to schedule.
    pol = policy({"normal": {"resolution": "8h"}, "urgent": {"resolution": "4h"}})
    events = [
        created(ny(2026, 11, 23, 9), "normal"),
        status(ny(2026, 11, 23, 14), "pending"),
        TicketEvent("priority", ny(2026, 11, 23, 15), priority="urgent"),
    ]
    states = evaluate(pol, events, now=ny(2026, 11, 23, 15, 30), calendar=NY95)
    paused = states["resolution"]
    assert (paused.status, paused.breached_at, paused.paused_since, paused.remaining, paused.elapsed) == (
        "breached",
        utc(2026, 11, 23, 20),
        utc(2026, 11, 23, 19),
        -H,
        5 * H,
    )
    assert next_change(states) is None
    # Open 16:00: still the same breach; 5h + 16:00-16:30 = 5h30m used.
    events.append(status(ny(2026, 11, 23, 16), "open"))
    state = evaluate(pol, events, now=ny(2026, 11, 23, 16, 30), calendar=NY95)["resolution"]
    assert (state.status, state.breached_at, state.elapsed, state.paused_since) == (
        "breached",
        utc(2026, 11, 23, 20),
        5 * H + 30 * M,
        None,
    )


# -- pins -----------------------------------------------------------------------------


def test_unpin_restores_the_computed_deadline():
    # 8h from Mon 09:00 -> 17:00. Pinned at 10:00 to Tue 12:00; pending 11:00-12:00.
    # Unpinned 13:00: used 09-11 2h + 12-13 1h = 3h; 5h left = Mon 13-17 4h + Tue 09-10
    # -> Tue 10:00 EST = 15:00Z (the 1h pause pushed it, as the pin never was).
    pol = policy({"high": {"resolution": "8h"}})
    events = [
        created(ny(2026, 11, 23, 9)),
        TicketEvent("pin", ny(2026, 11, 23, 10), metric="resolution", due_at=ny(2026, 11, 24, 12)),
        status(ny(2026, 11, 23, 11), "pending"),
        status(ny(2026, 11, 23, 12), "open"),
    ]
    pinned = evaluate(pol, events, now=ny(2026, 11, 23, 13), calendar=NY95)["resolution"]
    assert pinned.due_at == utc(2026, 11, 24, 17)
    events.append(TicketEvent("unpin", ny(2026, 11, 23, 13), metric="resolution"))
    state = evaluate(pol, events, now=ny(2026, 11, 23, 13), calendar=NY95)["resolution"]
    assert (state.status, state.due_at, state.elapsed, state.remaining) == (
        "running",
        utc(2026, 11, 24, 15),
        3 * H,
        5 * H,
    )


# -- end-of-day targets ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "spec", "target", "due"),
    [
        # Sat 11-21 10:00, closed: the next business day is Mon 11-23, its close 17:00 (22:00Z); 8h.
        pytest.param(ny(2026, 11, 21, 10), "eod", 8 * H, utc(2026, 11, 23, 22), id="saturday"),
        # Mon 08:00, before opening: the business day it starts in is Mon itself; 8h.
        pytest.param(ny(2026, 11, 23, 8), "eod", 8 * H, utc(2026, 11, 23, 22), id="before-opening"),
        # Mon 17:00 exactly: closed (windows are half-open), so Tue's close; 8h.
        pytest.param(ny(2026, 11, 23, 17), "eod", 8 * H, utc(2026, 11, 24, 22), id="at-closing"),
        # Mon 16:59: Mon's close, 1 minute.
        pytest.param(ny(2026, 11, 23, 16, 59), "eod", M, utc(2026, 11, 23, 22), id="last-minute"),
        # Mon 10:00, eod+2: Mon 7h + Tue 8h + Wed 8h = 23h, Wed 17:00.
        pytest.param(ny(2026, 11, 23, 10), "eod+2", 23 * H, utc(2026, 11, 25, 22), id="eod+2"),
        # Fri 11-20 12:00, eod+1: Fri 5h + Mon 8h = 13h, Mon 17:00.
        pytest.param(ny(2026, 11, 20, 12), "eod+1", 13 * H, utc(2026, 11, 23, 22), id="eod+1-over-weekend"),
    ],
)
def test_end_of_day_targets(start, spec, target, due):
    pol = policy({"high": {"resolution": spec}})
    state = evaluate(pol, [created(start)], now=start, calendar=NY95)["resolution"]
    assert (state.target, state.due_at) == (target, due)


# -- warnings -------------------------------------------------------------------------


def test_a_fraction_warning_reached_at_a_close_counts_from_the_close():
    # 8h, warn_at 0.75: threshold 0.75 x 8h = 6h of elapsed. From Mon 09:00, pending
    # 10:00-12:00: 1h by 10:00, then 12:00-17:00 adds 5h -> 6h exactly at Mon 17:00
    # (22:00Z), the earliest instant elapsed >= 6h: the warning counts from the close,
    # though a notification held to business hours would go out Tue 09:00.
    # 7h left from 12:00 = Mon 12-17 5h + Tue 09-11 2h -> due Tue 11:00 EST = 16:00Z.
    pol = policy({"high": {"resolution": "8h"}}, warn_at=[0.75])
    events = [
        created(ny(2026, 11, 23, 9)),
        status(ny(2026, 11, 23, 10), "pending"),
        status(ny(2026, 11, 23, 12), "open"),
    ]
    states = evaluate(pol, events, now=ny(2026, 11, 23, 16, 59), calendar=NY95)
    state = states["resolution"]
    assert (state.due_at, state.warning_level, state.next_warning_at) == (
        utc(2026, 11, 24, 16),
        None,
        utc(2026, 11, 23, 22),
    )
    assert next_change(states) == utc(2026, 11, 23, 22)
    states = evaluate(pol, events, now=ny(2026, 11, 23, 17, 30), calendar=NY95)
    state = states["resolution"]
    # Written as 0.75 in the policy, reported as 0.75.
    assert (state.warning_level, state.next_warning_at) == (0.75, None)
    assert isinstance(state.warning_level, float)
    assert next_change(states) == utc(2026, 11, 24, 16)


def test_warning_values_on_an_inline_8_to_18_calendar():
    # Mon-Fri 08:00-18:00 NY; 4h from Mon 17:00: 1h Mon + 3h Tue from 08:00 -> Tue 11:00
    # EST = 16:00Z; warning "1h" before: Tue 10:00 = 15:00Z, not Tue 00:00 (05:00Z).
    cal = weekly("ny-8-18", "08:00-18:00")
    pol = Policy.from_dict(
        {
            "name": "lead-warning",
            "calendar": "ny-8-18",
            "warn_before": ["1h"],
            "targets": {"high": {"first_response": "4h"}},
        }
    )
    events = [created(ny(2026, 11, 23, 17))]
    state = evaluate(pol, events, now=ny(2026, 11, 24, 0, 30), calendar=cal)["first_response"]
    assert (state.due_at, state.next_warning_at, state.warning_level) == (
        utc(2026, 11, 24, 16),
        utc(2026, 11, 24, 15),
        None,
    )
    state = evaluate(pol, events, now=ny(2026, 11, 24, 10), calendar=cal)["first_response"]
    assert state.warning_level == "1h"


# -- policy switch --------------------------------------------------------------------


def test_a_policy_switch_keeps_time_measured_on_the_old_calendar():
    # standard on 24x7 (UTC), created Sat 11-21 10:00 EST (15:00Z); switched at Sat 12:00
    # EST (17:00Z) to premium on NY95: 2h used on 24x7 (NY95 would count 0 on a Saturday).
    # 6h left on NY95 from Sat 12:00 -> Mon 09:00-15:00 -> Mon 15:00 EST = 20:00Z.
    # At Mon 10:00: elapsed 2h + 1h = 3h.
    always = BusinessCalendar.always_open()
    standard = Policy.from_dict({"name": "standard", "calendar": "24x7", "targets": {"high": {"resolution": "8h"}}})
    premium = Policy.from_dict({"name": "premium", "calendar": "NY95", "targets": {"high": {"resolution": "8h"}}})
    events = [
        created(ny(2026, 11, 21, 10), policy="standard"),
        TicketEvent("policy", ny(2026, 11, 21, 12), policy="premium"),
    ]
    evaluation = evaluate_ticket(
        PolicySet([standard, premium]), events, now=ny(2026, 11, 23, 10), calendar=always, calendars={"NY95": NY95}
    )
    assert evaluation.problems == ()
    state = evaluation.states["resolution"]
    assert (state.status, state.due_at, state.elapsed, state.remaining) == (
        "running",
        utc(2026, 11, 23, 20),
        3 * H,
        5 * H,
    )


# -- the log: equal timestamps -------------------------------------------------------


def test_reply_and_pending_at_one_instant_give_one_answer_in_any_order():
    # Mon 09:00 created. 10:00: public reply and pending together ("reply and wait for the
    # customer"): first_response met at its due (1h), periodic_update (2h) starts and
    # pauses at once; resolution paused with 7h left. 11:00: customer reply and open
    # together: next_response (1h) due 12:00 EST = 17:00Z; periodic_update runs its 2h
    # from 11:00 -> 13:00 = 18:00Z; resolution 7h from 11:00 = Mon 6h + Tue 1h -> Tue
    # 10:00 = 15:00Z. Looked at 11:30.
    pol = policy({"high": {"first_response": "1h", "next_response": "1h", "periodic_update": "2h", "resolution": "8h"}})
    log = [
        created(ny(2026, 11, 23, 9)),
        reply(ny(2026, 11, 23, 10)),
        status(ny(2026, 11, 23, 10), "pending"),
        customer(ny(2026, 11, 23, 11)),
        status(ny(2026, 11, 23, 11), "open"),
    ]
    now = ny(2026, 11, 23, 11, 30)
    first = evaluate_ticket(pol, log, now=now, calendar=NY95)
    for order in itertools.permutations(log):
        assert evaluate_ticket(pol, order, now=now, calendar=NY95) == first
    states = evaluate(pol, log, now=now, calendar=NY95)
    assert (states["first_response"].status, states["first_response"].elapsed) == ("met", H)
    assert states["next_response"].due_at == utc(2026, 11, 23, 17)
    assert (states["periodic_update"].due_at, states["periodic_update"].paused_for) == (utc(2026, 11, 23, 18), H)
    # Resolution ran 09:00-10:00 and 11:00-11:30: 1h30m.
    assert (states["resolution"].due_at, states["resolution"].elapsed) == (utc(2026, 11, 24, 15), 90 * M)


def test_reply_and_solve_at_one_instant_credit_the_reply():
    # Created 09:00, public reply and solved both at 09:40, in either order: first_response
    # is met by the reply (agent_reply, 40m); resolution by the status.
    pol = policy({"high": {"first_response": "1h", "resolution": "8h"}})
    at = ny(2026, 11, 23, 9, 40)
    for log in (
        [created(ny(2026, 11, 23, 9)), reply(at), status(at, "solved")],
        [status(at, "solved"), reply(at), created(ny(2026, 11, 23, 9))],
    ):
        states = evaluate(pol, log, now=ny(2026, 11, 23, 10), calendar=NY95)
        assert (
            states["first_response"].status,
            states["first_response"].stop_reason,
            states["first_response"].elapsed,
        ) == ("met", "agent_reply", 40 * M)
        assert (states["resolution"].status, states["resolution"].stop_reason, states["resolution"].stopped_at) == (
            "met",
            "status:solved",
            utc(2026, 11, 23, 14, 40),
        )


def test_a_reply_after_now_does_not_count_yet():
    # 1h from 09:00 -> due 10:00 (15:00Z). The reply at 10:30 is after now (10:15):
    # as of 10:15 first_response is breached since 15:00Z and still open.
    pol = policy({"high": {"first_response": "1h"}})
    events = [created(ny(2026, 11, 23, 9)), reply(ny(2026, 11, 23, 10, 30))]
    state = evaluate(pol, events, now=ny(2026, 11, 23, 10, 15), calendar=NY95)["first_response"]
    assert (state.status, state.breached_at, state.stopped_at, state.elapsed) == (
        "breached",
        utc(2026, 11, 23, 15),
        None,
        75 * M,
    )


# -- bad input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "error", "code", "field"),
    [
        pytest.param(
            lambda: TicketEvent("status", datetime(2026, 11, 23, 9), status="open"),
            NaiveDatetimeError,
            "naive_datetime",
            "at",
            id="naive-at",
        ),
        pytest.param(
            lambda: TicketEvent("escalate", ny(2026, 11, 23, 9)), EventError, "invalid_event", "kind", id="unknown-kind"
        ),
        pytest.param(
            lambda: TicketEvent("customer_reply", ny(2026, 11, 23, 9), chanel="email"),
            EventError,
            "invalid_event",
            "chanel",
            id="unknown-field",
        ),
        pytest.param(
            lambda: TicketEvent("priority", ny(2026, 11, 23, 9)),
            EventError,
            "invalid_event",
            "priority",
            id="missing-field",
        ),
        pytest.param(
            lambda: evaluate(policy({"high": {"resolution": "8h"}}), [], now=datetime(2026, 11, 23, 9), calendar=NY95),
            NaiveDatetimeError,
            "naive_datetime",
            "now",
            id="naive-now",
        ),
    ],
)
def test_bad_input_is_an_sla_error_with_code_and_field(build, error, code, field):
    with pytest.raises(error) as info:
        build()
    assert isinstance(info.value, SLAError)
    assert (info.value.code, info.value.field) == (code, field)
    if error is NaiveDatetimeError:
        assert isinstance(info.value, TypeError)


def test_a_calendar_given_to_evaluate_wins_over_the_policys() -> None:
    # The policy names us-ny-9x5; a matrix chose 24x7 for this ticket. Created Sat
    # 2026-11-21 09:00 EST (14:00Z), 4h resolution: on 24x7 due Sat 13:00 EST = 18:00Z;
    # on us-ny-9x5 (closed at weekends) Mon 11-23 09:00 + 4h = 13:00 EST = 18:00Z Monday.
    new_york = ZoneInfo("America/New_York")
    policy = Policy.from_dict({"name": "p", "calendar": "us-ny-9x5", "targets": {"high": {"resolution": "4h"}}})
    log = [TicketEvent("created", datetime(2026, 11, 21, 9, tzinfo=new_york), id="c", priority="high", status="new")]
    now = datetime(2026, 11, 21, 10, tzinfo=new_york)
    chosen = evaluate(policy, log, now=now, calendar=BusinessCalendar.load("24x7"))["resolution"]
    assert chosen.due_at == datetime(2026, 11, 21, 18, tzinfo=UTC)
    named = evaluate(policy, log, now=now)["resolution"]
    assert named.due_at == datetime(2026, 11, 23, 18, tzinfo=UTC)
