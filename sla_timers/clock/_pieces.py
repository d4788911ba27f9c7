"""A calendar's open pieces, built for a run of local dates. No I/O here.

A piece is ``(start, end, owner)``: a stretch of open time in integer
microseconds on the UTC timeline (:mod:`sla_timers.clock._timeline`) and the
date ordinal of the window it came from. The pieces of a run of dates are
sorted, disjoint and non-empty, and their owners never decrease along them.

What a date's pieces are depends only on that date and its neighbours: the two
dates before it (their overnight windows and openings can overlap its
windows, and then the earlier one keeps the overlap) and the date after it (a
closure there can cut its overnight window). So any run of dates can be built
on its own and gives exactly the pieces a build of the whole year would.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from zoneinfo import ZoneInfo

from ._timeline import DAY_US, MINUTE_US, first_instant
from .spec import CalendarSpec, DatedWindow

__all__ = ["Piece", "PieceBuilder"]

#: ``(start, end, owner)``: open time ``[start, end)`` from a window of date ordinal ``owner``.
Piece = tuple[int, int, int]

_NEG_INF = -(1 << 62)
_LAST_ORDINAL = date.max.toordinal()


class PieceBuilder:
    """Builds the open pieces of a calendar for any run of local dates.

    Holds what the spec says per weekday and per date, and the public holidays
    of each year once asked (the ``holidays`` package is slow to ask).
    Not locked: callers hold the calendar's lock while building.
    """

    def __init__(self, spec: CalendarSpec, zone: ZoneInfo) -> None:
        self.spec = spec
        self.zone = zone
        #: Weekly windows as (start minute, end minute) from the date's midnight, Monday first.
        self.weekly: tuple[tuple[tuple[int, int], ...], ...] = tuple(
            tuple((w.start_minute, w.end_minute) for w in day) for day in spec.hours
        )
        #: Open time of each weekday's windows as wall time (what a date far from
        #: DST changes and exceptions has), and the part of it past midnight.
        self.wall_open = tuple(sum(e - s for s, e in day) * MINUTE_US for day in self.weekly)
        self.wall_tail = tuple(sum(max(0, e - 1440) for _, e in day) * MINUTE_US for day in self.weekly)
        self.has_windows = tuple(bool(day) for day in self.weekly)
        self.closed = frozenset(d.toordinal() for d in spec.closed_dates)
        self.openings = _minutes_by_day(spec.openings)
        self.closures = _minutes_by_day(spec.closures)
        self._holiday_cache: dict[int, dict[date, str]] = {}

    # ------------------------------------------------------------------ dates

    def holidays(self, year: int) -> dict[date, str]:
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

    def prefetch_holidays(self, first_year: int, last_year: int) -> None:
        """Ask the ``holidays`` package once for a run of years (cheaper than year by year)."""
        if self.spec.holiday_country is None:
            return
        wanted = [y for y in range(first_year, last_year + 1) if y not in self._holiday_cache]
        if not wanted:
            return
        import holidays

        found = holidays.country_holidays(
            self.spec.holiday_country,
            subdiv=self.spec.holiday_subdiv,
            years=wanted,
            language="en_US",
        )
        by_year: dict[int, dict[date, str]] = {y: {} for y in wanted}
        for day, name in found.items():
            if day.year in by_year:
                by_year[day.year][day] = name
        self._holiday_cache.update(by_year)

    def is_closed_date(self, ordinal: int) -> bool:
        """True when the weekly windows of this date do not open (holiday or closed date)."""
        if ordinal in self.closed:
            return True
        if self.spec.holiday_country is None:
            return False
        day = date.fromordinal(ordinal)
        return day in self.holidays(day.year)

    # ------------------------------------------------------------------ instants

    def span(self, ordinal: int, start_minute: int, end_minute: int) -> tuple[int, int]:
        """The real-time span of a window of date ``ordinal``: from the first instant
        the date's clock reads its start (or later, past a gap) to the same for its end."""
        midnight = (ordinal - 1) * DAY_US
        return (
            first_instant(self.zone, midnight + start_minute * MINUTE_US),
            first_instant(self.zone, midnight + end_minute * MINUTE_US),
        )

    def year_start(self, year: int) -> int:
        """First instant of local ``year`` (for 10000, of the day after 9999-12-31)."""
        ordinal = date(year, 1, 1).toordinal() if year <= 9999 else _LAST_ORDINAL + 1
        return first_instant(self.zone, (ordinal - 1) * DAY_US)

    # ------------------------------------------------------------------ building

    def build_year(self, year: int) -> list[Piece]:
        """Open pieces owned by dates of local ``year``."""
        return self.build(date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal())

    def build(self, first: int, last: int) -> list[Piece]:
        """Open pieces owned by date ordinals ``first`` to ``last``: sorted, disjoint, non-empty."""
        # Two earlier dates as context: their overnight windows and openings can
        # overlap these dates' first openings, which then give way exactly as
        # they do when the earlier dates are built.
        context = max(1, first - 2)
        pieces: list[Piece] = []
        weekly = self.weekly
        for ordinal in range(context, last + 1):
            spans: list[tuple[int, int]] = []
            if not self.is_closed_date(ordinal):
                spans.extend(weekly[(ordinal - 1) % 7])
            extra = self.openings.get(ordinal)
            if extra:
                spans.extend(extra)
            for s_min, e_min in spans:
                s, e = self.span(ordinal, s_min, e_min)
                if e > s:
                    pieces.append((s, e, ordinal))
        pieces.sort()
        merged: list[Piece] = []
        reach = _NEG_INF
        for s, e, owner in pieces:
            if s < reach:
                s = reach  # overlapping open time counts once, for the earlier piece
            if e > s:
                merged.append((s, e, owner))
            if e > reach:
                reach = e
        closures: list[tuple[int, int]] = []
        if self.closures:
            for ordinal in range(context, min(last + 1, _LAST_ORDINAL) + 1):
                for s_min, e_min in self.closures.get(ordinal, ()):
                    closures.append(self.span(ordinal, s_min, e_min))
            closures.sort()
        out: list[Piece] = []
        for s, e, owner in merged:
            if owner < first:
                continue
            for c_s, c_e in closures:
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


def _minutes_by_day(dated: Iterable[DatedWindow]) -> dict[int, list[tuple[int, int]]]:
    """Dated windows as date ordinal -> [(start minute, end minute)], in the given order."""
    by_day: dict[int, list[tuple[int, int]]] = {}
    for dw in dated:
        by_day.setdefault(dw.day.toordinal(), []).append((dw.window.start_minute, dw.window.end_minute))
    return by_day
