"""What evaluation returns: timer states, ticket measures, problems. No I/O here."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, cast

if TYPE_CHECKING:
    from .policy import Policy

_SECOND = timedelta(seconds=1)

#: What a timer is doing: see :attr:`TimerState.status`.
TimerStatus = Literal["running", "paused", "met", "breached"]


@dataclass(frozen=True, slots=True)
class TimerState:
    """One cycle of one metric, as of the evaluation's ``now``.

    Durations are business time of the metric's calendar (or real time for a
    ``time = "calendar"`` metric), exact to the microsecond. Instants are UTC.
    """

    #: The metric's name in the policy (``first_response``, ...).
    metric: str
    #: 1 for the first cycle of this metric on this ticket, then 2, 3, ...
    cycle: int
    #: ``running``; ``paused`` (clock stopped by a pause status); ``met`` (stopped
    #: at or before due); ``breached`` (due passed while running; stays so,
    #: whether the cycle still runs or has stopped: see ``stopped_at``).
    status: TimerStatus
    #: The target in force (for an ``eod`` target: the business time it meant at the
    #: start); None while the ticket's priority sets none for this metric (the cycle
    #: is still counted, so later cycle numbers do not depend on targets).
    target: timedelta | None
    started_at: datetime
    #: When it is or was due under the target in force: the instant elapsed reaches
    #: the target, so ``remaining == elapsed(now, due_at)`` while running (before
    #: ``now`` once overdue). None while paused (unless breached) and without a
    #: target. After a stop: the last deadline that applied. A pin overrides it.
    due_at: datetime | None
    #: Time the clock ran.
    elapsed: timedelta
    #: ``target - elapsed`` (negative once overdue); for a pinned deadline, the
    #: time left to the pin. Frozen while paused and after a stop. None without a target.
    remaining: timedelta | None
    #: The instant of the breach, or None.
    breached_at: datetime | None
    #: When a stop status, a reply, a reassignment or a policy switch stopped it.
    stopped_at: datetime | None
    #: What stopped it: ``agent_reply``, ``status:solved``, ``assigned:tier2``, ``policy:premium``.
    stop_reason: str | None
    #: The highest warning crossed, as the policy wrote it (``0.75``, ``"30m"``), or None.
    warning_level: float | str | int | None
    #: Time the clock stood still in pause statuses.
    paused_for: timedelta
    #: The customer's share of the wait: time of this cycle the ticket spent in a
    #: pause status (waiting on the customer), whether or not this metric pauses.
    #: Solved or closed time is never counted.
    customer_wait: timedelta
    #: Since when it is paused (also for a breached timer now paused), else None.
    paused_since: datetime | None = None
    #: The assigned group, for a ``scope = "group"`` metric (an OLA); else None.
    group: str | None = None
    #: The next warning not yet crossed, for a running timer; else None.
    next_warning_at: datetime | None = None
    #: For a running timer (``running``, or ``breached`` and still running): since
    #: when it has run without a pause under the target it has now, the latest of
    #: the cycle's start, its last resume (or reopen) and its last target change (a
    #: priority change that changes this metric's target, a policy switch, a pin or
    #: unpin). None while paused and after a stop.
    running_since: datetime | None = None

    @property
    def is_open(self) -> bool:
        """True until a stop: running, paused, or breached and still running."""
        return self.stopped_at is None

    def to_dict(self) -> dict[str, Any]:
        """The state as JSON-ready data: every field by name, instants as ISO 8601
        (UTC), durations as seconds (an int when whole, else a float exact to the
        microsecond), None kept; plus ``is_open``."""
        return {
            "metric": self.metric,
            "cycle": self.cycle,
            "status": self.status,
            "target": seconds(self.target),
            "started_at": iso(self.started_at),
            "due_at": iso(self.due_at),
            "elapsed": seconds(self.elapsed),
            "remaining": seconds(self.remaining),
            "breached_at": iso(self.breached_at),
            "stopped_at": iso(self.stopped_at),
            "stop_reason": self.stop_reason,
            "warning_level": self.warning_level,
            "paused_for": seconds(self.paused_for),
            "customer_wait": seconds(self.customer_wait),
            "paused_since": iso(self.paused_since),
            "group": self.group,
            "next_warning_at": iso(self.next_warning_at),
            "running_since": iso(self.running_since),
            "is_open": self.is_open,
        }


@dataclass(frozen=True, slots=True)
class Problem:
    """An event the engine could not make sense of; it had no effect on the timers."""

    #: Position of the event in the sorted log.
    index: int
    #: The event's id, when it has one.
    event_id: str | None
    kind: str
    at: datetime
    #: What was wrong, naming the event.
    message: str

    def to_dict(self) -> dict[str, Any]:
        """The problem as JSON-ready data (``at`` as ISO 8601)."""
        return {
            "index": self.index,
            "event_id": self.event_id,
            "kind": self.kind,
            "at": iso(self.at),
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class Measures:
    """Per-ticket measures without targets, in business time of the ticket's
    calendar(s), from ``created`` to ``now``."""

    #: The requester waited on the team: a customer message (the opening one
    #: included) not yet answered by a public agent reply, in a working status.
    requester_wait: timedelta
    #: The team waited on the customer: time in pause statuses.
    customer_wait: timedelta
    #: Agent work time: time in working (neither pause nor stop) statuses.
    work_time: timedelta
    #: Time in stop statuses before a reopen, or until now: its own bucket, so a
    #: resumed resolution clock never counts the days a ticket sat solved.
    solved_time: timedelta

    def to_dict(self) -> dict[str, Any]:
        """The measures as JSON-ready data, in seconds (see :meth:`TimerState.to_dict`)."""
        return {
            "requester_wait": seconds(self.requester_wait),
            "customer_wait": seconds(self.customer_wait),
            "work_time": seconds(self.work_time),
            "solved_time": seconds(self.solved_time),
        }


# A frozen dataclass's own ``__init__`` matches keywords and sets each field through
# ``object.__setattr__``: some ten times the cost of plain attribute stores, and a
# replay builds a state per metric. These classes have the dataclasses' slots
# without their frozen ``__setattr__``: one is filled with plain stores, then given
# the dataclass as its class (the layouts are the same, so Python allows it).


class _TimerStateSlots:
    __slots__ = TimerState.__slots__


class _MeasuresSlots:
    __slots__ = Measures.__slots__


def timer_state(
    metric: str,
    cycle: int,
    status: TimerStatus,
    target: timedelta | None,
    started_at: datetime,
    due_at: datetime | None,
    elapsed: timedelta,
    remaining: timedelta | None,
    breached_at: datetime | None,
    stopped_at: datetime | None,
    stop_reason: str | None,
    warning_level: float | str | int | None,
    paused_for: timedelta,
    customer_wait: timedelta,
    paused_since: datetime | None,
    group: str | None,
    next_warning_at: datetime | None,
    running_since: datetime | None,
) -> TimerState:
    """``TimerState(...)`` with every field, in field order, built without the dataclass's ``__init__``."""
    state: Any = _TimerStateSlots()  # its slots are named at run time
    state.metric = metric
    state.cycle = cycle
    state.status = status
    state.target = target
    state.started_at = started_at
    state.due_at = due_at
    state.elapsed = elapsed
    state.remaining = remaining
    state.breached_at = breached_at
    state.stopped_at = stopped_at
    state.stop_reason = stop_reason
    state.warning_level = warning_level
    state.paused_for = paused_for
    state.customer_wait = customer_wait
    state.paused_since = paused_since
    state.group = group
    state.next_warning_at = next_warning_at
    state.running_since = running_since
    state.__class__ = TimerState
    # Any to TimerState by annotation: typing.cast would be a Python call per state.
    built: TimerState = state
    return built


def measures(
    requester_wait: timedelta, customer_wait: timedelta, work_time: timedelta, solved_time: timedelta
) -> Measures:
    """``Measures(...)``, built without the dataclass's ``__init__``."""
    built: Any = _MeasuresSlots()  # its slots are named at run time
    built.requester_wait = requester_wait
    built.customer_wait = customer_wait
    built.work_time = work_time
    built.solved_time = solved_time
    built.__class__ = Measures
    return cast(Measures, built)


class Evaluation:
    """Everything :func:`~sla_timers.timers.evaluate_ticket` knows about a ticket.

    Immutable. Timer states are built on first use (most callers want only the
    latest cycles), then kept.
    """

    __slots__ = (
        "measures",
        "problems",
        "policy",
        "now",
        "priority",
        "_cycles",
        "_states",
        "_build_cycles",
        "_build_states",
    )

    measures: Measures
    problems: tuple[Problem, ...]
    #: The policy in force at ``now`` (None before ``created``).
    policy: Policy | None
    now: datetime
    #: The ticket's priority at ``now``: the ``created`` event's, then each
    #: ``priority`` event's up to ``now`` (a priority with no targets included);
    #: None before ``created``.
    priority: str | None

    def __init__(
        self,
        *,
        measures: Measures,
        problems: tuple[Problem, ...],
        policy: Policy | None,
        now: datetime,
        cycles: Callable[[], dict[str, tuple[TimerState, ...]]],
        states: Callable[[], dict[str, TimerState]],
        priority: str | None = None,
    ) -> None:
        self.measures = measures
        self.problems = problems
        self.policy = policy
        self.now = now
        self.priority = priority
        self._cycles: dict[str, tuple[TimerState, ...]] | None = None
        self._states: dict[str, TimerState] | None = None
        self._build_cycles = cycles
        self._build_states = states

    @property
    def cycles(self) -> Mapping[str, tuple[TimerState, ...]]:
        """Every cycle of every metric that has one, oldest first."""
        if self._cycles is None:
            self._cycles = self._build_cycles()
        return self._cycles

    @property
    def states(self) -> dict[str, TimerState]:
        """The latest cycle of each metric that has one (a new dict each time)."""
        if self._states is None:
            self._states = self._build_states()
        return dict(self._states)

    def next_change(self) -> datetime | None:
        """See :func:`next_change`."""
        return next_change(self.states.values())

    def to_dict(self) -> dict[str, Any]:
        """Everything as JSON-ready data: ``now``, ``policy`` (``{"name", "version"}``
        or None), ``priority``, ``states`` (the latest cycle per metric), ``cycles``
        (every cycle, oldest first), ``measures`` and ``problems``; instants as ISO
        8601 (UTC), durations as seconds (see :meth:`TimerState.to_dict`)."""
        policy = self.policy
        return {
            "now": iso(self.now),
            "policy": None if policy is None else {"name": policy.name, "version": policy.version},
            "priority": self.priority,
            "states": {metric: state.to_dict() for metric, state in self.states.items()},
            "cycles": {metric: [state.to_dict() for state in cycles] for metric, cycles in self.cycles.items()},
            "measures": self.measures.to_dict(),
            "problems": [problem.to_dict() for problem in self.problems],
        }

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Evaluation):
            return NotImplemented
        return (self.measures, self.problems, self.policy, self.now, self.priority, dict(self.cycles)) == (
            other.measures,
            other.problems,
            other.policy,
            other.now,
            other.priority,
            dict(other.cycles),
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"Evaluation(now={self.now.isoformat()}, policy={self.policy.name if self.policy else None!r}, "
            f"priority={self.priority!r}, "
            f"cycles={dict(self.cycles)!r}, measures={self.measures!r}, problems={self.problems!r})"
        )


def iso(at: datetime | None) -> str | None:
    """``at`` as ISO 8601, or None."""
    return None if at is None else at.isoformat()


def seconds(amount: timedelta | None) -> int | float | None:
    """``amount`` in seconds: an int when whole, else a float exact to the microsecond; or None."""
    if amount is None:
        return None
    if not amount.microseconds:
        return amount.days * 86_400 + amount.seconds
    return amount / _SECOND


def next_change(states: Iterable[TimerState] | Mapping[str, TimerState]) -> datetime | None:
    """The next instant a state changes without a new event: a running timer's next
    warning or its breach; None when nothing will (all paused or stopped).

    Pass the states of one evaluation; the store schedules its sweep with it.
    """
    values = states.values() if isinstance(states, Mapping) else states
    soonest: datetime | None = None
    for state in values:
        if state.status != "running":
            continue
        for at in (state.next_warning_at, state.due_at):
            if at is not None and (soonest is None or at < soonest):
                soonest = at
    return soonest
