"""Calendar specs built directly, without the schema, for the clock tests.

API::

    make_spec(timezone, {"mon": ["09:00-17:00"], ...}, closed=..., ...) -> CalendarSpec
    parse_window("22:00-06:00") -> Window
"""

from __future__ import annotations

from datetime import date, time

from sla_timers.clock.spec import WEEKDAYS, CalendarSpec, DatedWindow, Window

__all__ = ["make_spec", "parse_window"]


def parse_window(text: str) -> Window:
    """``"HH:MM-HH:MM"`` as a :class:`Window` (``24:00`` as an end means midnight)."""
    start, end = text.split("-")

    def clock(value: str) -> time:
        hours, minutes = (int(part) for part in value.split(":"))
        return time(0) if hours == 24 else time(hours, minutes)

    return Window(clock(start), clock(end))


def make_spec(
    timezone_name: str,
    hours: dict[str, list[str]],
    *,
    name: str = "test",
    country: str | None = None,
    subdiv: str | None = None,
    closed: tuple[date, ...] | list[date] | frozenset[date] = (),
    closures: tuple[tuple[date, str], ...] | list[tuple[date, str]] = (),
    openings: tuple[tuple[date, str], ...] | list[tuple[date, str]] = (),
) -> CalendarSpec:
    """A :class:`CalendarSpec` built directly (no schema): ``hours`` maps
    ``"mon"``..``"sun"`` (or ``"daily"``) to ``"HH:MM-HH:MM"`` windows."""
    days = tuple(tuple(parse_window(w) for w in hours.get(day, hours.get("daily", []))) for day in WEEKDAYS)
    return CalendarSpec(
        name=name,
        timezone=timezone_name,
        hours=days,
        holiday_country=country,
        holiday_subdiv=subdiv,
        closed_dates=frozenset(closed),
        closures=tuple(DatedWindow(d, parse_window(w)) for d, w in closures),
        openings=tuple(DatedWindow(d, parse_window(w)) for d, w in openings),
    )
