"""Tickets as stories, with the arithmetic beside each expected value.

Unless a test says otherwise the calendar is NY95 (America/New_York, Mon-Fri
09:00-17:00, no holidays). 2026-11-20 is a Friday, 2026-11-23 a Monday; New York
is on EST (UTC-5) from 2026-11-01, so 09:00 there is 14:00Z.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pytest
from timer_helpers import created, customer, ny, priority, reply, status, weekly

from sla_timers import BusinessCalendar
from sla_timers.errors import EventError, NaiveDatetimeError
from sla_timers.timers import (
    Policy,
    PolicySet,
    TicketEvent,
    evaluate,
    evaluate_ticket,
    next_change,
)

H = timedelta(hours=1)
M = timedelta(minutes=1)
US = timedelta(microseconds=1)


# -- first response -------------------------------------------------------------


def test_friday_afternoon_ticket_is_due_monday_morning(ny95, make_policy):
    # Created Fri 16:30, 1h: 30m until Fri 17:00, 30m from Mon 09:00 -> Mon 09:30.
    policy = make_policy({"high": {"first_response": "1h"}})
    state = evaluate(policy, [created(ny(2026, 11, 20, 16, 30))], now=ny(2026, 11, 20, 18), calendar=ny95)[
        "first_response"
    ]
    assert state.status == "running"
    assert state.due_at == ny(2026, 11, 23, 9, 30)
    assert state.elapsed == 30 * M and state.remaining == 30 * M
    assert state.started_at == ny(2026, 11, 20, 16, 30) and state.cycle == 1


def test_shipped_new_york_calendar_skips_thanksgiving():
    # us-ny-9x5 closes on Thanksgiving, Thu 2026-11-26, and opens the day after.
    # Created Wed 11-25 16:30, 1h: 30m on Wed, none on Thu, 30m Fri from 09:00 -> Fri 11-27 09:30.
    cal = BusinessCalendar.load("us-ny-9x5")
    policy = Policy.from_dict({"name": "p", "calendar": "us-ny-9x5", "targets": {"high": {"first_response": "1h"}}})
    state = evaluate(policy, [created(ny(2026, 11, 25, 16, 30))], now=ny(2026, 11, 25, 17), calendar=cal)
    assert state["first_response"].due_at == ny(2026, 11, 27, 9, 30)


def test_deadline_across_the_fall_back_weekend(ny95, make_policy):
    # Created Fri 2026-10-30 16:00 EDT, 4h: 1h Fri, 3h from Mon 11-02 09:00 EST -> 12:00 EST = 17:00Z.
    # A fixed -04:00 offset would give 16:00Z.
    policy = make_policy({"high": {"resolution": "4h"}})
    state = evaluate(policy, [created(ny(2026, 10, 30, 16))], now=ny(2026, 10, 30, 16), calendar=ny95)
    assert state["resolution"].due_at == ny(2026, 11, 2, 12)
    assert state["resolution"].due_at.hour == 17  # reported in UTC


def test_stop_exactly_at_due_is_met_and_a_microsecond_later_breached(ny95, make_policy):
    # Created Mon 09:00, 1h -> due 10:00.
    policy = make_policy({"high": {"first_response": "1h"}})
    on_time = evaluate(
        policy, [created(ny(2026, 11, 23, 9)), reply(ny(2026, 11, 23, 10))], now=ny(2026, 11, 23, 12), calendar=ny95
    )["first_response"]
    assert on_time.status == "met" and on_time.breached_at is None
    assert (on_time.due_at, on_time.stopped_at, on_time.stop_reason) == (
        ny(2026, 11, 23, 10),
        ny(2026, 11, 23, 10),
        "agent_reply",
    )
    assert on_time.elapsed == H and on_time.remaining == timedelta(0)
    late = evaluate(
        policy,
        [created(ny(2026, 11, 23, 9)), reply(ny(2026, 11, 23, 10) + US)],
        now=ny(2026, 11, 23, 12),
        calendar=ny95,
    )["first_response"]
    assert late.status == "breached" and late.breached_at == ny(2026, 11, 23, 10)
    assert late.stopped_at == ny(2026, 11, 23, 10) + US and late.remaining == -US


def test_an_internal_note_never_stops_a_timer_and_a_status_may(ny95, make_policy):
    policy = make_policy({"high": {"first_response": "1h"}}, first_response_statuses=["in_progress"])
    events = [created(ny(2026, 11, 23, 9)), reply(ny(2026, 11, 23, 9, 10), public=False)]
    assert evaluate(policy, events, now=ny(2026, 11, 23, 9, 30), calendar=ny95)["first_response"].status == "running"
    events.append(status(ny(2026, 11, 23, 9, 20), "in_progress"))
    state = evaluate(policy, events, now=ny(2026, 11, 23, 9, 30), calendar=ny95)["first_response"]
    assert (state.status, state.stop_reason, state.elapsed) == ("met", "status:in_progress", 20 * M)


def test_only_first_response_runs_until_someone_replies(ny95, make_policy):
    # first_response 4h, next_response 1h, created Mon 09:00, nobody answers:
    # first_response due 13:00; the customer's follow-up at 10:00 belongs to it too.
    policy = make_policy({"high": {"first_response": "4h", "next_response": "1h"}})
    events = [created(ny(2026, 11, 23, 9)), customer(ny(2026, 11, 23, 10))]
    states = evaluate(policy, events, now=ny(2026, 11, 23, 12), calendar=ny95)
    assert set(states) == {"first_response"}
    assert states["first_response"].due_at == ny(2026, 11, 23, 13)


# -- next response and periodic update -------------------------------------------


def test_next_response_one_cycle_per_exchange(ny95, make_policy):
    policy = make_policy({"high": {"first_response": "1h", "next_response": "2h"}})
    events = [
        created(ny(2026, 11, 23, 9)),
        customer(ny(2026, 11, 23, 9, 10)),  # before the first answer: first_response's
        reply(ny(2026, 11, 23, 9, 30)),  # first_response met after 30m
        customer(ny(2026, 11, 23, 10)),  # cycle 1 opens, due 12:00
        customer(ny(2026, 11, 23, 10, 30)),  # another message (other channel) does not restart it
        reply(ny(2026, 11, 23, 11)),  # cycle 1 met after 1h
        customer(ny(2026, 11, 23, 13)),  # cycle 2 opens, due 15:00
    ]
    evaluation = evaluate_ticket(policy, events, now=ny(2026, 11, 23, 14), calendar=ny95)
    first, second = evaluation.cycles["next_response"]
    assert (first.cycle, first.status, first.started_at, first.elapsed) == (1, "met", ny(2026, 11, 23, 10), H)
    assert first.due_at == ny(2026, 11, 23, 12)
    assert (second.cycle, second.status, second.due_at, second.remaining) == (2, "running", ny(2026, 11, 23, 15), H)
    assert evaluation.states["next_response"] == second
    assert evaluation.states["first_response"].elapsed == 30 * M


def test_every_channel_counts_the_same(ny95, make_policy):
    policy = make_policy({"high": {"next_response": "1h"}})
    for channel in ("email", "chat", "phone"):
        events = [
            created(ny(2026, 11, 23, 9)),
            reply(ny(2026, 11, 23, 9, 30)),
            customer(ny(2026, 11, 23, 10), channel=channel),
            customer(ny(2026, 11, 23, 10, 20), channel="web"),
            reply(ny(2026, 11, 23, 10, 50)),
        ]
        cycles = evaluate_ticket(policy, events, now=ny(2026, 11, 23, 12), calendar=ny95).cycles["next_response"]
        # One cycle, 10:00 -> 10:50, met against a due of 11:00.
        assert [(c.status, c.elapsed, c.due_at) for c in cycles] == [("met", 50 * M, ny(2026, 11, 23, 11))]


def test_a_stop_stops_an_unanswered_response_and_a_reopen_starts_a_new_cycle(ny95, make_policy):
    policy = make_policy({"high": {"next_response": "2h"}})
    events = [
        created(ny(2026, 11, 23, 9)),
        reply(ny(2026, 11, 23, 9, 30)),
        customer(ny(2026, 11, 23, 13)),  # cycle 1, due 15:00
        status(ny(2026, 11, 23, 16), "solved"),  # stops it, an hour after it breached
        customer(ny(2026, 11, 23, 16, 30)),  # while solved: opens nothing
        status(ny(2026, 11, 24, 9), "open"),  # reopen: new_cycle by default, due Tue 11:00
    ]
    evaluation = evaluate_ticket(policy, events, now=ny(2026, 11, 24, 10), calendar=ny95)
    first, second = evaluation.cycles["next_response"]
    assert (first.status, first.breached_at, first.stopped_at, first.stop_reason) == (
        "breached",
        ny(2026, 11, 23, 15),
        ny(2026, 11, 23, 16),
        "status:solved",
    )
    assert (second.status, second.started_at, second.due_at) == ("running", ny(2026, 11, 24, 9), ny(2026, 11, 24, 11))


def test_periodic_update_pauses_and_restarts_at_each_public_reply(ny95, make_policy):
    policy = make_policy({"high": {"periodic_update": "4h"}})
    events = [
        created(ny(2026, 11, 23, 9)),
        reply(ny(2026, 11, 23, 10)),  # cycle 1 from 10:00, due 14:00
        status(ny(2026, 11, 23, 11), "pending"),  # paused after 1h
        status(ny(2026, 11, 23, 13), "open"),  # 3h left -> due 16:00
        reply(ny(2026, 11, 23, 15)),  # cycle 1 met; cycle 2: 2h Mon + 2h Tue -> Tue 11:00
    ]
    paused = evaluate(policy, events[:3], now=ny(2026, 11, 23, 12), calendar=ny95)["periodic_update"]
    assert (paused.status, paused.due_at, paused.remaining, paused.paused_since) == (
        "paused",
        None,
        3 * H,
        ny(2026, 11, 23, 11),
    )
    resumed = evaluate(policy, events[:4], now=ny(2026, 11, 23, 14), calendar=ny95)["periodic_update"]
    assert (resumed.status, resumed.due_at, resumed.paused_for) == ("running", ny(2026, 11, 23, 16), 2 * H)
    first, second = evaluate_ticket(policy, events, now=ny(2026, 11, 23, 15), calendar=ny95).cycles["periodic_update"]
    assert (first.status, first.elapsed, first.paused_for) == ("met", 3 * H, 2 * H)
    assert (second.started_at, second.due_at) == (ny(2026, 11, 23, 15), ny(2026, 11, 24, 11))


# -- pause and resume ------------------------------------------------------------


def test_pending_over_the_weekend_is_measured_in_business_time(ny95, make_policy):
    policy = make_policy({"high": {"resolution": "8h"}})
    # (a) 1h Fri 09-10, pending until Mon 10:00: 7h left from Mon 10:00 -> Mon 17:00.
    #     Adding the 72h wall-clock pause as business time (a bug other helpdesks shipped) gives Thu 12-03 17:00.
    events = [
        created(ny(2026, 11, 20, 9)),
        status(ny(2026, 11, 20, 10), "pending"),
        status(ny(2026, 11, 23, 10), "open"),
    ]
    state = evaluate(policy, events, now=ny(2026, 11, 23, 10), calendar=ny95)["resolution"]
    assert (state.elapsed, state.due_at) == (H, ny(2026, 11, 23, 17))
    # paused Fri 10-17 (7h) + Mon 09-10 (1h) = 8h of business time.
    assert state.paused_for == 8 * H and state.customer_wait == 8 * H
    # (b) pending Fri 10:00-16:00: 7h left from Fri 16:00 = 1h Fri + 6h Mon -> Mon 15:00.
    #     Shifting the old due (Fri 17:00) by the 6h wall pause would give Fri 23:00.
    events[2] = status(ny(2026, 11, 20, 16), "open")
    state = evaluate(policy, events, now=ny(2026, 11, 20, 16), calendar=ny95)["resolution"]
    assert (state.elapsed, state.due_at, state.paused_for) == (H, ny(2026, 11, 23, 15), 6 * H)


def test_a_pinned_deadline_does_not_move(ny95, make_policy):
    policy = make_policy({"normal": {"resolution": "24h"}, "urgent": {"resolution": "4h"}})
    events = [
        created(ny(2026, 11, 23, 9), "normal"),
        TicketEvent("pin", ny(2026, 11, 23, 10), metric="resolution", due_at=ny(2026, 11, 25, 12)),
        status(ny(2026, 11, 23, 11), "pending"),
        status(ny(2026, 11, 23, 12), "open"),
    ]
    paused = evaluate(policy, events[:3], now=ny(2026, 11, 23, 11, 30), calendar=ny95)["resolution"]
    assert (paused.status, paused.due_at) == ("paused", None)
    state = evaluate(policy, events, now=ny(2026, 11, 24, 9), calendar=ny95)["resolution"]
    # Still Wed 12:00 after 1h pending. Left: Tue 8h + Wed 09-12 3h = 11h.
    # Elapsed: Mon 09-11 2h + Mon 12-17 5h = 7h.
    assert (state.status, state.due_at, state.remaining, state.elapsed) == (
        "running",
        ny(2026, 11, 25, 12),
        11 * H,
        7 * H,
    )
    # A priority change does not move it either.
    events.append(priority(ny(2026, 11, 24, 10), "urgent"))
    state = evaluate(policy, events, now=ny(2026, 11, 24, 10, 30), calendar=ny95)["resolution"]
    assert (state.status, state.due_at, state.target) == ("running", ny(2026, 11, 25, 12), 4 * H)
    # Unpinned Tue 11:00: elapsed 7h + Tue 09-11 2h = 9h > 4h -> breached at the unpin.
    events.append(TicketEvent("unpin", ny(2026, 11, 24, 11), metric="resolution"))
    state = evaluate(policy, events, now=ny(2026, 11, 24, 11, 30), calendar=ny95)["resolution"]
    assert (state.status, state.breached_at) == ("breached", ny(2026, 11, 24, 11))


def test_no_breach_while_pending(ny95, make_policy):
    # 4h from Mon 09:00 -> due 13:00; pending at 12:00 (3h used); looked at 14:00.
    policy = make_policy({"high": {"resolution": "4h"}})
    events = [created(ny(2026, 11, 23, 9)), status(ny(2026, 11, 23, 12), "pending")]
    states = evaluate(policy, events, now=ny(2026, 11, 23, 14), calendar=ny95)
    state = states["resolution"]
    assert (state.status, state.due_at, state.breached_at, state.remaining) == ("paused", None, None, H)
    assert state.paused_since == ny(2026, 11, 23, 12) and state.paused_for == 2 * H
    assert next_change(states) is None


def test_remaining_time_runs_across_thanksgiving():
    # Shipped us-ny-9x5. 8h from Mon 11-23 09:00; pending 12:00 (3h used); open Wed 11-25 16:00:
    # 5h left = Wed 16-17 1h + Thu closed (Thanksgiving) + Fri 11-27 09:00-13:00 -> Fri 13:00.
    cal = BusinessCalendar.load("us-ny-9x5")
    policy = Policy.from_dict({"name": "p", "calendar": "us-ny-9x5", "targets": {"high": {"resolution": "8h"}}})
    events = [
        created(ny(2026, 11, 23, 9)),
        status(ny(2026, 11, 23, 12), "pending"),
        status(ny(2026, 11, 25, 16), "open"),
    ]
    state = evaluate(policy, events, now=ny(2026, 11, 25, 16, 30), calendar=cal)["resolution"]
    assert state.due_at == ny(2026, 11, 27, 13)
    # Paused Mon 12-17 5h + Tue 8h + Wed 09-16 7h = 20h; elapsed 3h + 30m.
    assert (state.paused_for, state.elapsed) == (20 * H, 3 * H + 30 * M)


def test_pause_and_resume_outside_hours(ny95, make_policy):
    # 16h from Mon 09:00: 8h used by Mon 17:00. Pending Mon 20:00 - Tue 07:00, all closed time.
    policy = make_policy({"high": {"resolution": "16h"}})
    events = [created(ny(2026, 11, 23, 9)), status(ny(2026, 11, 23, 20), "pending")]
    paused = evaluate(policy, events, now=ny(2026, 11, 23, 22), calendar=ny95)["resolution"]
    assert (paused.status, paused.paused_since, paused.due_at, paused.remaining) == (
        "paused",
        ny(2026, 11, 23, 20),
        None,
        8 * H,
    )
    events.append(status(ny(2026, 11, 24, 7), "open"))
    state = evaluate(policy, events, now=ny(2026, 11, 24, 7, 30), calendar=ny95)["resolution"]
    # Elapsed unchanged at 8h; 8h left from Tue 09:00 -> Tue 17:00; no share for the customer.
    assert (state.elapsed, state.due_at, state.customer_wait, state.paused_for) == (
        8 * H,
        ny(2026, 11, 24, 17),
        timedelta(0),
        timedelta(0),
    )


# -- priority, policy and reopen --------------------------------------------------


def test_priority_raised_while_pending_keeps_the_pause(ny95, make_policy):
    # normal 24h from Mon 09:00; pending 10:00 (1h used); urgent (4h) at 15:00 while pending;
    # open Tue 09:00: 3h left -> Tue 12:00. The bug (restart from opening) gives Mon 13:00.
    policy = make_policy({"normal": {"resolution": "24h"}, "urgent": {"resolution": "4h"}})
    events = [
        created(ny(2026, 11, 23, 9), "normal"),
        status(ny(2026, 11, 23, 10), "pending"),
        priority(ny(2026, 11, 23, 15), "urgent"),
        status(ny(2026, 11, 24, 9), "open"),
    ]
    paused = evaluate(policy, events[:3], now=ny(2026, 11, 23, 15, 30), calendar=ny95)["resolution"]
    assert (paused.status, paused.target, paused.remaining) == ("paused", 4 * H, 3 * H)
    state = evaluate(policy, events, now=ny(2026, 11, 24, 9), calendar=ny95)["resolution"]
    assert (state.status, state.elapsed, state.due_at) == ("running", H, ny(2026, 11, 24, 12))


def test_priority_raised_after_four_hours_of_a_six_hour_target(ny95, make_policy):
    policy = make_policy({"normal": {"resolution": "6h"}, "urgent": {"resolution": "5h"}, "high": {"resolution": "2h"}})
    start = [created(ny(2026, 11, 23, 9), "normal")]
    # To 5h at 13:00 (4h used): 1h left -> due 14:00, elapsed kept.
    state = evaluate(
        policy, start + [priority(ny(2026, 11, 23, 13), "urgent")], now=ny(2026, 11, 23, 13, 30), calendar=ny95
    )["resolution"]
    assert (state.status, state.due_at, state.elapsed, state.remaining) == (
        "running",
        ny(2026, 11, 23, 14),
        4 * H + 30 * M,
        30 * M,
    )
    # To 2h at 13:00: 4h already used, so breached at the change, never in the past;
    # due_at is where elapsed reached the 2h in force: 09:00 + 2h = 11:00.
    events = start + [priority(ny(2026, 11, 23, 13), "high")]
    state = evaluate(policy, events, now=ny(2026, 11, 23, 13, 30), calendar=ny95)["resolution"]
    assert (state.status, state.breached_at, state.due_at) == ("breached", ny(2026, 11, 23, 13), ny(2026, 11, 23, 11))
    assert state.remaining == 2 * H - (4 * H + 30 * M)
    # Lowered back to 6h at 14:00 (5h used): a breach that happened stays a breach,
    # and the due moves to where 6h are reached: 09:00 + 6h = 15:00.
    events.append(priority(ny(2026, 11, 23, 14), "normal"))
    state = evaluate(policy, events, now=ny(2026, 11, 23, 14, 30), calendar=ny95)["resolution"]
    assert (state.status, state.breached_at, state.target, state.due_at) == (
        "breached",
        ny(2026, 11, 23, 13),
        6 * H,
        ny(2026, 11, 23, 15),
    )


@pytest.mark.parametrize("closed", [False, True], ids=["solved-reopened", "solved-closed-reopened"])
def test_reopen_resumes_without_counting_solved_time(ny95, make_policy, closed):
    # 8h from Mon 09:00; solved 12:00 (3h used, met); reopened Tue 10:00: 5h left -> Tue 15:00.
    policy = make_policy({"high": {"resolution": "8h"}})
    events = [
        created(ny(2026, 11, 23, 9)),
        status(ny(2026, 11, 23, 12), "solved"),
        status(ny(2026, 11, 24, 10), "open"),
    ]
    if closed:
        events.append(status(ny(2026, 11, 23, 14), "closed"))
    solved = evaluate(policy, events[:2], now=ny(2026, 11, 23, 13), calendar=ny95)["resolution"]
    assert (solved.status, solved.stopped_at, solved.due_at, solved.elapsed) == (
        "met",
        ny(2026, 11, 23, 12),
        ny(2026, 11, 23, 17),
        3 * H,
    )
    evaluation = evaluate_ticket(policy, events, now=ny(2026, 11, 24, 11), calendar=ny95)
    (state,) = evaluation.cycles["resolution"]
    assert (state.status, state.cycle, state.due_at, state.elapsed) == ("running", 1, ny(2026, 11, 24, 15), 4 * H)
    assert state.stopped_at is None and state.stop_reason is None


def test_new_cycle_reopen_starts_over_and_keeps_the_old_cycle(ny95, make_policy):
    # new_cycle: cycle 1 stays met at Mon 12:00 with 3h; cycle 2 from Tue 10:00 with the full 8h:
    # Tue 10-17 7h + Wed 09:00-10:00 -> Wed 10:00.
    policy = make_policy({"high": {"resolution": "8h"}}, metrics={"resolution": {"reopen": "new_cycle"}})
    events = [
        created(ny(2026, 11, 23, 9)),
        status(ny(2026, 11, 23, 12), "solved"),
        status(ny(2026, 11, 23, 14), "closed"),
        status(ny(2026, 11, 24, 10), "open"),
    ]
    first, second = evaluate_ticket(policy, events, now=ny(2026, 11, 24, 11), calendar=ny95).cycles["resolution"]
    assert (first.status, first.elapsed, first.stopped_at, first.stop_reason) == (
        "met",
        3 * H,
        ny(2026, 11, 23, 12),
        "status:solved",
    )
    assert (second.cycle, second.started_at, second.due_at, second.elapsed) == (
        2,
        ny(2026, 11, 24, 10),
        ny(2026, 11, 25, 10),
        H,
    )


def test_customer_share_excludes_solved_time(ny95, make_policy):
    policy = make_policy({"high": {"resolution": "8h"}})
    events = [
        created(ny(2026, 11, 23, 9)),
        status(ny(2026, 11, 23, 10), "pending"),  # customer's turn: 10-12, 2h
        status(ny(2026, 11, 23, 12), "open"),
        status(ny(2026, 11, 23, 13), "solved"),  # solved Mon 13-17 4h + Tue 09-10 1h = 5h
        status(ny(2026, 11, 24, 10), "open"),  # reopened, resume
    ]
    evaluation = evaluate_ticket(policy, events, now=ny(2026, 11, 24, 11), calendar=ny95)
    state = evaluation.states["resolution"]
    # Running Mon 09-10, 12-13 and Tue 10-11: 3h.
    assert (state.elapsed, state.customer_wait, state.paused_for) == (3 * H, 2 * H, 2 * H)
    measures = evaluation.measures
    assert (measures.work_time, measures.customer_wait, measures.solved_time) == (3 * H, 2 * H, 5 * H)
    # Nobody answered publicly: the requester waited through all the working time.
    assert measures.requester_wait == 3 * H


def test_requester_wait_stops_at_a_public_answer(ny95, make_policy):
    policy = make_policy({"high": {"resolution": "8h"}})
    events = [
        created(ny(2026, 11, 23, 9)),
        reply(ny(2026, 11, 23, 9, 45)),
        customer(ny(2026, 11, 23, 11)),
        reply(ny(2026, 11, 23, 11, 30), public=False),
        reply(ny(2026, 11, 23, 12)),
    ]
    measures = evaluate_ticket(policy, events, now=ny(2026, 11, 23, 13), calendar=ny95).measures
    # Waiting 09:00-09:45 and 11:00-12:00 (the note at 11:30 is no answer): 1h45m of 4h worked.
    assert (measures.requester_wait, measures.work_time) == (H + 45 * M, 4 * H)


def test_a_policy_switch_keeps_elapsed_time_and_moves_to_the_new_calendar(ny95, always):
    # standard on NY95 until Mon 15:00 (6h of 10h used); premium on 24x7 from then:
    # 4h of real time -> Mon 19:00 New York (Tue 00:00Z). On NY95 it would have been Tue 11:00.
    standard = Policy.from_dict(
        {"name": "standard", "calendar": "NY95", "targets": {"high": {"first_response": "8h", "resolution": "10h"}}}
    )
    premium = Policy.from_dict({"name": "premium", "calendar": "24x7", "targets": {"high": {"resolution": "10h"}}})
    events = [
        created(ny(2026, 11, 23, 9), policy="standard"),
        TicketEvent("policy", ny(2026, 11, 23, 15), policy="premium"),
    ]
    evaluation = evaluate_ticket(
        PolicySet([standard, premium]), events, now=ny(2026, 11, 23, 16), calendar=ny95, calendars={"24x7": always}
    )
    assert evaluation.policy is premium
    resolution = evaluation.states["resolution"]
    assert (resolution.due_at, resolution.elapsed) == (ny(2026, 11, 23, 19), 7 * H)
    # premium has no first_response: it stops at the switch, 6h used of 8h, so met.
    first = evaluation.states["first_response"]
    assert (first.status, first.stop_reason, first.elapsed) == ("met", "policy:premium", 6 * H)
    assert evaluation.problems == ()


# -- calendar shapes --------------------------------------------------------------


@pytest.fixture(scope="module")
def nights() -> BusinessCalendar:
    return weekly("nights", "22:00-06:00", ("mon", "tue", "wed", "thu", "fri", "sat", "sun"))


def test_dst_fall_back_night_is_nine_hours(nights, make_policy):
    # Sat 2026-10-31 22:00 EDT (02:00Z) to Sun 06:00 EST (11:00Z) is 9 real hours.
    # 8h from 02:00Z -> 10:00Z = 05:00 EST; wall-clock arithmetic would say 06:00.
    policy = make_policy({"high": {"resolution": "8h"}}, calendar="nights")
    state = evaluate(policy, [created(ny(2026, 10, 31, 22))], now=ny(2026, 10, 31, 23), calendar=nights)["resolution"]
    assert state.due_at == ny(2026, 11, 1, 5) and state.due_at.hour == 10


def test_dst_spring_forward_night_is_seven_hours(nights, make_policy):
    # Sat 2026-03-07 22:00 EST (03:00Z) to Sun 06:00 EDT (10:00Z) is 7 real hours;
    # the last 1h of 8h runs from Sun 03-08 22:00 EDT -> 23:00 EDT (Mon 03:00Z).
    policy = make_policy({"high": {"resolution": "8h"}}, calendar="nights")
    state = evaluate(policy, [created(ny(2026, 3, 7, 22))], now=ny(2026, 3, 8, 7), calendar=nights)["resolution"]
    assert state.elapsed == 7 * H
    assert state.due_at == ny(2026, 3, 8, 23)


def test_calendar_time_pause_across_the_fall_back_hour(ny95, make_policy):
    # time = "calendar": real time. Created Sat 10-31 20:00 EDT (Sun 00:00Z); pending
    # Sun 00:00 EDT (04:00Z) to 03:00 EST (08:00Z): 4h paused though the wall clock moved 3h.
    # 4h used, 4h left from 08:00Z -> 12:00Z = 07:00 EST.
    policy = make_policy({"high": {"resolution": "8h"}}, metrics={"resolution": {"time": "calendar"}})
    events = [created(ny(2026, 10, 31, 20)), status(ny(2026, 11, 1, 0), "pending"), status(ny(2026, 11, 1, 3), "open")]
    state = evaluate(policy, events, now=ny(2026, 11, 1, 3), calendar=ny95)["resolution"]
    assert (state.paused_for, state.elapsed, state.due_at) == (4 * H, 4 * H, ny(2026, 11, 1, 7))


def test_calendar_time_runs_through_the_weekend(ny95, make_policy):
    # 48h of real time from Fri 09:00 -> Sun 09:00; pending Fri 10-12 pushes it to Sun 11:00.
    policy = make_policy({"high": {"resolution": "48h"}}, metrics={"resolution": {"time": "calendar"}})
    events = [created(ny(2026, 11, 20, 9))]
    assert evaluate(policy, events, now=ny(2026, 11, 20, 9), calendar=ny95)["resolution"].due_at == ny(2026, 11, 22, 9)
    events += [status(ny(2026, 11, 20, 10), "pending"), status(ny(2026, 11, 20, 12), "open")]
    assert evaluate(policy, events, now=ny(2026, 11, 20, 12), calendar=ny95)["resolution"].due_at == ny(
        2026, 11, 22, 11
    )


def test_end_of_day_targets_are_fixed_at_the_start(ny95, make_policy):
    # "eod" from Mon 10:00 = until Mon 17:00 = 7h. Pending 12:00 (2h used) to Tue 09:00:
    # 5h left -> Tue 14:00: pauses push it like any target.
    policy = make_policy({"high": {"resolution": "eod"}, "low": {"resolution": "eod+1"}})
    events = [
        created(ny(2026, 11, 23, 10)),
        status(ny(2026, 11, 23, 12), "pending"),
        status(ny(2026, 11, 24, 9), "open"),
    ]
    state = evaluate(policy, events, now=ny(2026, 11, 24, 9), calendar=ny95)["resolution"]
    assert (state.target, state.due_at) == (7 * H, ny(2026, 11, 24, 14))
    # "eod+1" from Fri 18:00 (closed): the starting day is Mon 11-23, one more is Tue:
    # Mon 8h + Tue 8h = 16h, due Tue 17:00.
    state = evaluate(policy, [created(ny(2026, 11, 20, 18), "low")], now=ny(2026, 11, 20, 18), calendar=ny95)[
        "resolution"
    ]
    assert (state.target, state.due_at) == (16 * H, ny(2026, 11, 24, 17))


# -- group timers (OLAs) ------------------------------------------------------------


def test_each_group_gets_its_own_clock(ny95, make_policy):
    policy = make_policy(
        {"high": {"resolution": "8h", "tier": "2h"}}, metrics={"tier": {"kind": "resolution", "scope": "group"}}
    )
    events = [
        created(ny(2026, 11, 23, 9)),
        TicketEvent("assigned", ny(2026, 11, 23, 9, 30), group="tier1"),  # due 11:30
        TicketEvent("assigned", ny(2026, 11, 23, 10, 30), group="tier2"),
    ]  # tier1 met after 1h; tier2 due 12:30
    evaluation = evaluate_ticket(policy, events, now=ny(2026, 11, 23, 11), calendar=ny95)
    tier1, tier2 = evaluation.cycles["tier"]
    assert (tier1.group, tier1.status, tier1.elapsed, tier1.stop_reason) == ("tier1", "met", H, "assigned:tier2")
    assert (tier2.group, tier2.status, tier2.started_at, tier2.due_at) == (
        "tier2",
        "running",
        ny(2026, 11, 23, 10, 30),
        ny(2026, 11, 23, 12, 30),
    )
    # The ticket-wide resolution clock is untouched: 2h used of 8h.
    assert evaluation.states["resolution"].elapsed == 2 * H


# -- warnings and next_change -------------------------------------------------------


def test_lead_warning_is_an_hour_of_business_time_before_due(make_policy):
    # Mon-Fri 08:00-18:00; 4h from Mon 17:00: 1h Mon + 3h Tue -> Tue 11:00; warning
    # add(Tue 11:00, -1h) = Tue 10:00, not Tue 00:00.
    cal = weekly("ny-8-18", "08:00-18:00")
    policy = make_policy({"high": {"first_response": "4h"}}, calendar="ny-8-18", warn_before=["1h"])
    events = [created(ny(2026, 11, 23, 17))]
    states = evaluate(policy, events, now=ny(2026, 11, 24, 9), calendar=cal)
    state = states["first_response"]
    assert (state.due_at, state.warning_level, state.next_warning_at) == (
        ny(2026, 11, 24, 11),
        None,
        ny(2026, 11, 24, 10),
    )
    assert next_change(states) == ny(2026, 11, 24, 10)
    states = evaluate(policy, events, now=ny(2026, 11, 24, 10, 30), calendar=cal)
    assert (states["first_response"].warning_level, states["first_response"].next_warning_at) == ("1h", None)
    assert next_change(states) == ny(2026, 11, 24, 11)


def test_fraction_warnings_and_the_highest_crossed(ny95, make_policy):
    # 8h from Mon 09:00: 0.5 at 13:00, 0.75 at 15:00 (6h), "30m" at 16:30.
    policy = make_policy({"high": {"resolution": "8h"}}, warn_at=[0.5, 0.75], warn_before=["30m"])
    events = [created(ny(2026, 11, 23, 9))]
    state = evaluate(policy, events, now=ny(2026, 11, 23, 14), calendar=ny95)["resolution"]
    assert (state.warning_level, state.next_warning_at) == (0.5, ny(2026, 11, 23, 15))
    state = evaluate(policy, events, now=ny(2026, 11, 23, 16, 45), calendar=ny95)["resolution"]
    assert (state.warning_level, state.next_warning_at) == ("30m", None)
    # Paused at 14:00 (5h used): the level freezes and nothing is scheduled.
    events.append(status(ny(2026, 11, 23, 14), "pending"))
    states = evaluate(policy, events, now=ny(2026, 11, 23, 16), calendar=ny95)
    assert (states["resolution"].warning_level, states["resolution"].next_warning_at) == (0.5, None)
    assert next_change(states) is None


def test_next_change_is_the_soonest_of_all_timers(ny95, make_policy):
    # first_response 1h -> 10:00; resolution 8h -> 17:00, its 0.5 warning at 13:00.
    policy = make_policy({"high": {"first_response": "1h", "resolution": "8h"}}, warn_at=[0.5])
    evaluation = evaluate_ticket(policy, [created(ny(2026, 11, 23, 9))], now=ny(2026, 11, 23, 9, 10), calendar=ny95)
    # first_response's own 0.5 warning (09:30) comes first.
    assert evaluation.next_change() == ny(2026, 11, 23, 9, 30)
    evaluation = evaluate_ticket(policy, [created(ny(2026, 11, 23, 9))], now=ny(2026, 11, 23, 9, 40), calendar=ny95)
    assert evaluation.next_change() == ny(2026, 11, 23, 10)
    assert next_change([]) is None


# -- the log itself -----------------------------------------------------------------


def test_state_is_as_of_now_and_ignores_later_events(ny95, make_policy):
    policy = make_policy({"high": {"resolution": "8h"}})
    events = [created(ny(2026, 11, 23, 9)), status(ny(2026, 11, 23, 12), "solved")]
    assert evaluate(policy, events, now=ny(2026, 11, 23, 8), calendar=ny95) == {}
    state = evaluate(policy, events, now=ny(2026, 11, 23, 11), calendar=ny95)["resolution"]
    assert (state.status, state.elapsed) == ("running", 2 * H)


def test_problems_name_the_event_and_change_nothing(ny95, make_policy):
    policy = make_policy(
        {"high": {"first_response": "1h", "resolution": "8h"}},
        statuses=["new", "open", "pending", "waiting_on_customer", "solved", "closed"],
    )
    good = [created(ny(2026, 11, 23, 9), id="c1"), status(ny(2026, 11, 23, 10), "open", id="s1")]
    bad = [
        reply(ny(2026, 11, 23, 8), id="early"),  # before created
        created(ny(2026, 11, 23, 9, 5), id="c2"),  # a second created
        status(ny(2026, 11, 23, 9, 10), "opne", id="typo"),  # not in statuses
        priority(ny(2026, 11, 23, 9, 20), "whenever"),  # no targets
        TicketEvent("unpin", ny(2026, 11, 23, 9, 30), id="u1", metric="resolution"),  # nothing pinned
        TicketEvent("pin", ny(2026, 11, 23, 9, 40), id="p1", metric="speed", due_at=ny(2026, 11, 24, 9)),
        TicketEvent("policy", ny(2026, 11, 23, 9, 50), id="x1", policy="premium"),
    ]
    now = ny(2026, 11, 23, 11)
    evaluation = evaluate_ticket(policy, good + bad, now=now, calendar=ny95)
    messages = [p.message for p in evaluation.problems]
    assert [p.event_id for p in evaluation.problems] == ["early", "c2", "typo", None, "u1", "p1", "x1"]
    assert "agent_reply early at 2026-11-23T13:00:00+00:00: before the ticket's created event" in messages[0]
    assert "a second created event" in messages[1]
    assert "'opne' is not in policy 'standard''s statuses" in messages[2]
    assert "priority 'whenever' has no targets" in messages[3]
    assert "no pinned deadline to unpin" in messages[4]
    assert "metric 'speed' is not in policy" in messages[5]
    assert "policy 'premium' is not known" in messages[6]
    # The bad events had no effect: the same states as the good log alone, except the
    # priority, which is kept (later starts see it) but changes no running target.
    assert evaluation.states == evaluate(policy, good, now=now, calendar=ny95)


def test_events_before_created_have_no_effect_and_are_reported(ny95, make_policy):
    policy = make_policy({"high": {"resolution": "8h"}})
    events = [status(ny(2026, 11, 23, 8), "solved", id="s0"), created(ny(2026, 11, 23, 9))]
    evaluation = evaluate_ticket(policy, events, now=ny(2026, 11, 23, 10), calendar=ny95)
    assert evaluation.states["resolution"].status == "running"
    assert [p.event_id for p in evaluation.problems] == ["s0"]


# -- arrival order never matters -------------------------------------------------------

PENDING_OVER_A_WEEKEND = [
    created(ny(2026, 11, 20, 9)),
    status(ny(2026, 11, 20, 10), "pending"),
    status(ny(2026, 11, 20, 16), "open"),
    reply(ny(2026, 11, 20, 16, 30)),
    customer(ny(2026, 11, 23, 9, 15)),
]
RAISED_WHILE_PENDING = [
    created(ny(2026, 11, 23, 9), "normal"),
    status(ny(2026, 11, 23, 10), "pending"),
    priority(ny(2026, 11, 23, 15), "urgent"),
    status(ny(2026, 11, 24, 9), "open"),
    reply(ny(2026, 11, 24, 9, 30)),
]
SOLVED_CLOSED_REOPENED = [
    created(ny(2026, 11, 23, 9)),
    status(ny(2026, 11, 23, 12), "solved"),
    status(ny(2026, 11, 23, 14), "closed"),
    status(ny(2026, 11, 24, 10), "open"),
    customer(ny(2026, 11, 24, 10)),
]


@pytest.mark.parametrize(
    "log",
    [PENDING_OVER_A_WEEKEND, RAISED_WHILE_PENDING, SOLVED_CLOSED_REOPENED],
    ids=["pending-over-a-weekend", "raised-while-pending", "solved-closed-reopened"],
)
def test_every_permutation_gives_the_same_evaluation(ny95, make_policy, log):
    policy = make_policy(
        {
            "high": {"first_response": "1h", "next_response": "2h", "periodic_update": "3h", "resolution": "8h"},
            "normal": {"first_response": "4h", "resolution": "24h"},
            "urgent": {"first_response": "30m", "resolution": "4h"},
        },
        warn_at=[0.5],
    )
    now = ny(2026, 11, 24, 12)
    expected = evaluate_ticket(policy, log, now=now, calendar=ny95)
    assert expected.states  # the log does start timers
    for permutation in itertools.permutations(log):
        assert evaluate_ticket(policy, permutation, now=now, calendar=ny95) == expected


# -- more edges -----------------------------------------------------------------------


def test_a_pin_passed_while_paused_breaches_at_the_resume(ny95, make_policy):
    # Pinned to Mon 12:00, pending 10:00-14:00: no breach while paused; running
    # again after its pin, it is breached at the resume, never in the past.
    policy = make_policy({"high": {"resolution": "8h"}})
    events = [
        created(ny(2026, 11, 23, 9)),
        TicketEvent("pin", ny(2026, 11, 23, 9, 30), metric="resolution", due_at=ny(2026, 11, 23, 12)),
        status(ny(2026, 11, 23, 10), "pending"),
    ]
    paused = evaluate(policy, events, now=ny(2026, 11, 23, 13), calendar=ny95)["resolution"]
    # 2h of business time were left to the pin when it paused (10:00 -> 12:00).
    assert (paused.status, paused.breached_at, paused.remaining) == ("paused", None, 2 * H)
    events.append(status(ny(2026, 11, 23, 14), "open"))
    state = evaluate(policy, events, now=ny(2026, 11, 23, 15), calendar=ny95)["resolution"]
    assert (state.status, state.breached_at) == ("breached", ny(2026, 11, 23, 14))


def test_a_switch_to_calendar_time_keeps_elapsed(ny95, make_policy):
    # Created Fri 11-20 14:00 under standard (business time, NY95); at 16:00, 2h used, premium
    # measures the same metric in calendar time: 6h of real time left -> Fri 22:00.
    # (On NY95 it would have been 1h Fri + 5h Mon -> Mon 14:00.)
    standard = make_policy({"high": {"resolution": "8h"}})
    premium = make_policy({"high": {"resolution": "8h"}}, name="premium", metrics={"resolution": {"time": "calendar"}})
    events = [
        created(ny(2026, 11, 20, 14), policy="standard"),
        TicketEvent("policy", ny(2026, 11, 20, 16), policy="premium"),
    ]
    state = evaluate(PolicySet([standard, premium]), events, now=ny(2026, 11, 20, 18), calendar=ny95)["resolution"]
    # Elapsed at 18:00: 2h business + 2h real since 16:00 = 4h.
    assert (state.due_at, state.elapsed) == (ny(2026, 11, 20, 22), 4 * H)


def test_group_first_response_is_met_by_the_next_public_reply(ny95, make_policy):
    policy = make_policy(
        {"high": {"group_reply": "30m"}}, metrics={"group_reply": {"kind": "first_response", "scope": "group"}}
    )
    events = [
        created(ny(2026, 11, 23, 9), group="tier1"),  # tier1 from 09:00, due 09:30
        TicketEvent("assigned", ny(2026, 11, 23, 9, 10), group="tier2"),  # tier1 met after 10m
        reply(ny(2026, 11, 23, 9, 50)),
    ]  # tier2 answers after 40m: late
    tier1, tier2 = evaluate_ticket(policy, events, now=ny(2026, 11, 23, 10), calendar=ny95).cycles["group_reply"]
    assert (tier1.group, tier1.status, tier1.elapsed) == ("tier1", "met", 10 * M)
    assert (tier2.group, tier2.status, tier2.breached_at, tier2.stop_reason) == (
        "tier2",
        "breached",
        ny(2026, 11, 23, 9, 40),
        "agent_reply",
    )


def test_a_new_holiday_moves_open_due_dates_later(ny95, make_policy):
    # 16h from Mon 11-23 09:00 -> Mon 8h + Tue 8h -> Tue 17:00. Tue declared a holiday:
    # Mon 8h + Wed 8h -> Wed 17:00. The first_response met Mon 10:00 is the same either way.
    holiday = BusinessCalendar.from_dict(
        {
            "name": "NY95",
            "timezone": "America/New_York",
            "hours": {d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
            "holidays": {"dates": ["2026-11-24"]},
        }
    )
    policy = make_policy({"high": {"first_response": "1h", "resolution": "16h"}})
    events = [created(ny(2026, 11, 23, 9)), reply(ny(2026, 11, 23, 10))]
    now = ny(2026, 11, 23, 12)
    before = evaluate(policy, events, now=now, calendar=ny95)
    after = evaluate(policy, events, now=now, calendar=holiday)
    assert (before["resolution"].due_at, after["resolution"].due_at) == (ny(2026, 11, 24, 17), ny(2026, 11, 25, 17))
    assert before["first_response"] == after["first_response"]


def test_events_must_be_ticket_events(ny95, make_policy):
    policy = make_policy({"high": {"resolution": "8h"}})
    with pytest.raises(EventError) as info:
        evaluate(policy, [created(ny(2026, 11, 23, 9)), {"kind": "status"}], now=ny(2026, 11, 23, 10), calendar=ny95)
    assert info.value.field == "events[1]"
    with pytest.raises(NaiveDatetimeError) as naive:
        evaluate(policy, [], now=datetime(2026, 11, 23, 10), calendar=ny95)
    assert naive.value.field == "now"


def test_a_timer_stopped_while_paused_keeps_the_deadline_from_before_the_pause(ny95, make_policy):
    # 8h from Mon 09:00 -> due 17:00; pending 10:00 (1h used); solved 11:00 while pending:
    # met, due_at still Mon 17:00. first_response (1h, unanswered) stops too, at 11:00, late.
    policy = make_policy({"high": {"first_response": "1h", "resolution": "8h"}})
    events = [
        created(ny(2026, 11, 23, 9)),
        status(ny(2026, 11, 23, 10), "pending"),
        status(ny(2026, 11, 23, 11), "solved"),
        status(ny(2026, 11, 24, 9), "open"),
    ]
    states = evaluate(policy, events[:3], now=ny(2026, 11, 23, 12), calendar=ny95)
    assert (states["resolution"].status, states["resolution"].due_at, states["resolution"].elapsed) == (
        "met",
        ny(2026, 11, 23, 17),
        H,
    )
    assert (
        states["first_response"].status,
        states["first_response"].breached_at,
        states["first_response"].stop_reason,
    ) == ("breached", ny(2026, 11, 23, 10), "status:solved")
    # Reopened: resolution resumes; first_response never restarts.
    cycles = evaluate_ticket(policy, events, now=ny(2026, 11, 24, 10), calendar=ny95).cycles
    assert len(cycles["first_response"]) == 1 and cycles["resolution"][0].status == "running"


def test_a_timer_that_never_ran_has_no_deadline(ny95, make_policy):
    # Created pending: resolution starts paused; solved before it ever ran.
    policy = make_policy({"high": {"resolution": "8h"}})
    events = [created(ny(2026, 11, 23, 9), status="pending"), status(ny(2026, 11, 23, 10), "solved")]
    state = evaluate(policy, events, now=ny(2026, 11, 23, 11), calendar=ny95)["resolution"]
    assert (state.status, state.due_at, state.elapsed, state.paused_for) == ("met", None, timedelta(0), H)
