"""What a badge needs, as JSON: each timer's state and its calendar's open intervals.

The representation does not depend on the instant it is built at (only on the
timers and the day): a running timer is sent as its ``due_at``, the business
time from the start of the intervals (``from``, the start of the UTC day) to
``due_at`` (``remaining_at_from``, negative when it was overdue already), and
the open intervals; the badge script works out "25m left" or "overdue 12m"
itself, as ``remaining_at_from`` less the business time from ``from`` to now. So a badge counts down live in
open hours, stands still at night, and an unchanged ticket gives the same
answer (and ``ETag``) on every poll of the day.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ..clock import BusinessCalendar
from ..timers import Policy, TimerState

#: Open intervals sent: from the start of the current UTC day, this long.
HORIZON = timedelta(days=15)
#: Farthest a horizon stretches to reach a later ``due_at``.
MAX_HORIZON = timedelta(days=92)

_LABELS = {
    "first_response": "First response",
    "next_response": "Next response",
    "periodic_update": "Update",
    "resolution": "Resolution",
}


@dataclass(frozen=True)
class TicketTimers:
    """A ticket's timers as a badge source gives them."""

    #: ``{metric: TimerState}`` as :func:`sla_timers.evaluate` returns them.
    states: Mapping[str, TimerState]
    #: The calendar the ticket's timers run on, and its name.
    calendar: BusinessCalendar
    calendar_name: str
    #: The policy, to tell wall-clock metrics (``time = "calendar"``) from business-time ones.
    policy: Policy | None = None
    #: The ticket's current status (shown beside a pause: "paused since 14:05, pending").
    status: str | None = None
    #: Metric labels to show instead of the defaults ("First response", ...).
    labels: Mapping[str, str] = field(default_factory=dict)


#: ``source(ticket_ids)`` -> ``{ticket_id: TicketTimers}``; an id left out is a ticket
#: that does not exist (or has no timers yet). The store provides one; a host may too.
TimerSource = Callable[[Sequence[str]], Mapping[str, TicketTimers]]


def iso(value: datetime | None) -> str | None:
    """``2026-11-27T17:30:00Z`` (None stays None)."""
    return None if value is None else value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def badges(found: Mapping[str, TicketTimers], now: datetime) -> dict[str, Any]:
    """``{"calendars": {name: {"timezone", "intervals"}}, "tickets": {id: {...}}}`` for the badge script.

    Each calendar's open intervals run from the start of ``now``'s UTC day for
    :data:`HORIZON` (further, up to :data:`MAX_HORIZON`, to reach a later ``due_at``).
    """
    day = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    reach: dict[str, datetime] = {}
    calendars: dict[str, BusinessCalendar] = {}
    tickets: dict[str, Any] = {}
    for ticket_id, item in found.items():
        calendars[item.calendar_name] = item.calendar
        end = reach.get(item.calendar_name, day + HORIZON)
        timers = []
        for metric, state in item.states.items():
            timers.append(_timer(metric, state, item))
            if state.due_at is not None and state.stopped_at is None:
                end = max(end, min(state.due_at + timedelta(days=1), day + MAX_HORIZON))
        reach[item.calendar_name] = end
        timers.sort(key=lambda t: (t["due_at"] is None, t["due_at"] or "", t["metric"]))
        tickets[ticket_id] = {"calendar": item.calendar_name, "status": item.status, "timers": timers}
    for ticket in tickets.values():
        calendar = calendars[ticket["calendar"]]
        for timer in ticket["timers"]:
            due = timer.pop("_due")
            # Business time from the start of the intervals to due (negative once overdue
            # then), so the script counts an overdue timer from before the intervals too.
            timer["remaining_at_from"] = (
                calendar.elapsed(day, due).total_seconds()
                if due is not None and timer["remaining_seconds"] is None
                else None
            )
    return {
        "calendars": {
            name: {
                "timezone": calendar.zone.key,
                "from": iso(day),
                "intervals": [[iso(a), iso(b)] for a, b in calendar.open_intervals(day, reach[name])],
            }
            for name, calendar in calendars.items()
        },
        "tickets": tickets,
    }


def _timer(metric: str, state: TimerState, item: TicketTimers) -> dict[str, Any]:
    settings = item.policy.metrics.get(metric) if item.policy is not None else None
    return {
        "metric": metric,
        "label": item.labels.get(metric) or _LABELS.get(metric) or metric.replace("_", " ").capitalize(),
        "cycle": state.cycle,
        "status": state.status,
        "clock": "wall" if settings is not None and settings.time == "calendar" else "business",
        "due_at": iso(state.due_at),
        # Frozen while paused and after a stop; a running timer is counted from due_at instead.
        "remaining_seconds": (
            state.remaining.total_seconds()
            if state.remaining is not None and (state.stopped_at or state.paused_since)
            else None
        ),
        "breached_at": iso(state.breached_at),
        "stopped_at": iso(state.stopped_at),
        "stop_reason": state.stop_reason,
        "paused_since": iso(state.paused_since),
        "warning_level": state.warning_level,
        "next_warning_at": iso(state.next_warning_at),
        "_due": state.due_at if settings is None or settings.time != "calendar" else None,
    }


def etag(data: Mapping[str, Any]) -> str:
    """A strong validator of ``data``: the same badges give the same tag."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]
