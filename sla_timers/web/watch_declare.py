"""What a ``sla.watch(...)`` declaration means: the host's models and the paths to read.

:func:`declare` checks the arguments against the host's mapped classes and turns
each column or dotted path through many-to-one relationships (``"status.name"``)
into a :class:`FieldPath`; a misspelt attribute, a path through a collection or
one ending on a relationship is a :class:`WatchError` naming the argument.
:mod:`.watch` listens to the ORM with what this returns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import NoInspectionAvailable
from sqlalchemy.orm import ColumnProperty, Mapper, RelationshipProperty

from ..errors import SLAError
from ..validation import quote


class WatchError(SLAError, ValueError):
    """A ``watch(...)`` declaration that does not fit the host's models; ``field`` names the argument."""

    code = "invalid_watch"


# --- declarations ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FieldPath:
    """A column of a model, or a dotted path to one through many-to-one relationships."""

    #: The ``watch`` argument that declared it (``"status"``, ``"reply_author"``...).
    field: str
    #: As the host wrote it: ``"status.name"``.
    text: str
    steps: tuple[str, ...]

    def read(self, obj: Any) -> Any:
        """The value at the end of the path; None where a relationship on the way is empty."""
        value = obj
        for step in self.steps:
            if value is None:
                return None
            value = getattr(value, step)
        return value


def resolve(model: Any, text: object, name: str) -> FieldPath:
    """Check ``text`` against ``model``'s mapping and return the path.

    :raises WatchError: naming ``name`` when a step is not a mapped attribute, a
        relationship on the way is a collection, or the path ends on a relationship.
    """
    if not isinstance(text, str) or not text.strip():
        raise WatchError(
            f'{name}: must be an attribute name or a dotted path such as "status.name", got {quote(text)}',
            field=name,
        )
    mapper = _mapper(model, name)
    steps = tuple(text.split("."))
    for i, step in enumerate(steps):
        last = i == len(steps) - 1
        attrs = mapper.attrs
        if step not in attrs:
            known = ", ".join(sorted(attrs.keys()))
            raise WatchError(
                f"{name}: {quote(text)}: {mapper.class_.__name__} has no mapped attribute {quote(step)} "
                f"(it has: {known})",
                field=name,
            )
        prop = attrs[step]
        if isinstance(prop, RelationshipProperty):
            if prop.uselist:
                raise WatchError(
                    f"{name}: {quote(text)}: {mapper.class_.__name__}.{step} is a collection; a path "
                    "goes through many-to-one relationships only",
                    field=name,
                )
            if last:
                raise WatchError(
                    f"{name}: {quote(text)}: {mapper.class_.__name__}.{step} is a relationship; name one of "
                    f'its columns, such as "{step}.name"',
                    field=name,
                )
            mapper = prop.mapper
        elif isinstance(prop, ColumnProperty):
            if not last:
                raise WatchError(
                    f"{name}: {quote(text)}: {mapper.class_.__name__}.{step} is a column, not a relationship, "
                    "so nothing follows it",
                    field=name,
                )
        elif not last:
            raise WatchError(f"{name}: {quote(text)}: {step} is not a relationship", field=name)
    return FieldPath(name, text, steps)


def _mapper(model: Any, name: str) -> Mapper[Any]:
    try:
        found = sa_inspect(model)
    except NoInspectionAvailable:
        found = None
    if not isinstance(found, Mapper) or not isinstance(model, type):
        raise WatchError(f"{name}: {model!r} is not a mapped SQLAlchemy class", field=name)
    return found


@dataclass(frozen=True)
class TicketMapping:
    """Where the ticket model keeps what timers need (see :meth:`SLATimers.watch`)."""

    model: type
    id: FieldPath
    status: FieldPath | None
    priority: FieldPath | None
    impact: FieldPath | None
    urgency: FieldPath | None
    requester: FieldPath | None
    business_line: FieldPath | None
    group: FieldPath | None
    created_at: FieldPath | None
    changed_at: FieldPath | None
    #: Further classification inputs: the matrix's key (dotted, nested on output) -> path.
    inputs: Mapping[str, FieldPath]
    default_priority: str
    new_status: str


@dataclass(frozen=True)
class ReplyMapping:
    """Where the reply (post) model keeps its ticket, time, author and visibility."""

    model: type
    ticket: FieldPath
    at: FieldPath | None
    author: FieldPath | None
    #: A path read as a boolean, or a constant.
    public: FieldPath | bool
    #: Whether ``public`` names an "internal" column (true for notes agents keep to themselves).
    public_inverted: bool
    #: A path true for agents; None: the author is the customer when they are the ticket's requester.
    agent: FieldPath | None


def _plain(value: Any) -> Any:
    """A JSON-safe, comparable form of a column value (enums by value, decimals as text)."""
    if isinstance(value, Enum):
        value = value.value
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


def _text(value: Any) -> str | None:
    value = _plain(value)
    return None if value is None else str(value)


def _put(target: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    for part in parents:
        nested = target.get(part)
        if not isinstance(nested, dict):
            nested = target[part] = {}
        target = nested
    target[last] = value


def _instant(value: Any, zone: ZoneInfo, name: str) -> datetime | None:
    """A host timestamp as an aware UTC instant: naive ones are wall time in ``zone``."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise WatchError(f"{name}: the column holds {type(value).__name__}, not a datetime", field=name)
    if value.tzinfo is None or value.utcoffset() is None:
        value = value.replace(tzinfo=zone)
    aware: datetime = value.astimezone(UTC)
    return aware


def declare(
    *,
    ticket: Any,
    reply: Any,
    id: str | None,
    status: str | None,
    priority: str | None,
    impact: str | None,
    urgency: str | None,
    requester: str | None,
    business_line: str | None,
    group: str | None,
    created_at: str | None,
    changed_at: str | None,
    inputs: Mapping[str, str] | None,
    default_priority: str,
    new_status: str,
    reply_ticket: str | None,
    reply_at: str | None,
    reply_author: str | None,
    reply_public: str | bool,
    reply_internal: str | None,
    reply_by_agent: str | None,
) -> tuple[TicketMapping, ReplyMapping | None]:
    """Check a declaration against the models; see :meth:`SLATimers.watch`.

    :raises WatchError: naming the first argument that does not fit.
    """
    mapper = _mapper(ticket, "ticket")
    if id is None:
        keys = mapper.primary_key
        if len(keys) != 1:
            raise WatchError(
                f"id: {ticket.__name__} has a composite primary key; name the column that identifies a ticket",
                field="id",
            )
        id = mapper.get_property_by_column(keys[0]).key
    id_path = resolve(ticket, id, "id")
    if len(id_path.steps) != 1:
        raise WatchError(f"id: {quote(id)} must be a column of {ticket.__name__} itself", field="id")
    if (impact is None) != (urgency is None):
        missing = "urgency" if urgency is None else "impact"
        raise WatchError(f"{missing}: impact and urgency go together; name both or neither", field=missing)
    if priority is not None and impact is not None:
        raise WatchError(
            "priority: name a priority column or impact and urgency (the matrix turns them into a priority), not both",
            field="priority",
        )
    for name, value in (("default_priority", default_priority), ("new_status", new_status)):
        if not isinstance(value, str) or not value:
            raise WatchError(f"{name}: must be a non-empty string, got {quote(value)}", field=name)

    def opt(text: str | None, name: str, model: Any = ticket) -> FieldPath | None:
        return None if text is None else resolve(model, text, name)

    extra: dict[str, FieldPath] = {}
    if inputs is not None:
        if not isinstance(inputs, Mapping):
            raise WatchError(f"inputs: must map the matrix's field names to paths, got {quote(inputs)}", field="inputs")
        for key, text in inputs.items():
            if not isinstance(key, str) or not key or any(not part for part in key.split(".")):
                raise WatchError(f"inputs: {quote(key)} is not a field name such as 'requester.tier'", field="inputs")
            extra[key] = resolve(ticket, text, f"inputs[{key!r}]")
    ticket_mapping = TicketMapping(
        model=ticket,
        id=id_path,
        status=opt(status, "status"),
        priority=opt(priority, "priority"),
        impact=opt(impact, "impact"),
        urgency=opt(urgency, "urgency"),
        requester=opt(requester, "requester"),
        business_line=opt(business_line, "business_line"),
        group=opt(group, "group"),
        created_at=opt(created_at, "created_at"),
        changed_at=opt(changed_at, "changed_at"),
        inputs=extra,
        default_priority=default_priority,
        new_status=new_status,
    )
    if reply is None:
        named: tuple[tuple[str, str | None], ...] = (
            ("reply_ticket", reply_ticket),
            ("reply_at", reply_at),
            ("reply_author", reply_author),
        )
        for argument, given in named:
            if given is not None:
                raise WatchError(f"{argument}: given without a reply model (reply=...)", field=argument)
        return ticket_mapping, None
    _mapper(reply, "reply")
    if reply_ticket is None:
        raise WatchError(
            "reply_ticket: name the reply's column holding its ticket's id (such as 'ticket_id')", field="reply_ticket"
        )
    if reply_internal is not None:
        if reply_public is not True:
            raise WatchError(
                "reply_internal: name either reply_public or reply_internal, not both", field="reply_internal"
            )
        public: FieldPath | bool = resolve(reply, reply_internal, "reply_internal")
    elif not isinstance(reply_public, bool):
        public = resolve(reply, reply_public, "reply_public")
    else:
        public = reply_public
    if reply_by_agent is None and (reply_author is None or requester is None):
        missing = "reply_author" if reply_author is None else "requester"
        raise WatchError(
            f"{missing}: needed to tell a customer's reply from an agent's (the requester's own replies are "
            "the customer's), unless reply_by_agent names a column true for agents",
            field=missing,
        )
    return ticket_mapping, ReplyMapping(
        model=reply,
        ticket=resolve(reply, reply_ticket, "reply_ticket"),
        at=opt(reply_at, "reply_at", reply),
        author=opt(reply_author, "reply_author", reply),
        public=public,
        public_inverted=reply_internal is not None,
        agent=opt(reply_by_agent, "reply_by_agent", reply),
    )
