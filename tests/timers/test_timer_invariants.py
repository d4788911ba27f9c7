"""Invariants of the settled timer semantics over random ticket logs (hypothesis,
derandomized by the profile in tests/conftest.py).

Logs mix replies, notes, customer messages, every kind of status (working, pause,
stop), priority changes to a priority without some targets, pins and same-instant
events, starting on a weekday morning so they cross closes, nights and weekends.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st
from timer_helpers import ny, weekly

from sla_timers.timers import Evaluation, Policy, TicketEvent, TimerState, evaluate_ticket

NY95 = weekly("NY95", "09:00-17:00")
FULL = {
    "urgent": {"first_response": "30m", "next_response": "1h", "periodic_update": "2h", "resolution": "4h"},
    "high": {"first_response": "1h", "next_response": "2h", "periodic_update": "3h", "resolution": "8h"},
    "low": {"first_response": "4h", "next_response": "8h", "periodic_update": "eod", "resolution": "eod+2"},
}
#: The same, but "low" sets no next_response nor periodic_update target.
PARTIAL = {**FULL, "low": {"first_response": "4h", "resolution": "eod+2"}}


def policy(targets: dict, reopen: str) -> Policy:
    return Policy.from_dict(
        {
            "name": "p",
            "calendar": "NY95",
            "warn_at": [0.5, 0.75],
            "warn_before": ["30m", "2h"],
            "metrics": {
                "first_response": {},
                "next_response": {},
                "periodic_update": {},
                "resolution": {"reopen": reopen},
            },
            "targets": targets,
        }
    )


POLICIES = {reopen: (policy(FULL, reopen), policy(PARTIAL, reopen)) for reopen in ("resume", "new_cycle")}
STATUSES = ["open", "awaiting_vendor", "pending", "waiting_on_customer", "solved", "closed"]
PRIORITIES = ["urgent", "high", "low"]
METRICS = ["first_response", "next_response", "periodic_update", "resolution"]


@st.composite
def logs(draw: st.DrawFn) -> tuple[list[TicketEvent], datetime]:
    """A created event, up to 30 events 0-8 hours apart (each with an id), and a ``now`` after them."""
    t = ny(2026, 11, 23, 7) + timedelta(minutes=draw(st.integers(0, 4 * 1440)))
    events = [
        TicketEvent(
            "created",
            t,
            id="e0",
            priority=draw(st.sampled_from(PRIORITIES)),
            status=draw(st.sampled_from(["new", "open", "pending", "solved"])),
        )
    ]
    for i in range(1, draw(st.integers(0, 30)) + 1):
        t += timedelta(minutes=draw(st.sampled_from([0, 1, 15, 30, 60, 120, 240, 480])))
        kind = draw(st.sampled_from(["status", "status", "agent_reply", "customer_reply", "priority", "pin"]))
        if kind == "status":
            event = TicketEvent("status", t, id=f"e{i}", status=draw(st.sampled_from(STATUSES)))
        elif kind == "agent_reply":
            event = TicketEvent("agent_reply", t, id=f"e{i}", public=draw(st.booleans()))
        elif kind == "customer_reply":
            event = TicketEvent("customer_reply", t, id=f"e{i}")
        elif kind == "priority":
            event = TicketEvent("priority", t, id=f"e{i}", priority=draw(st.sampled_from(PRIORITIES)))
        else:
            due = t + timedelta(minutes=draw(st.integers(-60, 3000)))
            event = TicketEvent("pin", t, id=f"e{i}", metric=draw(st.sampled_from(METRICS)), due_at=due)
        events.append(event)
    now = t + timedelta(minutes=draw(st.integers(0, 3000)))
    return events, now


def _clock_runs(state: TimerState) -> bool:
    return state.stopped_at is None and state.paused_since is None


def _all(evaluation: Evaluation) -> list[TimerState]:
    return [state for cycles in evaluation.cycles.values() for state in cycles]


@given(log=logs(), reopen=st.sampled_from(sorted(POLICIES)))
def test_remaining_is_the_business_time_from_now_to_due_while_running(log, reopen) -> None:
    events, now = log
    for pol in POLICIES[reopen]:
        for state in _all(evaluate_ticket(pol, events, now=now, calendar=NY95)):
            if state.target is None and state.due_at is None:
                # No target, no pin: nothing is due, nothing remains, no warnings.
                assert (state.remaining, state.warning_level, state.next_warning_at) == (None, None, None)
                continue
            if _clock_runs(state):
                assert state.due_at is not None
                assert state.remaining == NY95.elapsed(now, state.due_at), state
            if state.breached_at is not None:
                assert state.status == "breached"
            if state.next_warning_at is not None:
                assert state.status == "running" and state.next_warning_at > now


@given(log=logs(), reopen=st.sampled_from(sorted(POLICIES)))
def test_cycle_numbers_do_not_depend_on_targets(log, reopen) -> None:
    # The same log under a policy with and without next_response and periodic_update
    # targets for "low": the same cycles, started and stopped alike.
    events, now = log
    full, partial = POLICIES[reopen]

    def shape(pol: Policy) -> dict[str, list[tuple]]:
        cycles = evaluate_ticket(pol, events, now=now, calendar=NY95).cycles
        return {m: [(c.cycle, c.started_at, c.stopped_at, c.stop_reason) for c in cs] for m, cs in cycles.items()}

    assert shape(full) == shape(partial)


@given(log=logs(), reopen=st.sampled_from(sorted(POLICIES)), later=st.integers(1, 20_000))
def test_no_warning_comes_after_a_stop_or_during_a_pause(log, reopen, later) -> None:
    # With no new event, a stopped or paused timer's warning level stays what it was.
    events, now = log
    pol = POLICIES[reopen][0]
    before = evaluate_ticket(pol, events, now=now, calendar=NY95).cycles
    after = evaluate_ticket(pol, events, now=now + timedelta(minutes=later), calendar=NY95).cycles
    for metric, cycles in before.items():
        for old, new in zip(cycles, after[metric], strict=True):
            if not _clock_runs(old):
                assert new.warning_level == old.warning_level, (old, new)
                assert new.next_warning_at is None


@given(log=logs(), reopen=st.sampled_from(sorted(POLICIES)), data=st.data())
def test_duplicating_events_changes_nothing(log, reopen, data) -> None:
    # A retried webhook: any events delivered again, in any order.
    events, now = log
    pol = POLICIES[reopen][0]
    again = data.draw(st.lists(st.sampled_from(events), max_size=10))
    copies = [TicketEvent.from_dict(event.to_dict()) for event in again]
    mixed = data.draw(st.permutations(events + copies))
    assert evaluate_ticket(pol, mixed, now=now, calendar=NY95) == evaluate_ticket(pol, events, now=now, calendar=NY95)


@given(log=logs(), reopen=st.sampled_from(sorted(POLICIES)), later=st.integers(1, 20_000))
def test_time_moves_timers_one_way_without_events(log, reopen, later) -> None:
    # From now to a later now with no new event: no cycle appears or ends, elapsed and
    # the ticket's measures only grow, a breach stays the same breach, a met timer stays
    # met, a paused one paused, and a running timer's warning level only rises.
    events, now = log
    pol = POLICIES[reopen][0]
    first = evaluate_ticket(pol, events, now=now, calendar=NY95)
    second = evaluate_ticket(pol, events, now=now + timedelta(minutes=later), calendar=NY95)
    for a, b in zip(first.measures.to_dict().values(), second.measures.to_dict().values(), strict=True):
        assert b >= a
    for metric, cycles in first.cycles.items():
        assert len(second.cycles[metric]) == len(cycles)
        for old, new in zip(cycles, second.cycles[metric], strict=True):
            assert (new.cycle, new.started_at, new.stopped_at) == (old.cycle, old.started_at, old.stopped_at)
            assert new.elapsed >= old.elapsed
            if old.breached_at is not None:
                assert new.breached_at == old.breached_at
            if old.status in ("met", "paused"):
                assert new.status == old.status
            if old.warning_level != new.warning_level:
                assert _clock_runs(old) and _threshold(pol, new) >= _threshold(pol, old), (old, new)


def _threshold(pol: Policy, state: TimerState) -> timedelta:
    """The elapsed time at which the state's warning level is reached (its target or
    pin fixed), or -1 day for none: a 2h lead may come before or after 50%."""
    if state.warning_level is None:
        return timedelta(days=-1)
    assert state.remaining is not None
    total = state.elapsed + state.remaining
    (mark,) = [w for w in pol.warnings if w.level == state.warning_level]
    return total * mark.fraction if mark.fraction is not None else total - mark.lead
