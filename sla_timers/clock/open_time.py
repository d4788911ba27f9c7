"""Open-time reading: a calendar's open stretches near one instant, read once. No I/O here.

:class:`OpenTime` serves a caller that asks many questions about the same few
days in time order, such as a ticket replay: the open time since the last
event, and a due or two, dozens of times. Each calendar call costs
a microsecond or two, mostly turning datetimes into ints and back, while
datetime arithmetic in UTC costs a few hundredths. So a reader takes the
open stretches it passes through once, in time order
(:meth:`BusinessCalendar.open_intervals`, lazily), and walks them. Questions
before the first stretch read, or far past the last, go to the calendar: every
answer is the calendar's, to the microsecond.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from .calendar import BusinessCalendar

__all__ = ["OpenTime"]

UTC = UTC
_ZERO = timedelta(0)
#: How far one reading reaches; it is lazy, so only what is walked is read.
_SPAN = timedelta(days=64)
#: The replay jumping further than this past what was read (a ticket quiet for
#: weeks) asks the calendar for the gap and reads again from there, rather
#: than reading every stretch of the gap.
_GAP = timedelta(days=7)
#: The most stretches an ``add`` walks before asking the calendar instead.
_WALK = 16


class OpenTime:
    """Open time of one calendar from ``origin`` on, with a cursor that moves
    forward (:meth:`advance`). Instants in and out are UTC datetimes.

    Every answer is the calendar's own (:meth:`BusinessCalendar.elapsed`,
    :meth:`BusinessCalendar.add`), to the microsecond; it is only cheaper for
    a run of questions in time order. Not thread-safe: one caller owns it.
    """

    __slots__ = ("calendar", "origin", "known", "bound", "reading", "starts", "ends", "at", "index")

    def __init__(self, calendar: BusinessCalendar, origin: datetime) -> None:
        self.calendar = calendar
        self.at = origin
        self._read_from(origin)

    def _read_from(self, origin: datetime) -> None:
        #: Stretches are read from ``origin``; open time is known up to ``known``.
        self.origin = self.known = origin
        #: The open stretches read, in UTC, in order; the first is cut at ``origin``.
        self.starts: list[datetime] = []
        self.ends: list[datetime] = []
        #: The cursor: at ``at``, before stretch ``index`` ends.
        self.index = 0
        self.bound = origin
        self.reading: Iterator[tuple[datetime, datetime]] = iter(())

    def _read(self) -> bool:
        """Read one more stretch (or past an empty reading); False near year 9999."""
        stretch = next(self.reading, None)
        if stretch is None:
            self.known = self.bound
            try:
                self.bound = self.known + _SPAN
            except OverflowError:
                return False
            self.reading = self.calendar.open_intervals(self.known, self.bound)
            return True
        # A stretch cut where one reading ends goes on in the next: two touching
        # stretches here, which every walk below treats as one.
        e = stretch[1].astimezone(UTC)
        self.starts.append(stretch[0].astimezone(UTC))
        self.ends.append(e)
        self.known = e
        return True

    def advance(self, t: datetime) -> timedelta:
        """Open time from the cursor to ``t`` (not before it); the cursor moves to ``t``."""
        cur = self.at
        self.at = t
        if t - self.known > _GAP:
            # The gap in one calendar call; what was read before it is no longer needed.
            self._read_from(t)
            return self.calendar.elapsed(cur, t)
        starts, ends = self.starts, self.ends
        i = self.index
        d = _ZERO
        while True:
            if i == len(starts):
                if t <= self.known:
                    break
                if not self._read():
                    self._read_from(t)
                    return d + self.calendar.elapsed(cur, t)
                continue
            s = starts[i]
            if t <= s:
                break
            if cur < s:
                cur = s
            e = ends[i]
            if t < e:
                d += t - cur
                break
            d += e - cur
            cur = e
            i += 1
        self.index = i
        return d

    def add(self, t: datetime, d: timedelta) -> datetime:
        """``calendar.add(t, d)``, in UTC."""
        if d > _ZERO and t >= self.origin:
            starts, ends = self.starts, self.ends
            x, left = t, d
            i = bisect_right(ends, x)  # the first stretch that ends after x
            # Only through what the replay read, and not too far: past it (a due
            # still ahead) or for weeks of business time, one calendar call is
            # cheaper than reading or walking the stretches on the way.
            last = min(len(starts), i + _WALK)
            while i < last:
                e = ends[i]
                s = starts[i]
                if x < s:
                    x = s
                if left <= e - x:
                    # The earliest instant: a closing time when it fits exactly.
                    return x + left
                left -= e - x
                x = e
                i += 1
        elif d < _ZERO and self.origin <= t <= self.known:
            starts, ends = self.starts, self.ends
            x, left = t, -d
            i = bisect_left(starts, x) - 1  # the last stretch that starts before x
            last = max(-1, i - _WALK)
            while i > last:
                e = ends[i]
                if x > e:
                    x = e
                s = starts[i]
                if left <= x - s:
                    # The latest instant: an opening time when it fits exactly.
                    return x - left
                left -= x - s
                x = s
                i -= 1
        return self.calendar.add(t, d).astimezone(UTC)
