"""The replay of one ticket's log: the ticket's state (status, priority, group,
who owes an answer), its clocks and cycles, the problems found, the pass over the
sorted log and the evaluation it returns. The event handlers are in
:mod:`._handlers`. No I/O here (a calendar named by a ``policy`` event and not
supplied by the caller is loaded through the clock, which reads shipped calendar
files).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from operator import attrgetter
from typing import TYPE_CHECKING

from ..clock import BusinessCalendar
from ._clock import Clock, amount
from ._cycle import Cycle
from ._warnings import marks
from .durations import Target
from .events import TicketEvent
from .policy import MetricSettings, Policy, PolicySet, StatusCategory
from .state import Evaluation, Problem, TimerState
from .state import measures as new_measures

if TYPE_CHECKING:
    from ..clock.open_time import OpenTime

_ZERO = timedelta(0)
_AT = attrgetter("at")
_ID = attrgetter("id")
_new = object.__new__

#: Where calendars named by policies come from: a mapping or a function of the name.
CalendarSource = Mapping[str, BusinessCalendar] | Callable[[str], BusinessCalendar]
#: An event handler: applies one event of its kind to the replay.
Handler = Callable[["Replay", TicketEvent], None]


class Replay:
    """The replay of one ticket's log."""

    def __init__(
        self, policy: Policy | PolicySet, calendar: BusinessCalendar | None, calendars: CalendarSource | None
    ) -> None:
        self.source = policy
        self.calendar_arg = calendar
        self.calendars = calendars
        self.policy: Policy | None = None
        #: The policy's metrics of the kinds replies start, looked up once per policy.
        self.periodic_updates: tuple[MetricSettings, ...] = ()
        self.next_responses: tuple[MetricSettings, ...] = ()
        self.created: TicketEvent | None = None
        self.problems: list[Problem] = []
        self.cycles: dict[str, list[Cycle]] = {}
        self.open: list[Cycle] = []
        self.status = "new"
        self.category: StatusCategory = "work"
        self.priority: str | None = None
        #: The policy's targets for ``priority`` (None: no row), kept as either changes.
        self.target_row: Mapping[str, Target] | None = None
        self.group: str | None = None
        self.replied = False
        #: A customer reply came while stopped, after the first public agent reply.
        self.asked_while_stopped = False
        self.awaiting = True
        self.business: Clock | None = None
        #: Real time, kept only when some policy has a ``time = "calendar"`` metric.
        self.wall: Clock | None = None
        self.clocks: tuple[Clock, ...] = ()
        #: Real time is kept too (some metric runs on calendar time).
        self.wall_kept = False
        #: The sorted, deduplicated log being replayed, and the event being applied.
        self.log: list[TicketEvent] = []
        self.event: TicketEvent | None = None
        #: Events (by ``id()``) whose id an earlier event of another payload has -> that event.
        self.conflicts: dict[int, TicketEvent] = {}

    # -- plumbing -----------------------------------------------------------
    def problem(self, message: str) -> None:
        """Report the current event as a problem (it had no effect, or not all it asked)."""
        event = self.event
        assert event is not None
        # Its place in the log: no two events of a deduplicated log are equal.
        index = self.log.index(event)
        self.problems.append(Problem(index, event.id, event.kind, event.at, f"{event.describe()}: {message}"))

    def calendar_named(self, name: str) -> BusinessCalendar:
        """The calendar called ``name``: the caller's, the one in use, ``calendars``, then shipped ones."""
        arg = self.calendar_arg
        if arg is not None and arg.name == name:
            return arg
        if self.business is not None and self.business.cal.name == name:
            return self.business.cal
        source = self.calendars
        if source is not None:
            if callable(source):
                return source(name)
            if name in source:
                return source[name]
        return BusinessCalendar.load(name)

    def use_policy(self, policy: Policy) -> None:
        """From now on ``policy`` applies."""
        self.policy = policy
        self.target_row = policy.targets.get(self.priority)  # type: ignore[arg-type]  # None is no key
        self.periodic_updates = policy.of_kind("periodic_update")
        self.next_responses = policy.of_kind("next_response")

    def clock_for(self, settings: MetricSettings) -> Clock:
        """The clock a metric runs on: real time for ``time = "calendar"``, else business time."""
        if settings.time == "calendar":
            assert self.wall is not None  # kept whenever some policy has such a metric
            return self.wall
        assert self.business is not None
        return self.business

    def advance(self, t: datetime) -> None:
        """Bring every clock in use to ``t``, counting the time since by the current
        mode, then record breaches whose due passed before ``t`` (a breach reads
        the clocks at ``t``, so they go first)."""
        # Set at the created event, before any other; annotated rather than
        # asserted under TYPE_CHECKING, which costs a global lookup per call.
        business: Clock = self.business  # type: ignore[assignment]
        if business.t != t:
            # Clock.at(t), inline: every event that changes anything comes here.
            # OpenTime.advance(t), inline too while t stays in the cursor's stretch
            # (or the closed time before it): most events between two others.
            open_time: OpenTime = business.open_time  # type: ignore[assignment]  # business time has one
            if t < open_time.end:
                start = open_time.start
                pos = open_time.base + (t - start) if t > start else open_time.base
                d = pos - open_time.pos
                open_time.at, open_time.pos = t, pos
            else:
                d = open_time.advance(t)
            business.t = t
            if d:
                business.total += d
                category = self.category
                if category == "work":
                    business.work += d
                    if self.awaiting:
                        business.requester += d
                elif category == "pause":
                    business.paused += d
                else:
                    business.solved += d
        if self.wall_kept:
            wall: Clock = self.wall  # type: ignore[assignment]  # kept with wall_kept
            if wall.t != t:
                wall.at(t)
        for cycle in self.open:
            watch = cycle.watch
            if watch is not None and watch < t:
                cycle.breach_before(t)

    def set_category(self, category: StatusCategory) -> None:
        """From now on time counts as working, paused or solved (clocks stand at now)."""
        self.category = category
        for clock in self.clocks:
            clock.category = category

    def set_awaiting(self, awaiting: bool) -> None:
        """From now on the requester waits (or not) on the team (clocks stand at now)."""
        self.awaiting = awaiting
        for clock in self.clocks:
            clock.awaiting = awaiting

    def open_of(self, metric: str) -> Cycle | None:
        """The open (running or paused) cycle of ``metric``, if any."""
        cycles = self.cycles.get(metric)
        if cycles and cycles[-1].mode != "stopped":
            return cycles[-1]
        return None

    def start(self, settings: MetricSettings, t: datetime) -> None:
        """Start a cycle of ``settings`` at ``t`` (not while stopped, nor for a group metric without a group)."""
        category = self.category
        if category == "stop":
            return
        group = None
        if settings.scope == "group":
            group = self.group
            if group is None:
                return
        # clock_for() and policy.target(), inline: a cycle starts at most events.
        # Both clocks a metric may run on are set at the created event (the wall
        # clock whenever some metric runs on calendar time).
        clock: Clock = self.wall if settings.time == "calendar" else self.business  # type: ignore[assignment]
        name = settings.name
        row = self.target_row
        spec = None if row is None else row.get(name)
        target = None if spec is None else spec if spec.__class__ is timedelta else amount(spec, t, clock)
        # Cycle(settings, clock, group, t, target, paused), inline: a call through
        # the class costs about as much again as filling the slots.
        cycle = _new(Cycle)
        cycle.settings = settings
        cycle.kind = settings.kind
        cycle.clock = clock
        cycle.group = group
        cycle.started_at = cycle.seg_at = cycle.since = t
        cycle.target = target
        cycle.elapsed = cycle.paused_for = cycle.wait_acc = _ZERO
        cycle.seg_total = cycle.pause_total = clock.total
        if category == "pause" and settings.pauses:
            cycle.mode = "paused"
            cycle.watch = None
            cycle.paused_since = t
        else:
            cycle.mode = "running"
            cycle.watch = None if target is None else t + target
            cycle.paused_since = None
        cycle.due = cycle.last_due = cycle.last_target = cycle.pin = cycle.pin_rem = None
        cycle.breached_at = cycle.stopped_at = cycle.stop_reason = cycle.ran = None
        cycle.by_status = False
        cycle.wait_base = clock.paused
        cycles = self.cycles.get(name)
        if cycles is None:
            self.cycles[name] = [cycle]
        else:
            cycles.append(cycle)
        self.open.append(cycle)

    def stop(self, cycle: Cycle, t: datetime, reason: str, by_status: bool = False) -> None:
        """Stop an open cycle at ``t``."""
        cycle.stop(t, reason, by_status)
        self.open.remove(cycle)

    # -- events -------------------------------------------------------------
    def deduplicate(self, log: list[TicketEvent]) -> list[TicketEvent]:
        """The sorted ``log`` without repeats: a retried webhook delivers the same event
        (id and payload) again, a host may list one event object twice, and either
        counts once, so problem indexes do not move either. Events without an id
        count once when equal (kind, instant and payload). The same id on another
        payload is a conflict, reported when replayed: the first in log order stands."""
        ids = set(map(_ID, log))
        if len(ids) == len(log) and None not in ids:
            return log  # every event has its own id: nothing repeats
        seen: dict[str, TicketEvent] = {}
        plain: set[TicketEvent] = set()
        kept: list[TicketEvent] = []
        for event in log:
            event_id = event.id
            if event_id is not None:
                first = seen.get(event_id)
                if first is None:
                    seen[event_id] = event
                elif first is event or first == event or event in plain:
                    continue
                else:
                    self.conflicts[id(event)] = first
                    plain.add(event)  # a conflicting event given twice is one problem
            elif event in plain:
                continue
            else:
                plain.add(event)
            kept.append(event)
        return kept

    def replay(self, log: list[TicketEvent], now: datetime, handlers: Mapping[str, Handler]) -> None:
        """Apply the events of the sorted ``log`` up to ``now``, each by the handler of its kind."""
        conflicts = self.conflicts
        self.log = log
        index = 0
        # Events after now are ignored: the log is sorted, so they are a tail.
        count = len(log)
        if count and log[-1].at > now:
            count = bisect_right(log, now, key=_AT)
        # Up to the created event (the first, in a well-formed log).
        while index < count:
            event = log[index]
            self.event = event
            index += 1
            if conflicts and id(event) in conflicts:
                self.conflict(event)
            elif event.kind == "created":
                handlers["created"](self, event)
                break
            else:
                self.problem("before the ticket's created event; it has no effect")
        rest = log[index:count]
        if self.policy is None:
            # No timers run, but the ticket has a priority.
            for event in rest:
                self.event = event
                if conflicts and id(event) in conflicts:
                    self.conflict(event)
                elif event.kind == "created":
                    self.second_created()
                elif event.kind == "priority":
                    self.priority = event.data["priority"]
            return
        # A handler that changes anything first calls advance(t), which records
        # the breaches before t; cycles then read the clocks' totals. Events that
        # change nothing (an internal note, a second message while one waits)
        # cost nothing: a breach found at a later event is the same breach, at its due.
        after = dict(handlers)
        after["created"] = Replay.on_second_created
        if conflicts:
            for event in rest:
                self.event = event
                if id(event) in conflicts:
                    self.conflict(event)
                else:
                    after[event.kind](self, event)
        else:
            for event in rest:
                self.event = event
                after[event.kind](self, event)

    def on_second_created(self, event: TicketEvent) -> None:
        """A created event after the first: reported, no effect."""
        self.second_created()

    def second_created(self) -> None:
        """Report the current event, a second created event."""
        created = self.created
        assert created is not None
        self.problem(f"a second created event (the first is {created.describe()}); it has no effect")

    def conflict(self, event: TicketEvent) -> None:
        """Report an event whose id an earlier event of another payload has."""
        first = self.conflicts[id(event)]
        self.problem(f"has the id of {first.describe()} with another payload; it has no effect")

    # -- result -------------------------------------------------------------
    def settle(self, now: datetime) -> bool:
        """Bring every clock and open cycle to ``now`` (a timer still running at its
        due is breached as of ``now``); False when no timers run."""
        if self.policy is None or self.business is None:
            return False
        for cycle in self.open:
            watch = cycle.watch
            if watch is not None and watch <= now:
                cycle.breach_before(now, inclusive=True)
        self.advance(now)
        return True

    def latest(self, now: datetime) -> dict[str, TimerState]:
        """The latest cycle of each metric as of ``now``: :meth:`finish`'s ``states``,
        without the rest of the evaluation."""
        if not self.settle(now):
            return {}
        warnings = marks(self.policy)
        return {m: cs[-1].state(len(cs), now, warnings) for m, cs in self.cycles.items()}

    def finish(self, now: datetime) -> Evaluation:
        """Bring everything to ``now`` and build the evaluation (timer states on first use)."""
        policy = self.policy
        business = self.business
        shown: dict[str, list[Cycle]] = {}
        if self.settle(now):
            assert business is not None
            measures = new_measures(business.requester, business.paused, business.work, business.solved)
            # Every cycle is reported, with a target or not, so cycle numbers (and
            # the escalation keys built on them) follow the triggers alone.
            shown = self.cycles
        else:
            measures = new_measures(_ZERO, _ZERO, _ZERO, _ZERO)
        warnings = marks(policy)
        built: dict[int, TimerState] = {}

        def state(cycle: Cycle, number: int) -> TimerState:
            # Every clock already stands at now, so building later gives the same state.
            found = built.get(id(cycle))
            if found is None:
                found = built[id(cycle)] = cycle.state(number, now, warnings)
            return found

        def all_cycles() -> dict[str, tuple[TimerState, ...]]:
            return {m: tuple(state(c, n) for n, c in enumerate(cs, 1)) for m, cs in shown.items()}

        def latest() -> dict[str, TimerState]:
            return {m: state(cs[-1], len(cs)) for m, cs in shown.items()}

        return Evaluation(
            measures=measures,
            problems=tuple(self.problems),
            policy=policy,
            now=now,
            cycles=all_cycles,
            states=latest,
            priority=self.priority,
        )
