"""The business-hours clock: :class:`BusinessCalendar`. No I/O here.

A calendar turns a validated :class:`~sla_timers.clock.spec.CalendarSpec` into
answers about business time. Internally every instant is an int of
microseconds on the UTC timeline (:mod:`sla_timers.clock._timeline`). The open
pieces of a local year are built when a question lands in it
(:mod:`sla_timers.clock._pieces`) and walked with a running total of open time
(:mod:`sla_timers.clock._walk`); whole years are counted without being built
(:mod:`sla_timers.clock._years`). So ``elapsed`` is two bisections and ``add``
one, and no answer costs more for a span of centuries than for a few years.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from ..errors import CalendarError, DurationOutOfRangeError, NoOpenTimeError
from ._bounds import AddBounds
from ._pieces import PieceBuilder
from ._timeline import MAX_US, duration_us, from_us, to_us
from ._walk import Walker
from .spec import CalendarSpec

if TYPE_CHECKING:
    from .open_time import OpenTime

__all__ = ["BusinessCalendar"]

#: Name shown by :meth:`BusinessCalendar.holidays_between` for a ``closed_dates`` day.
CLOSED_DATE_NAME = "Closed"

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
    Instants and results stay within years 1 to 9999; an answer that would
    leave them raises :class:`~sla_timers.errors.DurationOutOfRangeError` at
    once. Instances are safe to share between threads.
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
        builder = PieceBuilder(spec, self.zone)
        self._builder = builder
        self._walker = Walker(builder)
        self._bounds = AddBounds(builder, self.name)
        #: Open stretches per block of the UTC timeline, read by OpenTime readers
        #: and shared by all of them (block index -> stretches).
        self._open_blocks: dict[int, Any] = {}
        #: Closes of business days for ``eod`` targets, kept: every timer starting
        #: on a day asks the same ((business day, days after) -> microseconds).
        self._closes: dict[tuple[int, int], int] = {}

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
    def load(cls, name_or_path: str | os.PathLike[str], *, allow_path: bool = False) -> BusinessCalendar:
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
        return cls.from_dict({"name": "24x7", "timezone": timezone, "hours": {day: all_day for day in days}})

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
    # ------------------------------------------------------------------ public API

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Business time open in ``[start, end)``; negative when ``end < start``.

        Exact to the microsecond; costs the same for an hour or five centuries.

        :raises NaiveDatetimeError: if either argument has no tzinfo.
        """
        a = to_us(start, "start")
        b = to_us(end, "end")
        walker = self._walker
        tl = walker.hot
        if tl is None or not (tl.lo <= a < tl.hi and tl.lo <= b < tl.hi):
            with walker.lock:
                tl = walker.span(min(a, b), max(a, b))
                if tl is None:  # centuries apart: one timeline per end
                    return timedelta(microseconds=walker.measure(b) - walker.measure(a))
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
        walker = self._walker
        tl = walker.hot
        if tl is not None and tl.lo <= x < tl.hi:
            # The common case, without the lock: the answer in one of the two timelines kept.
            target = tl.measure(x) + du
            for kept in (tl, walker.other()):
                i = None if kept is None else walker.find(kept, target, du > 0)
                if kept is not None and i is not None:
                    if du > 0:
                        return from_us(kept.ends[i] - (kept.cum_end[i] - target), self.zone)
                    return from_us(kept.starts[i] + (target - kept.cum[i]), self.zone)
        self._bounds.check_add(x, du)
        result = walker.reach(x, du)
        if result is None:
            raise self._bounds.not_enough(du)
        return from_us(result, self.zone)

    def is_open(self, t: datetime) -> bool:
        """True when ``t`` is inside open time (windows are ``[start, end)``).

        :raises NaiveDatetimeError: if ``t`` has no tzinfo.
        """
        x = to_us(t, "t")
        found = self._walker.piece(x, forward=True)
        if found is None:
            return False
        tl, i = found
        return tl.starts[i] <= x < tl.ends[i]

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
        end = self._walker.edge(tl.ends[i], None, forward=True)
        if end > MAX_US:
            raise DurationOutOfRangeError(f"calendar {self.name!r} never closes again before year 9999")
        return from_us(end, self.zone)

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
        return self._intervals(a, b, forward=not reverse)

    def is_business_day(self, day: date) -> bool:
        """True when some open time starts on local date ``day``.

        :raises TypeError: if ``day`` is not a ``date`` (a ``datetime`` is refused too).
        """
        _require_date(day, "day")
        with self._walker.lock:
            return self._walker.is_business_day(day.toordinal())

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
        :raises DurationOutOfRangeError: if that day would fall outside years 1 to 9999.
        """
        if not isinstance(days, int) or isinstance(days, bool):
            raise TypeError(f"days must be an int, got {type(days).__name__}: {days!r}")
        return from_us(self._business_day_close(to_us(t, "t"), days)[0], self.zone)

    def _business_day_close(self, x: int, days: int) -> tuple[int, int, int]:
        """:meth:`end_of_business_day` of the instant ``x``, in microseconds, and
        ``[lo, hi)`` around ``x`` in which every instant has the same answer: from
        the end of the window before to the end of the window whose day decides."""
        tl, i = self._piece_at_or_after(x)
        ends, owners = tl.ends, tl.owners
        owner = owners[i]
        # The same day decides from the end of the previous day's last window to
        # the end of this day's last window (a day may have several).
        j = i
        while j + 1 < len(owners) and owners[j + 1] == owner:
            j += 1
        k = i
        while k > 0 and owners[k - 1] == owner:
            k -= 1
        hi = ends[j]
        lo = ends[k - 1] if k > 0 else min(x, tl.starts[0])
        key = (owner, days)
        found = self._closes.get(key)
        if found is None:
            walker = self._walker
            with walker.lock:
                owner = walker.business_day(key[0], days)
                if owner is None:
                    raise self._bounds.too_many_days(days, date.fromordinal(key[0]))
                found = walker.day_close(owner)
            if len(self._closes) >= 4096:  # days asked for by tickets: stay small
                self._closes.clear()
            # Two threads may work out the same close; both are equal.
            self._closes[key] = found
        return found, lo, hi

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
        years = self._walker.ledger.holiday_years
        if years is not None:
            first, last = max(start.year, years[0]), min(end.year, years[1])
            with self._walker.lock:
                if last - first >= 2:
                    self._builder.prefetch_holidays(first, last)
                for year in range(first, last + 1):
                    for day, name in self._builder.holidays(year).items():
                        if start <= day <= end:
                            found[day] = name
        for day in self.spec.closed_dates:
            if start <= day <= end:
                found.setdefault(day, CLOSED_DATE_NAME)
        return sorted(found.items())

    # ------------------------------------------------------------------ helpers

    def _piece_at_or_after(self, x: int) -> tuple[Any, int]:
        found = self._walker.piece(x, forward=True)
        if found is None:
            raise NoOpenTimeError(
                f"calendar {self.name!r} never opens after this instant: no weekly hours and no later openings"
            )
        return found

    def _intervals(self, a: int, b: int, forward: bool) -> Iterator[tuple[datetime, datetime]]:
        walker = self._walker
        cursor = a if forward else b
        while (cursor < b) if forward else (cursor > a):
            found = walker.piece(cursor, forward)
            if found is None:
                return
            tl, i = found
            if forward:
                s = max(cursor, tl.starts[i])
                if s >= b:
                    return
                e = walker.edge(tl.ends[i], b, forward=True)
            else:
                e = min(cursor, tl.ends[i])
                if e <= a:
                    return
                s = walker.edge(tl.starts[i], a, forward=False)
            yield from_us(max(s, a), self.zone), from_us(min(e, b), self.zone)
            cursor = e if forward else s


def _require_date(value: object, name: str) -> None:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise TypeError(f"{name} must be a date, got {type(value).__name__}: {value!r}")
