"""A brute-force, minute-stepping business clock: the benchmark's source of expected answers.

It shares no code with :mod:`sla_timers.clock` and follows the README's "Time rules" as
literally as it can, trading all speed for obviousness:

- a window on local date D opens at the first instant at which the calendar zone's
  wall clock reads D + start or later (so a start skipped by a spring-forward gap
  opens when the gap ends, and a start repeated by a fall-back fold opens at its
  first occurrence), and closes likewise at D + end (the next date for an overnight
  window; ``end == start`` is a whole 24 hours of wall time);
- a window belongs to the date it starts on: a closed date drops the windows that
  start on it and no others; extra openings add time (also on closed dates) and
  partial closures remove it;
- windows are half-open, ``[open, close)``.

"First instant the clock reads X or later" is found by stepping minute by minute
through real time, and business time is counted by stepping minute by minute too.
So every instant given to it must sit on a whole UTC minute, and every span should
stay within weeks, not years. The tests (``tests/clock``, through their conftest)
and the benchmark both check the clock against this one reference.

The calendar argument is anything shaped like
:class:`sla_timers.clock.spec.CalendarSpec` (``timezone``, ``hours``,
``closed_dates``, ``holiday_country``, ``holiday_subdiv``, ``closures``,
``openings``), so a spec or the benchmark's own description both work.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

__all__ = ["open_spans", "reference_add", "reference_elapsed", "reference_is_open"]

_MINUTE = timedelta(minutes=1)
_HOUR = timedelta(hours=1)
_DAY = timedelta(days=1)
#: How far ``reference_add`` searches before giving up.
SEARCH_LIMIT = timedelta(days=800)


class _WindowLike(Protocol):
    start: time
    end: time


def reference_elapsed(calendar: Any, start: datetime, end: datetime) -> timedelta:
    """Open time in ``[start, end)``, counted minute by minute; negative when ``end < start``.

    :raises ValueError: if an argument is naive or not on a whole minute.
    """
    a, b = _utc_minute(start, "start"), _utc_minute(end, "end")
    if b < a:
        return -reference_elapsed(calendar, end, start)
    spans = open_spans(calendar, a, b)
    minutes = 0
    t = a
    while t < b:
        if _is_open(spans, t):
            minutes += 1
        t += _MINUTE
    return minutes * _MINUTE


def reference_is_open(calendar: Any, t: datetime) -> bool:
    """Whether the minute starting at ``t`` is open.

    :raises ValueError: if ``t`` is naive or not on a whole minute.
    """
    x = _utc_minute(t, "t")
    return _is_open(open_spans(calendar, x, x + _MINUTE), x)


def reference_add(calendar: Any, start: datetime, amount: timedelta) -> datetime:
    """The earliest instant T >= ``start`` with ``elapsed(start, T) == amount`` (latest T <= for < 0).

    The answer is in UTC. ``amount`` must be a whole number of minutes.

    :raises ValueError: for naive or off-minute input, or no answer within :data:`SEARCH_LIMIT`.
    """
    origin = t = _utc_minute(start, "start")
    if amount % _MINUTE:
        raise ValueError(f"amount {amount} is not a whole number of minutes")
    wanted = abs(amount) // _MINUTE
    if wanted == 0:
        return t
    forward = amount > timedelta(0)
    step = _MINUTE if forward else -_MINUTE
    chunk = timedelta(days=14)
    counted = 0
    lo, hi = (t, t + chunk) if forward else (t - chunk, t)
    spans = open_spans(calendar, lo, hi)
    while abs(t - origin) <= SEARCH_LIMIT:
        # Moving forward the minute [t, t+1) counts; moving backward, [t-1, t).
        probe = t if forward else t - _MINUTE
        if not lo <= probe < hi:
            lo, hi = (probe, probe + chunk) if forward else (probe - chunk + _MINUTE, probe + _MINUTE)
            spans = open_spans(calendar, lo, hi)
        if _is_open(spans, probe):
            counted += 1
            if counted == wanted:
                return t + step
        t += step
    raise ValueError(f"no answer within {SEARCH_LIMIT.days} days of {start.isoformat()}")


def open_spans(
    calendar: Any, lo: datetime, hi: datetime
) -> tuple[list[tuple[datetime, datetime]], list[tuple[datetime, datetime]]]:
    """Open and closed real-time spans (UTC) of every window that can touch ``[lo, hi)``.

    Returns ``(open, closed)``: weekly windows on dates that are not closed plus
    extra openings, and partial closures. An instant is open when some open span
    holds it and no closed span does.
    """
    zone = ZoneInfo(calendar.timezone)
    first = lo.astimezone(zone).date() - 2 * _DAY
    last = hi.astimezone(zone).date() + _DAY
    closed_dates = set(calendar.closed_dates) | _country_holidays(calendar, range(first.year, last.year + 1))
    opened: list[tuple[datetime, datetime]] = []
    day = first
    while day <= last:
        if day not in closed_dates:
            for window in calendar.hours[day.weekday()]:
                opened.append(_span(zone, day, window))
        day += _DAY
    opened.extend(_span(zone, dw.day, dw.window) for dw in calendar.openings)
    closed = [_span(zone, dw.day, dw.window) for dw in calendar.closures]
    return opened, closed


def _is_open(
    spans: tuple[Sequence[tuple[datetime, datetime]], Sequence[tuple[datetime, datetime]]], t: datetime
) -> bool:
    opened, closed = spans
    return any(s <= t < e for s, e in opened) and not any(s <= t < e for s, e in closed)


def _span(zone: ZoneInfo, day: date, window: _WindowLike) -> tuple[datetime, datetime]:
    start_wall = datetime.combine(day, window.start)
    length = _minutes(window.end) - _minutes(window.start)
    if length <= 0:
        length += 24 * 60  # crosses midnight; equal ends mean a whole 24 hours
    end_wall = start_wall + length * _MINUTE
    return _first_instant_reading(zone, start_wall), _first_instant_reading(zone, end_wall)


def _first_instant_reading(zone: ZoneInfo, wall: datetime) -> datetime:
    """The first whole UTC minute at which ``zone``'s wall clock reads ``wall`` or later."""
    # UTC offsets lie within -12h..+14h, so 15 hours before ``wall`` read as UTC
    # the zone's clock reads at most ``wall`` - 1 hour: the walk starts below it.
    t = wall.replace(tzinfo=UTC) - timedelta(hours=15)
    # Whole hours only while the clock an hour later still reads 3 h short of
    # ``wall``: no DST fall-back is that large, so no earlier minute reading
    # ``wall`` or later is stepped over. Then minute by minute.
    while _wall(t + _HOUR, zone) < wall - 3 * _HOUR:
        t += _HOUR
    while _wall(t, zone) < wall:
        t += _MINUTE
    return t


def _wall(t: datetime, zone: ZoneInfo) -> datetime:
    return t.astimezone(zone).replace(tzinfo=None, fold=0)


def _country_holidays(calendar: Any, years: Iterable[int]) -> set[date]:
    country = getattr(calendar, "holiday_country", None)
    if country is None:
        return set()
    import holidays

    found = holidays.country_holidays(country, subdiv=getattr(calendar, "holiday_subdiv", None), years=list(years))
    return set(found)


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def _utc_minute(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {value!r}")
    utc = value.astimezone(UTC)
    if utc.second or utc.microsecond:
        raise ValueError(f"{name} {value.isoformat()} is not on a whole minute")
    return utc
