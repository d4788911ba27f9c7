"""Ticket events: what happened to a ticket and when, validated on construction,
and their order. No I/O here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from ..errors import EventError, NaiveDatetimeError
from ..validation import aware_utc

#: kind -> {field: (types accepted, required)}. ``id`` is allowed on every kind.
#: Replies may carry ``channel`` and ``author``: every channel counts the same (a
#: customer's reply by mail opens next_response just as one on the portal does).
_SCHEMA: dict[str, dict[str, tuple[tuple[type, ...], bool]]] = {
    "created": {
        "priority": ((str,), True),
        "status": ((str,), False),
        "policy": ((str,), False),
        "group": ((str, type(None)), False),
    },
    "status": {"status": ((str,), True)},
    "priority": {"priority": ((str,), True)},
    "agent_reply": {"public": ((bool,), True), "channel": ((str,), False), "author": ((str,), False)},
    "customer_reply": {"channel": ((str,), False), "author": ((str,), False)},
    "assigned": {"group": ((str, type(None)), True)},
    "field": {"name": ((str,), True), "value": ((object,), False)},
    "pin": {"metric": ((str,), True), "due_at": ((datetime,), True)},
    "unpin": {"metric": ((str,), True)},
    "policy": {"policy": ((str,), True), "calendar": ((str,), False)},
}

#: The kinds, in the order events at the same instant apply. ``created`` first;
#: changes of policy, priority, group and fields before what they govern; a
#: customer's message before the agent's answer to it; a reply before the status
#: set with it ("reply and solve" meets first_response by the reply).
KINDS = (
    "created",
    "policy",
    "priority",
    "assigned",
    "field",
    "pin",
    "unpin",
    "customer_reply",
    "agent_reply",
    "status",
)
_KIND_RANK = {kind: rank for rank, kind in enumerate(KINDS)}


class _DataOrder:
    """The last part of an event's place in the log (:meth:`TicketEvent.sort_key`):
    its data, compared by ``repr`` as the sort key does, but worked out only when
    two events tie on instant, kind and id, which few logs have."""

    __slots__ = ("data", "text")

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.text: str | None = None

    def key(self) -> str:
        text = self.text
        if text is None:
            text = self.text = repr(sorted(self.data.items()))
        return text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _DataOrder) and self.key() == other.key()

    def __lt__(self, other: _DataOrder) -> bool:
        return self.key() < other.key()

    __hash__ = None  # type: ignore[assignment]


class TicketEvent:
    """One thing that happened to a ticket: ``TicketEvent(kind, at, **data)``.

    Kinds and their data (``id`` optional on all): ``created`` (``priority``,
    ``status`` default ``"new"``, ``policy``, ``group``), ``status`` (``status``),
    ``priority`` (``priority``), ``agent_reply`` (``public``: bool; ``channel``,
    ``author``), ``customer_reply`` (``channel``, ``author``), ``assigned``
    (``group``, or None to unassign), ``field`` (``name``, ``value``), ``pin``
    (``metric``, ``due_at``), ``unpin`` (``metric``), ``policy`` (``policy``,
    ``calendar``: the name of a registered or shipped calendar, never a file path).

    Events with the same ``id`` and payload are one event delivered twice: they
    count once. The same ``id`` on another payload is reported as a problem.

    ``at`` (and a pin's ``due_at``) are stored in UTC, so events compare as
    instants whatever offset they were written with. Immutable; data fields read
    as attributes (``event.status``) or through :attr:`data`.

    :raises EventError: for an unknown kind, a missing, unknown or wrong-typed
        field, or a ``calendar`` that looks like a path (``/``, ``\\``, ``..``,
        NUL, ``.toml``); ``field`` names it.
    :raises NaiveDatetimeError: for an ``at`` or ``due_at`` without tzinfo.
    """

    __slots__ = ("kind", "at", "id", "data", "_key", "_order")

    kind: str
    at: datetime
    id: str | None
    data: Mapping[str, Any]
    _key: tuple[Any, ...] | None  # sort_key, computed on first use
    #: The log order as sort_key gives it, read without a call (the data compared
    #: only on a tie): what evaluation sorts by.
    _order: tuple[datetime, int, str, _DataOrder]

    def __init__(self, kind: str, at: datetime, **data: Any) -> None:
        schema = _SCHEMA.get(kind) if isinstance(kind, str) else None
        if schema is None:
            raise EventError(f"kind: {kind!r} is not an event kind; use one of {', '.join(KINDS)}", field="kind")
        at = aware_utc(at, "at", error=EventError, out_of_range=EventError)
        event_id = data.pop("id", None)
        if event_id is not None and (not isinstance(event_id, str) or not event_id):
            raise EventError(f"id: {event_id!r} must be a non-empty string", field="id")
        for name in data:
            if name not in schema:
                known = ", ".join(["id", *schema])
                raise EventError(f"{name}: not a field of a {kind} event; its fields are {known}", field=name)
        for name, (types, required) in schema.items():
            if name not in data:
                if required:
                    raise EventError(f"{name}: required on a {kind} event", field=name)
                continue
            value = data[name]
            # bool is an int, and an int is no status; check exactly.
            if object not in types and type(value) not in types:
                wanted = " or ".join("null" if t is type(None) else t.__name__ for t in types)
                raise EventError(f"{name}: {value!r} is not a {wanted}", field=name)
            if isinstance(value, str) and not value:
                raise EventError(f"{name}: must not be empty", field=name)
        if "calendar" in data:
            _check_calendar_name(data["calendar"])
        if "due_at" in data:
            data["due_at"] = aware_utc(data["due_at"], "due_at", error=EventError, out_of_range=EventError)
        if kind == "created":
            data.setdefault("status", "new")
        set_ = object.__setattr__
        set_(self, "kind", kind)
        set_(self, "at", at)
        set_(self, "id", event_id)
        proxy = MappingProxyType(data)
        set_(self, "data", proxy)
        set_(self, "_key", None)
        set_(self, "_order", (at, _KIND_RANK[kind], event_id or "", _DataOrder(proxy)))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TicketEvent:
        """Build an event from ``{"kind": ..., "at": ..., **data}``; ``at`` and
        ``due_at`` may be ISO 8601 strings with an offset.

        :raises EventError: as the constructor, and for an unparsable time.
        """
        if not isinstance(data, Mapping):
            raise EventError(f"an event must be an object, got {type(data).__name__}")
        fields = dict(data)
        for name in ("kind", "at"):
            if name not in fields:
                raise EventError(f"{name}: required", field=name)
        for name in ("at", "due_at"):
            if isinstance(fields.get(name), str):
                try:
                    fields[name] = datetime.fromisoformat(fields[name])
                except ValueError:
                    raise EventError(
                        f"{name}: {fields[name]!r} is not an ISO 8601 time such as 2026-11-23T09:00:00-05:00",
                        field=name,
                    ) from None
        kind, at = fields.pop("kind"), fields.pop("at")
        return cls(kind, at, **fields)

    if TYPE_CHECKING:
        # For type checkers only: data fields are properties set below the class.
        def __getattr__(self, name: str) -> Any: ...

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("TicketEvent is immutable")

    def get(self, name: str, default: Any = None) -> Any:
        """A data field, or ``default``."""
        return self.data.get(name, default)

    def sort_key(self) -> tuple[Any, ...]:
        """Where the event goes in a ticket's log: by instant, then kind (see
        :data:`KINDS`), then id, then data, so arrival order never matters."""
        key = self._key
        if key is None:
            key = (self.at, _KIND_RANK[self.kind], self.id or "", repr(sorted(self.data.items())))
            object.__setattr__(self, "_key", key)
        return key

    def to_dict(self) -> dict[str, Any]:
        """The event as plain data: kind, at (ISO 8601, UTC), id when set, and its
        fields (a pin's ``due_at`` as ISO 8601 too; a ``field`` event's ``value`` as
        given). ``TicketEvent.from_dict(event.to_dict()) == event``."""
        out: dict[str, Any] = {"kind": self.kind, "at": self.at.isoformat()}
        if self.id is not None:
            out["id"] = self.id
        for name, value in self.data.items():
            out[name] = value.isoformat() if name == "due_at" else value
        return out

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TicketEvent):
            return NotImplemented
        return (self.kind, self.at, self.id, dict(self.data)) == (other.kind, other.at, other.id, dict(other.data))

    def __hash__(self) -> int:
        return hash((self.kind, self.at, self.id))

    def __repr__(self) -> str:
        fields = "".join(f", {k}={v!r}" for k, v in ([("id", self.id)] if self.id else []) + list(self.data.items()))
        return f"TicketEvent({self.kind!r}, {self.at.isoformat()}{fields})"

    def describe(self) -> str:
        """A short name for messages: ``agent_reply e7 at 2026-11-23T14:00:00+00:00``."""
        return f"{self.kind}{' ' + self.id if self.id else ''} at {self.at.isoformat()}"


def _field(name: str) -> property:
    def read(self: TicketEvent) -> Any:
        try:
            return self.data[name]
        except KeyError:
            raise AttributeError(f"{self.kind} event has no field {name!r}") from None

    return property(read, doc=f"The ``{name}`` field (``AttributeError`` on an event without one).")


# Data fields read as attributes through properties rather than ``__getattr__``:
# a class with ``__getattr__`` makes every attribute read (``event.at`` in a
# replay's loop) take Python's slow generic path.
for _name in sorted({name for fields in _SCHEMA.values() for name in fields}):
    setattr(TicketEvent, _name, _field(_name))
del _name


def parse_events(items: Iterable[Mapping[str, Any] | TicketEvent]) -> list[TicketEvent]:
    """Validate a batch of events (dicts or events), all or nothing.

    :raises EventError: for the first bad event, ``field`` prefixed with its
        place (``events[57].kind``).
    :raises NaiveDatetimeError: likewise, for a time without offset.
    """
    events: list[TicketEvent] = []
    for i, item in enumerate(items):
        if isinstance(item, TicketEvent):
            events.append(item)
            continue
        try:
            events.append(TicketEvent.from_dict(item))
        except (EventError, NaiveDatetimeError) as exc:
            path = f"events[{i}]" + (f".{exc.field}" if exc.field else "")
            raise type(exc)(f"{path}: {_strip_field(exc)}", field=path) from None
    return events


def sort_events(events: Iterable[TicketEvent]) -> list[TicketEvent]:
    """The events in log order (see :meth:`TicketEvent.sort_key`)."""
    return sorted(events, key=TicketEvent.sort_key)


#: What marks a calendar name as a file path. Event data may come from the network:
#: it names only calendars the host registered or shipped ones, never a file to read.
_PATH_MARKS = ("/", "\\", "..", "\x00")


def _check_calendar_name(name: str) -> None:
    if any(mark in name for mark in _PATH_MARKS) or ".toml" in name.lower():
        raise EventError(
            f"calendar: {name!r} looks like a file path; an event may name only a registered or shipped "
            "calendar (the host loads files from its own code)",
            field="calendar",
        )


def _strip_field(exc: EventError | NaiveDatetimeError) -> str:
    message = exc.message
    prefix = f"{exc.field}: "
    return message[len(prefix) :] if exc.field and message.startswith(prefix) else message
