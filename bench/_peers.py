"""One calendar description, and an adapter per library that builds it and calls it.

:class:`BenchCalendar` is the neutral description every library is built from:
a zone, weekly windows and a concrete list of closed dates (no holiday country,
so every library sees exactly the same dates). Each adapter turns it into that
library's own object with the library's documented API, and says plainly when
the library cannot express a calendar or an operation (:class:`Unsupported`)
instead of approximating it.

Libraries are imported only when an adapter builds a clock, so importing this
module needs none of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

__all__ = [
    "ADAPTERS",
    "Adapter",
    "BenchCalendar",
    "BenchWindow",
    "Clock",
    "Unsupported",
    "WEEKDAYS",
    "utc",
]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Unsupported(Exception):
    """The library cannot express this calendar or operation; ``str()`` says why."""


@dataclass(frozen=True, slots=True)
class BenchWindow:
    """Open hours in local wall time, half-open; ``end <= start`` crosses midnight."""

    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> BenchWindow:
        """``"09:00-17:00"``, ``"22:00-06:00"`` or ``"00:00-24:00"``."""
        first, second = text.split("-")
        start = time.fromisoformat(first)
        end = time(0) if second == "24:00" else time.fromisoformat(second)
        return cls(start, end)

    @property
    def crosses_midnight(self) -> bool:
        """True when the window ends on the next date (``end <= start``)."""
        return self.end <= self.start

    @property
    def hours(self) -> float:
        """Length in wall-clock hours."""
        minutes = (self.end.hour * 60 + self.end.minute) - (self.start.hour * 60 + self.start.minute)
        return (minutes if minutes > 0 else minutes + 1440) / 60

    def __str__(self) -> str:
        end = "24:00" if self.end == time(0) and self.start == time(0) else self.end.strftime("%H:%M")
        return f"{self.start.strftime('%H:%M')}-{end}"


@dataclass(frozen=True)
class BenchCalendar:
    """A calendar every library can be built from (the attribute names follow ``CalendarSpec``)."""

    #: Short name, shown in tables.
    name: str
    #: IANA zone name.
    timezone: str
    #: Seven tuples of windows, Monday first.
    hours: tuple[tuple[BenchWindow, ...], ...]
    #: Whole closed dates: windows starting on them do not open.
    closed_dates: frozenset[date] = frozenset()
    #: Always None: holidays are given as concrete dates so every library gets the same ones.
    holiday_country: None = None
    #: Always None.
    holiday_subdiv: None = None
    #: No partial closures in the benchmark.
    closures: tuple[Any, ...] = ()
    #: No extra openings in the benchmark.
    openings: tuple[Any, ...] = ()

    @classmethod
    def weekly(
        cls, name: str, timezone: str, hours: Mapping[str, Sequence[str]], closed: Iterable[date] = ()
    ) -> BenchCalendar:
        """Build from ``{"mon": ["09:00-17:00"], ...}`` (missing days closed) and closed dates."""
        days = tuple(tuple(BenchWindow.parse(w) for w in hours.get(day, ())) for day in WEEKDAYS)
        return cls(name, timezone, days, frozenset(closed))

    @property
    def zone(self) -> ZoneInfo:
        """The calendar's zone."""
        return ZoneInfo(self.timezone)

    def to_dict(self) -> dict[str, Any]:
        """The sla_timers calendar schema (README, "Calendar files") for this calendar."""
        result: dict[str, Any] = {
            "name": self.name,
            "timezone": self.timezone,
            "hours": {day: [str(w) for w in windows] for day, windows in zip(WEEKDAYS, self.hours)},
        }
        if self.closed_dates:
            result["holidays"] = {"dates": [d.isoformat() for d in sorted(self.closed_dates)]}
        return result

    def grouped_windows(self) -> dict[BenchWindow, list[int]]:
        """Each distinct window with the weekdays (0 = Monday) it opens on."""
        groups: dict[BenchWindow, list[int]] = {}
        for weekday, windows in enumerate(self.hours):
            for window in windows:
                groups.setdefault(window, []).append(weekday)
        return groups

    def weekly_open_hours(self) -> float:
        """Wall-clock open hours in a week."""
        return sum(w.hours for windows in self.hours for w in windows)


@dataclass
class Clock:
    """A library's calendar, ready to call.

    ``native`` converts an aware datetime to what the library takes (done before
    timing); ``adder(d)`` and ``elapser()`` return the one-call functions that are
    timed; ``instant`` and ``duration`` read results back for the correctness check.
    """

    native: Callable[[datetime], Any]
    adder: Callable[[timedelta], Callable[[Any], Any]]
    elapser: Callable[[], Callable[[Any, Any], Any]]
    instant: Callable[[Any], datetime]
    duration: Callable[[Any], timedelta] = field(default=lambda value: value)


@dataclass(frozen=True)
class Adapter:
    """How the benchmark drives one library."""

    #: Column name.
    name: str
    #: Distribution name, for the version in the header.
    distribution: str
    #: Builds a :class:`Clock`; raises :class:`Unsupported` for what the library cannot express.
    build: Callable[[BenchCalendar], Clock]
    #: How the benchmark calls it, for the notes under the table.
    how: str = ""
    #: True when the library has no time zones: cases that hinge on real-time DST are n/a.
    wall_time_only: bool = False


def _aware(value: datetime, zone: ZoneInfo) -> datetime:
    return value.astimezone(zone)


def _no_elapsed(reason: str) -> Callable[[], Callable[[Any, Any], Any]]:
    def elapser() -> Callable[[Any, Any], Any]:
        raise Unsupported(reason)

    return elapser


# --- sla_timers ---------------------------------------------------------------


def _build_sla_timers(calendar: BenchCalendar) -> Clock:
    from sla_timers.clock.calendar import BusinessCalendar

    cal = BusinessCalendar.from_dict(calendar.to_dict())
    add, elapsed = cal.add, cal.elapsed

    def adder(amount: timedelta) -> Callable[[datetime], datetime]:
        return lambda t: add(t, amount)

    return Clock(native=lambda t: t, adder=adder, elapser=lambda: elapsed, instant=lambda t: t)


# --- businesstimedelta ----------------------------------------------------------


def _build_businesstimedelta(calendar: BenchCalendar) -> Clock:
    import businesstimedelta
    import pytz

    tz = pytz.timezone(calendar.timezone)
    rules: list[Any] = []
    for window, days in calendar.grouped_windows().items():
        if window.start == window.end:
            raise Unsupported("n/a: no 24-hour windows")
        rules.append(businesstimedelta.WorkDayRule(window.start, window.end, days, tz=tz))
    if calendar.closed_dates:
        # A set, not the documented list: membership is what HolidayRule tests.
        rules.append(businesstimedelta.HolidayRule(frozenset(calendar.closed_dates), tz=tz))
    rule = businesstimedelta.Rules(rules)

    def adder(amount: timedelta) -> Callable[[datetime], datetime]:
        delta = businesstimedelta.BusinessTimeDelta(rule, timedelta=amount)
        return lambda t: t + delta

    return Clock(
        native=lambda t: t,
        adder=adder,
        elapser=lambda: rule.difference,
        instant=lambda t: t,
        duration=lambda d: d.timedelta,
    )


# --- pandas ---------------------------------------------------------------------


def _build_pandas(calendar: BenchCalendar) -> Clock:
    import pandas as pd
    from pandas.tseries.offsets import CustomBusinessHour

    days = [d for d in range(7) if calendar.hours[d]]
    shapes = {calendar.hours[d] for d in days}
    if len(shapes) > 1:
        raise Unsupported("n/a: one set of hours for all open weekdays")
    windows = next(iter(shapes))
    if any(w.start == w.end for w in windows):
        raise Unsupported("n/a: no 24-hour windows")
    weekmask = " ".join(WEEKDAYS[d].capitalize() for d in days)
    holidays = sorted(calendar.closed_dates)
    starts = [w.start.strftime("%H:%M") for w in windows]
    ends = [w.end.strftime("%H:%M") for w in windows]
    zone = calendar.zone

    def adder(amount: timedelta) -> Callable[[Any], Any]:
        hours, rest = divmod(amount, timedelta(hours=1))
        if rest:
            raise Unsupported("n/a: whole hours only")
        offset = CustomBusinessHour(n=hours, start=starts, end=ends, weekmask=weekmask, holidays=holidays)
        return lambda t: t + offset

    return Clock(
        native=lambda t: pd.Timestamp(_aware(t, zone)),
        adder=adder,
        elapser=_no_elapsed("n/a: no elapsed API"),
        instant=lambda t: t.to_pydatetime(),
    )


# --- workclock ------------------------------------------------------------------


def _build_workclock(calendar: BenchCalendar) -> Clock:
    import workclock

    rules: list[Any] = [workclock.WorkDay(w.start, w.end, days) for w, days in calendar.grouped_windows().items()]
    if calendar.closed_dates:
        rules.append(workclock.Holidays(calendar.closed_dates))
    schedule = workclock.Schedule(rules, time_zone=calendar.timezone)
    add = schedule.add

    def adder(amount: timedelta) -> Callable[[datetime], datetime]:
        return lambda t: add(t, amount)

    return Clock(native=lambda t: t, adder=adder, elapser=lambda: schedule.between, instant=lambda t: t)


# --- timegrid -------------------------------------------------------------------

#: timegrid compiles a timeline for fast range reads; this one covers every query here.
TIMEGRID_COMPILED = (datetime(2025, 1, 1), datetime(2036, 1, 1))
#: timegrid's add searches about five years unless told otherwise.
_TIMEGRID_DEFAULT_SEARCH = timedelta(days=5 * 365)


def _build_timegrid(calendar: BenchCalendar) -> Clock:
    import timegrid

    day_names = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
    cal = timegrid.TimeGridCalendar.create()
    for weekday, windows in enumerate(calendar.hours):
        for window in windows:
            if window.start == window.end:
                raise Unsupported("n/a: no 24-hour windows")
            cal = cal.add_open_rule(getattr(timegrid.DayOfWeek, day_names[weekday]), window.start, window.end)
    for day in sorted(calendar.closed_dates):
        cal = cal.add_holiday(day)
    # timegrid takes naive datetimes: local wall time in the calendar's zone.
    zone = calendar.zone
    timeline = cal.compile(*TIMEGRID_COMPILED)
    add_work = cal.add_work_duration
    # Real time per business time, to size a search past timegrid's default when needed.
    stretch = 168 / calendar.weekly_open_hours() * 1.25

    def adder(amount: timedelta) -> Callable[[datetime], datetime]:
        reach = amount * stretch + timedelta(days=60)
        if reach <= _TIMEGRID_DEFAULT_SEARCH:
            return lambda t: add_work(t, amount)
        return lambda t: add_work(t, amount, t + reach)

    def native(t: datetime) -> datetime:
        return t.astimezone(zone).replace(tzinfo=None)

    return Clock(
        native=native,
        adder=adder,
        elapser=lambda: timeline.get_working_duration,
        instant=lambda t: t.replace(tzinfo=zone),
    )


#: Every library in the benchmark, ours first.
ADAPTERS: tuple[Adapter, ...] = (
    Adapter(
        "sla_timers",
        "sla_timers",
        _build_sla_timers,
        "`BusinessCalendar.from_dict(...)` with the dates under `holidays.dates`; `cal.add(t, d)`, `cal.elapsed(a, b)`.",
    ),
    Adapter(
        "businesstimedelta",
        "businesstimedelta",
        _build_businesstimedelta,
        "`Rules([WorkDayRule(..., tz=pytz zone), HolidayRule(dates as a set)])`; "
        "`t + BusinessTimeDelta(rule, timedelta=d)`, `rule.difference(a, b)`.",
    ),
    Adapter(
        "pandas CBH",
        "pandas",
        _build_pandas,
        "one `CustomBusinessHour(n, start, end, weekmask, holidays)` per span, built before timing; "
        "`Timestamp + offset` on aware Timestamps; no elapsed API.",
    ),
    Adapter(
        "workclock",
        "workclock",
        _build_workclock,
        "`Schedule([WorkDay(...), Holidays(dates)], time_zone=...)`; `add(t, d)`, `between(a, b)`.",
    ),
    Adapter(
        "timegrid",
        "timegrid",
        _build_timegrid,
        "naive local wall time (no zones); `add_work_duration(t, d)` (with `searchUntil` only past its "
        "default five-year search); elapsed on a timeline compiled for 2025-2035 before timing "
        "(`get_working_duration`).",
        wall_time_only=True,
    ),
)


def utc(value: datetime) -> datetime:
    """``value`` in UTC, for comparing instants (same-zone datetimes compare as wall time)."""
    return value.astimezone(UTC)
