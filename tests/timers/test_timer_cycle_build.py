"""The replay starts a cycle by filling its slots in place, and a public reply
stops running cycles in place (a call costs about as much again); what they
build must be what ``Cycle(...)`` and ``Cycle.stop`` build, every slot set to
the same value."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sla_timers import BusinessCalendar
from sla_timers.timers import Policy, TicketEvent
from sla_timers.timers._clock import Clock
from sla_timers.timers._cycle import Cycle
from sla_timers.timers._handlers import on_agent_reply
from sla_timers.timers._replay import Replay

CALENDAR = {"name": "nine-to-five", "timezone": "UTC", "hours": {d: ["09:00-17:00"] for d in ("mon", "tue")}}
POLICY = {
    "name": "p",
    "calendar": "nine-to-five",
    "pause_statuses": ["pending"],
    "stop_statuses": ["solved"],
    "metrics": {"first_response": {}, "resolution": {"pauses": True}},
    "targets": {"high": {"first_response": "1h", "resolution": "eod"}},
}
# Mon 2026-11-02 10:00 UTC, inside the 09:00-17:00 window.
T = datetime(2026, 11, 2, 10, tzinfo=UTC)


def _slots(cycle: Cycle) -> dict[str, object]:
    # Reading an unset slot raises AttributeError; mark it instead.
    return {name: getattr(cycle, name, "<unset>") for name in Cycle.__slots__ if name != "wait_end"}


@pytest.mark.parametrize("category", ["work", "pause"], ids=["running", "paused"])
@pytest.mark.parametrize("metric", ["first_response", "resolution"])
def test_started_cycle_equals_the_constructed_one(category: str, metric: str) -> None:
    policy = Policy.from_dict(POLICY)
    cal = BusinessCalendar.from_dict(CALENDAR)
    run = Replay(policy, cal, None)
    run.priority = "high"
    run.use_policy(policy)
    run.business = Clock(cal, False, T)
    run.category = category  # type: ignore[assignment]  # a StatusCategory
    # Some time on the clock first, so totals are not all zero.
    run.business.total = run.business.paused = timedelta(minutes=5)
    settings = policy.metrics[metric]
    run.start(settings, T)
    built = run.cycles[metric][-1]
    # first_response "1h" is a plain amount; resolution "eod" is 7 h of business time
    # from Mon 10:00 to the 17:00 close.
    target = timedelta(hours=1) if metric == "first_response" else timedelta(hours=7)
    assert built.target == target
    paused = category == "pause" and settings.pauses
    expected = Cycle(settings, run.business, None, T, target, paused)
    assert _slots(built) == _slots(expected)
    assert "<unset>" not in _slots(built).values()
    assert built.mode == ("paused" if paused else "running")


def _replay_at(t: datetime) -> Replay:
    policy = Policy.from_dict(POLICY)
    cal = BusinessCalendar.from_dict(CALENDAR)
    run = Replay(policy, cal, None)
    run.priority = "high"
    run.use_policy(policy)
    run.business = Clock(cal, False, t)
    run.clocks = (run.business,)
    for settings in policy.metrics.values():
        run.start(settings, t)
    return run


@pytest.mark.parametrize("asked", [False, True], ids=["first-reply", "after-a-due-was-read"])
def test_a_reply_stops_cycles_as_cycle_stop_does(asked: bool) -> None:
    replied, by_hand = _replay_at(T), _replay_at(T)
    # Mon 11:30: 1h30 after the start, past first_response's 1h target, so the
    # stopped cycle carries a breach, elapsed and the stretch it ran.
    at = T + timedelta(hours=1, minutes=30)
    for run in (replied, by_hand):
        if asked:
            run.cycles["first_response"][-1].deadline()  # the due known before the stop
        run.advance(at)
    on_agent_reply(replied, TicketEvent("agent_reply", at, id="r1", public=True))
    for cycle in list(by_hand.open):
        if cycle.kind != "resolution":
            cycle.stop(at, "agent_reply")
    stopped, expected = replied.cycles["first_response"][0], by_hand.cycles["first_response"][0]
    assert stopped.mode == "stopped" and stopped.stop_reason == "agent_reply"
    # 11:30 is past the 11:00 due: breached at the due, 1h30 elapsed.
    assert stopped.breached_at == T + timedelta(hours=1)
    assert stopped.elapsed == timedelta(hours=1, minutes=30)
    got, want = _slots(stopped), _slots(expected)
    got.pop("clock"), want.pop("clock")  # one clock per replay
    got["wait_end"], want["wait_end"] = stopped.wait_end, expected.wait_end
    assert got == want
