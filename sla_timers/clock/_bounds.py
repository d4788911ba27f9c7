"""Up-front range checks of ``add``: refuse at once what years 1 to 9999 cannot hold. No I/O here."""

from __future__ import annotations

from datetime import timedelta

from ..errors import DurationOutOfRangeError, NoOpenTimeError
from ._pieces import PieceBuilder
from ._timeline import DAY_US, MAX_US, WEEK_US

__all__ = ["AddBounds"]

#: The most a year's DST shifts can lengthen its windows (two 1 h fall-backs in
#: practice; generous so the up-front check never refuses a valid ``add``).
_DST_SLACK_PER_YEAR_US = 3 * 3_600_000_000
_YEAR_US = 366 * DAY_US
_HOUR_US = 3_600_000_000


class AddBounds:
    """Bounds on the open time a span can hold, from the weekly hours and the openings."""

    def __init__(self, builder: PieceBuilder, name: str) -> None:
        self.name = name
        self.has_weekly = any(builder.has_windows)
        opening_days = sorted(builder.openings)
        self.first_opening = opening_days[0] if opening_days else None
        self.last_opening = opening_days[-1] if opening_days else None
        #: Weekly open time per week, and all the openings together (each may gain a DST hour).
        self.week_open_us = sum(builder.wall_open)
        self.openings_us = sum((e - s) * 60_000_000 + _HOUR_US for spans in builder.openings.values() for s, e in spans)

    def check_add(self, x: int, du: int) -> None:
        """Refuse at once an ``add`` of ``du`` from ``x`` that must land outside years 1 to 9999 (or never).

        :raises NoOpenTimeError: no weekly hours and no opening on that side of ``x``.
        :raises DurationOutOfRangeError: more open time than is left before the range ends.
        """
        forward = du > 0
        if not self.has_weekly:
            edge = self.last_opening if forward else self.first_opening
            if edge is None or ((edge + 2) * DAY_US <= x if forward else (edge - 2) * DAY_US >= x):
                raise NoOpenTimeError(
                    f"calendar {self.name!r} has no open time {'after' if forward else 'before'} "
                    f"this instant: no weekly hours and no {'later' if forward else 'earlier'} openings"
                )
        if abs(du) > self._open_bound(MAX_US - x if forward else x):
            raise self.out_of_range(du)

    def out_of_range(self, du: int) -> DurationOutOfRangeError:
        """The error for an ``add`` of ``du`` that passes the end (or the start) of the range."""
        if du > 0:
            return DurationOutOfRangeError(f"adding {timedelta(microseconds=du)} of business time would pass year 9999")
        return DurationOutOfRangeError(f"subtracting {timedelta(microseconds=-du)} of business time would pass year 1")

    def not_enough(self, du: int) -> Exception:
        """The error when the years left hold less open time than an ``add`` of ``du`` asks."""
        forward = du > 0
        if self.has_weekly:
            return self.out_of_range(du)
        return NoOpenTimeError(
            f"calendar {self.name!r} has not enough open time "
            f"{'left' if forward else 'before'}: no weekly hours and no "
            f"{'later' if forward else 'earlier'} openings"
        )

    def _open_bound(self, span: int) -> int:
        """More than the open time any ``span`` of real time can hold."""
        if not self.has_weekly:
            return self.openings_us
        weeks = span // WEEK_US + 2
        years = span // _YEAR_US + 2
        return min(span, weeks * self.week_open_us + years * _DST_SLACK_PER_YEAR_US + self.openings_us)

    def too_many_days(self, days: int, owner: object) -> Exception:
        """The error when ``days`` business days from date ``owner`` leave the range (or never come)."""
        side = "after" if days > 0 else "before"
        if self.has_weekly:
            return DurationOutOfRangeError(f"{abs(days):,} business days {side} {owner} fall outside years 1 to 9999")
        return NoOpenTimeError(
            f"calendar {self.name!r} has no business day {abs(days):,} {side} {owner}: "
            "no weekly hours and not that many openings"
        )
