"""The cached timeline of a calendar's open pieces, walked in either direction. No I/O here.

Open time is counted on one running scale for the whole calendar: the
``cum`` of a piece is the open time owned by every earlier piece, from the
origin of the calendar's :class:`~sla_timers.clock._years.YearLedger`. So a
timeline of a few built years answers ``elapsed`` with two bisections and
``add`` with one, and a question years away builds only the years it lands
in: the ledger says which, without building those between.

One :class:`Walker` answers every walk, forward or backward: the piece at an
instant, the instant a running total reaches, the edge of an open stretch,
the n-th business day.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from datetime import date

from ._pieces import Piece, PieceBuilder
from ._timeline import DAY_US, MAX_US, from_us
from ._years import FIRST_YEAR, LAST_YEAR, YearLedger

__all__ = ["Timeline", "Walker"]

_INF = 1 << 62
#: Years a timeline may hold; a question further away starts another one.
_MAX_YEARS = 32
#: Years past the hot timeline that grow it; further, another timeline starts
#: (an answer ten years on builds its own year, not the nine between).
_NEAR = 4
#: Built years kept (a year's pieces, owners and closing times).
_KEEP_YEARS = 48


class Timeline:
    """Open pieces of local years ``y_lo`` to ``y_hi``, with running open time.

    An immutable snapshot (replaced whole, never edited), so readers need no
    lock. Exact for instants in ``[lo, hi)``: from the start of ``y_lo + 1``
    (the year before ``y_lo`` may reach into ``y_lo``) to the end of ``y_hi``.
    """

    __slots__ = ("starts", "ends", "cum", "cum_end", "owners", "base", "lo", "hi", "y_lo", "y_hi")

    def __init__(self, pieces: list[Piece], cum: list[int], base: int, lo: int, hi: int, y_lo: int, y_hi: int) -> None:
        self.starts = [p[0] for p in pieces]
        self.ends = [p[1] for p in pieces]
        self.owners = [p[2] for p in pieces]
        self.cum = cum
        self.cum_end = [c + e - s for c, (s, e, _) in zip(cum, pieces)]
        #: Running open time owned by the years before ``y_lo``.
        self.base = base
        self.lo = lo
        self.hi = hi
        self.y_lo = y_lo
        self.y_hi = y_hi

    def measure(self, x: int) -> int:
        """Running open time at ``x`` (non-decreasing in ``x``)."""
        i = bisect_right(self.starts, x) - 1
        if i < 0:
            return self.base
        end = self.ends[i]
        return self.cum[i] + (x if x < end else end) - self.starts[i]


class _Year:
    """One built year: its pieces, business days in order, and each day's closing time."""

    __slots__ = ("pieces", "owners", "closes")

    def __init__(self, pieces: list[Piece]) -> None:
        self.pieces = pieces
        closes: dict[int, int] = {}
        for _, e, owner in pieces:
            if e > closes.get(owner, -_INF):
                closes[owner] = e
        self.closes = closes
        self.owners = sorted(closes)


class Walker:
    """Walks one calendar's open time; builds and caches what it walks through."""

    def __init__(self, builder: PieceBuilder) -> None:
        self.builder = builder
        self.ledger = YearLedger(builder)
        #: The timeline most recently used, and the one before it (a span
        #: whose ends are centuries apart keeps one timeline per end).
        self.hot: Timeline | None = None
        self._other: Timeline | None = None
        self._years: dict[int, _Year] = {}
        # Re-entrant: a walk holding it builds timelines, which take it too.
        self.lock = threading.RLock()

    # ------------------------------------------------------------------ years and timelines

    def year(self, year: int) -> _Year:
        """The built year (cached)."""
        found = self._years.get(year)
        if found is None:
            with self.lock:
                pieces = self.builder.build_year(year)
                # The running scale adds the ledger's totals: they must be the built ones.
                assert self.ledger.summarize_pieces(year, pieces) == self.ledger.summary(year), year
                if len(self._years) >= _KEEP_YEARS:
                    self._years.pop(next(iter(self._years)))
                found = self._years[year] = _Year(pieces)
        return found

    def local_year(self, x: int) -> int:
        """The local year of instant ``x``, clamped to 1..9999."""
        # Within two days of either end the local reading may not exist (a zone
        # ahead of UTC on 9999-12-31); the year is the end's either way.
        if x >= MAX_US - 2 * DAY_US:
            return LAST_YEAR
        if x < 2 * DAY_US:
            return FIRST_YEAR
        return from_us(x, self.builder.zone).year

    def _make(self, y_lo: int, y_hi: int) -> Timeline:
        pieces: list[Piece] = []
        cum: list[int] = []
        for y in range(y_lo, y_hi + 1):
            total = self.ledger.open_before(y)
            for s, e, owner in self.year(y).pieces:
                pieces.append((s, e, owner))
                cum.append(total)
                total += e - s
        ledger = self.ledger
        lo = -_INF if y_lo <= FIRST_YEAR else ledger.year_start(y_lo + 1)
        hi = _INF if y_hi >= LAST_YEAR else ledger.year_start(y_hi + 1)
        return Timeline(pieces, cum, ledger.open_before(y_lo), lo, hi, y_lo, y_hi)

    def years(self, y_lo: int, y_hi: int) -> Timeline:
        """A timeline holding every piece of years ``y_lo`` to ``y_hi`` (few of them)."""
        y_lo, y_hi = max(FIRST_YEAR, y_lo), min(LAST_YEAR, y_hi)
        for tl in (self.hot, self._other):
            if tl is not None and tl.y_lo <= y_lo and y_hi <= tl.y_hi:
                return self._use(tl)
        with self.lock:
            for near in (self.hot, self._other):
                if near is None:
                    continue
                lo, hi = min(near.y_lo, y_lo), max(near.y_hi, y_hi)
                if hi - lo < _MAX_YEARS and y_lo <= near.y_hi + _NEAR and y_hi >= near.y_lo - _NEAR:
                    # Within reach of a timeline: grow it (by half its length or
                    # more, so a long walk rebuilds a logarithmic number of times).
                    extra = max(1, (near.y_hi - near.y_lo + 1) // 2)
                    if y_hi > near.y_hi:
                        hi = min(LAST_YEAR, max(hi, near.y_hi + extra), lo + _MAX_YEARS - 1)
                    if y_lo < near.y_lo:
                        lo = max(FIRST_YEAR, min(lo, near.y_lo - extra), hi - _MAX_YEARS + 1)
                    grown = self._make(lo, hi)
                    if near is self._other:
                        self._other = grown
                    else:
                        self.hot = grown
                    return self._use(grown)
            return self._use(self._make(y_lo, y_hi))

    def _use(self, tl: Timeline) -> Timeline:
        if tl is not self.hot:
            self._other, self.hot = self.hot, tl
        return tl

    def at(self, x: int) -> Timeline:
        """A timeline exact at instant ``x`` (no lock needed: timelines are snapshots)."""
        tl = self.hot
        if tl is not None and tl.lo <= x < tl.hi:
            return tl
        other = self._other
        if other is not None and other.lo <= x < other.hi:
            return self._use(other)
        y = self.local_year(x)
        return self.years(y - 1, y)

    def span(self, a: int, b: int) -> Timeline | None:
        """One timeline exact on ``[a, b]``, or None when they are too many years apart."""
        ya, yb = self.local_year(a), self.local_year(b)
        if yb - ya + 2 > _MAX_YEARS:
            return None
        return self.years(ya - 1, yb)

    def measure(self, x: int) -> int:
        """Running open time at ``x``."""
        return self.at(x).measure(x)

    # ------------------------------------------------------------------ walks

    def reach(self, x: int, amount: int) -> int | None:
        """The instant ``amount`` of open time after ``x`` (before it when negative).

        Forward the earliest such instant, backward the latest. None when years
        1 to 9999 do not hold that much.
        """
        tl = self.at(x)
        target = tl.measure(x) + amount
        forward = amount > 0
        i = self.find(tl, target, forward)
        if i is None and self._other is not None:
            tl = self._other
            i = self.find(tl, target, forward)
        if i is None:
            with self.lock:
                year = self.ledger.year_of_open(target, forward)
                if year is None:
                    return None
                tl = self.years(year, year)
            i = self.find(tl, target, forward)
            assert i is not None
        if forward:
            return tl.ends[i] - (tl.cum_end[i] - target)
        return tl.starts[i] + (target - tl.cum[i])

    def find(self, tl: Timeline, target: int, forward: bool) -> int | None:
        """The piece of ``tl`` where running open time ``target`` is reached, if
        the answer lies in ``tl``: forward the first piece whose end reaches it,
        backward the last piece whose start is at or before it."""
        cum = tl.cum
        if not cum:
            return None
        if forward:
            if not cum[0] < target <= tl.cum_end[-1]:
                return None
            return bisect_left(tl.cum_end, target)
        if not cum[0] <= target < tl.cum_end[-1]:
            return None
        return bisect_right(cum, target) - 1

    def other(self) -> Timeline | None:
        """The timeline used before the hot one."""
        return self._other

    def piece(self, x: int, forward: bool) -> tuple[Timeline, int] | None:
        """Forward: the piece holding ``x``, or the first after it. Backward: the
        last piece starting before ``x``. None when there is none in years 1 to 9999."""
        tl = self.at(x)
        starts = tl.starts
        if forward:
            i = bisect_right(starts, x) - 1
            if i >= 0 and x < tl.ends[i]:
                return tl, i
            if i + 1 < len(starts):
                return tl, i + 1
        else:
            i = bisect_left(starts, x) - 1
            if i >= 0:
                return tl, i
        # None in this timeline: the ledger says which year holds the next open time.
        m = tl.measure(x)
        with self.lock:
            year = self.ledger.year_of_open(m + 1 if forward else m - 1, forward)
            if year is None:
                return None
            tl = self.years(year, year)
        if forward:
            i = bisect_right(tl.starts, x)
            return (tl, i) if i < len(tl.starts) else None
        i = bisect_left(tl.starts, x) - 1
        return (tl, i) if i >= 0 else None

    def edge(self, x: int, limit: int | None, forward: bool) -> int:
        """Where the open stretch that reaches ``x`` ends (forward) or starts (backward).

        ``x`` is an instant the stretch has reached so far: the end of a piece
        going forward, the start of one going backward. Touching pieces are one
        stretch. The walk stops at ``limit`` (the caller clips there); whole
        years open around the clock are crossed at once. Forward, a stretch that
        never closes gives an instant past year 9999.
        """
        ledger = self.ledger
        while True:
            if limit is not None and (x >= limit if forward else x <= limit):
                return x
            tl = self.at(x if forward else x - 1)
            starts, ends = tl.starts, tl.ends
            if forward:
                i = max(0, bisect_right(starts, x) - 1)
                n = len(starts)
                while i < n and starts[i] <= x:
                    if ends[i] > x:
                        x = ends[i]
                        if limit is not None and x >= limit:
                            return x
                    i += 1
                if i < n or x < tl.hi:
                    return x
                y = self.local_year(x)
                with self.lock:
                    while y <= LAST_YEAR and ledger.gapless(y):
                        x = max(x, ledger.year_start(y + 1))
                        y += 1
                        if limit is not None and x >= limit:
                            return x
                if y > LAST_YEAR:
                    return x
            else:
                i = bisect_left(starts, x) - 1
                while i >= 0 and ends[i] >= x:
                    if starts[i] < x:
                        x = starts[i]
                        if limit is not None and x <= limit:
                            return x
                    i -= 1
                if i >= 0 or x > tl.lo:
                    return x
                y = self.local_year(x - 1)
                with self.lock:
                    while y >= FIRST_YEAR and ledger.gapless(y):
                        x = min(x, ledger.year_start(y))
                        y -= 1
                        if limit is not None and x <= limit:
                            return x
                if y < FIRST_YEAR:
                    return x

    def business_day(self, owner: int, days: int) -> int | None:
        """The business day ``days`` after business day ``owner`` (before it when negative)."""
        year = date.fromordinal(owner).year
        owners = self.year(year).owners
        j = bisect_left(owners, owner) + days
        if 0 <= j < len(owners):
            return owners[j]
        ledger = self.ledger
        index = ledger.days_before(year) + j
        found = ledger.year_of_day(index)
        if found is None:
            return None
        return self.year(found).owners[index - ledger.days_before(found)]

    def day_close(self, owner: int) -> int:
        """The close of the last window of business day ``owner``."""
        return self.year(date.fromordinal(owner).year).closes[owner]

    def is_business_day(self, ordinal: int) -> bool:
        """True when date ``ordinal`` owns some open time."""
        return ordinal in self.year(date.fromordinal(ordinal).year).closes
