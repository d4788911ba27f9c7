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

The step values and their parser live in :mod:`.steps`, the arithmetic of
when a step falls due in :mod:`._timing`, the argument checks in
:mod:`._arguments`; this module holds :class:`EscalationLadders` itself.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from ..errors import RulesError
from ..timers import Evaluation, Policy, TicketEvent
from ..validation import load_toml
from . import _schema as s
from ._arguments import Arguments, policies_argument
from ._timing import REAL_TIME, LadderCalendar, TimerLike, clock_runs, fell_due_at, reached, remaining_of
from .conditions import plain, plain_data
from .steps import NOTIFY_KINDS, DueStep, Ladder, Notify, Step, StepKey, parse_step

# The step values and the protocols are re-exported so that every name this
# module has always offered can still be imported from it.
__all__ = [
    "NOTIFY_KINDS",
    "DueStep",
    "EscalationLadders",
    "Ladder",
    "LadderCalendar",
    "Notify",
    "Step",
    "StepKey",
    "TimerLike",
]

_ZERO = timedelta(0)


class EscalationLadders:
    """Validated ladders by policy and metric. Build with :meth:`from_dict` or :meth:`from_toml`."""

    __slots__ = ("_clocks", "_ladders", "priorities")

    #: Priority names, highest first, that ``raise_priority`` moves through.
    priorities: tuple[str, ...]

    def __init__(
        self, ladders: Iterable[Ladder], priorities: Sequence[str] = (), policies: Iterable[Policy] | None = None
    ) -> None:
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
            policies = list(policies_argument(policies))
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
                    step = parse_step(spec, s.join(metric_at, i), priorities)
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
        args = Arguments.read(ticket, states, now, policy, calendar, fired, metric_calendars, priority)
        if not active:
            return []
        business = args.calendar
        found = [
            (fell_due_at(state, lead, now, cal), key, order, step)
            for key, order, step, state, cal, lead in self._pending(args)
            if reached(state, lead)
        ]
        found.sort(key=lambda f: (f[0], f[1].metric, f[2]))

        due: list[DueStep] = []
        level = None
        for fell_at, key, _, step in found:
            due_at = fell_at.astimezone(UTC)
            notify_at = None
            if step.notify:
                # The record keeps the true instant, so reports date the step right; only
                # delivery waits for the opening.
                # Held to the policy's business calendar, even for a metric counted on a 24x7 clock.
                notify_at = (
                    due_at
                    if not step.hold_to_business_hours or business.is_open(due_at)
                    else business.next_open(due_at).astimezone(UTC)
                )
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
        args = Arguments.read(ticket, states, now, policy, calendar, fired, metric_calendars, None)
        if not active:
            return None
        soonest: datetime | None = None
        for _, _, _, state, cal, lead in self._pending(args):
            if reached(state, lead):
                at = now  # due already, not yet fired: sweep again at once
            elif lead == _ZERO and state.due_at is not None:
                at = state.due_at  # a pinned deadline may sit in closed time; keep it exact
            else:
                at = cal.add(now, remaining_of(state) - lead)
            if soonest is None or at < soonest:
                soonest = at
        return None if soonest is None else soonest.astimezone(UTC)

    def _pending(self, args: Arguments) -> Iterator[tuple[StepKey, int, Step, TimerLike, LadderCalendar, timedelta]]:
        """Every step not yet fired of every timer whose clock runs, with its key, ladder order,
        timer, calendar and lead (due or not: the callers decide)."""
        fired = args.fired
        for state in args.states:
            ladder = self._ladders.get((args.policy, state.metric))
            if ladder is None or not clock_runs(state):
                continue
            target = state.target
            assert target is not None  # clock_runs skips timers without one
            cal = self._clock(args, state.metric)
            for order, step in enumerate(ladder.steps):
                key = StepKey(args.ticket, state.metric, state.cycle, step.id)
                if key in fired or str(key) in fired:
                    continue
                yield key, order, step, state, cal, step.lead(target)

    def _clock(self, args: Arguments, metric: str) -> LadderCalendar:
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
                    f"or its Evaluation as states",
                    field="policy",
                )
        return REAL_TIME if clock == "calendar" else args.calendar

    def _level(self, priority: str | None) -> int:
        if priority is None:
            raise RulesError("priority: the ticket's current priority is needed to raise it", field="priority")
        if not self.priorities:
            raise RulesError(
                "priority: these ladders were built without priorities; pass priorities=", field="priority"
            )
        return self.priorities.index(s.name_in(priority, "priority", self.priorities, "priority"))
