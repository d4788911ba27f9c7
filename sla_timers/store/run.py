"""One ticket's turn: classify it, evaluate its log, sweep its ladders, and say
what to write. Pure Python over a :class:`~sla_timers.store.config.Config`; the
callers (ingestion, the sweep) read and write the tables.

The engine is driven as the README's integration loop says: classify at
``created``, keep the policy version in force then, evaluate, ask the ladders for
due steps with the keys fired so far, append a raise's ``priority`` event and ask
again at the same instant, and schedule the next look by ``next_due_at`` and
``next_change``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ..clock import BusinessCalendar
from ..rules import DueStep, EscalationLadders
from ..timers import Evaluation, TicketEvent, TimerState, evaluate_ticket, next_change
from .config import VERSION_MARK, Config
from .errors import UnknownPolicyError

#: Kinds that change a running timer's target: with one in the log, a step may have
#: fallen due and become undue again, so the log is swept instant by instant.
_RETARGETING = frozenset({"priority", "policy", "pin", "unpin"})
_US = timedelta(microseconds=1)


@dataclass
class Ticket:
    """What the store knows of a ticket before its turn; the turn updates it."""

    id: int
    host_id: str
    inputs: dict[str, Any]
    #: {"priority", "policy", "calendar", "tags", "matrix_version"} once classified.
    classification: dict[str, Any] | None = None
    trace: list[str] | None = None
    policy_version: int | None = None
    created_at: datetime | None = None


@dataclass
class Turn:
    """The outcome of a ticket's turn: rows to write."""

    ticket: Ticket
    #: Every cycle of every metric, as ``sla_timers`` rows (without ``id``).
    timers: list[dict[str, Any]] = field(default_factory=list)
    #: Steps fired in this turn, in order.
    steps: list[DueStep] = field(default_factory=list)
    #: Events the turn added to the log (a raise), to store with their source.
    events: list[tuple[TicketEvent, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    priority: str | None = None


def classify(config: Config, ticket: Ticket, created: TicketEvent) -> None:
    """Decide the ticket's priority, policy and calendar at its creation and keep them.

    With a matrix in force at ``created``, the matrix decides from the ticket's
    inputs; without one, the ``created`` event's priority and policy (or the only
    policy stored) apply, on the policy's calendar.

    :raises UnknownPolicyError: when no version of the policy is in force then.
    """
    found = config.matrix_at(created.at)
    if found is not None:
        version, matrix = found
        result = matrix.classify(ticket.inputs, now=created.at)
        priority, policy_name, calendar = result.priority, result.policy, result.calendar
        tags, trace = list(result.tags), result.explain().splitlines()
        matrix_version: int | None = version
        business_line = result.base.business_line
    else:
        priority, policy_name = created.data["priority"], created.get("policy")
        tags, trace, matrix_version, calendar = [], [], None, None
        business_line = created.get("business_line")
    policy = config.policies.select(policy_name, created.at)
    if policy is None:
        wanted = repr(policy_name) if policy_name else "(none named, and not exactly one stored)"
        raise UnknownPolicyError(
            f"ticket {ticket.host_id!r}: no version of policy {wanted} is in force at "
            f"{created.at.isoformat()}; store one with put_policy",
            field="policy",
        )
    ticket.classification = {
        "priority": priority,
        "policy": policy.name,
        "calendar": calendar or policy.calendar,
        "tags": tags,
        "matrix_version": matrix_version,
        "business_line": business_line,
    }
    ticket.trace = trace
    ticket.policy_version = policy.version
    ticket.created_at = created.at


def engine_log(config: Config, ticket: Ticket, log: Sequence[TicketEvent], until: datetime) -> list[TicketEvent]:
    """The log the engine sees: ``created`` carrying the classification, plus a switch
    to each calendar version that took over after the creation (up to ``until``)."""
    c = ticket.classification
    assert c is not None and ticket.created_at is not None
    out: list[TicketEvent] = []
    for event in log:
        if event.kind == "created":
            event = TicketEvent(
                "created",
                event.at,
                **{
                    **({"id": event.id} if event.id else {}),
                    **event.data,
                    "policy": c["policy"],
                    "priority": c["priority"],
                },
            )
        out.append(event)
    versions = config.calendar_versions(c["calendar"])
    for at, version in versions.changes_after(ticket.created_at, until):
        policy = c["policy"]
        for event in log:  # the policy in force at the change: the latest switch before it
            if event.kind == "policy" and event.at <= at:
                policy = event.data["policy"]
        out.append(
            TicketEvent(
                "policy",
                at,
                id=f"calendar/{c['calendar']}{VERSION_MARK}{version}",
                policy=policy,
                calendar=f"{c['calendar']}{VERSION_MARK}{version}",
            )
        )
    out.sort(key=TicketEvent.sort_key)
    return out


class TicketRun:
    """Evaluate and sweep one classified ticket."""

    def __init__(self, config: Config, ticket: Ticket, log: Iterable[TicketEvent], fired: set[str]) -> None:
        c = ticket.classification
        assert c is not None and ticket.policy_version is not None and ticket.created_at is not None
        self.config = config
        self.ticket = ticket
        self.log = sorted(log, key=TicketEvent.sort_key)
        self.fired = fired
        self.policies = config.policy_set_for(c["policy"], ticket.policy_version)
        self.versions = config.calendar_versions(c["calendar"])
        self.turn = Turn(ticket)

    def evaluate(self, now: datetime, before: bool = False) -> Evaluation:
        """The ticket at ``now``; with ``before``, as if the events at ``now`` had not arrived yet."""
        log = [e for e in self.log if e.at < now] if before else self.log
        events = engine_log(self.config, self.ticket, log, now)
        assert self.ticket.created_at is not None
        return evaluate_ticket(
            self.policies,
            events,
            now=now,
            calendar=self.versions.at(self.ticket.created_at)[1],
            calendars=self.config.calendar,
        )

    def sweep(self, now: datetime, before: bool = False, evaluation: Evaluation | None = None) -> Evaluation:
        """Fire every step due at ``now`` (again after each raise) and return the final evaluation.

        ``evaluation`` is the ticket at ``now`` when the caller has it (the log unchanged since).
        """
        if evaluation is None:
            evaluation = self.evaluate(now, before)
        ladders = self.config.ladders_at(now)
        if ladders is None or evaluation.policy is None:
            return evaluation
        calendar = self.versions.at(now)[1]
        active = self.config.is_active(evaluation.policy)
        while True:
            due = ladders.due_steps(
                self.ticket.host_id,
                evaluation,
                now=now,
                policy=evaluation.policy,
                calendar=calendar,
                priority=evaluation.priority,
                fired=self.fired,
                active=active,
            )
            if not due:
                return evaluation
            added = False
            for step in due:
                self.fired.add(str(step.key))
                self.turn.steps.append(step)
                for event in step.events:
                    self.log.append(event)
                    self.turn.events.append((event, "escalation"))
                    added = True
            if not added:  # the log is as evaluated: every step due now was in ``due``
                return evaluation
            self.log.sort(key=TicketEvent.sort_key)
            evaluation = self.evaluate(now, before)

    def run(self, instants: Iterable[datetime], now: datetime) -> Turn:
        """Sweep before each new event's instant (so a step that fell due while a timer
        ran fires, exactly dated, even when the stop arrives in the same batch), then at
        ``now``; materialize the timers as of ``now``."""
        final = self.sweep(now)
        ladders = self.config.ladders_at(now)
        earlier = sorted({t for t in instants if t < now})
        if earlier and ladders is not None and self._may_have_missed(final, ladders):
            length = len(self.log)
            self._sweep_instants(earlier, ladders, final)
            final = self.sweep(now, evaluation=final if len(self.log) == length else None)
        self.turn.priority = final.priority
        self.turn.problems = [p.message for p in final.problems]
        self._materialize(final, now)
        return self.turn

    def _sweep_instants(self, instants: list[datetime], ladders: EscalationLadders, final: Evaluation) -> None:
        """Sweep before each of ``instants`` (sorted, all before now), as a sweep at every
        one would, but in about log(n) evaluations per instant that fires something.

        Without a target change in the log, "some step not fired is reached" is
        monotone in time (each cycle's ``remaining`` only shrinks, cycles are only
        added, and only a sweep fires), so the sweeps at instants before the first
        one where it holds fire nothing: a binary search finds that instant. A
        target change in the log (or one a raise adds), ladders that change between
        the instants, or a reached step the sweep declines (a cycle paused or
        stopped by an event already stored) breaks that, and the rest are swept one
        by one, as before. ``final`` is the ticket at now: by the same monotony,
        once no step it reaches is unfired, no earlier instant has one either.
        """
        rest = instants
        length = len(self.log)
        while rest:
            if (
                any(e.kind in _RETARGETING for e in self.log)
                or self.config.ladders_at(rest[0]) is not ladders
                or self.config.ladders_at(rest[-1]) is not ladders
            ):
                for t in rest:
                    self.sweep(t, before=True)
                return
            lo, hi = 0, len(rest)
            while lo < hi:
                mid = (lo + hi) // 2
                if self._reached(self.evaluate(rest[mid], before=True), ladders):
                    hi = mid
                else:
                    lo = mid + 1
            if lo == len(rest):
                return
            evaluation = self.sweep(rest[lo], before=True)
            rest = rest[lo + 1 :]
            if self._reached(evaluation, ladders):
                for t in rest:
                    self.sweep(t, before=True)
                return
            if len(self.log) == length and not self._reached(final, ladders):
                return

    def _reached(self, evaluation: Evaluation, ladders: EscalationLadders) -> bool:
        """Whether a step not fired has its threshold reached in ``evaluation``."""
        if evaluation.policy is None:
            return False
        for metric, cycles in evaluation.cycles.items():
            ladder = ladders.ladder(evaluation.policy.name, metric)
            if ladder is None:
                continue
            for state in cycles:
                if state.target is None or state.remaining is None:
                    continue
                for step in ladder.steps:
                    key = f"{self.ticket.host_id}/{metric}/{state.cycle}/{step.id}"
                    if key not in self.fired and state.remaining <= step.lead(state.target):
                        return True
        return False

    def _may_have_missed(self, final: Evaluation, ladders: EscalationLadders) -> bool:
        """Whether some step not fired was reached at some instant before ``now``.

        Without a target change in the log a cycle's ``remaining`` only shrinks, so
        a step never reached by the end was never reached before: only then can the
        per-instant sweeps be skipped.
        """
        if final.policy is None:
            return False
        return any(e.kind in _RETARGETING for e in self.log) or self._reached(final, ladders)

    def _materialize(self, final: Evaluation, now: datetime) -> None:
        policy = final.policy
        ladders = self.config.ladders_at(now)
        calendar: BusinessCalendar = self.versions.at(now)[1]
        active = self.config.is_active(policy)
        for metric, cycles in final.cycles.items():
            settings = policy.metrics.get(metric) if policy is not None else None
            clock = "calendar" if settings is not None and settings.time == "calendar" else "business"
            for state in cycles:
                check: datetime | None = None
                if state is cycles[-1] and state.is_open and policy is not None:
                    check = next_change([state])
                    if ladders is not None:
                        step_at = ladders.next_due_at(
                            self.ticket.host_id,
                            {metric: state},
                            now=now,
                            policy=policy,
                            calendar=calendar,
                            fired=self.fired,
                            active=active,
                        )
                        if step_at is not None and (check is None or step_at < check):
                            check = step_at
                self.turn.timers.append(timer_row(self.ticket.id, state, clock, check, now))


def timer_row(ticket_id: int, state: TimerState, clock: str, check: datetime | None, now: datetime) -> dict[str, Any]:
    """A ``sla_timers`` row for ``state``."""
    return {
        "ticket_id": ticket_id,
        "metric": state.metric,
        "cycle": state.cycle,
        "status": state.status,
        "clock": clock,
        "target_us": None if state.target is None else state.target // _US,
        "elapsed_us": state.elapsed // _US,
        "paused_for_us": state.paused_for // _US,
        "customer_wait_us": state.customer_wait // _US,
        "remaining_us": None if state.remaining is None else state.remaining // _US,
        "started_at": state.started_at,
        "due_at": state.due_at,
        "breached_at": state.breached_at,
        "stopped_at": state.stopped_at,
        "stop_reason": state.stop_reason,
        "paused_since": state.paused_since,
        "running_since": state.running_since,
        "next_warning_at": state.next_warning_at,
        "warning_level": None if state.warning_level is None else json.dumps(state.warning_level),
        "next_check_at": check,
        "evaluated_at": now,
    }


def step_actions(step: DueStep) -> dict[str, Any]:
    """What a fired step asks for, as stored with it and sent in its notification."""
    s = step.step
    return {
        "notify": [{"kind": n.kind, "name": n.name} for n in s.notify],
        "hold_to_business_hours": s.hold_to_business_hours,
        "raise_priority": s.raise_priority,
        "priority": step.priority,
        "reassign": s.reassign,
        "add_tags": list(s.add_tags),
    }
