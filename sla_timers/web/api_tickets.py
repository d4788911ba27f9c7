"""A ticket's timers: ``GET <prefix>/api/tickets/<id>``.

Every cycle of every metric, evaluated from the ticket's stored log at the
request's instant (state, due, elapsed and remaining, warnings, paused since and
in which status), the escalation steps recorded, and the classification with the
trace of the matrix rules that decided it. A ticket the store does not know and a
ticket the agent callback does not allow look alike: 404 ``ticket_not_found``.
"""

from __future__ import annotations

from typing import Any

from ..validation import quote
from .api_store import ticket_detail
from .errors import TicketNotFound
from .http import allowed, api_route
from .schema import Array, Bool, DateTime, Int, JSONValue, Nullable, Number, Object, Prop, Str
from .state import app_state

_NAME = Str(max_length=255)
_INSTANT = DateTime()
_WHEN = Nullable(_INSTANT)
_SECONDS = Nullable(Number(description="seconds of business time (wall time for a calendar-time metric)"))

_TIMER = Object(
    {
        "metric": Prop(_NAME, True),
        "cycle": Prop(Int(minimum=1), True),
        "status": Prop(Str(enum=("running", "paused", "met", "breached")), True),
        "clock": Prop(Str(enum=("business", "calendar")), True),
        "target_seconds": Prop(_SECONDS, True),
        "elapsed_seconds": Prop(_SECONDS, True),
        "remaining_seconds": Prop(_SECONDS, True),
        "paused_for_seconds": Prop(_SECONDS, True),
        "customer_wait_seconds": Prop(_SECONDS, True),
        "started_at": Prop(_INSTANT, True),
        "due_at": Prop(_WHEN, True),
        "breached_at": Prop(_WHEN, True),
        "stopped_at": Prop(_WHEN, True),
        "stop_reason": Prop(Nullable(_NAME), True),
        "paused_since": Prop(_WHEN, True),
        "paused_status": Prop(Nullable(_NAME, description="the status the ticket waits in while paused"), True),
        "running_since": Prop(_WHEN, True),
        "warning_level": Prop(JSONValue(description="the highest warning crossed, as the policy wrote it"), True),
        "next_warning_at": Prop(_WHEN, True),
        "group": Prop(Nullable(_NAME), True),
    },
    name="TimerState",
)

_ESCALATION = Object(
    {
        "metric": Prop(_NAME, True),
        "cycle": Prop(Int(minimum=1), True),
        "step": Prop(_NAME, True),
        "due_at": Prop(_INSTANT, True),
        "notify_at": Prop(_WHEN, True),
        "fired_at": Prop(_INSTANT, True),
        "actions": Prop(Object(extra=JSONValue()), True),
    },
    name="EscalationFired",
)

_RESPONSE = Object(
    {
        "ticket": Prop(_NAME, True),
        "held": Prop(Bool(description="events are kept but its created event has not arrived"), True),
        "status": Prop(Nullable(_NAME), True),
        "events": Prop(Int(description="events in its log"), True),
        "evaluated_at": Prop(_INSTANT, True),
        "created_at": Prop(_WHEN, True),
        "priority": Prop(Nullable(_NAME), True),
        "policy": Prop(Nullable(Object({"name": Prop(_NAME, True), "version": Prop(Int(), True)})), True),
        "calendar": Prop(Nullable(_NAME), True),
        "timezone": Prop(Nullable(_NAME), True),
        "classification": Prop(
            Nullable(Object(extra=JSONValue(), description="priority, policy, calendar, tags, matrix version")), True
        ),
        "trace": Prop(Array(Str(max_length=100_000), max_items=100_000, description="the rules that decided"), True),
        "problems": Prop(Array(Str(max_length=100_000), max_items=100_000), True),
        "timers": Prop(Array(_TIMER, max_items=100_000), True),
        "escalations": Prop(Array(_ESCALATION, max_items=100_000), True),
    },
    name="Ticket",
)


@api_route(
    "/api/tickets/<ticket_id>",
    method="GET",
    access="agent",
    response=_RESPONSE,
    errors=("ticket_not_found", "database_unavailable"),
    summary="A ticket's timers (every cycle), escalations fired, classification and its trace",
)
def ticket_timers(body: None, query: None, ticket_id: str) -> dict[str, Any]:
    """The ticket's timers as of now; 404 for a ticket unknown or not visible to this user."""
    detail = None
    if allowed("agent", ticket_id):
        detail = ticket_detail(app_state().store(), ticket_id)
    if detail is None:
        raise TicketNotFound(f"ticket_id: no ticket {quote(ticket_id)} is known to the SLA store", field="ticket_id")
    return detail
