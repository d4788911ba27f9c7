"""Whole local years at a time: open time, business days, and their running sums. No I/O here.

A question about instants centuries apart must not build every year between
them (building one costs milliseconds). Most years differ from a plain
weekly pattern in only a few dates: public holidays, the calendar's own
closed dates, closures and openings, and the nights the zone changes its
clock. So a year's open time is its weekly wall-clock hours, counted by
weekday, plus a correction for each such date, worked out by building just
the few dates around it (:class:`~sla_timers.clock._pieces.PieceBuilder`
gives exactly the pieces a whole-year build would). A closed date alone only
removes its own windows, so it costs an addition.

Years with no exceptions near them, before the zone's first recorded clock
change or after its last (where one yearly rule applies), repeat by shape:
the weekday of 1 January and leap years. Their totals are worked out once
per shape and reused. The running sums (:meth:`YearLedger.open_before`,
:meth:`YearLedger.days_before`) start from the first year asked about and
grow outward, so any year is reached in time bounded by the 9,999 years,
never by rebuilding them.
"""

from __future__ import annotations

import calendar as _gregorian
from bisect import bisect_left, bisect_right
from datetime import date
from typing import NamedTuple

from ._changes import offset_at as _offset
from ._changes import probe_changes as _probe
from ._changes import recorded_changes as _recorded_transitions
from ._pieces import Piece, PieceBuilder
from ._timeline import DAY_US, MINUTE_US

__all__ = ["FIRST_YEAR", "LAST_YEAR", "YearLedger", "YearSummary"]

FIRST_YEAR = 1
LAST_YEAR = 9999
#: Days around an exception or a clock change whose pieces may differ from the weekly pattern.
_MARGIN = 3
_HOUR_US = 3_600_000_000
_LAST_ORDINAL = date.max.toordinal()


class YearSummary(NamedTuple):
    """What the pieces owned by one local year's dates add up to."""

    #: Open time, in microseconds.
    open: int
    #: Business days: dates owning some open time.
    days: int
    #: Open time of those pieces at or after the next year's first instant
    #: (a 31 December overnight window running into 1 January).
    tail: int


class YearLedger:
    """Year summaries of one calendar and their running sums. Callers hold the calendar's lock."""

    def __init__(self, builder: PieceBuilder) -> None:
        self._b = builder
        spec = builder.spec
        explicit = _recorded_transitions(builder.zone)
        #: The zone's recorded clock changes, or None when they cannot be read
        #: (then every year's changes are found by probing the zone).
        self._explicit = explicit
        if explicit is None:
            self._before_year, self._after_year = 0, LAST_YEAR + 1
            self._explicit_end = None
        elif explicit:
            self._before_year = _utc_year(explicit[0]) - 2
            self._after_year = _utc_year(explicit[-1]) + 2
            self._explicit_end = explicit[-1]
        else:
            self._before_year, self._after_year = 0, FIRST_YEAR
            self._explicit_end = None
        self._holiday_years = _holiday_years(spec.holiday_country, spec.holiday_subdiv)
        #: The years the ``holidays`` package has dates for, or None without a country.
        self.holiday_years = self._holiday_years
        closed = set(builder.closed)
        special = set(builder.openings) | set(builder.closures)
        self._closed_sorted = sorted(closed)
        self._special_sorted = sorted(special)
        years: set[int] = set()
        for ordinal in closed | special:
            lo = date.fromordinal(max(1, ordinal - _MARGIN - 1)).year
            hi = date.fromordinal(min(_LAST_ORDINAL, ordinal + _MARGIN + 1)).year
            years.update(range(lo, hi + 1))
        #: Years with a dated exception of the spec near them: never summarized by shape.
        self._exception_years = frozenset(years)
        self._shapes: dict[tuple[int, int, bool, bool], YearSummary] = {}
        self._rule_cache: dict[tuple[int, int, int, bool, bool, int], list[int]] = {}
        self._summaries: dict[int, YearSummary] = {}
        self._starts: dict[int, int] = {}
        #: Running sums: ``_open_cum[k]`` is the open time owned by years before
        #: ``_y0 + k``, counted from ``_y0`` (so it may go negative after growing back).
        self._y0 = 0
        self._open_cum: list[int] = []
        self._day_cum: list[int] = []

    # ------------------------------------------------------------------ per year

    def year_start(self, year: int) -> int:
        """First instant of local ``year`` (cached; ``year`` up to 10000)."""
        found = self._starts.get(year)
        if found is None:
            found = self._starts[year] = self._b.year_start(year)
        return found

    def summary(self, year: int) -> YearSummary:
        """Open time, business days and tail of ``year``'s dates."""
        found = self._summaries.get(year)
        if found is not None:
            return found
        key = self._shape(year)
        if key is None:
            found = self._summaries[year] = self._summarize(year)
            return found
        shaped = self._shapes.get(key)
        if shaped is None:
            shaped = self._shapes[key] = self._summarize(year)
        return shaped

    def summarize_pieces(self, year: int, pieces: list[Piece]) -> YearSummary:
        """The summary of ``year`` read off its built pieces (to check :meth:`summary`)."""
        next_start = self.year_start(year + 1)
        return YearSummary(
            sum(e - s for s, e, _ in pieces),
            len({owner for _, _, owner in pieces}),
            sum(e - max(s, next_start) for s, e, _ in pieces if e > next_start),
        )

    def gapless(self, year: int) -> bool:
        """True when every instant of local ``year`` is open."""
        here = self.summary(year)
        before = self.summary(year - 1).tail if year > FIRST_YEAR else 0
        span = self.year_start(year + 1) - self.year_start(year)
        return here.open - here.tail + before == span

    def _shape(self, year: int) -> tuple[int, int, bool, bool] | None:
        if year in self._exception_years:
            return None
        h = self._holiday_years
        if h is not None and h[0] - 1 <= year <= h[1] + 1:
            return None
        if year <= self._before_year:
            region = 0
        elif year >= self._after_year:
            region = 1
        else:
            return None
        jan1 = date(year, 1, 1).toordinal()
        leap_before = year > FIRST_YEAR and _gregorian.isleap(year - 1)
        return region, (jan1 - 1) % 7, _gregorian.isleap(year), leap_before

    def _summarize(self, year: int) -> YearSummary:
        b = self._b
        first = date(year, 1, 1).toordinal()
        last = date(year, 12, 31).toordinal()
        n = last - first + 1
        w0 = (first - 1) % 7
        open_ = days = 0
        for wd in range(7):
            count = n // 7 + (1 if (wd - w0) % 7 < n % 7 else 0)
            open_ += count * b.wall_open[wd]
            days += count * b.has_windows[wd]
        tail = b.wall_tail[(last - 1) % 7]
        affected: set[int] = set()
        lo = max(1, first - _MARGIN)
        hi = min(_LAST_ORDINAL, last + _MARGIN)
        for t in self._transitions((lo - 1) * DAY_US - 15 * _HOUR_US, hi * DAY_US + 15 * _HOUR_US):
            if self._touches(t):
                day = t // DAY_US + 1
                affected.update(range(day - _MARGIN, day + _MARGIN + 1))
        specials = self._special_sorted
        for ordinal in specials[bisect_left(specials, lo) : bisect_right(specials, hi)]:
            affected.update(range(ordinal - _MARGIN + 1, ordinal + _MARGIN))
        closed = set(
            self._closed_sorted[bisect_left(self._closed_sorted, first) : bisect_right(self._closed_sorted, last)]
        )
        if self._holiday_years is not None:
            closed.update(d.toordinal() for d in b.holidays(year))
        for ordinal in closed:
            if ordinal in affected:
                continue  # built with its cluster below
            wd = (ordinal - 1) % 7
            # A closed date alone removes its own windows and changes no other date's.
            open_ -= b.wall_open[wd]
            days -= b.has_windows[wd]
            if ordinal == last:
                tail -= b.wall_tail[wd]
        for c0, c1 in _runs(sorted(d for d in affected if first <= d <= last)):
            owned: dict[int, int] = {}
            pieces = b.build(c0, c1)
            for s, e, owner in pieces:
                owned[owner] = owned.get(owner, 0) + e - s
            for ordinal in range(c0, c1 + 1):
                wd = (ordinal - 1) % 7
                open_ += owned.get(ordinal, 0) - b.wall_open[wd]
                days += (ordinal in owned) - b.has_windows[wd]
            if c1 == last:
                next_start = self.year_start(year + 1)
                tail = sum(e - max(s, next_start) for s, e, o in pieces if o == last and e > next_start)
        return YearSummary(open_, days, tail)

    # ------------------------------------------------------------------ clock changes

    def _touches(self, t: int) -> bool:
        """Could the clock change at ``t`` alter any window's real length?

        Only a window whose wall-clock span reaches the readings the change
        skips or repeats can: any other reads one offset at both ends, so its
        real length is its wall length (an office's 09:00-17:00 never meets a
        02:00 change).
        """
        b = self._b
        before, after = _offset(b.zone, t - 1), _offset(b.zone, t)
        lo, hi = t + min(before, after), t + max(before, after)
        day = lo // DAY_US + 1
        for ordinal in range(day - 2, day + 2):
            midnight = (ordinal - 1) * DAY_US
            spans = [
                *b.weekly[(ordinal - 1) % 7],
                *b.openings.get(ordinal, ()),
                *b.closures.get(ordinal, ()),
            ]
            for s_min, e_min in spans:
                if midnight + s_min * MINUTE_US <= hi and midnight + e_min * MINUTE_US >= lo:
                    return True
        return False

    def _transitions(self, lo: int, hi: int) -> list[int]:
        """Instants in ``[lo, hi]`` where the zone's UTC offset may change."""
        explicit = self._explicit
        if explicit is None:
            return _probe(self._b.zone, lo, hi)
        found = explicit[bisect_left(explicit, lo) : bisect_right(explicit, hi)]
        end = self._explicit_end
        if end is None or hi > end:
            found += self._ruled(max(lo, end + 1) if end is not None else lo, hi)
        return found

    def _ruled(self, lo: int, hi: int) -> list[int]:
        """Changes past the recorded ones, where one yearly rule places them by
        the calendar: a span starting on the same weekday of the same date in a
        year of the same leap-ness has them at the same places."""
        first = max(1, lo // DAY_US + 1)
        day = date.fromordinal(first)
        key = (
            day.month,
            day.day,
            (first - 1) % 7,
            _gregorian.isleap(day.year),
            _gregorian.isleap(day.year + 1),
            hi - lo,
        )
        origin = (first - 1) * DAY_US
        found = self._rule_cache.get(key)
        if found is None:
            found = [t - origin for t in _probe(self._b.zone, origin, origin + (hi - lo) + DAY_US)]
            self._rule_cache[key] = found
        return [origin + t for t in found if lo <= origin + t <= hi]

    # ------------------------------------------------------------------ running sums

    def open_before(self, year: int) -> int:
        """Open time owned by years before ``year`` (1 to 10000), from the ledger's origin."""
        self._cover(year)
        return self._open_cum[year - self._y0]

    def days_before(self, year: int) -> int:
        """Business days of years before ``year`` (1 to 10000), from the ledger's origin."""
        self._cover(year)
        return self._day_cum[year - self._y0]

    def year_of_open(self, target: int, forward: bool) -> int | None:
        """The year whose pieces hold running open time ``target``.

        Forward: ``open_before(Z) < target <= open_before(Z + 1)`` (the piece a
        forward search ends in); backward: ``open_before(Z) <= target <
        open_before(Z + 1)``. None when no year in 1 to 9999 has it.
        """
        return self._search(True, target, forward)

    def year_of_day(self, index: int) -> int | None:
        """The year holding business day ``index``: ``days_before(Z) <= index < days_before(Z + 1)``."""
        return self._search(False, index, False)

    def _search(self, by_open: bool, target: int, forward: bool) -> int | None:
        if not self._open_cum:
            raise RuntimeError("the ledger is searched before any year is covered")
        step = 8  # backward the sums are rebuilt at each growth: grow further each time
        while True:
            cum = self._open_cum if by_open else self._day_cum
            k = (bisect_left(cum, target) if forward else bisect_right(cum, target)) - 1
            if k < 0:
                if self._y0 == FIRST_YEAR:
                    return None
                self._cover(max(FIRST_YEAR, self._y0 - step))
                step = min(step * 2, 1024)
            elif k >= len(cum) - 1:
                # Forward one year at a time (appending is cheap), stopping as soon
                # as the sums pass the target: no year past the answer is summed.
                last_year = self._y0 + len(cum) - 1
                while last_year <= LAST_YEAR:
                    self._cover(last_year + 1)
                    last_year += 1
                    cum = self._open_cum if by_open else self._day_cum
                    if cum[-1] > target or (forward and cum[-1] >= target):
                        break
                else:
                    return None
            else:
                return self._y0 + k

    def _cover(self, year: int) -> None:
        """Make the running sums reach ``year`` (1 to 10000)."""
        if not self._open_cum:
            self._y0 = year
            self._open_cum, self._day_cum = [0], [0]
            return
        last_year = self._y0 + len(self._open_cum) - 1
        if year > last_year:
            self._prefetch(last_year, year - 1)
            opens, days = self._open_cum, self._day_cum
            for y in range(last_year, year):
                s = self.summary(y)
                opens.append(opens[-1] + s.open)
                days.append(days[-1] + s.days)
        elif year < self._y0:
            self._prefetch(year, self._y0 - 1)
            new_open: list[int] = []
            new_days: list[int] = []
            o, d = self._open_cum[0], self._day_cum[0]
            for y in range(self._y0 - 1, year - 1, -1):
                s = self.summary(y)
                o -= s.open
                d -= s.days
                new_open.append(o)
                new_days.append(d)
            new_open.reverse()
            new_days.reverse()
            self._open_cum = new_open + self._open_cum
            self._day_cum = new_days + self._day_cum
            self._y0 = year

    def _prefetch(self, first: int, last: int) -> None:
        h = self._holiday_years
        if h is None:
            return
        lo, hi = max(first - 1, h[0]), min(last + 1, h[1])
        if hi - lo >= 2:
            self._b.prefetch_holidays(lo, hi)


def _runs(ordinals: list[int]) -> list[tuple[int, int]]:
    """Sorted ordinals as runs of consecutive ones, ``(first, last)``."""
    runs: list[tuple[int, int]] = []
    for o in ordinals:
        if runs and o == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], o)
        else:
            runs.append((o, o))
    return runs


def _utc_year(us: int) -> int:
    return date.fromordinal(min(_LAST_ORDINAL, max(1, us // DAY_US + 1))).year


def _holiday_years(country: str | None, subdiv: str | None) -> tuple[int, int] | None:
    """The years the ``holidays`` package has dates for, for this country."""
    if country is None:
        return None
    import holidays

    probe = holidays.country_holidays(country, subdiv=subdiv)
    return int(getattr(probe, "start_year", FIRST_YEAR)), int(getattr(probe, "end_year", LAST_YEAR))
