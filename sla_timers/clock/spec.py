"""The validated, immutable description of a calendar. No I/O here.

:mod:`sla_timers.clock.schema` turns a dict (or a TOML file's contents) into a
:class:`CalendarSpec`; :class:`sla_timers.clock.calendar.BusinessCalendar`
turns a spec into answers. Everything here is already validated: the engine
trusts it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class Window:
    """Open hours in local wall time, half-open ``[start, end)``.

    ``end < start`` crosses midnight (``22:00-06:00``); ``end == start`` is a
    whole 24 hours from ``start`` (``"00:00-24:00"`` parses to
    ``Window(time(0), time(0))``; the parser refuses ``"09:00-09:00"`` as a
    likely mistake). A window belongs to the date it starts on.
    """

    start: time
    end: time

    @property
    def start_minute(self) -> int:
        """Minutes from midnight to ``start``."""
        return self.start.hour * 60 + self.start.minute

    @property
    def end_minute(self) -> int:
        """Minutes from the window's date's midnight to ``end``; may exceed 1440."""
        end = self.end.hour * 60 + self.end.minute
        return end if end > self.start_minute else end + 1440

    @property
    def crosses_midnight(self) -> bool:
        """True when the window ends on the next date."""
        return self.end_minute > 1440

    def __str__(self) -> str:
        end = "24:00" if self.end_minute == 1440 else self.end.strftime("%H:%M")
        return f"{self.start.strftime('%H:%M')}-{end}"


@dataclass(frozen=True, slots=True)
class DatedWindow:
    """A window on one local date: a partial closure or an extra opening."""

    day: date
    window: Window


@dataclass(frozen=True, slots=True)
class CalendarSpec:
    """A validated calendar definition (see the README for the file format)."""

    #: Calendar name, as in the file (``us-ny-9x5``).
    name: str
    #: IANA zone name, exactly as ``zoneinfo`` knows it.
    timezone: str
    #: Seven tuples of windows, Monday first, sorted by start, non-overlapping.
    hours: tuple[tuple[Window, ...], ...]
    #: ISO country code for the ``holidays`` package, or None for no public holidays.
    holiday_country: str | None = None
    #: Subdivision code (``NY``, ``BY``), or None.
    holiday_subdiv: str | None = None
    #: Extra whole closed dates; windows starting on them do not open.
    closed_dates: frozenset[date] = frozenset()
    #: Partial closures, subtracted from the open time.
    closures: tuple[DatedWindow, ...] = ()
    #: Extra open windows, added to the open time (also on holidays).
    openings: tuple[DatedWindow, ...] = ()
