"""What reports read: plain records of timer cycles, tickets and outages, each
carrying the attributes a report groups by. The store streams them from its
tables; a caller without a store builds them from :func:`~sla_timers.timers.evaluate_ticket`.
No I/O here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from operator import attrgetter
from typing import Any, Literal, NamedTuple, Protocol

from ..errors import ReportError
from ..timers import Evaluation, TicketEvent, TimerState
from ..validation import (
    aware_utc,
    check_keys,
    describe,
    fail,
    join,
    quote,
    require_str,
    require_table,
)

#: Who closed a ticket: the requester, an agent, or the helpdesk itself
#: (an automatic close after days without an answer); None when not known.
ClosedBy = Literal["requester", "agent", "auto"]
_CLOSED_BY = ("requester", "agent", "auto")

#: The attributes reports group by, besides the metric and the period.
DIMENSIONS = ("priority", "business_line", "policy", "group", "organisation")


class TimerLike(Protocol):
    """What reports read from a timer cycle: a :class:`TimerRecord`, or any
    object with these attributes (a store can pass its query's rows as they
    come, without building a :class:`~sla_timers.timers.TimerState` for each).

    Durations are business time, instants aware (UTC), as in
    :class:`~sla_timers.timers.TimerState`; ``group`` is the group the cycle
    counts for (an OLA metric's own group, else the ticket's).
    """

    @property
    def ticket_id(self) -> str: ...
    @property
    def metric(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def target(self) -> timedelta | None: ...
    @property
    def started_at(self) -> datetime: ...
    @property
    def stopped_at(self) -> datetime | None: ...
    @property
    def elapsed(self) -> timedelta: ...
    @property
    def paused_for(self) -> timedelta: ...
    @property
    def customer_wait(self) -> timedelta: ...
    @property
    def priority(self) -> str | None: ...
    @property
    def business_line(self) -> str | None: ...
    @property
    def policy(self) -> str | None: ...
    @property
    def group(self) -> str | None: ...
    @property
    def organisation(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class TimerRecord:
    """One cycle of one timer of one ticket (a :class:`TimerState`), with the
    ticket's attributes. Reads as a :class:`TimerLike`."""

    ticket_id: str
    state: TimerState
    #: The ticket's priority (for a priority change, the one in force when the record was taken).
    priority: str | None = None
    business_line: str | None = None
    #: The policy's name.
    policy: str | None = None
    #: The group the ticket is assigned to; see :attr:`group`.
    assigned_group: str | None = None
    #: The requester's organisation: the customer a contract is made with.
    organisation: str | None = None

    @property
    def group(self) -> str | None:
        """The group the cycle counts for: an OLA metric's own group, else the ticket's."""
        return self.state.group if self.state.group is not None else self.assigned_group

    @property
    def metric(self) -> str:
        """The state's metric."""
        return self.state.metric

    @property
    def status(self) -> str:
        """The state's status."""
        return self.state.status

    @property
    def target(self) -> timedelta | None:
        """The state's target (None for a cycle of a priority without one)."""
        target: timedelta | None = self.state.target
        return target

    @property
    def started_at(self) -> datetime:
        """The state's start."""
        return self.state.started_at

    @property
    def stopped_at(self) -> datetime | None:
        """The state's stop, or None while open."""
        return self.state.stopped_at

    @property
    def elapsed(self) -> timedelta:
        """The state's business time."""
        return self.state.elapsed

    @property
    def paused_for(self) -> timedelta:
        """The state's paused time."""
        return self.state.paused_for

    @property
    def customer_wait(self) -> timedelta:
        """The state's share of the wait that was the customer's."""
        return self.state.customer_wait

    def dimension(self, name: str) -> str | None:
        """The value of one of :data:`DIMENSIONS` for this record."""
        return TIMER_DIMENSIONS[name](self)

    def to_dict(self) -> dict[str, Any]:
        """The state's :meth:`~sla_timers.timers.TimerState.to_dict` with the
        ticket's id and attributes (``group``: the one the cycle counts for);
        :func:`timer_row_from_dict` reads it back."""
        data = self.state.to_dict()
        data.update(
            ticket_id=self.ticket_id,
            priority=self.priority,
            business_line=self.business_line,
            policy=self.policy,
            group=self.group,
            organisation=self.organisation,
        )
        return data

    @property
    def provider_elapsed(self) -> timedelta:
        """See :func:`provider_elapsed`."""
        return provider_elapsed(self)

    @property
    def is_excused(self) -> bool:
        """See :func:`is_excused`."""
        return is_excused(self)


def provider_elapsed(record: TimerLike) -> timedelta:
    """The business time that counts against the provider: ``elapsed`` less
    the time the ticket waited on the customer while this metric's clock ran
    anyway (a metric that does not pause, such as ``first_response``).

    A metric that pauses already leaves that time out of ``elapsed``
    (``paused_for``), so nothing more is taken off.
    """
    extra = record.customer_wait - record.paused_for
    return record.elapsed - extra if extra > timedelta(0) else record.elapsed


def is_excused(record: TimerLike) -> bool:
    """True for a breach that would not have happened without the customer's
    wait: breached, yet :func:`provider_elapsed` is within the target."""
    target = record.target
    return record.status == "breached" and target is not None and provider_elapsed(record) <= target


#: How to read each dimension of a timer record.
TIMER_DIMENSIONS: dict[str, Callable[[TimerLike], str | None]] = {name: attrgetter(name) for name in DIMENSIONS}


@dataclass(frozen=True, slots=True)
class TicketRecord:
    """One ticket, as contact-centre figures need it."""

    ticket_id: str
    created_at: datetime
    #: The first public agent reply, or None.
    first_reply_at: datetime | None = None
    #: When the ticket first entered a stop status (solved, closed), or None.
    closed_at: datetime | None = None
    closed_by: ClosedBy | None = None
    #: Business time to the first answer (the first_response cycle's elapsed when
    #: an answer met it, not a close); None when unanswered.
    speed_of_answer: timedelta | None = None
    priority: str | None = None
    business_line: str | None = None
    policy: str | None = None
    group: str | None = None
    organisation: str | None = None
    #: The ticket's measures (:class:`~sla_timers.timers.Measures`), in business
    #: time: the requester waiting on the team, the team on the customer, work
    #: time, and time solved or closed (its own bucket, never counted as waiting).
    requester_wait: timedelta = timedelta(0)
    customer_wait: timedelta = timedelta(0)
    work_time: timedelta = timedelta(0)
    solved_time: timedelta = timedelta(0)

    def __post_init__(self) -> None:
        if self.closed_by is not None and self.closed_by not in _CLOSED_BY:
            raise ReportError(
                f"closed_by: {quote(self.closed_by)} is not one of {', '.join(_CLOSED_BY)}", field="closed_by"
            )
        for name in ("created_at", "first_reply_at", "closed_at"):
            value = getattr(self, name)
            if value is not None:
                aware_utc(value, name, error=ReportError)

    def dimension(self, name: str) -> str | None:
        """The value of one of :data:`DIMENSIONS` for this ticket."""
        value: str | None = getattr(self, name)
        return value

    @property
    def is_abandoned(self) -> bool:
        """Closed before any agent reply, by the requester or left to close.

        A close by an agent with no reply (a duplicate, spam) is not abandonment;
        a close whose author is not known is, since the requester got no answer.
        """
        if self.closed_at is None or self.closed_by == "agent":
            return False
        return self.first_reply_at is None or self.first_reply_at > self.closed_at


#: How to read each dimension of a :class:`TicketRecord`.
TICKET_DIMENSIONS: dict[str, Callable[[TicketRecord], str | None]] = {name: attrgetter(name) for name in DIMENSIONS}


@dataclass(frozen=True, slots=True)
class OutageRecord:
    """A service was down in ``[start_at, end_at)`` (an outage ticket of the service).

    ``end_at`` None: still down (counted to the end of the report). Stretches
    in ``customer_held`` (the outage ticket waiting on the customer) never count
    against the provider and are shown apart.
    """

    service: str
    start_at: datetime
    end_at: datetime | None = None
    customer_held: tuple[tuple[datetime, datetime], ...] = ()
    ticket_id: str | None = None

    def __post_init__(self) -> None:
        start = aware_utc(self.start_at, "start_at", error=ReportError)
        if self.end_at is not None and aware_utc(self.end_at, "end_at", error=ReportError) < start:
            raise ReportError(
                f"end_at: {self.end_at.isoformat()} is before start_at {self.start_at.isoformat()}", field="end_at"
            )
        for i, (held_from, held_to) in enumerate(self.customer_held):
            if aware_utc(held_to, f"customer_held[{i}]", error=ReportError) < aware_utc(
                held_from, f"customer_held[{i}]", error=ReportError
            ):
                raise ReportError(f"customer_held[{i}]: ends before it starts", field=f"customer_held[{i}]")


def timer_records(
    ticket_id: str,
    evaluation: Evaluation,
    *,
    business_line: str | None = None,
    assigned_group: str | None = None,
    organisation: str | None = None,
) -> Iterator[TimerRecord]:
    """Every cycle of an evaluated ticket as :class:`TimerRecord` s, with the
    evaluation's priority and policy name."""
    policy = evaluation.policy.name if evaluation.policy is not None else None
    for cycles in evaluation.cycles.values():
        for state in cycles:
            yield TimerRecord(
                ticket_id, state, evaluation.priority, business_line, policy, assigned_group, organisation
            )


def ticket_record(
    ticket_id: str,
    events: Iterable[TicketEvent],
    evaluation: Evaluation,
    *,
    closed_by: ClosedBy | None = None,
    business_line: str | None = None,
    group: str | None = None,
    organisation: str | None = None,
) -> TicketRecord:
    """A :class:`TicketRecord` from a ticket's events and their evaluation.

    Events after the evaluation's ``now`` are ignored. The ticket's events do
    not say who set a status, so the caller passes ``closed_by``.

    :raises ReportError: if the events have no ``created`` event.
    """
    policy = evaluation.policy
    stops = policy.stop_statuses if policy is not None else frozenset()
    created_at = first_reply_at = closed_at = None
    for event in sorted((e for e in events if e.at <= evaluation.now), key=TicketEvent.sort_key):
        if event.kind == "created":
            created_at = created_at or event.at
            if closed_at is None and event.data.get("status") in stops:
                closed_at = event.at
        elif event.kind == "agent_reply" and event.data["public"] and first_reply_at is None:
            first_reply_at = event.at
        elif event.kind == "status" and closed_at is None and event.data["status"] in stops:
            closed_at = event.at
    if created_at is None:
        raise ReportError(f"events: ticket {quote(ticket_id)} has no created event", field="events")
    speed = None
    names = [m.name for m in policy.of_kind("first_response")] if policy is not None else []
    first = evaluation.cycles.get(names[0], ()) if names else ()
    if first and first[0].stopped_at is not None:
        reason = first[0].stop_reason or ""
        # A close is no answer; a reply or a status that counts as one is.
        if reason == "agent_reply" or (reason.startswith("status:") and reason[7:] not in stops):
            speed = first[0].elapsed
    measures = evaluation.measures
    return TicketRecord(
        ticket_id,
        created_at,
        first_reply_at,
        closed_at,
        closed_by,
        speed,
        evaluation.priority,
        business_line,
        policy.name if policy is not None else None,
        group,
        organisation,
        measures.requester_wait,
        measures.customer_wait,
        measures.work_time,
        measures.solved_time,
    )


class TimerRow(NamedTuple):
    """A flat :class:`TimerLike` as JSON or a database row gives it; build one
    from a dict with :func:`timer_row_from_dict`."""

    ticket_id: str
    metric: str
    status: str
    target: timedelta | None
    started_at: datetime
    stopped_at: datetime | None
    elapsed: timedelta
    paused_for: timedelta
    customer_wait: timedelta
    priority: str | None = None
    business_line: str | None = None
    policy: str | None = None
    group: str | None = None
    organisation: str | None = None


_STATUSES = ("running", "paused", "met", "breached")
# The rest of what TimerState.to_dict gives: accepted, so a state's dict plus the
# ticket's fields is a record, and not needed by any report.
_STATE_ONLY = (
    "cycle",
    "due_at",
    "remaining",
    "breached_at",
    "stop_reason",
    "warning_level",
    "paused_since",
    "next_warning_at",
    "running_since",
    "is_open",
)
_ROW_KEYS = TimerRow._fields + _STATE_ONLY


def timer_row_from_dict(data: object, path: str = "") -> TimerRow:
    """A :class:`TimerRow` from JSON-like data: durations in seconds (a number,
    or null for ``target``), instants in ISO 8601 with an offset, the
    dimensions as strings or null. The other keys of
    :meth:`~sla_timers.timers.TimerState.to_dict` (``cycle``, ``due_at``, ...)
    are accepted and ignored, so :meth:`TimerRecord.to_dict` reads back.

    :raises ReportError: naming the field (``path`` prefixes it).
    """
    table = require_table(data, path, error=ReportError, what="a timer record")
    check_keys(
        table, path, _ROW_KEYS, error=ReportError, required=("ticket_id", "metric", "status", "started_at", "elapsed")
    )
    status = table["status"]
    if status not in _STATUSES:
        fail(ReportError, join(path, "status"), f"{quote(status)} is not one of {', '.join(_STATUSES)}")
    optional = {name: _opt_text(table, name, path) for name in DIMENSIONS}
    return TimerRow(
        ticket_id=require_str(table["ticket_id"], join(path, "ticket_id"), error=ReportError, non_empty=True),
        metric=require_str(table["metric"], join(path, "metric"), error=ReportError, non_empty=True),
        status=status,
        target=None if table.get("target") is None else _seconds(table["target"], join(path, "target")),
        started_at=_instant(table["started_at"], join(path, "started_at")),
        stopped_at=None if table.get("stopped_at") is None else _instant(table["stopped_at"], join(path, "stopped_at")),
        elapsed=_seconds(table["elapsed"], join(path, "elapsed")),
        paused_for=_seconds(table.get("paused_for", 0), join(path, "paused_for")),
        customer_wait=_seconds(table.get("customer_wait", 0), join(path, "customer_wait")),
        **optional,
    )


def _opt_text(table: Mapping[str, Any], name: str, path: str) -> str | None:
    value = table.get(name)
    return None if value is None else require_str(value, join(path, name), error=ReportError)


def _seconds(value: object, path: str) -> timedelta:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        fail(ReportError, path, f"expected a number of seconds of zero or more, got {describe(value)}")
    try:
        return timedelta(seconds=value)
    except OverflowError:
        fail(ReportError, path, f"{value} seconds is out of range")


def _instant(value: object, path: str) -> datetime:
    if isinstance(value, datetime):
        return aware_utc(value, path, error=ReportError)
    if not isinstance(value, str):
        fail(ReportError, path, f"expected an ISO 8601 date-time with an offset, got {describe(value)}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        fail(ReportError, path, f"{quote(value)} is not an ISO 8601 date-time")
    return aware_utc(parsed, path, error=ReportError)
