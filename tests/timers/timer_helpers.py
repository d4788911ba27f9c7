"""Builders shared by the timer tests (a module, so test files can import it)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sla_timers import BusinessCalendar
from sla_timers.timers import TicketEvent

NY = ZoneInfo("America/New_York")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def ny(*args: int) -> datetime:
    """A New York wall time: ``ny(2026, 11, 23, 9, 30)``."""
    return datetime(*args, tzinfo=NY)


def utc(*args: int) -> datetime:
    """A UTC instant: ``utc(2026, 11, 23, 14)``."""
    return datetime(*args, tzinfo=UTC)


def weekly(
    name: str, window: str, days: tuple[str, ...] = WEEKDAYS, zone: str = "America/New_York"
) -> BusinessCalendar:
    """A calendar with the same window on ``days`` and no holidays."""
    return BusinessCalendar.from_dict({"name": name, "timezone": zone, "hours": {d: [window] for d in days}})


def created(at: datetime, priority: str = "high", **data: Any) -> TicketEvent:
    return TicketEvent("created", at, priority=priority, **data)


def status(at: datetime, name: str, **data: Any) -> TicketEvent:
    return TicketEvent("status", at, status=name, **data)


def reply(at: datetime, public: bool = True, **data: Any) -> TicketEvent:
    """A public agent reply, or an internal note with ``public=False``."""
    return TicketEvent("agent_reply", at, public=public, **data)


def customer(at: datetime, **data: Any) -> TicketEvent:
    return TicketEvent("customer_reply", at, **data)


def priority(at: datetime, name: str) -> TicketEvent:
    return TicketEvent("priority", at, priority=name)
