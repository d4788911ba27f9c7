"""The clocks a replay keeps: running totals on one time scale (a business calendar,
or real time for ``time = "calendar"`` metrics) since ``created``. No I/O here.

A cycle's elapsed time is a difference of totals, so an event advances each clock
once however many timers run. The business clock walks the calendar's open
stretches, read once per evaluation (:class:`~sla_timers.clock.OpenTime`), rather than calling the
calendar for every event.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache

from ..clock import BusinessCalendar, OpenTime
from .durations import EndOfDay, Target
from .policy import StatusCategory

_ZERO = timedelta(0)
_MICROSECOND = timedelta(microseconds=1)


@lru_cache(maxsize=64)
def all_day(zone: str) -> BusinessCalendar:
    """Calendar time for a metric with ``time = "calendar"``: always open, in the
    business calendar's zone ``zone``, so an ``eod`` target still means local midnight."""
    return BusinessCalendar.from_dict(
        {
            "name": f"24x7 {zone}",
            "timezone": zone,
            "hours": {day: ["00:00-24:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
        }
    )


class Clock:
    """Running totals on one time scale since ``created``, advanced lazily."""

    __slots__ = (
        "cal",
        "open_time",
        "wall",
        "t",
        "total",
        "paused",
        "work",
        "solved",
        "requester",
        "category",
        "awaiting",
        "amounts",
    )

    def __init__(self, cal: BusinessCalendar, wall: bool, t: datetime) -> None:
        #: Real time: elapsed is plain subtraction (both ends are UTC).
        self.wall = wall
        self.t = t
        self.use(cal)
        self.total = _ZERO
        self.paused = _ZERO
        self.work = _ZERO
        self.solved = _ZERO
        self.requester = _ZERO
        self.category: StatusCategory = "work"
        self.awaiting = True

    def use(self, cal: BusinessCalendar) -> None:
        """Measure on ``cal`` from ``t`` on (a policy switch); totals carry on."""
        self.cal = cal
        #: The calendar's open stretches from ``t`` on, walked as the replay goes
        #: (None for real time).
        self.open_time = None if self.wall else OpenTime(cal, self.t)
        #: ``eod`` targets worked out on this calendar: (start, days) -> amount. A
        #: priority change gives every open cycle its target again, from its start.
        self.amounts: dict[tuple[datetime, int], timedelta] = {}

    def at(self, t: datetime) -> timedelta:
        """The total at ``t`` (never before the last instant asked for)."""
        if t != self.t:
            open_time = self.open_time
            d = t - self.t if open_time is None else open_time.advance(t)
            self.t = t
            if d:
                self.total += d
                category = self.category
                if category == "work":
                    self.work += d
                    if self.awaiting:
                        self.requester += d
                elif category == "pause":
                    self.paused += d
                else:
                    self.solved += d
        return self.total

    def after(self, t: datetime, left: timedelta) -> datetime:
        """``calendar.add(t, left)`` on this clock: a due. ``left`` may be negative (a
        target already passed: the due is when elapsed reached it); ``t`` for zero."""
        if not left:
            return t
        open_time = self.open_time
        if open_time is None:
            return t + left
        if left > _ZERO:
            return open_time.add(t, left)
        # Back one microsecond too far (the latest such instant), then forward one:
        # the earliest instant, so a target reached at a close is due at the close.
        return open_time.add(open_time.add(t, left - _MICROSECOND), _MICROSECOND)

    def before(self, t: datetime, lead: timedelta) -> datetime:
        """The instant ``lead`` of clock time before ``t``: a warning before a due; ``t`` itself for no lead."""
        if lead <= _ZERO:
            return t
        open_time = self.open_time
        return t - lead if open_time is None else open_time.add(t, -lead)

    def elapsed(self, a: datetime, b: datetime) -> timedelta:
        """Clock time in ``[a, b)``."""
        return b - a if self.wall else self.cal.elapsed(a, b)


def amount(spec: Target, started_at: datetime, clock: Clock) -> timedelta:
    """The business time ``spec`` means for a cycle started at ``started_at`` on ``clock``."""
    if isinstance(spec, EndOfDay):
        key = (started_at, spec.days)
        found = clock.amounts.get(key)
        if found is None:
            # Fixed at the start as business time: pauses push it like any target.
            if clock.open_time is None:
                # Calendar time: always open in the business calendar's zone, so
                # the amount is real time to that zone's midnight.
                cal = all_day(clock.cal.zone.key)
                found = cal.end_of_business_day(started_at, spec.days) - started_at
            else:
                found = clock.open_time.until_end_of_business_day(started_at, spec.days)
            clock.amounts[key] = found
        return found
    return spec
