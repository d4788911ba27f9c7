"""The JSON routes that need no store: dry runs, calendar previews and the OpenAPI document.

Instants are answered in UTC (``2026-11-27T17:30:00Z``) with the calendar's
zone beside them, so a client shows them in the agent's zone.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ..rules import Classification
from ..timers import Policy, TicketEvent, evaluate
from ..timers.durations import format_target
from ..validation import quote, suggest
from .errors import RequestError
from .http import api_route
from .openapi import openapi_document
from .schema import (
    Array,
    Bool,
    DateTime,
    Int,
    JSONValue,
    Nullable,
    Object,
    Prop,
    Str,
)
from .state import app_state

#: Longest calendar preview: a quarter, enough for any badge to count down to its deadline.
MAX_PREVIEW = timedelta(days=92)
#: Default calendar preview: two weeks from ``from``.
DEFAULT_PREVIEW = timedelta(days=14)

_NAME = Str(max_length=200)
_WHEN = DateTime(description="an instant with its UTC offset; default: now")
_INSTANT = DateTime()

_TIMER = Object(
    {
        "metric": Prop(_NAME, True),
        "kind": Prop(_NAME, True),
        "time": Prop(Str(enum=("business", "calendar")), True),
        "target": Prop(Nullable(Str()), True),
        "due_at": Prop(Nullable(_INSTANT), True),
        "starts": Prop(Str(max_length=200), True),
    },
    name="DryRunTimer",
)

_DUE_REQUEST = Object(
    {
        "policy": Prop(_NAME, True),
        "priority": Prop(_NAME, True),
        "calendar": Prop(Nullable(_NAME)),
        "status": Prop(_NAME, default="new"),
        "at": Prop(_WHEN),
    },
    name="DueDryRun",
    description="A ticket opened at `at` with this policy and priority.",
)

_DUE_RESPONSE = Object(
    {
        "policy": Prop(_NAME, True),
        "version": Prop(Int(), True),
        "priority": Prop(_NAME, True),
        "calendar": Prop(_NAME, True),
        "timezone": Prop(_NAME, True),
        "opened_at": Prop(_INSTANT, True),
        "timers": Prop(Array(_TIMER, max_items=1000), True),
    },
    name="DueDryRunResult",
)

_CHANGE = Object({"what": Prop(_NAME, True), "before": Prop(JSONValue(), True), "after": Prop(JSONValue(), True)})
_TRACE = Object(
    {
        "index": Prop(Int(), True),
        "name": Prop(Str(max_length=10_000), True),
        "changes": Prop(Array(_CHANGE, max_items=10), True),
        "stopped": Prop(Bool(), True),
        "capped": Prop(Nullable(Str(enum=("top", "bottom"))), True),
    },
    name="TraceEntry",
)

_CLASSIFY_REQUEST = Object(
    {
        "ticket": Prop(Object(extra=JSONValue(), description="the ticket's fields, as the matrix reads them"), True),
        "at": Prop(_WHEN),
    },
    name="ClassifyDryRun",
)

_CLASSIFY_RESPONSE = Object(
    {
        "priority": Prop(_NAME, True),
        "policy": Prop(_NAME, True),
        "calendar": Prop(_NAME, True),
        "tags": Prop(Array(_NAME, max_items=10_000), True),
        "base": Prop(
            Object(
                {
                    "source": Prop(_NAME, True),
                    "priority": Prop(_NAME, True),
                    "impact": Prop(JSONValue(), True),
                    "urgency": Prop(JSONValue(), True),
                    "business_line": Prop(Nullable(_NAME), True),
                    "note": Prop(Nullable(Str(max_length=10_000)), True),
                }
            ),
            True,
        ),
        "trace": Prop(Array(_TRACE, max_items=100_000), True),
        "explanation": Prop(Str(max_length=1_000_000), True),
        "due": Prop(Nullable(_DUE_RESPONSE), True),
    },
    name="ClassifyDryRunResult",
)

_PREVIEW_QUERY = Object(
    {
        "from": Prop(_WHEN),
        "to": Prop(DateTime(description="default: two weeks after `from`; at most 92 days after it")),
    }
)

_PREVIEW_RESPONSE = Object(
    {
        "calendar": Prop(_NAME, True),
        "timezone": Prop(_NAME, True),
        "from": Prop(_INSTANT, True),
        "to": Prop(_INSTANT, True),
        "intervals": Prop(Array(Array(_INSTANT, min_items=2, max_items=2), max_items=100_000), True),
    },
    name="OpenIntervals",
    description="Open stretches `[open, close)` clipped to `[from, to)`.",
)

_CALENDARS_RESPONSE = Object({"calendars": Prop(Array(_NAME, max_items=100_000), True)})

# How each metric kind starts, for a dry run's metrics that a bare opening does not start.
_STARTS = {
    "first_response": "at creation",
    "resolution": "at creation",
    "next_response": "on a customer reply after the first public agent reply",
    "periodic_update": "on the first public agent reply",
}


def iso(value: datetime) -> str:
    """``2026-11-27T17:30:00Z``: an instant in UTC as the API writes it."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


@api_route(
    "/api/dry-run/due",
    method="POST",
    access="agent",
    body=_DUE_REQUEST,
    response=_DUE_RESPONSE,
    summary="When a ticket opened now (or at `at`) would be due, per metric",
    errors=("policy_not_found", "calendar_not_found"),
)
def dry_run_due(body: dict[str, Any], query: None) -> dict[str, Any]:
    """Deadlines of a ticket opened at ``at`` with this policy, priority and calendar."""
    registry = app_state().registry
    at = body["at"] or datetime.now(UTC)
    policy = registry.policy(body["policy"], at)
    return _due(policy, body["priority"], body["calendar"], body["status"], at)


def _due(policy: Policy, priority: str, calendar_name: str | None, status: str, at: datetime) -> dict[str, Any]:
    registry = app_state().registry
    if priority not in policy.targets:
        raise RequestError(
            f"priority: policy {quote(policy.name)} has no targets for {quote(priority)}"
            f"{suggest(priority, policy.targets)}",
            field="priority",
        )
    calendar = registry.calendar(calendar_name or policy.calendar)
    created = TicketEvent("created", at, id="dry-run", priority=priority, status=status)
    states = evaluate(policy, [created], now=at, calendar=calendar)
    timers = []
    for name, settings in policy.metrics.items():
        target = policy.target(priority, name)
        state = states.get(name)
        timers.append(
            {
                "metric": name,
                "kind": settings.kind,
                "time": settings.time,
                "target": format_target(target) if target is not None else None,
                "due_at": iso(state.due_at) if state is not None and state.due_at is not None else None,
                "starts": "at creation" if state is not None else _STARTS.get(settings.kind, "on its trigger"),
            }
        )
    return {
        "policy": policy.name,
        "version": policy.version,
        "priority": priority,
        "calendar": calendar_name or policy.calendar,
        "timezone": calendar.zone.key,
        "opened_at": iso(at),
        "timers": timers,
    }


@api_route(
    "/api/dry-run/classify",
    method="POST",
    access="agent",
    body=_CLASSIFY_REQUEST,
    response=_CLASSIFY_RESPONSE,
    errors=("not_configured",),
    summary="What priority, policy and calendar a ticket would get, with the rules that decided",
)
def dry_run_classify(body: dict[str, Any], query: None) -> dict[str, Any]:
    """The priority matrix's answer for ``ticket`` at ``at``, its trace, and its deadlines when its policy is registered."""
    registry = app_state().registry
    matrix = registry.require_matrix()
    at = body["at"] or datetime.now(UTC)
    found = matrix.classify(body["ticket"], now=at)
    due = None
    if found.policy in registry.policies.names and registry.policies.select(found.policy, at) is not None:
        policy = registry.policy(found.policy, at)
        if found.priority in policy.targets:
            due = _due(policy, found.priority, found.calendar, "new", at)
    return _classification(found) | {"due": due}


def _classification(found: Classification) -> dict[str, Any]:
    base = found.base
    return {
        "priority": found.priority,
        "policy": found.policy,
        "calendar": found.calendar,
        "tags": list(found.tags),
        "base": {
            "source": base.source,
            "priority": base.priority,
            "impact": _plain(base.impact),
            "urgency": _plain(base.urgency),
            "business_line": base.business_line,
            "note": base.note,
        },
        "trace": [
            {
                "index": entry.index,
                "name": entry.name,
                "stopped": entry.stopped,
                "capped": entry.capped,
                "changes": [
                    {"what": c.what, "before": _plain(c.before), "after": _plain(c.after)} for c in entry.changes
                ],
            }
            for entry in found.trace
        ],
        "explanation": found.explain(),
    }


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (tuple, list)):
        return [_plain(item) for item in value]
    return str(value)


@api_route(
    "/api/calendars",
    method="GET",
    access="agent",
    response=_CALENDARS_RESPONSE,
    summary="Names of the calendars requests may name (registered and shipped)",
)
def calendar_list(body: None, query: None) -> dict[str, Any]:
    """Every calendar name a request may use."""
    return {"calendars": app_state().registry.calendar_names()}


@api_route(
    "/api/calendars/<name>/open-intervals",
    method="GET",
    access="agent",
    query=_PREVIEW_QUERY,
    response=_PREVIEW_RESPONSE,
    errors=("calendar_not_found",),
    summary="A calendar's open intervals over a range, for counting down in business time",
)
def calendar_preview(body: None, query: dict[str, Any], name: str) -> dict[str, Any]:
    """Open stretches of calendar ``name`` in ``[from, to)``, at most 92 days."""
    calendar = app_state().registry.calendar(name, field="name")
    start = query["from"] or datetime.now(UTC)
    end = query["to"] or _plus(start, DEFAULT_PREVIEW)
    if end < start:
        raise RequestError("to: must not be before from", field="to")
    if end - start > MAX_PREVIEW:
        raise RequestError(f"to: at most {MAX_PREVIEW.days} days after from", field="to")
    intervals = [[iso(a), iso(b)] for a, b in calendar.open_intervals(start, end)]
    return {"calendar": name, "timezone": calendar.zone.key, "from": iso(start), "to": iso(end), "intervals": intervals}


def _plus(start: datetime, span: timedelta) -> datetime:
    try:
        return start + span
    except OverflowError:
        return datetime.max.replace(tzinfo=UTC)


@api_route(
    "/api/openapi.json",
    method="GET",
    access="public",
    response=Object(extra=JSONValue()),
    summary="This API as an OpenAPI 3.1 document",
)
def openapi(body: None, query: None) -> dict[str, Any]:
    """The OpenAPI document, built from the route declarations."""
    return openapi_document(app_state().settings.url_prefix)
