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

import functools
import hashlib
import json
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from json.encoder import encode_basestring_ascii
from typing import Any, Protocol

from ..clock import BusinessCalendar
from ..timers import Policy

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


class TimerView(Protocol):
    """What a badge reads of a timer: a :class:`~sla_timers.TimerState` has it all."""

    @property
    def cycle(self) -> int: ...
    @property
    def status(self) -> str: ...
    @property
    def due_at(self) -> datetime | None: ...
    @property
    def remaining(self) -> timedelta | None: ...
    @property
    def breached_at(self) -> datetime | None: ...
    @property
    def stopped_at(self) -> datetime | None: ...
    @property
    def stop_reason(self) -> str | None: ...
    @property
    def paused_since(self) -> datetime | None: ...
    @property
    def warning_level(self) -> float | str | int | None: ...
    @property
    def next_warning_at(self) -> datetime | None: ...


@dataclass(frozen=True)
class TicketTimers:
    """A ticket's timers as a badge source gives them."""

    #: ``{metric: TimerState}`` as :func:`sla_timers.evaluate` returns them (or any
    #: :class:`TimerView`, such as the store's rows).
    states: Mapping[str, TimerView]
    #: The calendar the ticket's timers run on, and its name.
    calendar: BusinessCalendar
    calendar_name: str
    #: The policy, to tell wall-clock metrics (``time = "calendar"``) from business-time ones.
    policy: Policy | None = None
    #: The ticket's current status (shown beside a pause: "paused since 14:05, pending").
    status: str | None = None
    #: Metric labels to show instead of the defaults ("First response", ...).
    labels: Mapping[str, str] = field(default_factory=dict)
    #: A hashable value equal only for equal ``states`` (the store gives the text its
    #: row came as), or None. With it, a ticket whose badge was written before is
    #: answered from the kept badge without reading ``states``.
    key: Hashable | None = None


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
    The same data :func:`badges_body` writes as JSON.
    """
    data: dict[str, Any] = json.loads(badges_body(found, now, ()))
    del data["missing"]
    return data


def badges_body(found: Mapping[str, TicketTimers], now: datetime, missing: Sequence[str]) -> bytes:
    """The badges route's JSON body: :func:`badges` plus ``missing``, keys sorted, compact.

    Each ticket's part is kept once written (keyed by everything it is made of: its
    timers' states, labels, status, calendar and the day), so a page polled all day
    costs a lookup per ticket instead of formatting every timer again.
    """
    day = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    reach: dict[str, datetime] = {}
    calendars: dict[str, BusinessCalendar] = {}
    parts: list[str] = []
    for ticket_id in sorted(found):
        item = found[ticket_id]
        name = item.calendar_name
        calendars[name] = item.calendar
        if item.key is None:
            part, due_reach = _ticket_entry(item, day)
        else:
            labels = tuple(item.labels.items()) if item.labels else ()
            keyed = (item.key, item.status, item.calendar, name, item.policy, labels, day)
            entry = _KEYED.get(keyed)
            if entry is None:
                entry = _ticket_entry(item, day, cached=False)
                _keep(keyed, entry)
            part, due_reach = entry
        end = reach.get(name)
        if end is None:
            end = day + HORIZON
        if due_reach is not None and due_reach > end:
            end = min(due_reach, day + MAX_HORIZON)
        reach[name] = end
        parts.append(f"{_json_string(ticket_id)}:{part}")
    shown = [
        f"{json.dumps(name)}:{_calendar_part(calendar, day, reach[name])}"
        for name, calendar in sorted(calendars.items())
    ]
    body = f'{{"calendars":{{{",".join(shown)}}},"missing":{_compact(list(missing))},"tickets":{{{",".join(parts)}}}}}'
    return body.encode()


#: Badges kept by :attr:`TicketTimers.key` (with everything else a badge is made of),
#: each with the horizon its running timers need; oldest dropped first past the size.
_KEYED: dict[Hashable, tuple[str, datetime | None]] = {}
_KEYED_SIZE = 16_384


def _keep(key: Hashable, entry: tuple[str, datetime | None]) -> None:
    while len(_KEYED) >= _KEYED_SIZE:
        try:
            del _KEYED[next(iter(_KEYED))]
        except (KeyError, RuntimeError, StopIteration):  # another thread dropped it first
            break
    _KEYED[key] = entry


def _ticket_entry(item: TicketTimers, day: datetime, cached: bool = True) -> tuple[str, datetime | None]:
    """A ticket's JSON part, and the end of the intervals its running timers need
    (None when the standard horizon is enough for them). ``cached``: look the part up
    by the timers' states (a keyed ticket's part is kept by its key instead, once)."""
    keys = []
    due_reach: datetime | None = None
    for metric, state in item.states.items():
        settings = item.policy.metrics.get(metric) if item.policy is not None else None
        label = item.labels.get(metric) or _LABELS.get(metric) or metric.replace("_", " ").capitalize()
        keys.append((metric, state, label, settings is not None and settings.time == "calendar"))
        if state.due_at is not None and state.stopped_at is None:
            # Whole UTC days past the due date: a few distinct horizons a day, each computed once.
            reach_due = state.due_at.astimezone(UTC) + timedelta(days=1)
            whole = day + timedelta(days=-((day - reach_due) // timedelta(days=1)))
            if due_reach is None or whole > due_reach:
                due_reach = whole
    if due_reach is not None and due_reach <= day + HORIZON:
        due_reach = None
    key = (item.calendar, item.calendar_name, item.status, tuple(keys), day)
    if not cached:
        return _ticket_part.__wrapped__(*key), due_reach
    try:
        part = _ticket_part(*key)
    except TypeError:  # a source's own timer type that cannot be a cache key
        part = _ticket_part.__wrapped__(*key)
    return part, due_reach


#: ``json.dumps`` of a string without its per-call set-up (the same text: ASCII, escaped).
_json_string: Callable[[str], str] = encode_basestring_ascii


def _compact(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


@functools.lru_cache(maxsize=16_384)
def _ticket_part(
    calendar: BusinessCalendar,
    name: str,
    status: str | None,
    keys: tuple[tuple[str, TimerView, str, bool], ...],
    day: datetime,
) -> str:
    timers = []
    for metric, state, label, wall in keys:
        try:
            timer = dict(_timer_of(metric, state, label, wall))  # type: ignore[arg-type]
        except TypeError:  # not hashable: formatted each time
            timer = dict(_timer_of.__wrapped__(metric, state, label, wall))
        due = timer.pop("_due")
        # Business time from the start of the intervals to due (negative once overdue
        # then), so the script counts an overdue timer from before the intervals too.
        timer["remaining_at_from"] = (
            _elapsed(calendar, day, due) if due is not None and timer["remaining_seconds"] is None else None
        )
        timers.append(timer)
    timers.sort(key=lambda t: (t["due_at"] is None, t["due_at"] or "", t["metric"]))
    return _compact({"calendar": name, "status": status, "timers": timers})


@functools.lru_cache(maxsize=1024)
def _calendar_part(calendar: BusinessCalendar, day: datetime, end: datetime) -> str:
    return _compact({"timezone": calendar.zone.key, "from": iso(day), "intervals": _intervals(calendar, day, end)})


@functools.lru_cache(maxsize=4096)
def _elapsed(calendar: BusinessCalendar, day: datetime, due: datetime) -> float:
    return calendar.elapsed(day, due).total_seconds()


@functools.lru_cache(maxsize=256)
def _intervals(calendar: BusinessCalendar, day: datetime, end: datetime) -> list[list[str | None]]:
    return [[iso(a), iso(b)] for a, b in calendar.open_intervals(day, end)]


# A timer's badge depends only on its state (immutable, hashable), its label and its
# clock. Most reads hit the ticket's whole part instead; this keeps a ticket whose
# other timer changed cheap. Sizes bound memory to tens of megabytes per process.
@functools.lru_cache(maxsize=4096)
def _timer_of(metric: str, state: TimerView, label: str, wall: bool) -> dict[str, Any]:
    return {
        "metric": metric,
        "label": label,
        "cycle": state.cycle,
        "status": state.status,
        "clock": "wall" if wall else "business",
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
        "_due": None if wall else state.due_at,
    }


def etag(data: Mapping[str, Any] | bytes) -> str:
    """A strong validator of ``data`` (or of its JSON body): the same badges give the same tag."""
    text = data if isinstance(data, bytes) else json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(text).hexdigest()[:32]
