"""The replay starts a cycle by filling its slots in place (a call through the
class costs about as much again); what it builds must be what ``Cycle(...)``
builds, every slot set to the same value, running or paused from the start."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sla_timers import BusinessCalendar
from sla_timers.timers import Policy
from sla_timers.timers._clock import Clock
from sla_timers.timers._cycle import Cycle
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
    run.use_policy(policy)
    run.business = Clock(cal, False, T)
    run.priority = "high"
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
