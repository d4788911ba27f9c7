"""When an escalation step falls due: the clocks steps are dated on and the threshold arithmetic. No I/O here.

A step's threshold is measured on the timer's own ``remaining``; a step
already reached is dated by counting back from ``now`` along the metric's
clock, never before the timer last started running under its current target.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol

from ..errors import DurationOutOfRangeError, NoOpenTimeError

_MICROSECOND = timedelta(microseconds=1)
_ZERO = timedelta(0)


class LadderCalendar(Protocol):
    """What ladders need from :class:`sla_timers.clock.BusinessCalendar`."""

    def add(self, t: datetime, d: timedelta) -> datetime:
        """``d`` of business time after ``t`` (before it when negative)."""

    def is_open(self, t: datetime) -> bool:
        """True inside open time."""

    def next_open(self, t: datetime) -> datetime:
        """``t`` when open, else the next opening."""


class TimerLike(Protocol):
    """The fields of :class:`sla_timers.timers.TimerState` a ladder reads (pass the real states)."""

    @property
    def metric(self) -> str:
        """The metric's name."""

    @property
    def cycle(self) -> int:
        """1, 2, ... per metric and ticket."""

    @property
    def status(self) -> str:
        """``running``, ``paused``, ``met`` or ``breached``."""

    @property
    def target(self) -> timedelta | None:
        """The target in force; None when the ticket's priority sets none (no step applies)."""

    @property
    def started_at(self) -> datetime:
        """When the cycle started."""

    @property
    def due_at(self) -> datetime | None:
        """The deadline; None while paused."""

    @property
    def remaining(self) -> timedelta | None:
        """Business time left (negative once overdue); None without a target."""

    @property
    def breached_at(self) -> datetime | None:
        """The breach instant, or None."""

    @property
    def stopped_at(self) -> datetime | None:
        """When the cycle stopped, or None."""

    @property
    def paused_since(self) -> datetime | None:
        """Since when the clock stands still, or None."""

    @property
    def running_since(self) -> datetime | None:
        """For a running timer, since when it has run without a pause under its current target; else None."""


class RealTime:
    """The clock of a ``time = "calendar"`` metric: always open, business time is real time.

    The engine counts such a metric as elapsed real time between UTC instants, so
    its steps are dated the same way (in UTC: adding to a zoned datetime would add
    wall-clock time and be an hour off across a DST change).
    """

    __slots__ = ()

    def add(self, t: datetime, d: timedelta) -> datetime:
        """``t`` plus ``d`` of real time, in UTC.

        :raises DurationOutOfRangeError: when the sum would leave the years 1 to 9999.
        """
        try:
            return t.astimezone(UTC) + d
        except OverflowError:
            raise DurationOutOfRangeError(
                f"{'adding' if d >= _ZERO else 'subtracting'} {abs(d)} of real time to "
                f"{t.isoformat()} would leave the years 1 to 9999",
                field="now",
            ) from None

    def is_open(self, t: datetime) -> bool:
        """Always True: real time never closes."""
        return True

    def next_open(self, t: datetime) -> datetime:
        """``t`` itself: real time is always open."""
        return t


#: The one real-time clock every ``time = "calendar"`` metric is dated on.
REAL_TIME = RealTime()


def clock_runs(state: TimerLike) -> bool:
    """Running, or breached and still running, with a target; not paused, not stopped.

    A cycle whose priority sets no target for its metric counts as a cycle (its number
    keeps later escalation keys stable) but has no deadline to escalate on.
    """
    return (
        state.stopped_at is None
        and state.paused_since is None
        and state.status in ("running", "breached")
        and state.target is not None
        and state.remaining is not None
    )


def remaining_of(state: TimerLike) -> timedelta:
    """``state.remaining`` of a timer :func:`clock_runs` accepted (so it has a target)."""
    remaining = state.remaining
    assert remaining is not None, "only timers with a target are dated (see clock_runs)"
    return remaining


def reached(state: TimerLike, lead: timedelta) -> bool:
    """Whether the timer has reached a step ``lead`` before its due (negative: after it).

    A breach stays a breach: once breached, every step at or before the due has
    been reached, even when a lower priority has since given the timer time
    left again (``remaining`` > 0); steps after the due are measured on
    ``remaining``, from the due in force.
    """
    return remaining_of(state) <= lead or (lead >= _ZERO and state.breached_at is not None)


def fell_due_at(state: TimerLike, lead: timedelta, now: datetime, cal: LadderCalendar) -> datetime:
    """The earliest instant at which ``remaining`` reached ``lead``, for a step already due at ``now``,
    never before ``running_since``: before it the timer paused or ran under another target, so
    counting back from ``now`` no longer measures the timer's own time."""
    if lead == _ZERO:
        if state.breached_at is not None:
            return state.breached_at
        if state.due_at is not None and state.due_at <= now:
            return state.due_at
    over = lead - remaining_of(state)  # business time since the step fell due, if the clock ran all along
    try:
        # Back one microsecond too far (the latest such instant), then forward one (the earliest):
        # a threshold reached at a Friday close is dated Friday 17:00, not Monday 09:00.
        at = cal.add(cal.add(now, -(over + _MICROSECOND)), _MICROSECOND)
    except NoOpenTimeError:
        at = state.started_at
    earliest = state.started_at
    since = state.running_since
    if since is not None and since > earliest:
        # This also keeps a step after the due from being dated before the breach: a
        # breach since running_since fell at a due of this same target and clock, so
        # the count back lands after it; an earlier one is before the clamp.
        earliest = since
    fell = min(max(at, earliest), now)
    if lead > _ZERO and state.breached_at is not None and fell > state.breached_at:
        # Reached before the breach, under a target since changed: the breach is
        # the latest it can have been.
        fell = state.breached_at
    return fell
