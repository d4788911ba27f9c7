"""Open-time reading: a calendar's open stretches near one instant, read once. No I/O here.

:class:`OpenTime` serves a caller that asks many questions about the same few
days in time order, such as a ticket replay: the open time since the last
event, and a due or two, dozens of times. Each calendar call costs a
microsecond or two, mostly turning datetimes into ints and back, while
datetime arithmetic in UTC costs a few hundredths. So the open stretches are
read once per block of :data:`BLOCK` (fixed on the UTC timeline) and kept on
the calendar, shared by every reader of it (every ticket replayed on it), with
the open time before each stretch summed: the open time between two instants
of a block is a difference of two sums, and a due is a bisection. Questions
that leave the blocks read (a due weeks ahead, a ticket quiet for months) go
to the calendar: every answer is the calendar's, to the microsecond.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from ..errors import SLAError
from ._timeline import from_us

if TYPE_CHECKING:
    from .calendar import BusinessCalendar

__all__ = ["BLOCK", "OpenTime"]

UTC = UTC
_ZERO = timedelta(0)
_EPOCH = datetime(1, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
#: How much of the timeline one reading covers. Blocks start at fixed instants,
#: so every reader of a calendar shares them.
BLOCK = timedelta(days=32)
#: Blocks kept per calendar (about 45 years); past that the cache starts over.
_KEEP = 512


class _Block:
    """A calendar's open stretches in ``[lo, hi)``, in UTC, cut at both ends."""

    __slots__ = ("lo", "hi", "starts", "ends", "cum", "cum_end", "total", "n")

    def __init__(self, calendar: BusinessCalendar, lo: datetime, hi: datetime) -> None:
        self.lo = lo
        self.hi = hi
        starts: list[datetime] = []
        ends: list[datetime] = []
        #: Open time in the block before stretch i; one more entry: the block's total.
        cum = [_ZERO]
        #: Open time in the block up to the end of stretch i.
        cum_end: list[timedelta] = []
        total = _ZERO
        for s, e in calendar.open_intervals(lo, hi):
            s, e = s.astimezone(UTC), e.astimezone(UTC)
            starts.append(s)
            ends.append(e)
            total += e - s
            cum_end.append(total)
            cum.append(total)
        self.starts = starts
        self.ends = ends
        self.cum = cum
        self.cum_end = cum_end
        self.total = total
        self.n = len(starts)

    def position(self, t: datetime) -> tuple[int, timedelta]:
        """The first stretch that ends after ``t`` and the open time in ``[lo, t)``."""
        i = bisect_right(self.ends, t)
        if i < self.n and t > self.starts[i]:
            return i, self.cum[i] + (t - self.starts[i])
        return i, self.cum[i]


def _block(calendar: BusinessCalendar, t: datetime) -> _Block | None:
    """The block holding ``t``, read on first use; None where a block would leave years 1 to 9999."""
    k = (t - _EPOCH) // BLOCK
    blocks = calendar._open_blocks
    found = blocks.get(k)
    if found is None:
        try:
            lo = _EPOCH + k * BLOCK
            found = _Block(calendar, lo, lo + BLOCK)
        except (OverflowError, SLAError):
            return None
        if len(blocks) >= _KEEP:
            blocks.clear()
        # Two threads may read the same block; both readings are equal.
        blocks[k] = found
    return found


class OpenTime:
    """Open time of one calendar from ``origin`` on, with a cursor that moves
    forward (:meth:`advance`). Instants in and out are UTC datetimes.

    Every answer is the calendar's own (:meth:`BusinessCalendar.elapsed`,
    :meth:`BusinessCalendar.add`), to the microsecond; it is only cheaper for
    a run of questions in time order. Not thread-safe: one caller owns it (the
    stretches it reads are shared through the calendar, safely).
    """

    __slots__ = ("calendar", "origin", "at", "block", "index", "pos", "start", "end", "base", "closes")

    def __init__(self, calendar: BusinessCalendar, origin: datetime) -> None:
        self.calendar = calendar
        self.origin = self.at = origin
        #: The cursor: at ``at``, in ``block``, before stretch ``index`` ends,
        #: with ``pos`` of open time in the block before it. That stretch runs
        #: from ``start`` to ``end`` with ``base`` of open time before it (past
        #: the last stretch: the block's end and total).
        self.block = _block(calendar, origin)
        self._seek(origin)
        #: Per ``days``, the last :meth:`end_of_business_day` answer and the
        #: instants ``[lo, hi)`` that share it: (lo, hi, close, the block holding
        #: the close or None, the open time in that block before the close).
        self.closes: dict[int, tuple[datetime, datetime, datetime, _Block | None, timedelta]] = {}

    def _seek(self, t: datetime) -> None:
        """Put the cursor at ``t``, in ``self.block`` (None: no block, every answer from the calendar)."""
        b = self.block
        if b is None:
            self.index, self.pos = 0, _ZERO
            self.start = self.end = t  # never ahead: every advance leaves
            self.base = _ZERO
            return
        i = bisect_right(b.ends, t)
        self._stretch(b, i)
        self.pos = self.base + (t - self.start) if t > self.start else self.base

    def _stretch(self, b: _Block, i: int) -> None:
        self.index = i
        self.base = b.cum[i]
        if i < b.n:
            self.start, self.end = b.starts[i], b.ends[i]
        else:
            self.start = self.end = b.hi

    def advance(self, t: datetime) -> timedelta:
        """Open time from the cursor to ``t`` (not before it); the cursor moves to ``t``."""
        if t < self.end:
            # In the stretch the cursor is in, or the closed time before it.
            start = self.start
            pos = self.base + (t - start) if t > start else self.base
            d = pos - self.pos
            self.at, self.pos = t, pos
            return d
        b = self.block
        if b is None or t >= b.hi:
            return self._leave(t)
        ends = b.ends
        i = self.index + 1
        n = b.n
        while i < n and ends[i] <= t:
            i += 1
        self._stretch(b, i)
        start = self.start
        pos = self.base + (t - start) if t > start else self.base
        d = pos - self.pos
        self.at, self.pos = t, pos
        return d

    def _leave(self, t: datetime) -> timedelta:
        """Advance past the current block: its rest, the calendar for any gap, then ``t``'s block."""
        cur = self.at
        b = self.block
        nb = _block(self.calendar, t)
        self.at = t
        self.block = nb
        if b is None or nb is None:
            self._seek(t)
            return self.calendar.elapsed(cur, t)
        d = b.total - self.pos
        if nb.lo != b.hi:
            # Blocks between: one calendar call, whatever the gap.
            d += self.calendar.elapsed(b.hi, nb.lo)
        self._seek(t)
        return d + self.pos

    def elapsed(self, a: datetime, b: datetime) -> timedelta:
        """``calendar.elapsed(a, b)``: from the stretches read when both fall in one
        block, else from the calendar. The cursor does not move."""
        block = self.block
        if block is None or not block.lo <= a < block.hi:
            block = _block(self.calendar, a)
        if block is not None and block.lo <= a <= b < block.hi:
            return block.position(b)[1] - block.position(a)[1]
        return self.calendar.elapsed(a, b)

    def end_of_business_day(self, t: datetime, days: int) -> datetime:
        """``calendar.end_of_business_day(t, days)``, in UTC (``t`` in UTC too)."""
        return self._close(t, days)[2]

    def until_end_of_business_day(self, t: datetime, days: int) -> timedelta:
        """``calendar.elapsed(t, calendar.end_of_business_day(t, days))``: an ``eod`` target."""
        _, _, close, b, before_close = self._close(t, days)
        if b is not None and b.lo <= t:
            i = bisect_right(b.ends, t)
            if i < b.n and t > b.starts[i]:
                return before_close - (b.cum[i] + (t - b.starts[i]))
            return before_close - b.cum[i]
        return self.elapsed(t, close)

    def _close(self, t: datetime, days: int) -> tuple[datetime, datetime, datetime, _Block | None, timedelta]:
        last = self.closes.get(days)
        if last is not None and last[0] <= t < last[1]:
            return last  # the timers of one business day share their close
        close_us, lo, hi = self.calendar._business_day_close((t - _EPOCH) // _US, days)
        close = from_us(close_us, UTC)
        b = _block(self.calendar, close)
        before_close = _ZERO if b is None else b.position(close)[1]
        last = self.closes[days] = (from_us(lo, UTC), from_us(hi, UTC), close, b, before_close)
        return last

    def add(self, t: datetime, d: timedelta) -> datetime:
        """``calendar.add(t, d)``, in UTC."""
        b = self.block
        if b is None or not b.lo <= t < b.hi:
            b = _block(self.calendar, t)
        if b is not None:
            # b.position(t), inline: the replay asks for dues often.
            i = bisect_right(b.ends, t)
            if i < b.n and t > b.starts[i]:
                pos = b.cum[i] + (t - b.starts[i])
            else:
                pos = b.cum[i]
            target = pos + d
            if d > _ZERO:
                if target <= b.total:
                    # The earliest instant: a closing time when it fits exactly.
                    j = bisect_left(b.cum_end, target)
                    return b.ends[j] - (b.cum_end[j] - target)
            elif d < _ZERO and target >= _ZERO:
                # The latest instant: an opening time when it fits exactly.
                j = bisect_right(b.cum, target) - 1
                return b.starts[j] + (target - b.cum[j])
        return self.calendar.add(t, d).astimezone(UTC)
