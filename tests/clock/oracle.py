"""A brute-force reference for the business-hours clock, at minute resolution.

Independent of the engine: it walks UTC minutes one by one and asks
``zoneinfo`` (through ``datetime.astimezone``) what each minute's local clock
reads. A window's span is found the way DESIGN.md words it, by scanning for
the first minute whose local reading is at or past the window's start (and
likewise its end) on its date. Slow on purpose and meant for spans of days.

API (all datetimes aware, on whole minutes; durations whole minutes)::

    oracle_elapsed(spec, a, b) -> timedelta     # open time in [a, b); negative if b < a
    oracle_add(spec, t, d, horizon_days=21) -> datetime   # earliest/latest, in UTC
    oracle_is_open(spec, t) -> bool
    make_spec(timezone, {"mon": ["09:00-17:00"], ...}, closed=..., ...) -> CalendarSpec

Semantics mirrored from DESIGN.md and the calendar docstring: a window belongs
to the date it starts on; a closed date or public holiday closes the weekly
windows starting on it; openings add open time on their date (also on
holidays); closures then subtract, from openings too.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import holidays

from sla_timers.clock.spec import WEEKDAYS, CalendarSpec, DatedWindow, Window

__all__ = ["make_spec", "oracle_add", "oracle_elapsed", "oracle_is_open"]

UTC = timezone.utc
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)


def parse_window(text: str) -> Window:
    """``"HH:MM-HH:MM"`` as a :class:`Window` (``24:00`` as an end means midnight)."""
    start, end = text.split("-")

    def clock(value: str) -> time:
        hours, minutes = (int(part) for part in value.split(":"))
        return time(0) if hours == 24 else time(hours, minutes)

    return Window(clock(start), clock(end))


def make_spec(
    timezone_name: str,
    hours: dict[str, list[str]],
    *,
    name: str = "test",
    country: str | None = None,
    subdiv: str | None = None,
    closed: tuple[date, ...] | list[date] | frozenset[date] = (),
    closures: tuple[tuple[date, str], ...] | list[tuple[date, str]] = (),
    openings: tuple[tuple[date, str], ...] | list[tuple[date, str]] = (),
) -> CalendarSpec:
    """A :class:`CalendarSpec` built directly (no schema): ``hours`` maps
    ``"mon"``..``"sun"`` (or ``"daily"``) to ``"HH:MM-HH:MM"`` windows."""
    days = tuple(
        tuple(parse_window(w) for w in hours.get(day, hours.get("daily", []))) for day in WEEKDAYS
    )
    return CalendarSpec(
        name=name,
        timezone=timezone_name,
        hours=days,
        holiday_country=country,
        holiday_subdiv=subdiv,
        closed_dates=frozenset(closed),
        closures=tuple(DatedWindow(d, parse_window(w)) for d, w in closures),
        openings=tuple(DatedWindow(d, parse_window(w)) for d, w in openings),
    )


def _local_reading(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None, fold=0)


def _first_minute_reading(zone: ZoneInfo, wall: datetime) -> datetime:
    """The first UTC minute at which ``zone``'s clock reads ``wall`` or later."""
    # 15 h before ``wall`` read as UTC, every zone's clock still reads earlier
    # (offsets stay within -12 h .. +14 h).
    m = wall.replace(tzinfo=UTC) - timedelta(hours=15)
    # Coarse steps only while the clock reads 3 h short of ``wall``: no DST fall
    # back is that large, so no earlier reading at or past ``wall`` is skipped.
    while _local_reading(m + HOUR, zone) < wall - timedelta(hours=3):
        m += HOUR
    while _local_reading(m, zone) < wall:
        m += MINUTE
    return m


def _holiday_dates(spec: CalendarSpec, first: date, last: date) -> set[date]:
    if spec.holiday_country is None:
        return set()
    found = holidays.country_holidays(
        spec.holiday_country,
        subdiv=spec.holiday_subdiv,
        years=range(first.year, last.year + 1),
    )
    return set(found.keys())


def _spans(spec: CalendarSpec, first: date, last: date) -> tuple[list[tuple], list[tuple]]:
    """(open spans, closure spans) in UTC for windows starting on dates first..last."""
    zone = ZoneInfo(spec.timezone)
    closed = _holiday_dates(spec, first, last) | set(spec.closed_dates)
    opens: list[tuple[datetime, datetime]] = []
    shut: list[tuple[datetime, datetime]] = []

    def span(day: date, start_minute: int, end_minute: int) -> tuple[datetime, datetime]:
        midnight = datetime(day.year, day.month, day.day)
        return (
            _first_minute_reading(zone, midnight + timedelta(minutes=start_minute)),
            _first_minute_reading(zone, midnight + timedelta(minutes=end_minute)),
        )

    day = first
    while day <= last:
        if day not in closed:
            for window in spec.hours[day.weekday()]:
                opens.append(span(day, window.start_minute, window.end_minute))
        for dated in spec.openings:
            if dated.day == day:
                opens.append(span(day, dated.window.start_minute, dated.window.end_minute))
        for dated in spec.closures:
            if dated.day == day:
                shut.append(span(day, dated.window.start_minute, dated.window.end_minute))
        day += timedelta(days=1)
    return opens, shut


def _minute_open(m: datetime, opens: list[tuple], shut: list[tuple]) -> bool:
    if any(s <= m < e for s, e in shut):
        return False
    return any(s <= m < e for s, e in opens)


def _check_minutes(*values: datetime) -> None:
    for value in values:
        assert value.tzinfo is not None, "the oracle takes aware datetimes"
        assert value.second == 0 and value.microsecond == 0, "the oracle works on whole minutes"


def _date_range(spec: CalendarSpec, a: datetime, b: datetime) -> tuple[date, date]:
    zone = ZoneInfo(spec.timezone)
    # Windows from two dates earlier can still be open at ``a`` (overnight,
    # plus a zone whose date runs ahead of UTC).
    return a.astimezone(zone).date() - timedelta(days=2), b.astimezone(zone).date() + timedelta(days=1)


def oracle_elapsed(spec: CalendarSpec, a: datetime, b: datetime) -> timedelta:
    """Open time in ``[a, b)`` counted minute by minute (negative when ``b < a``)."""
    _check_minutes(a, b)
    if b < a:
        return -oracle_elapsed(spec, b, a)
    first, last = _date_range(spec, a, b)
    opens, shut = _spans(spec, first, last)
    count = 0
    m = a.astimezone(UTC)
    stop = b.astimezone(UTC)
    while m < stop:
        if _minute_open(m, opens, shut):
            count += 1
        m += MINUTE
    return count * MINUTE


def oracle_is_open(spec: CalendarSpec, t: datetime) -> bool:
    """Whether the minute starting at ``t`` is open."""
    _check_minutes(t)
    first, last = _date_range(spec, t, t)
    opens, shut = _spans(spec, first, last)
    return _minute_open(t.astimezone(UTC), opens, shut)


def oracle_add(spec: CalendarSpec, t: datetime, d: timedelta, horizon_days: int = 21) -> datetime:
    """``add`` by walking minutes: earliest ``T >= t`` with ``d`` open minutes in
    ``[t, T)``; for ``d < 0`` the latest ``T <= t`` with ``-d`` open minutes in
    ``[T, t)``. Looks ``horizon_days`` ahead (or back) and fails beyond that.
    """
    _check_minutes(t)
    assert d % MINUTE == timedelta(0), "the oracle works on whole minutes"
    start = t.astimezone(UTC)
    if d == timedelta(0):
        return start
    need = abs(d) // MINUTE
    horizon = timedelta(days=horizon_days)
    if d > timedelta(0):
        first, last = _date_range(spec, start, start + horizon)
        opens, shut = _spans(spec, first, last)
        m = start
        while m < start + horizon:
            if _minute_open(m, opens, shut):
                need -= 1
                if need == 0:
                    return m + MINUTE
            m += MINUTE
    else:
        first, last = _date_range(spec, start - horizon, start)
        opens, shut = _spans(spec, first, last)
        m = start - MINUTE
        while m >= start - horizon:
            if _minute_open(m, opens, shut):
                need -= 1
                if need == 0:
                    return m
            m -= MINUTE
    raise AssertionError(f"oracle: not enough open time within {horizon_days} days of {t}")
