"""Escalation ladders: which steps are due as SLA timers run down. No I/O here.

A ladder belongs to a policy and a metric and lists steps, each falling due at
a fraction of the target (``at = 0.5``; ``1.0`` is the breach) or at an offset
from the due time (``offset = "-30m"`` before, ``"1h"`` after). A step's
actions: notify users, groups, roles or webhooks (optionally held to business
hours), raise the priority, reassign to a group, add tags.

Everything is a pure function of the timer states at ``now``: which steps are
due (each with a stable :class:`StepKey` so a store fires each exactly once)
and when the next one falls due. Firing, delivery and the record of what fired
belong to the store.

Each metric's steps are dated on the clock the metric runs on: the policy's
business calendar, or real time for a ``time = "calendar"`` (24x7) metric, as
its :class:`~sla_timers.timers.MetricSettings` says.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple, Protocol

from ..clock import BusinessCalendar
from ..errors import ArgumentTypeError, DurationOutOfRangeError, NoOpenTimeError, RulesError
from ..timers import Evaluation, Policy, TicketEvent
from ..validation import load_toml, require_aware, python_type_name as type_name
from . import _schema as s
from .conditions import plain, plain_data

NOTIFY_KINDS = ("user", "group", "role", "webhook")
_STEP_KEYS = ("id", "at", "offset", "notify", "hold_to_business_hours", "raise_priority", "reassign", "add_tags")
_ACTIONS = ("notify", "raise_priority", "reassign", "add_tags")
_MICROSECOND = timedelta(microseconds=1)
_ZERO = timedelta(0)


class LadderCalendar(Protocol):
    """What ladders need from :class:`sla_timers.clock.BusinessCalendar`."""

    def add(self, t: datetime, d: timedelta) -> datetime:
        """``d`` of business time after ``t`` (before it when negative)."""

    def is_open(self, t: datetime) -> bool:
        """True inside open time."""

    def next_open(self, t: datetime) -> datetime:
        """``t`` when open, else the next opening."""


class TimerLike(Protocol):
    """The fields of :class:`sla_timers.timers.TimerState` a ladder reads (pass the real states)."""

    @property
    def metric(self) -> str:
        """The metric's name."""

    @property
    def cycle(self) -> int:
        """1, 2, ... per metric and ticket."""

    @property
    def status(self) -> str:
        """``running``, ``paused``, ``met`` or ``breached``."""

    @property
    def target(self) -> timedelta:
        """The target in force."""

    @property
    def started_at(self) -> datetime:
        """When the cycle started."""

    @property
    def due_at(self) -> datetime | None:
        """The deadline; None while paused."""

    @property
    def remaining(self) -> timedelta:
        """Business time left (negative once overdue)."""

    @property
    def breached_at(self) -> datetime | None:
        """The breach instant, or None."""

    @property
    def stopped_at(self) -> datetime | None:
        """When the cycle stopped, or None."""

    @property
    def paused_since(self) -> datetime | None:
        """Since when the clock stands still, or None."""

    @property
    def running_since(self) -> datetime | None:
        """For a running timer, since when it has run without a pause under its current target; else None."""


class _RealTime:
    """The clock of a ``time = "calendar"`` metric: always open, business time is real time.

    The engine counts such a metric as elapsed real time between UTC instants, so
    its steps are dated the same way (in UTC: adding to a zoned datetime would add
    wall-clock time and be an hour off across a DST change).
    """

    __slots__ = ()

    def add(self, t: datetime, d: timedelta) -> datetime:
        try:
            return t.astimezone(UTC) + d
        except OverflowError:
            raise DurationOutOfRangeError(f"{'adding' if d >= _ZERO else 'subtracting'} {abs(d)} of real time to "
                                          f"{t.isoformat()} would leave the years 1 to 9999", field="now") from None

    def is_open(self, t: datetime) -> bool:
        return True

    def next_open(self, t: datetime) -> datetime:
        return t


_REAL_TIME = _RealTime()


@dataclass(frozen=True, slots=True)
class Notify:
    """One recipient: ``kind`` is ``user``, ``group``, ``role`` or ``webhook``; ``name`` as the host knows it."""

    kind: str
    name: str


@dataclass(frozen=True, slots=True)
class Step:
    """One rung of a ladder. Exactly one of ``fraction`` and ``offset`` is set."""

    #: Stable name within the ladder; part of the :class:`StepKey`, so renaming a step re-arms it.
    id: str
    #: Fraction of the target (``0.5``; ``1.0`` is the breach; ``1.5`` past it), or None.
    fraction: float | None
    #: Business time from the due time (negative: before it), or None.
    offset: timedelta | None
    notify: tuple[Notify, ...] = ()
    #: Deliver notifications at the calendar's next opening when the step falls due while closed.
    hold_to_business_hours: bool = False
    #: Levels to raise the ticket's priority by (0: none); capped at the top level.
    raise_priority: int = 0
    #: Group to reassign the ticket to, or None.
    reassign: str | None = None
    add_tags: tuple[str, ...] = ()

    def lead(self, target: timedelta) -> timedelta:
        """How long before the due time the step falls due (negative: after it), for a target."""
        if self.fraction is not None:
            return target - target * self.fraction
        assert self.offset is not None
        return -self.offset


@dataclass(frozen=True, slots=True)
class Ladder:
    """The ordered steps of one policy's metric."""

    policy: str
    metric: str
    steps: tuple[Step, ...]


class StepKey(NamedTuple):
    """Identity of one firing: a store records each at most once (unique in its table)."""

    ticket: str
    metric: str
    cycle: int
    step: str

    def __str__(self) -> str:
        return f"{self.ticket}/{self.metric}/{self.cycle}/{self.step}"


@dataclass(frozen=True, slots=True)
class DueStep:
    """A step that has fallen due and is not in the fired keys."""

    key: StepKey
    step: Step
    #: When the step fell due (UTC, like timer states): for a breach step, the timer's ``breached_at``.
    due_at: datetime
    #: When its notifications go out (UTC): ``due_at``, or the calendar's next
    #: opening when held and due while closed; None for a step that notifies nobody.
    notify_at: datetime | None
    #: The ticket's priority after this step, when it raised it; else None.
    priority: str | None
    #: Events to append to the ticket's log (a ``priority`` event for a raise),
    #: each with an id derived from the key, so ingesting one twice is a no-op.
    events: tuple[TicketEvent, ...]


class EscalationLadders:
    """Validated ladders by policy and metric. Build with :meth:`from_dict` or :meth:`from_toml`."""

    __slots__ = ("_clocks", "_ladders", "priorities")

    #: Priority names, highest first, that ``raise_priority`` moves through.
    priorities: tuple[str, ...]

    def __init__(self, ladders: Iterable[Ladder], priorities: Sequence[str] = (),
                 policies: Iterable[Policy] | None = None) -> None:
        """Ladders as built; ``policies`` (any versions) tell which clock each metric runs on."""
        self.priorities = tuple(plain(p) for p in priorities)
        self._ladders = {(ladder.policy, ladder.metric): ladder for ladder in ladders}
        # (policy name, metric) -> "business" or "calendar"; None where versions disagree.
        self._clocks: dict[tuple[str, str], str | None] = {}
        for one in policies or ():
            for metric, settings in one.metrics.items():
                key = (one.name, metric)
                if key in self._clocks and self._clocks[key] != settings.time:
                    self._clocks[key] = None
                else:
                    self._clocks.setdefault(key, settings.time)

    @classmethod
    def from_toml(
        cls, text: str, *, priorities: Sequence[str] = (), policies: Iterable[Policy] | None = None
    ) -> EscalationLadders:
        """Parse TOML text (not a path) and validate it like :meth:`from_dict`.

        :raises ArgumentTypeError: if ``text`` is not a ``str``.
        :raises RulesError: for malformed TOML (with its line) or any invalid part.
        """
        data = load_toml(text, error=RulesError)
        return cls.from_dict(data, priorities=priorities, policies=policies)

    @classmethod
    def from_dict(
        cls,
        data: Mapping[str, Any],
        *,
        priorities: Sequence[str] = (),
        policies: Iterable[Policy] | None = None,
    ) -> EscalationLadders:
        """Validate ``{"ladders": {policy: {metric: [step, ...]}}}``.

        ``priorities`` (highest first, e.g. ``matrix.priorities``) is needed
        when a step raises the priority. ``policies``, when given, are the
        policies that exist (any versions): a ladder for another policy name,
        or for a metric no version of its policy has, is refused, since it
        could never fire.

        The policies also tell on which clock each metric runs, so
        :meth:`due_steps` dates a ``time = "calendar"`` metric's steps in real
        time when given only the policy's name.

        :raises RulesError: naming the bad part, e.g. ``ladders.standard.resolution[1].at``;
            also for nesting deeper than :data:`~sla_timers.validation.MAX_DEPTH`.
        """
        if policies is not None:
            policies = list(_policies(policies))
        top = s.table(plain_data(data), "")
        s.check_keys(top, "", ("ladders",))
        known: dict[str, set[str]] | None = None
        if policies is not None:
            known = {}
            for one in policies:
                known.setdefault(one.name, set()).update(one.metrics)
        ladders: list[Ladder] = []
        for policy, metrics in s.table(top.get("ladders", {}), "ladders").items():
            policy_at = s.join("ladders", policy)
            if known is not None:
                s.name_in(policy, policy_at, sorted(known), "policy")
            for metric, steps in s.table(metrics, policy_at).items():
                metric_at = s.join(policy_at, metric)
                if known is not None:
                    s.name_in(metric, metric_at, sorted(known[policy]), f"metric of policy {policy!r}")
                parsed: list[Step] = []
                seen: set[str] = set()
                for i, spec in enumerate(s.array(steps, metric_at)):
                    step = _parse_step(spec, s.join(metric_at, i), priorities)
                    if step.id in seen:
                        s.fail(s.join(s.join(metric_at, i), "id"), f'"{step.id}" is used twice in this ladder')
                    seen.add(step.id)
                    parsed.append(step)
                ladders.append(Ladder(policy, metric, tuple(parsed)))
        return cls(ladders, priorities, policies)

    def ladder(self, policy: str, metric: str) -> Ladder | None:
        """The ladder of a policy's metric, or None when it has none."""
        return self._ladders.get((policy, metric))

    def due_steps(
        self,
        ticket: str,
        states: Mapping[str, TimerLike] | Iterable[TimerLike] | Evaluation,
        *,
        now: datetime,
        policy: str | Policy,
        calendar: LadderCalendar | str,
        priority: str | None = None,
        fired: Collection[StepKey | str] = (),
        active: bool = True,
        metric_calendars: Mapping[str, LadderCalendar | str] | None = None,
    ) -> list[DueStep]:
        """Steps due at ``now`` and not yet fired, ordered by ``due_at`` then ladder order.

        ``states`` are the ticket's timer states evaluated at ``now`` (e.g.
        ``evaluate(...)``, or the ``Evaluation`` of ``evaluate_ticket``);
        ``policy`` is the policy's name or the :class:`Policy` itself;
        ``calendar`` is the policy's business calendar (or its name, loaded with
        :meth:`BusinessCalendar.load`), also used to hold notifications.
        ``priority`` is the ticket's current priority (``Evaluation.priority``),
        needed when a due step raises it.

        Each metric is dated on its own clock: a ``time = "calendar"`` metric in
        real (24x7) time, any other on ``calendar``. The metric's settings come
        from the :class:`Policy` when one is given (as ``policy``, or as the
        policy of an ``Evaluation`` passed as ``states``), else from the
        policies the ladders were built with (``from_dict(..., policies=...)``);
        with neither, every metric is taken to run on ``calendar``.
        ``metric_calendars`` overrides the clock of the metrics it names.

        Only a timer whose clock runs fires: a paused timer fires nothing new
        (steps it crossed stay pending until it resumes), a stopped one nothing
        at all, and a deactivated policy (``active=False``) nothing: a step must never
        page anyone about a clock that is not running.
        A step's threshold is measured on ``remaining`` (the timer's own
        business-time account, pauses and priority changes included), except
        that a breach stays a breach: once breached, every step at or before
        the due is reached, even after a lower priority gives time back (such
        a step is then dated at the breach at the latest); its
        ``due_at`` is counted back from ``now`` along the calendar, but never
        before the timer's ``running_since`` (the latest of its start, its last
        resume and its last target change: a priority change, a policy switch, a
        pin or unpin); a breach step uses the timer's ``breached_at``. So a step
        that fell due at or after ``running_since`` is dated exactly, and a step
        a change made due (a raise that shortened the target) is dated at the
        change. What stays inexact: a step already due before a pause or a
        target change and not fired by then is dated at the resume or the
        change, later than the truth and never after ``now``.

        A step's ``events`` (a raise) change the states: append them, evaluate
        again and call this again at the same ``now``, since the new target may
        put further steps due at once (:meth:`next_due_at` then answers ``now``).

        :raises ArgumentTypeError: for an argument of the wrong type
            (``calendar=None``, ``now="2026-..."``), naming it.
        :raises NaiveDatetimeError: if ``now`` has no time zone.
        :raises CalendarNotFound: if ``calendar`` is a name no calendar has.
        :raises RulesError: if a due step raises the priority and ``priority`` is
            None or not a known level (field ``priority``); or if the versions of
            a policy given by name run a metric on different clocks (field
            ``policy``: pass the :class:`Policy`).
        :raises DurationOutOfRangeError: when dating a step would leave the years 1 to 9999.
        """
        args = _Arguments.read(ticket, states, now, policy, calendar, fired, metric_calendars, priority)
        if not active:
            return []
        business = args.calendar
        found = [(_fell_due_at(state, lead, now, cal), key, order, step)
                 for key, order, step, state, cal, lead in self._pending(args)
                 if _reached(state, lead)]
        found.sort(key=lambda f: (f[0], f[1].metric, f[2]))

        due: list[DueStep] = []
        level = None
        for fell_due_at, key, _, step in found:
            due_at = fell_due_at.astimezone(UTC)
            notify_at = None
            if step.notify:
                # The record keeps the true instant, so reports date the step right; only
                # delivery waits for the opening.
                # Held to the policy's business calendar, even for a metric counted on a 24x7 clock.
                notify_at = due_at if not step.hold_to_business_hours or business.is_open(due_at) \
                    else business.next_open(due_at).astimezone(UTC)
            new_priority: str | None = None
            events: tuple[TicketEvent, ...] = ()
            if step.raise_priority:
                if level is None:
                    level = self._level(args.priority)
                raised = max(0, level - step.raise_priority)
                if raised != level:
                    level = raised
                    new_priority = self.priorities[level]
                    events = (TicketEvent("priority", due_at, id=f"escalation/{key}", priority=new_priority),)
            due.append(DueStep(key, step, due_at, notify_at, new_priority, events))
        return due

    def next_due_at(
        self,
        ticket: str,
        states: Mapping[str, TimerLike] | Iterable[TimerLike] | Evaluation,
        *,
        now: datetime,
        policy: str | Policy,
        calendar: LadderCalendar | str,
        fired: Collection[StepKey | str] = (),
        active: bool = True,
        metric_calendars: Mapping[str, LadderCalendar | str] | None = None,
    ) -> datetime | None:
        """The next instant (UTC) at which a step not yet fired is due: ``now``
        itself when one already is (so a store that schedules its next sweep
        with this never misses a step made due by a priority raise it just
        applied), else the earliest later instant.

        None when nothing will without a new event: every timer paused or
        stopped, every step fired, or the policy deactivated. Assumes the clocks
        keep running; a new event means new states and a new answer. Arguments
        and clocks as in :meth:`due_steps`.

        :raises ArgumentTypeError: for an argument of the wrong type, naming it.
        :raises NaiveDatetimeError: if ``now`` has no time zone.
        :raises RulesError: as :meth:`due_steps` for a policy whose versions disagree.
        """
        args = _Arguments.read(ticket, states, now, policy, calendar, fired, metric_calendars, None)
        if not active:
            return None
        soonest: datetime | None = None
        for _, _, _, state, cal, lead in self._pending(args):
            if _reached(state, lead):
                at = now  # due already, not yet fired: sweep again at once
            elif lead == _ZERO and state.due_at is not None:
                at = state.due_at  # a pinned deadline may sit in closed time; keep it exact
            else:
                at = cal.add(now, state.remaining - lead)
            if soonest is None or at < soonest:
                soonest = at
        return None if soonest is None else soonest.astimezone(UTC)

    def _pending(self, args: _Arguments) -> Iterator[tuple[StepKey, int, Step, TimerLike, LadderCalendar, timedelta]]:
        """Every step not yet fired of every timer whose clock runs, with its key, ladder order,
        timer, calendar and lead (due or not: the callers decide)."""
        fired = args.fired
        for state in args.states:
            ladder = self._ladders.get((args.policy, state.metric))
            if ladder is None or not _clock_runs(state):
                continue
            cal = self._clock(args, state.metric)
            for order, step in enumerate(ladder.steps):
                key = StepKey(args.ticket, state.metric, state.cycle, step.id)
                if key in fired or str(key) in fired:
                    continue
                yield key, order, step, state, cal, step.lead(state.target)

    def _clock(self, args: _Arguments, metric: str) -> LadderCalendar:
        """The clock ``metric``'s steps are dated on (see :meth:`due_steps`)."""
        if args.metric_calendars is not None and metric in args.metric_calendars:
            return args.metric_calendars[metric]
        if args.settings is not None:
            settings = args.settings.metrics.get(metric)
            clock: str | None = settings.time if settings is not None else "business"
        else:
            clock = self._clocks.get((args.policy, metric), "business")
            if clock is None:
                raise RulesError(
                    f"policy: the versions of policy {args.policy!r} run metric {metric!r} on different clocks "
                    f"(business and calendar time); pass the Policy the ticket runs under as policy=, "
                    f"or its Evaluation as states", field="policy")
        return _REAL_TIME if clock == "calendar" else args.calendar

    def _level(self, priority: str | None) -> int:
        if priority is None:
            raise RulesError("priority: the ticket's current priority is needed to raise it", field="priority")
        if not self.priorities:
            raise RulesError("priority: these ladders were built without priorities; pass priorities=",
                             field="priority")
        return self.priorities.index(s.name_in(priority, "priority", self.priorities, "priority"))


@dataclass(frozen=True, slots=True)
class _Arguments:
    """The arguments of :meth:`EscalationLadders.due_steps` and ``next_due_at``, checked once."""

    ticket: str
    states: tuple[TimerLike, ...]
    policy: str
    #: The policy version, when the caller gave it (or an Evaluation that has it).
    settings: Policy | None
    calendar: LadderCalendar
    fired: Collection[StepKey | str]
    metric_calendars: Mapping[str, LadderCalendar] | None
    priority: str | None

    @classmethod
    def read(cls, ticket: object, states: object, now: object, policy: object, calendar: object, fired: object,
             metric_calendars: object, priority: object) -> _Arguments:
        if not isinstance(ticket, str):
            raise ArgumentTypeError(f"ticket must be the ticket's id as a string, got {type_name(ticket)}",
                                    field="ticket")
        require_aware(now, "now")
        settings: Policy | None = None
        if isinstance(policy, Policy):
            settings, name = policy, policy.name
        elif isinstance(policy, str):
            name = plain(policy)
        else:
            raise ArgumentTypeError(f"policy must be a policy name or a Policy, got {type_name(policy)}",
                                    field="policy")
        if isinstance(states, Evaluation):
            if settings is None and states.policy is not None and states.policy.name == name:
                settings = states.policy
            values: tuple[Any, ...] = tuple(states.states.values())
        elif isinstance(states, Mapping):
            values = tuple(states.values())
        elif isinstance(states, Iterable) and not isinstance(states, str):
            values = tuple(states)
        else:
            raise ArgumentTypeError(f"states must be the ticket's timer states (a dict by metric, an iterable "
                                    f"or an Evaluation), got {type_name(states)}", field="states")
        if isinstance(fired, str) or not isinstance(fired, Collection):
            raise ArgumentTypeError(f"fired must be a collection of step keys, got {type_name(fired)}", field="fired")
        if priority is not None and not isinstance(priority, str):
            raise ArgumentTypeError(f"priority must be a priority name or None, got {type_name(priority)}",
                                    field="priority")
        overrides: dict[str, LadderCalendar] | None = None
        if metric_calendars is not None:
            if not isinstance(metric_calendars, Mapping):
                raise ArgumentTypeError(f"metric_calendars must be a mapping of calendars by metric, got "
                                        f"{type_name(metric_calendars)}", field="metric_calendars")
            overrides = {metric: _calendar(cal, f"metric_calendars[{metric!r}]")
                         for metric, cal in metric_calendars.items()}
        return cls(plain(ticket), values, name, settings, _calendar(calendar, "calendar"), fired, overrides,
                   None if priority is None else plain(priority))


def _calendar(value: object, name: str) -> LadderCalendar:
    """A calendar object as given, or one loaded by name."""
    if isinstance(value, str):
        return BusinessCalendar.load(plain(value))
    if not all(callable(getattr(value, method, None)) for method in ("add", "is_open", "next_open")):
        raise ArgumentTypeError(f"{name} must be a BusinessCalendar or a calendar name, got {type_name(value)}",
                                field=name)
    return value  # type: ignore[return-value]  # checked above: it has the three methods


def _policies(policies: object) -> Iterable[Policy]:
    """``policies`` for :meth:`EscalationLadders.from_dict`: Policy objects only."""
    if isinstance(policies, str) or not isinstance(policies, Iterable):
        raise ArgumentTypeError(f"policies must be an iterable of Policy objects, got {type_name(policies)}",
                                field="policies")
    items = list(policies)
    for i, one in enumerate(items):
        if not isinstance(one, Policy):
            raise ArgumentTypeError(f"policies[{i}] must be a Policy, got {type_name(one)}", field=f"policies[{i}]")
    return items


def _clock_runs(state: TimerLike) -> bool:
    """Running, or breached and still running; not paused, not stopped."""
    return state.stopped_at is None and state.paused_since is None and state.status in ("running", "breached")


def _reached(state: TimerLike, lead: timedelta) -> bool:
    """Whether the timer has reached a step ``lead`` before its due (negative: after it).

    A breach stays a breach: once breached, every step at or before the due has
    been reached, even when a lower priority has since given the timer time
    left again (``remaining`` > 0); steps after the due are measured on
    ``remaining``, from the due in force.
    """
    return state.remaining <= lead or (lead >= _ZERO and state.breached_at is not None)


def _fell_due_at(state: TimerLike, lead: timedelta, now: datetime, cal: LadderCalendar) -> datetime:
    """The earliest instant at which ``remaining`` reached ``lead``, for a step already due at ``now``,
    never before ``running_since``: before it the timer paused or ran under another target, so
    counting back from ``now`` no longer measures the timer's own time."""
    if lead == _ZERO:
        if state.breached_at is not None:
            return state.breached_at
        if state.due_at is not None and state.due_at <= now:
            return state.due_at
    over = lead - state.remaining  # business time since the step fell due, if the clock ran all along
    try:
        # Back one microsecond too far (the latest such instant), then forward one (the earliest):
        # a threshold reached at a Friday close is dated Friday 17:00, not Monday 09:00.
        at = cal.add(cal.add(now, -(over + _MICROSECOND)), _MICROSECOND)
    except NoOpenTimeError:
        at = state.started_at
    earliest = state.started_at
    since = state.running_since
    if since is not None and since > earliest:
        # This also keeps a step after the due from being dated before the breach: a
        # breach since running_since fell at a due of this same target and clock, so
        # the count back lands after it; an earlier one is before the clamp.
        earliest = since
    fell = min(max(at, earliest), now)
    if lead > _ZERO and state.breached_at is not None and fell > state.breached_at:
        # Reached before the breach, under a target since changed: the breach is
        # the latest it can have been.
        fell = state.breached_at
    return fell


def _parse_step(spec: object, where: str, priorities: Sequence[str]) -> Step:
    step = s.table(spec, where)
    s.check_keys(step, where, _STEP_KEYS)
    if "id" not in step:
        s.fail(s.join(where, "id"), "is required: a stable name for the step (its firings are keyed by it)")
    step_id = s.string(step["id"], s.join(where, "id"))
    if ("at" in step) == ("offset" in step):
        s.fail(where, 'give exactly one of "at" (a fraction of the target, 0.75 or "75%") '
                      'and "offset" (from the due time, "-30m" or "1h")')
    fraction = _fraction(step["at"], s.join(where, "at")) if "at" in step else None
    offset = s.duration(step["offset"], s.join(where, "offset"), signed=True) if "offset" in step else None
    if not any(key in step for key in _ACTIONS):
        s.fail(where, f"a step needs at least one action ({', '.join(_ACTIONS)})")
    notify: list[Notify] = []
    if "notify" in step:
        notify_at = s.join(where, "notify")
        for i, entry in enumerate(s.array(step["notify"], notify_at)):
            entry_at = s.join(notify_at, i)
            target = s.table(entry, entry_at)
            s.check_keys(target, entry_at, NOTIFY_KINDS)
            if len(target) != 1:
                s.fail(entry_at, f"name exactly one recipient: one of {', '.join(NOTIFY_KINDS)}")
            ((kind, name),) = target.items()
            notify.append(Notify(kind, s.string(name, s.join(entry_at, kind))))
    hold = s.boolean(step["hold_to_business_hours"], s.join(where, "hold_to_business_hours")) \
        if "hold_to_business_hours" in step else False
    if hold and not notify:
        s.fail(s.join(where, "hold_to_business_hours"), "holds notifications, but the step notifies nobody")
    raise_by = 0
    if "raise_priority" in step:
        raise_by = s.positive_int(step["raise_priority"], s.join(where, "raise_priority"))
        if not priorities:
            s.fail(s.join(where, "raise_priority"), "needs the priority levels; build the ladders with "
                                                    "priorities=matrix.priorities")
    reassign = s.optional_string(step, "reassign", where)
    tags = s.strings(step["add_tags"], s.join(where, "add_tags")) if "add_tags" in step else ()
    return Step(step_id, fraction, offset, tuple(notify), hold, raise_by, reassign, tags)


def _fraction(value: object, where: str) -> float:
    """``0.75`` or ``"75%"``; above zero, at most 10 (ten times the target)."""
    if isinstance(value, str) and value.strip().endswith("%"):
        try:
            number: float = float(value.strip()[:-1]) / 100
        except ValueError:
            s.fail(where, f'"{value}" is not a percentage; write e.g. "75%" or 0.75')
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    else:
        s.fail(where, f'expected a fraction of the target such as 0.75 or "75%", got {s.type_name(value)} {value!r}')
    if not 0 < number <= 10:
        s.fail(where, f"must be above 0 and at most 10 (a fraction of the target), got {value!r}")
    return number
