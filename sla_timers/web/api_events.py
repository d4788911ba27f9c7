"""Events in: ``POST <prefix>/api/events``, a batch of ticket events into the store.

The whole batch is one transaction (:meth:`~sla_timers.store.Store.record`): an
event already stored with the same payload is reported as a duplicate and changes
nothing; the same id with another payload (``event_conflict``), a malformed event
(``invalid_event``, naming ``events[i].field``) or one dated in the future refuses
the whole batch, and nothing is written.

Who may post: a machine caller that signs the body with ``SLA_WEBHOOK_SECRET``;
else a user the host's admin callback allows, or whom the agent callback allows
for every ticket in the batch.
"""

from __future__ import annotations

from typing import Any

from ..clock.files import list_shipped_calendars
from ..errors import CalendarNotFound, EventError
from ..store.config import Config
from ..timers.events import KINDS
from ..validation import quote, suggest
from .errors import ForbiddenError, PolicyNotFound, RequestError
from .http import allowed, api_route, is_signed
from .schema import Array, Bool, DateTime, Int, JSONValue, Nullable, Object, Prop, Str
from .state import app_state

#: Most events one call may carry (a backfill sends big batches; the body limit applies too).
MAX_EVENTS = 10_000
#: Longest ticket or event id: the store keeps them in 255-character columns.
MAX_ID = 255

_ID = Str(max_length=MAX_ID)
_EVENT = Object(
    {
        "ticket": Prop(Str(max_length=MAX_ID, description="the host's ticket id"), True),
        "kind": Prop(Str(enum=KINDS), True),
        "at": Prop(DateTime(description="when it happened, with its UTC offset"), True),
        "id": Prop(Str(max_length=MAX_ID, description="the host's event id; a retry with the same id is a no-op")),
        "status": Prop(Str(max_length=64, description="created, status")),
        "priority": Prop(Str(max_length=64, description="created, priority")),
        "policy": Prop(Str(max_length=MAX_ID, description="created, policy")),
        "calendar": Prop(Str(max_length=MAX_ID, description="policy: a registered or shipped calendar name")),
        "group": Prop(Nullable(Str(max_length=MAX_ID), description="created, assigned (null unassigns)")),
        "public": Prop(Bool(description="agent_reply: false for an internal note")),
        "channel": Prop(Str(max_length=100, description="agent_reply, customer_reply")),
        "author": Prop(Str(max_length=MAX_ID, description="agent_reply, customer_reply")),
        "name": Prop(Str(max_length=MAX_ID, description="field: the field's name")),
        "value": Prop(JSONValue(description="field: its new value")),
        "metric": Prop(Str(max_length=64, description="pin, unpin")),
        "due_at": Prop(DateTime(description="pin: the pinned deadline")),
    },
    name="TicketEventIn",
    description="One event; which fields a kind takes is in the README (Timers).",
    fill_defaults=False,
)

_INPUTS = Object(
    extra=JSONValue(),
    description="the fields the priority matrix reads (requester, business line, impact, urgency, ...)",
)

_REQUEST = Object(
    {
        "events": Prop(Array(_EVENT, min_items=1, max_items=MAX_EVENTS), True),
        "tickets": Prop(
            Object(
                extra=_INPUTS,
                max_properties=MAX_EVENTS,
                description="per ticket id: its classification fields; a change reclassifies the ticket",
            )
        ),
    },
    name="EventBatch",
)

_REF = Object({"ticket": Prop(_ID, True), "id": Prop(_ID, True)}, name="EventRef")

_RESPONSE = Object(
    {
        "recorded": Prop(Array(_REF, max_items=MAX_EVENTS), True),
        "duplicates": Prop(Array(_REF, max_items=MAX_EVENTS), True),
        "held": Prop(
            Array(_ID, max_items=MAX_EVENTS, description="tickets whose created event has not arrived: events kept"),
            True,
        ),
        "steps": Prop(Int(description="escalation steps fired while applying the events"), True),
    },
    name="EventBatchResult",
)


@api_route(
    "/api/events",
    method="POST",
    access="agent",
    signed=True,
    body=_REQUEST,
    response=_RESPONSE,
    errors=(
        "invalid_event",
        "event_in_future",
        "event_conflict",
        "policy_not_found",
        "calendar_not_found",
        "database_unavailable",
    ),
    summary="Record a batch of ticket events (one transaction; duplicates reported, conflicts refuse the batch)",
    example={
        "events": [
            {"ticket": "T-1", "kind": "created", "at": "2026-11-23T09:00:00-05:00", "id": "T-1/1", "priority": "high"},
            {"ticket": "T-1", "kind": "agent_reply", "at": "2026-11-23T09:20:00-05:00", "id": "T-1/2", "public": True},
            {"ticket": "T-1", "kind": "status", "at": "2026-11-23T09:21:00-05:00", "id": "T-1/3", "status": "pending"},
        ],
        "tickets": {"T-1": {"requester": {"tier": "premium"}, "category": "printer"}},
    },
)
def post_events(body: dict[str, Any], query: None) -> dict[str, Any]:
    """Record the events; an event id already stored with the same payload is reported, not applied."""
    inputs: dict[str, Any] = body["tickets"] or {}
    for ticket_id in inputs:
        if len(ticket_id) > MAX_ID or not ticket_id:
            raise RequestError(f"tickets: a ticket id must have 1 to {MAX_ID} characters", field="tickets")
    events = body["events"]
    if not is_signed():
        tickets = sorted({e["ticket"] for e in events} | set(inputs))
        admin = app_state().admin_check()
        if not (admin is not None and admin() is True) and not all(allowed("agent", t) for t in tickets):
            raise ForbiddenError("this user may not post events for every ticket in the batch")
    store = app_state().store()
    with store.engine.connect() as connection:
        check_names(events, store.config(connection))
    result = store.record(events, inputs=inputs)
    return {
        "recorded": [{"ticket": t, "id": i} for t, i in result.recorded],
        "duplicates": [{"ticket": t, "id": i} for t, i in result.duplicates],
        "held": list(result.held),
        "steps": result.steps,
    }


def check_names(events: list[dict[str, Any]], config: Config) -> None:
    """Refuse a priority, status, policy or calendar no stored configuration knows.

    The engine would keep such an event and report it as a problem of the ticket;
    a caller posting it is better told at once, with the field at fault.

    :raises EventError: for an unknown priority or status (``invalid_event``).
    :raises PolicyNotFound: for a policy no version of which is stored.
    :raises CalendarNotFound: for a calendar neither stored nor shipped.
    """
    policies = list(config.policies)
    priorities = {p for policy in policies for p in policy.targets}
    for _, _, matrix in config.matrices:
        priorities |= set(matrix.priorities)
    statuses: set[str] | None = set()
    for policy in policies:
        if policy.statuses is None:
            statuses = None
            break
        statuses |= policy.statuses | policy.pause_statuses | policy.stop_statuses  # type: ignore[operator]
    names = config.policies.names
    calendars = set(config.calendars) | set(list_shipped_calendars())
    for i, event in enumerate(events):
        where = f"events[{i}]"
        priority = event.get("priority")
        if priority is not None and priorities and priority not in priorities:
            raise EventError(
                f"{where}.priority: {quote(priority)} is no priority of the stored policies or matrix"
                f"{suggest(priority, sorted(priorities))}",
                field=f"{where}.priority",
            )
        status = event.get("status")
        if status is not None and statuses is not None and status not in statuses:
            raise EventError(
                f"{where}.status: {quote(status)} is not a status the policies list{suggest(status, sorted(statuses))}",
                field=f"{where}.status",
            )
        policy_name = event.get("policy")
        if policy_name is not None and names and policy_name not in names:
            raise PolicyNotFound(
                f"{where}.policy: no policy is named {quote(policy_name)}{suggest(policy_name, names)}",
                field=f"{where}.policy",
            )
        calendar = event.get("calendar")
        if calendar is not None and calendar not in calendars and "/" not in calendar and ".." not in calendar:
            raise CalendarNotFound(
                f"{where}.calendar: no calendar is named {quote(calendar)}{suggest(calendar, sorted(calendars))}",
                field=f"{where}.calendar",
            )
