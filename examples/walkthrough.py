"""One helpdesk configuration, end to end: classify tickets, run their SLA timers,
sweep the escalation ladders, print a timeline.

Run it from the repository root (times are fixed, so the output never changes)::

    python examples/walkthrough.py

It loads the example files next to it (``priority_matrix.toml``,
``escalation_ladders.toml``, ``policies/*.toml``) and, for each ticket:

1. classifies it with the matrix at its creation: priority, policy, calendar, tags;
2. picks the policy version in force then, and the calendar the classification names;
3. at every instant that matters (an event, or a sweep a store would run) sweeps
   the ticket: evaluates its log, asks the ladders for the steps due that are not
   yet in ``fired``, records them there, appends the ``priority`` event a
   ``raise_priority`` step yields and sweeps again on the new states. At an
   event's instant it sweeps before appending the event, then again after;
4. prints one line per instant with what changed.

This is the loop of the README's "Integrating with a helpdesk". A store does the
same with its tables; here ``fired`` is a set and the log a list.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sla_timers import (
    BusinessCalendar,
    Classification,
    EscalationLadders,
    Evaluation,
    Policy,
    PolicySet,
    PriorityMatrix,
    TicketEvent,
    TimerState,
    evaluate_ticket,
)
from sla_timers.rules import DueStep, StepKey

EXAMPLES = Path(__file__).resolve().parent
NY = ZoneInfo("America/New_York")


@dataclass(frozen=True)
class Config:
    """The helpdesk's configuration, as read from the example files."""

    matrix: PriorityMatrix
    ladders: EscalationLadders
    policies: PolicySet
    #: Calendars by name: every one the policies name (the matrix names only those too).
    calendars: Mapping[str, BusinessCalendar]


def load_config(folder: Path = EXAMPLES) -> Config:
    """Read the matrix, the ladders and every ``policies/*.toml`` (one policy per file)."""
    policies = [
        Policy.from_toml(path.read_text(encoding="utf-8")) for path in sorted((folder / "policies").glob("*.toml"))
    ]
    # By name: load() reads shipped calendars only (a host's own file needs allow_path=True).
    calendars = {p.calendar: BusinessCalendar.load(p.calendar) for p in policies}
    matrix = PriorityMatrix.from_toml(
        (folder / "priority_matrix.toml").read_text(encoding="utf-8"),
        calendars=calendars,
        policies=[p.name for p in policies],
    )
    ladders = EscalationLadders.from_toml(
        (folder / "escalation_ladders.toml").read_text(encoding="utf-8"),
        priorities=matrix.priorities,
        policies=policies,
    )
    return Config(matrix, ladders, PolicySet(policies), calendars)


@dataclass(frozen=True)
class Story:
    """A ticket as the host sees it: its fields, when it was created, what happened, when the sweep ran."""

    id: str
    title: str
    #: The fields the matrix reads (``requester.role``, ``category``, ...).
    ticket: Mapping[str, Any]
    created_at: datetime
    #: Everything after ``created`` (the walkthrough writes ``created`` from the classification).
    events: Sequence[TicketEvent]
    #: Instants a sweep looks at the ticket without any new event.
    sweeps: Sequence[datetime] = ()


@dataclass(frozen=True)
class Moment:
    """One instant of a ticket's timeline."""

    at: datetime
    #: The host's events at this instant.
    events: tuple[TicketEvent, ...]
    #: Timer states at ``at``, after the sweep's own events (a raise) were appended.
    states: dict[str, TimerState]
    #: Steps the sweep found due and recorded as fired, in order.
    steps: tuple[DueStep, ...]
    #: The priority after this instant.
    priority: str
    #: When the next step not yet fired falls due, if the clocks keep running.
    next_step_at: datetime | None


@dataclass
class Run:
    """A story played through: its classification, policy, calendar and timeline."""

    story: Story
    classification: Classification
    policy: Policy
    calendar: BusinessCalendar
    moments: list[Moment] = field(default_factory=list)
    #: Every event of the log, the host's and the ladders'.
    log: list[TicketEvent] = field(default_factory=list)
    #: Step keys fired: what a store keeps in its table, unique per key.
    fired: set[StepKey] = field(default_factory=set)


def play(config: Config, story: Story) -> Run:
    """Classify the story's ticket and replay it instant by instant, sweeping the ladders at each."""
    created = story.created_at
    result = config.matrix.classify(story.ticket, now=created)
    policy = config.policies.select(result.policy, created)
    if policy is None:
        raise LookupError(f"no version of policy {result.policy!r} is in force at {created.isoformat()}")
    # The classification names the calendar; the policy's own `calendar` is only its default.
    calendar = config.calendars[result.calendar]
    run = Run(story, result, policy, calendar)
    created_event = TicketEvent(
        "created", created, id=f"{story.id}/created", priority=result.priority, policy=policy.name
    )
    run.log.append(created_event)
    instants = sorted({created, *(e.at for e in story.events), *story.sweeps})
    for at in instants:
        new = tuple(e for e in story.events if e.at == at)
        # Sweep before the new events apply (a step that fell due while a timer ran still
        # fires if one of them stops it), then after them.
        steps = sweep(config, run, at)[0] if new else []
        run.log.extend(new)
        more, evaluation = sweep(config, run, at)
        steps += more
        next_at = config.ladders.next_due_at(
            story.id, evaluation, now=at, policy=policy, calendar=calendar, fired=run.fired
        )
        assert evaluation.priority is not None  # the log starts with created
        shown = (created_event, *new) if at == created else new
        run.moments.append(Moment(at, shown, evaluation.states, tuple(steps), evaluation.priority, next_at))
    return run


def sweep(config: Config, run: Run, at: datetime) -> tuple[list[DueStep], Evaluation]:
    """Fire every step due at ``at``: record its key, append its events, and sweep again after a
    raise. Returns the steps fired and the evaluation they leave."""
    steps: list[DueStep] = []
    while True:
        evaluation = evaluate_ticket(run.policy, run.log, now=at, calendar=run.calendar)
        due = config.ladders.due_steps(
            run.story.id,
            evaluation,
            now=at,
            policy=run.policy,
            calendar=run.calendar,
            priority=evaluation.priority,
            fired=run.fired,
        )
        for step in due:
            run.fired.add(step.key)
            run.log.extend(step.events)
        steps.extend(due)
        if not any(step.events for step in due):  # a raise changes the states: sweep again
            return steps, evaluation


def stories() -> list[Story]:
    """Three tickets of the example helpdesk, in New York time."""

    def ny(month: int, day: int, hour: int, minute: int = 0) -> datetime:
        return datetime(2026, month, day, hour, minute, tzinfo=NY)

    def event(kind: str, at: datetime, ticket: str, n: int, **data: Any) -> TicketEvent:
        return TicketEvent(kind, at, id=f"{ticket}/e{n}", **data)

    ceo = "T-1001"
    premium = "T-1002"
    sales = "T-1003"
    return [
        Story(
            ceo,
            "The CEO's printer, the day before Thanksgiving",
            {
                "subject": "Printer jams on every page",
                "category": "printer",
                "impact": "department",
                "urgency": "degraded",
                "requester": {"role": "ceo", "tier": "premium"},
            },
            ny(11, 25, 16),
            [
                event("agent_reply", ny(11, 25, 16, 10), ceo, 1, public=True),
                event("status", ny(11, 27, 11, 30), ceo, 2, status="solved"),
            ],
            sweeps=[ny(11, 27, 9, 30), ny(11, 27, 10, 30), ny(11, 27, 11)],
        ),
        Story(
            premium,
            "A premium member cannot export invoices",
            {
                "subject": "Invoice export fails",
                "category": "billing",
                "impact": "person",
                "urgency": "blocking",
                "requester": {"tier": "premium"},
            },
            ny(12, 3, 9),
            [
                event("agent_reply", ny(12, 3, 9, 40), premium, 1, public=True),
                event("status", ny(12, 3, 13), premium, 2, status="pending"),
                event("customer_reply", ny(12, 4, 13), premium, 3),
                event("status", ny(12, 4, 13), premium, 4, status="open"),
                event("agent_reply", ny(12, 4, 14), premium, 5, public=True),
                event("agent_reply", ny(12, 7, 9, 30), premium, 6, public=True),
                event("status", ny(12, 7, 11), premium, 7, status="solved"),
                event("customer_reply", ny(12, 7, 14), premium, 8),
                event("status", ny(12, 7, 14), premium, 9, status="open"),
            ],
            sweeps=[ny(12, 4, 15, 30), ny(12, 4, 16), ny(12, 4, 16, 45), ny(12, 4, 17), ny(12, 7, 9)],
        ),
        Story(
            sales,
            "A sales booking at quarter end",
            {
                "subject": "Booking system rejects orders",
                "category": "booking",
                "impact": "department",
                "urgency": "degraded",
                "fields": {"business_line": "sales"},
                "requester": {"tier": "premium", "seats": 2500},
            },
            ny(12, 28, 10),
            [
                event("agent_reply", ny(12, 28, 10, 20), sales, 1, public=True),
                event("status", ny(12, 28, 11), sales, 2, status="pending"),
                event("customer_reply", ny(12, 28, 13), sales, 3),
                event("status", ny(12, 28, 13), sales, 4, status="open"),
                event("agent_reply", ny(12, 28, 13, 30), sales, 5, public=True),
                event("status", ny(12, 28, 15), sales, 6, status="solved"),
                event("customer_reply", ny(12, 29, 9, 30), sales, 7),
                event("status", ny(12, 29, 9, 30), sales, 8, status="open"),
                event("agent_reply", ny(12, 29, 10), sales, 9, public=True),
                event("status", ny(12, 29, 10, 15), sales, 10, status="solved"),
            ],
        ),
    ]


# -- printing ------------------------------------------------------------------


def instant(t: datetime, zone: ZoneInfo) -> str:
    """``Fri 2026-12-04 17:00 -05:00``: the wall time in ``zone``, with its UTC offset."""
    local = t.astimezone(zone)
    offset = local.strftime("%z")
    return f"{local:%a %Y-%m-%d %H:%M} {offset[:3]}:{offset[3:]}"


def short(t: datetime, zone: ZoneInfo) -> str:
    """``Mon 12-07 09:00``: a due date inside a line (same zone as the line)."""
    return f"{t.astimezone(zone):%a %m-%d %H:%M}"


def span(d: timedelta) -> str:
    """``4h``, ``4h40m``, ``30m``, ``-2h``: a business-time amount in a line."""
    sign, d = ("-", -d) if d < timedelta(0) else ("", d)
    minutes = round(d.total_seconds() / 60)
    hours, minutes = divmod(minutes, 60)
    return sign + (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes or not hours else "")


def describe_event(event: TicketEvent) -> str:
    """What the host did, in a few words."""
    if event.kind == "created":
        return f"created ({event.data['priority']})"
    if event.kind == "status":
        return f"status {event.data['status']}"
    if event.kind == "agent_reply":
        return "agent replied" if event.data["public"] else "internal note"
    if event.kind == "customer_reply":
        return "customer replied"
    return event.kind


def describe_changes(before: Mapping[str, TimerState], after: Mapping[str, TimerState], zone: ZoneInfo) -> list[str]:
    """What changed from one instant's timer states to the next's: starts, stops, moved dues, warnings."""
    out: list[str] = []
    for metric, state in after.items():
        old = before.get(metric)
        new_cycle = old is None or old.cycle != state.cycle
        if new_cycle:
            cycle = f" (cycle {state.cycle})" if state.cycle > 1 else ""
            if state.status == "running" and state.due_at is not None:
                out.append(f"{metric}{cycle} due {short(state.due_at, zone)}")
            elif state.status == "paused":
                out.append(f"{metric}{cycle} paused")
            continue
        assert old is not None
        if state.stopped_at is not None and old.stopped_at is None and state.status == "breached":
            out.append(f"{metric} stopped, breached")
        elif state.stopped_at is None and old.stopped_at is not None and state.status == "breached":
            out.append(f"{metric} reopened, still breached")
        elif state.status != old.status:
            if state.status == "breached" and state.breached_at is not None:
                out.append(f"{metric} BREACHED at {short(state.breached_at, zone)}")
            elif state.status == "met":
                out.append(f"{metric} met")
            elif state.status == "paused":
                out.append(f"{metric} paused ({span(state.remaining)} left)")
            elif state.status == "running" and state.due_at is not None:
                out.append(f"{metric} resumed, due {short(state.due_at, zone)}")
        elif state.status == "running" and state.due_at != old.due_at and state.due_at is not None:
            out.append(f"{metric} due moved to {short(state.due_at, zone)}")
        if state.warning_level != old.warning_level and state.warning_level is not None and state.status == "running":
            out.append(f"{metric} warning {state.warning_level}")
    return out


def describe_step(step: DueStep, zone: ZoneInfo) -> str:
    """A fired step: which, when it fell due, who hears of it and when, what else it did."""
    text = f"step {step.key.metric}/{step.key.step} (fell due {short(step.due_at, zone)})"
    if step.step.notify:
        who = ", ".join(f"{n.kind} {n.name}" for n in step.step.notify)
        text += f": notify {who}"
        if step.notify_at is not None and step.notify_at != step.due_at:
            text += f", held to {short(step.notify_at, zone)}"
    if step.priority is not None:
        text += f"; priority -> {step.priority}"
    if step.step.reassign is not None:
        text += f"; reassign to {step.step.reassign}"
    if step.step.add_tags:
        text += f"; tags +{','.join(step.step.add_tags)}"
    return text


def timeline(run: Run) -> list[str]:
    """The run as text: a header, the classification, then one line per instant."""
    zone = run.calendar.zone
    result = run.classification
    lines = [
        f"{run.story.id} {run.story.title}",
        f"  classified: priority {result.priority}, policy {result.policy}, calendar {result.calendar}"
        + (f", tags {', '.join(result.tags)}" if result.tags else ""),
    ]
    before: Mapping[str, TimerState] = {}
    for moment in run.moments:
        parts = [describe_event(e) for e in moment.events]
        if not moment.events:
            parts.append("sweep")
        parts += describe_changes(before, moment.states, zone)
        parts += [describe_step(step, zone) for step in moment.steps]
        if not moment.events and not moment.steps:
            parts.append("no step due" + (f", next {short(moment.next_step_at, zone)}" if moment.next_step_at else ""))
        lines.append(f"  {instant(moment.at, zone)}  " + "; ".join(parts))
        before = moment.states
    return lines


def main() -> None:
    """Play every story and print its timeline."""
    config = load_config()
    for i, story in enumerate(stories()):
        if i:
            print()
        print("\n".join(timeline(play(config, story))))


if __name__ == "__main__":
    main()
