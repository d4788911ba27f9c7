"""The business-hours clock: :class:`BusinessCalendar`. No I/O here.

A calendar turns a validated :class:`~sla_timers.clock.spec.CalendarSpec` into
answers about business time. Internally every instant is an int of
microseconds on the UTC timeline (:mod:`sla_timers.clock._timeline`). The open
time of one local year at a time is built lazily into sorted, non-overlapping
pieces (start, end, owning date) with the open time accumulated before each
piece, so ``elapsed`` is two bisections and ``add`` one: cost follows the
pieces looked at, never the span.
"""

from __future__ import annotations

import os
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from ..errors import CalendarError, DurationOutOfRangeError, NoOpenTimeError
from ._timeline import (
    DAY_US,
    MAX_US,
    MINUTE_US,
    WEEK_US,
    duration_us,
    first_instant,
    from_us,
    to_us,
)
from .spec import CalendarSpec, DatedWindow

if TYPE_CHECKING:
    from .open_time import OpenTime

__all__ = ["BusinessCalendar"]

_FIRST_YEAR = 1
_LAST_YEAR = 9999
_INF = 1 << 62
#: The most a year's DST shifts can lengthen its windows (two 1 h fall-backs in
#: practice; generous so the up-front range check never refuses a valid ``add``).
_DST_SLACK_PER_YEAR_US = 3 * 3_600_000_000
_YEAR_US = 366 * DAY_US
_REBUILD_GAP_US = 2 * _YEAR_US
#: Name shown by :meth:`BusinessCalendar.holidays_between` for a ``closed_dates`` day.
CLOSED_DATE_NAME = "Closed"


class _Timeline:
    """One consistent snapshot of the built years (swapped whole, never edited).

    ``starts``/``ends`` are the open pieces in order; ``cum[i]`` is the open
    time before piece ``i`` and ``cum_end[i]`` the open time at its end, both
    counted from an arbitrary origin. Answers are exact for instants in
    ``[lo, hi)``.
    """

    __slots__ = (
        "starts", "ends", "cum", "cum_end", "owners", "base", "lo", "hi", "y_lo", "y_hi", "origin"
    )

    def __init__(
        self,
        starts: list[int],
        ends: list[int],
        cum: list[int],
        cum_end: list[int],
        owners: list[int],
        base: int,
        lo: int,
        hi: int,
        y_lo: int,
        y_hi: int,
        origin: int,
    ) -> None:
        self.starts = starts
        self.ends = ends
        self.cum = cum
        self.cum_end = cum_end
        self.owners = owners
        self.base = base
        self.lo = lo
        self.hi = hi
        self.y_lo = y_lo
        self.y_hi = y_hi
        #: Which origin ``cum`` counts from; a rebuild far away starts a new one.
        self.origin = origin

    def measure(self, x: int) -> int:
        """Open time from the origin to ``x`` (a non-decreasing function of ``x``)."""
        i = bisect_right(self.starts, x) - 1
        if i < 0:
            return self.base
        end = self.ends[i]
        return self.cum[i] + (x if x < end else end) - self.starts[i]


_SHARED: dict[tuple[type[BusinessCalendar], CalendarSpec], BusinessCalendar] = {}
_SHARED_LOCK = threading.Lock()
#: How many distinct definitions stay shared; the oldest is dropped first.
_SHARED_MAX = 256


def _shared(cls: type[BusinessCalendar], spec: CalendarSpec) -> BusinessCalendar:
    """One instance per definition (specs are frozen and hashable)."""
    key = (cls, spec)
    found = _SHARED.get(key)
    if found is None:
        built = cls(spec)
        with _SHARED_LOCK:
            if len(_SHARED) >= _SHARED_MAX:
                _SHARED.pop(next(iter(_SHARED)))
            found = _SHARED.setdefault(key, built)
    return found


class BusinessCalendar:
    """Business hours in one IANA zone, with holidays, closures and openings.

    Windows are half-open ``[start, end)`` in local wall time; business time is
    real elapsed time inside them (a 01:00-03:00 window is 3 h on a fall-back
    night). A window runs from the first instant its date's clock reads its
    start (or the first instant after, when a spring-forward gap skips it) to
    the same for its end, and belongs to the date it starts on: a holiday or
    closed date closes the windows that *start* on it. Openings add open time
    on their date (also on holidays); closures then subtract, from openings
    too. Touching open time merges into one stretch (``next_close``,
    ``open_intervals``).

    Every method takes aware datetimes in any zone and returns aware datetimes
    in the calendar's zone; a naive datetime raises
    :class:`~sla_timers.errors.NaiveDatetimeError` naming the argument.
    Instances are safe to share between threads.
    """

    #: Calendar name, as in its definition.
    name: str
    #: The validated definition this calendar answers for.
    spec: CalendarSpec
    #: The calendar's zone; results are in it.
    zone: ZoneInfo

    def __init__(self, spec: CalendarSpec) -> None:
        if not isinstance(spec, CalendarSpec):
            raise TypeError(
                f"spec must be a CalendarSpec, got {type(spec).__name__}; "
                "use BusinessCalendar.from_dict() or .load() for dicts and files"
            )
        self.spec = spec
        self.name = spec.name
        self.zone = ZoneInfo(spec.timezone)
        # Weekly windows as (start minute, end minute) from the date's midnight, Monday first.
        self._weekly: tuple[tuple[tuple[int, int], ...], ...] = tuple(
            tuple((w.start_minute, w.end_minute) for w in day) for day in spec.hours
        )
        self._closed = frozenset(d.toordinal() for d in spec.closed_dates)
        self._openings = _minutes_by_day(spec.openings)
        self._closures = _minutes_by_day(spec.closures)
        self._has_weekly = any(self._weekly)
        opening_days = sorted(self._openings)
        self._first_opening = opening_days[0] if opening_days else None
        self._last_opening = opening_days[-1] if opening_days else None
        # Upper bounds for the up-front range check of add(): weekly open time
        # per week, and all the openings together (each may gain a DST hour).
        self._week_open_us = sum(e - s for day in self._weekly for s, e in day) * MINUTE_US
        self._openings_us = sum(
            (e - s) * MINUTE_US + 3_600_000_000 for spans in self._openings.values() for s, e in spans
        )
        self._gapless = self._weekly_is_gapless()
        explicit = [*self._closed, *self._closures]
        self._last_explicit_closed = max(explicit) if explicit else 0
        self._holiday_cache: dict[int, dict[date, str]] = {}
        self._day_close: dict[int, int] = {}
        # Re-entrant: a walk holding it may need to (re)cover its starting point.
        self._lock = threading.RLock()
        self._tl: _Timeline | None = None

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BusinessCalendar:
        """A calendar from a definition dict (the same schema as the TOML files).

        Equal definitions give one shared instance (a calendar is immutable and
        thread-safe), so the open time it has worked out stays warm across calls.

        :raises CalendarError: (or a subclass) naming the field at fault.
        """
        from .schema import parse_calendar

        return _shared(cls, parse_calendar(data))

    @classmethod
    def from_toml(cls, text: str) -> BusinessCalendar:
        """A calendar from the text of a TOML calendar file (the schema of :meth:`from_dict`).

        :raises CalendarError: (or a subclass) for text that is not TOML (with
            line and column) or an invalid definition, naming the field.
        :raises ArgumentTypeError: if ``text`` is not a ``str``.
        """
        from ..validation import load_toml
        from .schema import parse_calendar

        data = load_toml(text, error=CalendarError, source="calendar", field="calendar")
        return _shared(cls, parse_calendar(data))

    @classmethod
    def load(
        cls, name_or_path: str | os.PathLike[str], *, allow_path: bool = False
    ) -> BusinessCalendar:
        """A shipped calendar by name (``"us-ny-9x5"``); a ``.toml`` file by path
        only with ``allow_path=True``.

        Names may come from data a client sent, so a path is refused unless the
        host's own code asks for it (``allow_path=True``): then a file is read
        at each call (an edited file gives a new calendar). Equal definitions
        give one shared instance, as with :meth:`from_dict`: loading by name per
        ticket costs a lookup, not a rebuild.

        :raises CalendarNotFound: when no shipped calendar or file has that name.
        :raises CalendarError: (or a subclass) for a path without ``allow_path``,
            a file that is not a regular file of at most 1 MiB, or an invalid
            definition; ``field`` is ``"calendar"`` for the name or file.
        """
        from .files import load_calendar_spec

        return _shared(cls, load_calendar_spec(name_or_path, allow_path=allow_path))

    @classmethod
    def always_open(cls, timezone: str = "UTC") -> BusinessCalendar:
        """A calendar open around the clock every day, with no holidays.

        Business time equals real elapsed time; results are in ``timezone``.
        Named ``"24x7"`` (the shipped ``24x7`` calendar is this one in UTC).

        :raises UnknownTimezoneError: if ``timezone`` is not an IANA zone name.
        """
        all_day = ["00:00-24:00"]
        days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        return cls.from_dict(
            {"name": "24x7", "timezone": timezone, "hours": {day: all_day for day in days}}
        )

    def open_time(self, origin: datetime) -> OpenTime:
        """An :class:`~sla_timers.clock.OpenTime` reader of this calendar from ``origin`` on.

        For many questions in time order (a ticket replay): it reads the open
        stretches once and answers as :meth:`elapsed` and :meth:`add` do.
        """
        from .open_time import OpenTime

        return OpenTime(self, origin)

    def __repr__(self) -> str:
        return f"BusinessCalendar(name={self.name!r}, zone={self.spec.timezone!r})"

    # ------------------------------------------------------------------ public API

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Business time open in ``[start, end)``; negative when ``end < start``.

        Exact to the microsecond; costs the same for an hour or five years.

        :raises NaiveDatetimeError: if either argument has no tzinfo.
        """
        a = to_us(start, "start")
        b = to_us(end, "end")
        tl = self._tl
        if tl is None or not (tl.lo <= a < tl.hi and tl.lo <= b < tl.hi):
            tl = self._cover(min(a, b), max(a, b))
        return timedelta(microseconds=tl.measure(b) - tl.measure(a))

    def add(self, t: datetime, d: timedelta) -> datetime:
        """The instant ``d`` of business time after ``t`` (before it when ``d < 0``).

        For ``d > 0`` the earliest ``T >= t`` with ``elapsed(t, T) == d``, so a
        result can be exactly a closing time; for ``d < 0`` the latest
        ``T <= t`` with ``elapsed(T, t) == -d``; for ``d == 0``, ``t``.

        :raises NaiveDatetimeError: if ``t`` has no tzinfo.
        :raises NoOpenTimeError: if the calendar has no (or not enough) open
            time after ``t`` (before it, for ``d < 0``), ever.
        :raises DurationOutOfRangeError: if the result would fall outside years 1 to 9999.
        """
        x = to_us(t, "t")
        du = duration_us(d, "d")
        if du == 0:
            return from_us(x, self.zone)
        while True:
            tl = self._tl
            if tl is None or not tl.lo <= x < tl.hi:
                tl = self._cover(x, x)
            target = tl.measure(x) + du
            if du > 0:
                i = bisect_left(tl.cum_end, target)
                if i == len(tl.cum_end):
                    self._check_forward_range(x, du)
                    found = self._extend_for_target(tl, target)
                    if found is None:  # rebuilt from a new origin meanwhile: measure again
                        continue
                    tl, i = found
                return from_us(tl.ends[i] - (tl.cum_end[i] - target), self.zone)
            i = bisect_right(tl.cum, target) - 1
            if i < 0:
                self._check_backward_range(x, -du)
                found = self._extend_back_for_target(tl, target)
                if found is None:
                    continue
                tl, i = found
            return from_us(tl.starts[i] + (target - tl.cum[i]), self.zone)

    def is_open(self, t: datetime) -> bool:
        """True when ``t`` is inside open time (windows are ``[start, end)``).

        :raises NaiveDatetimeError: if ``t`` has no tzinfo.
        """
        x = to_us(t, "t")
        tl = self._cover(x, x)
        i = bisect_right(tl.starts, x) - 1
        return i >= 0 and x < tl.ends[i]

    def next_open(self, t: datetime) -> datetime:
        """``t`` when open, else the next instant the calendar opens.

        :raises NaiveDatetimeError: if ``t`` has no tzinfo.
        :raises NoOpenTimeError: if the calendar never opens again after ``t``.
        """
        x = to_us(t, "t")
        tl, i = self._piece_at_or_after(x)
        return from_us(max(x, tl.starts[i]), self.zone)

    def next_close(self, t: datetime) -> datetime:
        """The end of the open stretch containing ``t``, or of the next one when closed.

        Touching windows (``09:00-12:00`` + ``12:00-17:00``, or ``00:00-24:00``
        and the next day's ``00:00-...``) are one stretch.

        :raises NaiveDatetimeError: if ``t`` has no tzinfo.
        :raises NoOpenTimeError: if the calendar never opens again after ``t``.
        :raises DurationOutOfRangeError: if it never closes before year 9999.
        """
        x = to_us(t, "t")
        tl, i = self._piece_at_or_after(x)
        return from_us(self._stretch_end(tl.starts[i]), self.zone)

    def open_intervals(
        self, start: datetime, end: datetime, *, reverse: bool = False
    ) -> Iterator[tuple[datetime, datetime]]:
        """Open stretches clipped to ``[start, end)``, as ``(open_at, close_at)`` pairs.

        Lazily, in time order, or from ``end`` backwards with ``reverse=True``.
        Touching windows come out merged. Empty when ``end <= start``.

        :raises NaiveDatetimeError: if either argument has no tzinfo (at the call,
            not at the first ``next()``).
        """
        a = to_us(start, "start")
        b = to_us(end, "end")
        if reverse:
            return self._intervals_backward(a, b)
        return self._intervals_forward(a, b)

    def is_business_day(self, day: date) -> bool:
        """True when some open time starts on local date ``day``.

        :raises TypeError: if ``day`` is not a ``date`` (a ``datetime`` is refused too).
        """
        _require_date(day, "day")
        self._cover_year(day.year)
        return day.toordinal() in self._day_close

    def business_day(self, t: datetime) -> date:
        """The date owning the open time at ``t``, or the next open time when closed.

        An overnight window's morning hours belong to the date it started on.

        :raises NaiveDatetimeError: if ``t`` has no tzinfo.
        :raises NoOpenTimeError: if the calendar never opens again after ``t``.
        """
        x = to_us(t, "t")
        tl, i = self._piece_at_or_after(x)
        return date.fromordinal(tl.owners[i])

    def end_of_business_day(self, t: datetime, days: int = 0) -> datetime:
        """The close of the last window of ``business_day(t)``, or of the
        ``days``-th business day after it (before it when ``days < 0``).

        This is the ``"eod"`` / ``"eod+N"`` target of a timer starting at ``t``.

        :raises NaiveDatetimeError: if ``t`` has no tzinfo.
        :raises NoOpenTimeError: if there are not that many business days left.
        """
        if not isinstance(days, int) or isinstance(days, bool):
            raise TypeError(f"days must be an int, got {type(days).__name__}: {days!r}")
        x = to_us(t, "t")
        tl, i = self._piece_at_or_after(x)
        owner = tl.owners[i]
        step = 1 if days > 0 else -1
        for _ in range(abs(days)):
            owner = self._neighbour_business_day(owner, step)
        return from_us(self._day_close[owner], self.zone)

    def holidays_between(self, start: date, end: date) -> list[tuple[date, str]]:
        """Whole closed dates in ``[start, end]`` (both included), with names, by date.

        Public holidays carry the ``holidays`` package's name; the calendar's
        own ``closed_dates`` are named ``"Closed"`` unless also a public holiday.
        Openings on those dates still open (see :meth:`is_business_day`).

        :raises TypeError: if either argument is not a ``date``.
        """
        _require_date(start, "start")
        _require_date(end, "end")
        found: dict[date, str] = {}
        for year in range(start.year, end.year + 1):
            for day, name in self._holidays(year).items():
                if start <= day <= end:
                    found[day] = name
        for day in self.spec.closed_dates:
            if start <= day <= end:
                found.setdefault(day, CLOSED_DATE_NAME)
        return sorted(found.items())

    # ------------------------------------------------------------------ building

    def _holidays(self, year: int) -> dict[date, str]:
        """Public holidays of ``year`` (empty outside the package's years), cached."""
        cached = self._holiday_cache.get(year)
        if cached is None:
            cached = {}
            if self.spec.holiday_country is not None:
                import holidays

                # Names in English whatever the server's LANG (the package would
                # otherwise follow the locale or the country's own language);
                # a country without an English list keeps its default one.
                found = holidays.country_holidays(
                    self.spec.holiday_country,
                    subdiv=self.spec.holiday_subdiv,
                    years=year,
                    language="en_US",
                )
                cached = {day: name for day, name in found.items() if day.year == year}
            self._holiday_cache[year] = cached
        return cached

    def _is_closed_date(self, ordinal: int) -> bool:
        if ordinal in self._closed:
            return True
        if self.spec.holiday_country is None:
            return False
        day = date.fromordinal(ordinal)
        return day in self._holidays(day.year)

    def _span(self, ordinal: int, start_minute: int, end_minute: int) -> tuple[int, int]:
        midnight = (ordinal - 1) * DAY_US
        return (
            first_instant(self.zone, midnight + start_minute * MINUTE_US),
            first_instant(self.zone, midnight + end_minute * MINUTE_US),
        )

    def _year_start(self, year: int) -> int:
        """First instant of local ``year`` (+inf past 9999)."""
        if year > _LAST_YEAR:
            return _INF
        return first_instant(self.zone, (date(year, 1, 1).toordinal() - 1) * DAY_US)

    def _build_year(self, year: int) -> list[tuple[int, int, int]]:
        """Open pieces owned by dates of local ``year``: sorted, disjoint, non-empty."""
        first = date(year, 1, 1).toordinal()
        last = date(year, 12, 31).toordinal()
        # Two earlier dates as context: their overnight windows can overlap this
        # year's first openings, which then give way exactly as they will when
        # the earlier year is built.
        context = max(1, first - 2)
        pieces: list[tuple[int, int, int]] = []
        for ordinal in range(context, last + 1):
            spans: list[tuple[int, int]] = []
            if not self._is_closed_date(ordinal):
                spans.extend(self._weekly[(ordinal - 1) % 7])
            spans.extend(self._openings.get(ordinal, ()))
            for s_min, e_min in spans:
                s, e = self._span(ordinal, s_min, e_min)
                if e > s:
                    pieces.append((s, e, ordinal))
        pieces.sort()
        merged: list[list[int]] = []
        reach = -_INF
        for s, e, owner in pieces:
            if s < reach:
                s = reach  # overlapping open time counts once, for the earlier piece
            if e > s:
                merged.append([s, e, owner])
            if e > reach:
                reach = e
        closures: list[tuple[int, int]] = []
        for ordinal in range(context, min(last + 2, date.max.toordinal()) + 1):
            for s_min, e_min in self._closures.get(ordinal, ()):
                closures.append(self._span(ordinal, s_min, e_min))
        out: list[tuple[int, int, int]] = []
        for s, e, owner in merged:
            if owner < first:
                continue
            for c_s, c_e in sorted(closures):
                if c_e <= s or c_s >= e:
                    continue
                if c_s > s:
                    out.append((s, c_s, owner))
                s = max(s, c_e)
                if s >= e:
                    break
            if e > s:
                out.append((s, e, owner))
        return out

    def _make_timeline(
        self, pieces: list[tuple[int, int, int]], base: int, y_lo: int, y_hi: int, origin: int
    ) -> _Timeline:
        starts = [p[0] for p in pieces]
        ends = [p[1] for p in pieces]
        owners = [p[2] for p in pieces]
        cum: list[int] = []
        cum_end: list[int] = []
        total = base
        for s, e, _ in pieces:
            cum.append(total)
            total += e - s
            cum_end.append(total)
        lo = -_INF if y_lo <= _FIRST_YEAR else self._year_start(y_lo + 1)
        hi = self._year_start(y_hi + 1)
        return _Timeline(starts, ends, cum, cum_end, owners, base, lo, hi, y_lo, y_hi, origin)

    def _record_closes(self, pieces: list[tuple[int, int, int]]) -> None:
        for _, e, owner in pieces:
            if e > self._day_close.get(owner, -_INF):
                self._day_close[owner] = e

    def _local_year(self, x: int) -> int:
        if x >= MAX_US:
            return _LAST_YEAR
        if x < 2 * DAY_US:
            return _FIRST_YEAR
        return from_us(x, self.zone).year

    def _grow(self, forward: bool) -> _Timeline:
        """Build more years at the end (or the start); the lock is held.

        Grows by up to half the years already built (at most 16), so a long
        walk rebuilds the arrays a logarithmic number of times, not once a year.
        """
        tl = self._tl
        assert tl is not None
        count = min(16, max(1, (tl.y_hi - tl.y_lo + 1) // 2))
        if forward:
            first = tl.y_hi + 1
            if first > _LAST_YEAR:
                raise DurationOutOfRangeError(
                    "the result falls after year 9999, the last the clock supports"
                )
            last = min(_LAST_YEAR, first + count - 1)
            pieces = [p for year in range(first, last + 1) for p in self._build_year(year)]
            self._record_closes(pieces)
            old = list(zip(tl.starts, tl.ends, tl.owners))
            new = self._make_timeline(old + pieces, tl.base, tl.y_lo, last, tl.origin)
        else:
            last = tl.y_lo - 1
            if last < _FIRST_YEAR:
                raise DurationOutOfRangeError(
                    "the result falls before year 1, the first the clock supports"
                )
            first = max(_FIRST_YEAR, last - count + 1)
            pieces = [p for year in range(first, last + 1) for p in self._build_year(year)]
            self._record_closes(pieces)
            total = sum(e - s for s, e, _ in pieces)
            old = list(zip(tl.starts, tl.ends, tl.owners))
            new = self._make_timeline(pieces + old, tl.base - total, first, tl.y_hi, tl.origin)
        self._tl = new
        return new

    def _cover(self, a: int, b: int) -> _Timeline:
        """A timeline exact on ``[a, b]``, building years as needed."""
        tl = self._tl
        if tl is not None and tl.lo <= a and b < tl.hi:
            return tl
        with self._lock:
            tl = self._tl
            # Far from the built years, start afresh rather than build every
            # year in between: cost follows the span asked about, not the
            # distance from earlier questions.
            if tl is None or a >= tl.hi + _REBUILD_GAP_US or b < tl.lo - _REBUILD_GAP_US:
                year = self._local_year(a)
                y_lo = max(_FIRST_YEAR, year - 1)
                pieces = self._build_year(y_lo)
                if year > y_lo:
                    pieces += self._build_year(year)
                self._record_closes(pieces)
                tl = self._tl = self._make_timeline(pieces, 0, y_lo, year, self._next_origin(tl))
            while a < tl.lo:
                tl = self._grow(forward=False)
            while b >= tl.hi:
                tl = self._grow(forward=True)
            return tl

    def _cover_year(self, year: int) -> _Timeline:
        if not _FIRST_YEAR <= year <= _LAST_YEAR:
            raise DurationOutOfRangeError(f"year {year} is outside years 1 to 9999")
        tl = self._tl
        if tl is not None and tl.y_lo <= year <= tl.y_hi:
            return tl
        with self._lock:
            tl = self._tl
            if tl is None or year > tl.y_hi + 2 or year < tl.y_lo - 2:
                pieces = self._build_year(year)
                self._record_closes(pieces)
                tl = self._tl = self._make_timeline(pieces, 0, year, year, self._next_origin(tl))
            while year < tl.y_lo:
                tl = self._grow(forward=False)
            while year > tl.y_hi:
                tl = self._grow(forward=True)
            return tl

    def _more_after(self, tl: _Timeline) -> bool:
        """Could a year after the built ones hold open time?"""
        if self._has_weekly:
            return tl.y_hi < _LAST_YEAR
        return self._last_opening is not None and date.fromordinal(self._last_opening).year > tl.y_hi

    def _more_before(self, tl: _Timeline) -> bool:
        if self._has_weekly:
            return tl.y_lo > _FIRST_YEAR
        return (
            self._first_opening is not None
            and date.fromordinal(self._first_opening).year < tl.y_lo
        )

    @staticmethod
    def _next_origin(old: _Timeline | None) -> int:
        return 0 if old is None else old.origin + 1

    def _extend_for_target(self, seen: _Timeline, target: int) -> tuple[_Timeline, int] | None:
        """Build forward until the cumulative open time reaches ``target``.

        None when another thread rebuilt the cache from a new origin since
        ``seen``, so ``target`` no longer means anything: the caller retries.
        """
        with self._lock:
            tl = self._tl
            assert tl is not None
            if tl.origin != seen.origin:
                return None
            while True:
                i = bisect_left(tl.cum_end, target)
                if i < len(tl.cum_end):
                    return tl, i
                if not self._more_after(tl):
                    raise NoOpenTimeError(
                        f"calendar {self.name!r} has not enough open time left: no weekly "
                        "hours and no later openings"
                    )
                tl = self._grow(forward=True)

    def _extend_back_for_target(
        self, seen: _Timeline, target: int
    ) -> tuple[_Timeline, int] | None:
        with self._lock:
            tl = self._tl
            assert tl is not None
            if tl.origin != seen.origin:
                return None
            while True:
                i = bisect_right(tl.cum, target) - 1
                if i >= 0:
                    return tl, i
                if not self._more_before(tl):
                    raise NoOpenTimeError(
                        f"calendar {self.name!r} has not enough open time before: no weekly "
                        "hours and no earlier openings"
                    )
                tl = self._grow(forward=False)

    def _check_forward_range(self, x: int, du: int) -> None:
        """Refuse up front an ``add`` that must land after year 9999 (or never)."""
        if not self._has_weekly and (
            self._last_opening is None or (self._last_opening + 2) * DAY_US <= x
        ):
            raise NoOpenTimeError(
                f"calendar {self.name!r} has no open time after this instant: no weekly "
                "hours and no later openings"
            )
        if du > self._open_bound(MAX_US - x):
            raise DurationOutOfRangeError(
                f"adding {timedelta(microseconds=du)} of business time would pass year 9999"
            )

    def _check_backward_range(self, x: int, du: int) -> None:
        if not self._has_weekly and (
            self._first_opening is None or (self._first_opening - 2) * DAY_US >= x
        ):
            raise NoOpenTimeError(
                f"calendar {self.name!r} has no open time before this instant: no weekly "
                "hours and no earlier openings"
            )
        if du > self._open_bound(x):
            raise DurationOutOfRangeError(
                f"subtracting {timedelta(microseconds=du)} of business time would pass year 1"
            )

    def _open_bound(self, span: int) -> int:
        """More than the open time any ``span`` of real time can hold (up to year bounds)."""
        if not self._has_weekly:
            return self._openings_us
        weeks = span // WEEK_US + 2
        years = span // _YEAR_US + 2
        return min(
            span, weeks * self._week_open_us + years * _DST_SLACK_PER_YEAR_US + self._openings_us
        )

    def _piece_at_or_after(self, x: int) -> tuple[_Timeline, int]:
        """The piece containing ``x``, or the first one after it."""
        tl = self._cover(x, x)
        i = bisect_right(tl.starts, x) - 1
        if i >= 0 and x < tl.ends[i]:
            return tl, i
        i += 1
        if i < len(tl.starts):
            return tl, i
        with self._lock:
            tl = self._cover(x, x)
            while True:
                i = bisect_right(tl.starts, x)
                if i < len(tl.starts):
                    return tl, i
                if not self._more_after(tl):
                    raise NoOpenTimeError(
                        f"calendar {self.name!r} never opens after this instant: no weekly "
                        "hours and no later openings"
                    )
                tl = self._grow(forward=True)

    def _stretch_end(self, start: int, limit: int | None = None) -> int:
        """End of the run of touching pieces that begins with the piece starting at ``start``.

        With ``limit``, stops walking at the first piece ending at or past it
        (the caller clips there). Without, walks to the run's real end, and
        raises :class:`DurationOutOfRangeError` rather than walk to year 9999
        when every later year is open around the clock.
        """
        with self._lock:
            tl = self._cover(start, start)
            i = bisect_left(tl.starts, start)
            while True:
                if limit is not None and tl.ends[i] >= limit:
                    return tl.ends[i]
                if i + 1 < len(tl.starts):
                    if tl.starts[i + 1] != tl.ends[i]:
                        return tl.ends[i]
                    i += 1
                    continue
                if not self._more_after(tl):
                    return tl.ends[i]
                if limit is None and self._never_closes_after(tl.y_hi):
                    raise DurationOutOfRangeError(
                        f"calendar {self.name!r} never closes again before year 9999"
                    )
                tl = self._grow(forward=True)

    def _never_closes_after(self, year: int) -> bool:
        """True when every year after ``year`` is open around the clock."""
        if not self._gapless:
            return False
        if self._last_explicit_closed and date.fromordinal(self._last_explicit_closed).year >= year:
            return False
        # The holidays package has no dates past its end year (2100 for most countries).
        return self.spec.holiday_country is None or year > 2100

    def _weekly_is_gapless(self) -> bool:
        covered = [False] * (7 * 1440)
        for day, windows in enumerate(self._weekly):
            for s, e in windows:
                for m in range(day * 1440 + s, day * 1440 + e):
                    covered[m % (7 * 1440)] = True
        return all(covered)

    def _neighbour_business_day(self, owner: int, step: int) -> int:
        with self._lock:
            tl = self._cover_year(date.fromordinal(owner).year)
            while True:
                if step > 0:
                    j = bisect_right(tl.owners, owner)
                    if j < len(tl.owners):
                        return tl.owners[j]
                    if not self._more_after(tl):
                        raise NoOpenTimeError(
                            f"calendar {self.name!r} has no business day after "
                            f"{date.fromordinal(owner)}"
                        )
                    tl = self._grow(forward=True)
                else:
                    j = bisect_left(tl.owners, owner) - 1
                    if j >= 0:
                        return tl.owners[j]
                    if not self._more_before(tl):
                        raise NoOpenTimeError(
                            f"calendar {self.name!r} has no business day before "
                            f"{date.fromordinal(owner)}"
                        )
                    tl = self._grow(forward=False)

    # ------------------------------------------------------------------ interval walks

    def _intervals_forward(self, a: int, b: int) -> Iterator[tuple[datetime, datetime]]:
        cursor = a
        while cursor < b:
            try:
                tl, i = self._piece_at_or_after(cursor)
            except NoOpenTimeError:
                return
            s = max(cursor, tl.starts[i])
            if s >= b:
                return
            e = self._stretch_end(tl.starts[i], limit=b)
            yield from_us(s, self.zone), from_us(min(e, b), self.zone)
            cursor = e

    def _intervals_backward(self, a: int, b: int) -> Iterator[tuple[datetime, datetime]]:
        cursor = b
        while cursor > a:
            found = self._piece_before(cursor)
            if found is None:
                return
            tl, i = found
            e = min(cursor, tl.ends[i])
            if e <= a:
                return
            s = self._stretch_start_until(tl.starts[i], a)
            yield from_us(max(s, a), self.zone), from_us(e, self.zone)
            cursor = s

    def _piece_before(self, x: int) -> tuple[_Timeline, int] | None:
        """The last piece starting before ``x``, or None if none ever does."""
        with self._lock:
            tl = self._cover(x, x)
            while True:
                i = bisect_left(tl.starts, x) - 1
                if i >= 0:
                    return tl, i
                if not self._more_before(tl):
                    return None
                tl = self._grow(forward=False)

    def _stretch_start_until(self, start: int, limit: int) -> int:
        with self._lock:
            tl = self._cover(start, start)
            i = bisect_left(tl.starts, start)
            while True:
                if tl.starts[i] <= limit:
                    return tl.starts[i]
                if i > 0:
                    if tl.ends[i - 1] != tl.starts[i]:
                        return tl.starts[i]
                    i -= 1
                    continue
                if not self._more_before(tl):
                    return tl.starts[i]
                start = tl.starts[i]
                tl = self._grow(forward=False)
                i = bisect_left(tl.starts, start)


def _minutes_by_day(dated: Iterable[DatedWindow]) -> dict[int, list[tuple[int, int]]]:
    """Dated windows as date ordinal -> [(start minute, end minute)], in the given order."""
    by_day: dict[int, list[tuple[int, int]]] = {}
    for dw in dated:
        by_day.setdefault(dw.day.toordinal(), []).append(
            (dw.window.start_minute, dw.window.end_minute)
        )
    return by_day


def _require_date(value: object, name: str) -> None:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise TypeError(f"{name} must be a date, got {type(value).__name__}: {value!r}")
