"""The badges route: many tickets' badges in one call, for the badge script.

Tickets the user may not see are answered like tickets that do not exist (in
``missing``), so the answer never tells that a ticket exists.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Response, current_app, request

from .badge_data import badges_body, etag
from .http import api_route, visible_tickets
from .schema import Array, DateTime, JSONValue, Nullable, Object, Prop, Str
from .state import app_state

#: Most tickets one call may ask for (a long ticket list page).
MAX_TICKETS = 500

_ID = Str(max_length=100)
_INSTANT = DateTime()
_BADGE_TIMER = Object(
    {
        "metric": Prop(Str(), True),
        "label": Prop(Str(), True),
        "cycle": Prop(JSONValue(), True),
        "status": Prop(Str(enum=("running", "paused", "met", "breached")), True),
        "clock": Prop(Str(enum=("business", "wall")), True),
        "due_at": Prop(Nullable(_INSTANT), True),
        "remaining_seconds": Prop(JSONValue(), True),
        "breached_at": Prop(Nullable(_INSTANT), True),
        "stopped_at": Prop(Nullable(_INSTANT), True),
        "stop_reason": Prop(Nullable(Str()), True),
        "paused_since": Prop(Nullable(_INSTANT), True),
        "warning_level": Prop(JSONValue(), True),
        "next_warning_at": Prop(Nullable(_INSTANT), True),
        "remaining_at_from": Prop(JSONValue(), True),
    },
    name="BadgeTimer",
)

_QUERY = Object(
    {
        "ticket": Prop(
            Array(
                _ID,
                min_items=1,
                max_items=MAX_TICKETS,
                unique=True,
                description="a ticket id; repeat for more (?ticket=1&ticket=2)",
            ),
            True,
        )
    }
)

_RESPONSE = Object(
    {
        "calendars": Prop(
            Object(
                extra=Object(
                    {
                        "timezone": Prop(Str(), True),
                        "from": Prop(_INSTANT, True),
                        "intervals": Prop(Array(Array(_INSTANT, min_items=2, max_items=2), max_items=100_000), True),
                    }
                )
            ),
            True,
        ),
        "tickets": Prop(
            Object(
                extra=Object(
                    {
                        "calendar": Prop(Str(), True),
                        "status": Prop(Nullable(Str()), True),
                        "timers": Prop(Array(_BADGE_TIMER, max_items=1000), True),
                    }
                ),
                max_properties=MAX_TICKETS,
            ),
            True,
        ),
        "missing": Prop(Array(_ID, max_items=MAX_TICKETS), True),
    },
    name="Badges",
)


@api_route(
    "/api/badges",
    method="GET",
    access="agent",
    query=_QUERY,
    response=_RESPONSE,
    errors=("database_unavailable",),
    summary="Badges of up to 500 tickets: their timers and their calendars' open intervals",
)
def badge_batch(body: None, query: dict[str, Any]) -> Response:
    """Badges of the tickets asked for; ``ETag`` / ``If-None-Match`` answer 304 when nothing changed."""
    state = app_state()
    source = state.timer_source()
    asked: list[str] = query["ticket"]
    visible = visible_tickets(asked)
    found = source(visible)
    found = {ticket_id: found[ticket_id] for ticket_id in visible if ticket_id in found}
    payload = badges_body(found, datetime.now(UTC), [t for t in asked if t not in found])
    response = current_app.response_class(payload, mimetype="application/json")
    response.set_etag(etag(payload))
    response.headers["Cache-Control"] = "no-cache"
    response.make_conditional(request)  # 304 without a body when If-None-Match matches
    return response
