"""Builders for report tests: timer states written by hand, so every expected
figure can be worked out from the numbers in the test itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sla_timers.reports import TimerRecord
from sla_timers.timers import TimerState

NY = ZoneInfo("America/New_York")
MIN = timedelta(minutes=1)
HOUR = timedelta(hours=1)


def ny(*args: int) -> datetime:
    """A New York wall time."""
    return datetime(*args, tzinfo=NY)


def utc(*args: int) -> datetime:
    """A UTC instant."""
    return datetime(*args, tzinfo=UTC)


def record(
    ticket: str,
    metric: str = "first_response",
    status: str = "met",
    *,
    elapsed: timedelta = 30 * MIN,
    target: timedelta | None = HOUR,
    started_at: datetime | None = None,
    stopped_at: datetime | None = None,
    open_: bool = False,
    customer_wait: timedelta = timedelta(0),
    paused_for: timedelta = timedelta(0),
    priority: str | None = "high",
    organisation: str | None = None,
    business_line: str | None = None,
    group: str | None = None,
    policy: str | None = "standard",
) -> TimerRecord:
    """A record with a hand-made state. Stopped one hour after ``started_at``
    (default Mon 2026-11-02 09:00 New York) unless ``open_`` or ``stopped_at``
    says otherwise; a ``running`` or ``paused`` state is open."""
    started = started_at or ny(2026, 11, 2, 9)
    is_open = open_ or status in ("running", "paused")
    stopped = None if is_open else (stopped_at or started + HOUR)
    state = TimerState(
        metric=metric,
        cycle=1,
        status=status,
        target=target,  # type: ignore[arg-type]
        started_at=started,
        due_at=None,
        elapsed=elapsed,
        remaining=(target - elapsed) if target is not None else timedelta(0),
        breached_at=started if status == "breached" else None,
        stopped_at=stopped,
        stop_reason=None if stopped is None else "agent_reply",
        warning_level=None,
        paused_for=paused_for,
        customer_wait=customer_wait,
    )
    return TimerRecord(
        ticket,
        state,
        priority=priority,
        business_line=business_line,
        policy=policy,
        assigned_group=group,
        organisation=organisation,
    )
