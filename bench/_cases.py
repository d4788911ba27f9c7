"""The correctness scenarios: where business clocks go wrong, each with its own small calendar.

Five groups, one per way business clocks are known to go wrong: landing on the closing
time, overnight windows, real-time DST, a holiday closing the windows that start
on its date, and queries past the last listed holiday. The expected answer of
every case is computed by the brute-force reference (:mod:`bench._reference`);
``by_hand`` is the same answer worked out by hand in the comment beside it, and
the benchmark refuses to run if the reference and the hand disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from bench._peers import BenchCalendar

__all__ = ["CASES", "Case", "GROUPS", "us_federal_holidays"]

NY = ZoneInfo("America/New_York")
H = timedelta(hours=1)

#: Group names, in table order.
GROUPS = (
    "closing time",
    "overnight windows",
    "real-time DST",
    "holiday closes its date's windows",
    "past the last listed holiday",
)


@dataclass(frozen=True)
class Case:
    """One query on one calendar; ``op`` is ``"add"`` (start, amount) or ``"elapsed"`` (start, end)."""

    id: str
    group: str
    calendar: BenchCalendar
    op: str
    start: datetime
    arg: datetime | timedelta
    #: The answer worked out by hand (an aware datetime for add, a timedelta for elapsed).
    by_hand: datetime | timedelta
    #: True when real time and wall time differ across the query (a DST night inside a window).
    real_time_dst: bool = False


@cache
def us_federal_holidays(first: int, last: int) -> tuple[date, ...]:
    """US federal holidays (observed dates included) from the ``holidays`` package, years first..last."""
    import holidays

    return tuple(sorted(holidays.country_holidays("US", years=range(first, last + 1))))


def _ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NY)  # type: ignore[misc]


def _z(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def _cases() -> tuple[Case, ...]:
    weekdays = ("mon", "tue", "wed", "thu", "fri")
    ny95 = BenchCalendar.weekly(
        "NY 9-5 + US 2026-27",
        "America/New_York",
        {d: ["09:00-17:00"] for d in weekdays},
        us_federal_holidays(2026, 2027),
    )
    nights = BenchCalendar.weekly("NY 22-06 Mon-Fri", "America/New_York", {d: ["22:00-06:00"] for d in weekdays})
    sun_early = BenchCalendar.weekly("NY Sun 01-03", "America/New_York", {"sun": ["01:00-03:00"]})
    sun_gap = BenchCalendar.weekly("NY Sun 02:30-05", "America/New_York", {"sun": ["02:30-05:00"]})
    sat_night = BenchCalendar.weekly("NY Sat 22-06", "America/New_York", {"sat": ["22:00-06:00"]})
    # US federal holidays 2026-27 include Fri 2026-12-25 (and nothing else near it).
    xmas_nights = BenchCalendar.weekly(
        "NY 22-06 Mon-Fri + US 2026-27",
        "America/New_York",
        {d: ["22:00-06:00"] for d in weekdays},
        us_federal_holidays(2026, 2027),
    )
    c = Case
    return (
        # --- closing time: a deadline may land exactly on 17:00 -----------------
        # Mon 09:00 + 8h = Mon 17:00 (the close), not Tue 09:00.
        c("close-8h", GROUPS[0], ny95, "add", _ny(2026, 11, 23, 9), 8 * H, _ny(2026, 11, 23, 17)),
        # Wed 16:00 + 1h before Thanksgiving (Thu 11-26) = Wed 17:00, not Fri 09:00.
        c("close-before-holiday", GROUPS[0], ny95, "add", _ny(2026, 11, 25, 16), H, _ny(2026, 11, 25, 17)),
        # Sat 12:00 + 8h: nothing until Mon 09:00, then 8h = Mon 17:00.
        c("close-from-weekend", GROUPS[0], ny95, "add", _ny(2026, 11, 21, 12), 8 * H, _ny(2026, 11, 23, 17)),
        # Fri 16:30 + 30 min = Fri 17:00.
        c("close-30min", GROUPS[0], ny95, "add", _ny(2026, 11, 20, 16, 30), H / 2, _ny(2026, 11, 20, 17)),
        # --- overnight windows: 22:00-06:00 belongs to the day it starts ----------
        # Mon 22:00 to Tue 06:00 is one window: 8h.
        c("night-elapsed", GROUPS[1], nights, "elapsed", _ny(2026, 11, 23, 22), _ny(2026, 11, 24, 6), 8 * H),
        # Mon 22:00 + 4h = Tue 02:00.
        c("night-add", GROUPS[1], nights, "add", _ny(2026, 11, 23, 22), 4 * H, _ny(2026, 11, 24, 2)),
        # Fri 23:00 + 8h: 7h to Sat 06:00 (Friday's window), then Mon 22:00 + 1h = Mon 23:00.
        c("night-weekend-add", GROUPS[1], nights, "add", _ny(2026, 11, 20, 23), 8 * H, _ny(2026, 11, 23, 23)),
        # Saturday holds only Friday's spill, 00:00-06:00: 6h.
        c("night-saturday", GROUPS[1], nights, "elapsed", _ny(2026, 11, 21), _ny(2026, 11, 22), 6 * H),
        # Tue 03:00 to Tue 23:00: 03:00-06:00 (Monday's) + 22:00-23:00 (Tuesday's) = 4h.
        c("night-day-span", GROUPS[1], nights, "elapsed", _ny(2026, 11, 24, 3), _ny(2026, 11, 24, 23), 4 * H),
        # --- real-time DST --------------------------------------------------------
        # Fri 2026-10-30 16:00 EDT + 4h: 1h Fri, 3h Mon from 09:00 EST = Mon 12:00 EST = 17:00Z.
        c("dst-fall-weekend", GROUPS[2], ny95, "add", _ny(2026, 10, 30, 16), 4 * H, _z(2026, 11, 2, 17)),
        # Fri 2026-03-06 16:00 EST + 4h = Mon 2026-03-09 12:00 EDT = 16:00Z.
        c("dst-spring-weekend", GROUPS[2], ny95, "add", _ny(2026, 3, 6, 16), 4 * H, _z(2026, 3, 9, 16)),
        # Sun 2026-11-01 01:00-03:00: 01:00 EDT = 05:00Z to 03:00 EST = 08:00Z: 3h.
        c("dst-fold-window", GROUPS[2], sun_early, "elapsed", _ny(2026, 11, 1), _ny(2026, 11, 1, 4), 3 * H, True),
        # Sun 2026-03-08 01:00-03:00: 01:00 EST = 06:00Z to 03:00 EDT = 07:00Z: 1h.
        c("dst-gap-window", GROUPS[2], sun_early, "elapsed", _ny(2026, 3, 8), _ny(2026, 3, 8, 4), H, True),
        # Sat 2026-10-31 22:00 EDT (02:00Z) to Sun 06:00 EST (11:00Z): 9h.
        c("dst-fall-night", GROUPS[2], sat_night, "elapsed", _ny(2026, 10, 31, 20), _ny(2026, 11, 1, 8), 9 * H, True),
        # Sat 2026-03-07 22:00 EST (03:00Z) to Sun 06:00 EDT (10:00Z): 7h.
        c("dst-spring-night", GROUPS[2], sat_night, "elapsed", _ny(2026, 3, 7, 20), _ny(2026, 3, 8, 8), 7 * H, True),
        # Sat 2026-10-31 22:00 EDT = 02:00Z, + 8h real = 10:00Z = Sun 05:00 EST.
        c("dst-fall-night-add", GROUPS[2], sat_night, "add", _ny(2026, 10, 31, 22), 8 * H, _z(2026, 11, 1, 10), True),
        # Sun 2026-03-08 02:30-05:00: 02:30 does not exist, it opens at 03:00 EDT (07:00Z) to 09:00Z: 2h.
        # (The README's time rule: the first instant after the gap. RFC 5545 would shift the start to 03:30.)
        c("dst-start-in-gap", GROUPS[2], sun_gap, "elapsed", _ny(2026, 3, 8), _ny(2026, 3, 8, 6), 2 * H, True),
        # --- a holiday closes the windows that start on its date -----------------
        # Fri 12-25 00:00-12:00 holds Thursday's window spilling to 06:00: 6h.
        c("holiday-morning", GROUPS[3], xmas_nights, "elapsed", _ny(2026, 12, 25), _ny(2026, 12, 25, 12), 6 * H),
        # Fri 12-25 12:00 to Sat 12:00: Friday's 22:00-06:00 is closed: 0.
        c("holiday-night", GROUPS[3], xmas_nights, "elapsed", _ny(2026, 12, 25, 12), _ny(2026, 12, 26, 12), 0 * H),
        # Thu 12-24 22:00 + 8h = Fri 06:00 (Thursday's window is open).
        c("holiday-eve-add", GROUPS[3], xmas_nights, "add", _ny(2026, 12, 24, 22), 8 * H, _ny(2026, 12, 25, 6)),
        # Thu 12-24 23:00 + 8h: 7h to Fri 06:00, Friday's night closed, Mon 12-28 22:00 + 1h = 23:00.
        c("holiday-skip-add", GROUPS[3], xmas_nights, "add", _ny(2026, 12, 24, 23), 8 * H, _ny(2026, 12, 28, 23)),
        # Day calendar: Wed 11-25 16:00 + 2h: 1h Wed, Thanksgiving closed, Fri 09:00 + 1h = Fri 10:00.
        c("holiday-day-add", GROUPS[3], ny95, "add", _ny(2026, 11, 25, 16), 2 * H, _ny(2026, 11, 27, 10)),
        # --- past the last listed holiday (the list ends with 2027) ---------------
        # Mon 2033-03-07 09:00 to Fri 17:00, no holidays that week: 5 x 8h = 40h.
        c("past-list-elapsed", GROUPS[4], ny95, "elapsed", _ny(2033, 3, 7, 9), _ny(2033, 3, 11, 17), 40 * H),
        # Mon 2033-03-07 09:00 + 12h = Tue 13:00.
        c("past-list-add", GROUPS[4], ny95, "add", _ny(2033, 3, 7, 9), 12 * H, _ny(2033, 3, 8, 13)),
        # Mon 2028-06-05 09:00 + 4h = 13:00, half a year past the list.
        c("past-list-2028", GROUPS[4], ny95, "add", _ny(2028, 6, 5, 9), 4 * H, _ny(2028, 6, 5, 13)),
    )


#: Every case, in table order.
CASES: tuple[Case, ...] = _cases()
