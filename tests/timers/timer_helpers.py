"""Builders shared by the timer tests (a module, so test files can import it)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sla_timers import BusinessCalendar

NY = ZoneInfo("America/New_York")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def ny(*args: int) -> datetime:
    """A New York wall time: ``ny(2026, 11, 23, 9, 30)``."""
    return datetime(*args, tzinfo=NY)


def weekly(name: str, window: str, days: tuple[str, ...] = WEEKDAYS, zone: str = "America/New_York") -> BusinessCalendar:
    """A calendar with the same window on ``days`` and no holidays."""
    return BusinessCalendar.from_dict({"name": name, "timezone": zone, "hours": {d: [window] for d in days}})
