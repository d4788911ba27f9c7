"""From a ticket's event log to timer states: one pass over the sorted log.
No I/O here (a calendar named by a ``policy`` event and not supplied by the
caller is loaded through the clock, which reads shipped calendar files).

How time is kept: each clock (the ticket's business calendar, and real time for
``time = "calendar"`` metrics) keeps running totals since ``created``: business
time, time in pause statuses, and the per-ticket measures. A cycle's elapsed
time is a difference of totals, so an event advances the clock once however
many timers run, and a due date is computed once per running stretch. The
business clock walks the calendar's open stretches, read once per evaluation
(:mod:`._open_time`), rather than calling the calendar for every event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Union

from ..clock import BusinessCalendar
from ..errors import CalendarNotFound, EventError, NaiveDatetimeError, SLAError
from ._open_time import OpenTime
from .durations import EndOfDay, Target
from .events import TicketEvent
from .policy import MetricSettings, Policy, PolicySet, StatusCategory
from .state import Evaluation, Measures, Problem, TimerState, TimerStatus

UTC = timezone.utc
_ZERO = timedelta(0)
_MICROSECOND = timedelta(microseconds=1)

#: Where calendars named by policies come from: a mapping or a function of the name.
CalendarSource = Union[Mapping[str, BusinessCalendar], Callable[[str], BusinessCalendar]]


def evaluate(
    policy: Policy | PolicySet,
    events: Iterable[TicketEvent],
    *,
    now: datetime,
    calendar: BusinessCalendar | None = None,
    calendars: CalendarSource | None = None,
) -> dict[str, TimerState]:
    """The latest cycle of each metric that has one, as of ``now``: ``{metric: TimerState}``.

    See :func:`evaluate_ticket` for the arguments; this is its ``states``.
    """
    return evaluate_ticket(policy, events, now=now, calendar=calendar, calendars=calendars).states


def evaluate_ticket(
    policy: Policy | PolicySet,
    events: Iterable[TicketEvent],
    *,
    now: datetime,
    calendar: BusinessCalendar | None = None,
    calendars: CalendarSource | None = None,
) -> Evaluation:
    """Every cycle of every metric, the ticket's measures and the problems found,
    as of ``now``.

    Events are applied in log order (:meth:`TicketEvent.sort_key`), so any
    permutation of ``events`` gives the same result; events after ``now`` are
    ignored. ``policy`` is the policy, or a :class:`PolicySet` from which the
    version in force at ``created`` is chosen (``created`` may name it with
    ``policy=``) and from which ``policy`` events pick theirs. ``calendar``, when
    given, is the ticket's business calendar and wins over the one the policy
    names (a priority matrix may choose a calendar per ticket); otherwise, and for
    calendars named by ``policy`` events, names are looked up in ``calendars`` (a
    mapping or a function), then in the clock's shipped calendars.

    An event repeated with its id and payload (a retried webhook) counts once; the
    same id on another payload is a problem, and the first in log order applies.

    A still-running timer whose due is ``now`` is breached as of ``now``; a stop
    event at that same instant would still have met it.

    :raises NaiveDatetimeError: if ``now`` has no tzinfo.
    :raises EventError: if an item of ``events`` is not a :class:`TicketEvent`.
    """
    if not isinstance(now, datetime):
        raise TypeError(f"now must be a datetime, got {type(now).__name__}")
    if now.tzinfo is None or now.utcoffset() is None:
        raise NaiveDatetimeError(f"now must be timezone-aware, got {now!r}", field="now")
    now = now.astimezone(UTC)
    log = list(events)
    try:
        log.sort(key=TicketEvent.sort_key)
    except (AttributeError, TypeError):
        for i, event in enumerate(log):
            if not isinstance(event, TicketEvent):
                raise EventError(
                    f"events[{i}]: {type(event).__name__} is not a TicketEvent; build one, "
                    "or use parse_events() for dicts",
                    field=f"events[{i}]",
                ) from None
        raise
    run = _Run(policy, calendar, calendars)
    log = run.deduplicate(log)
    run.replay(log, now)
    return run.finish(now)


@lru_cache(maxsize=64)
def _all_day(zone: str) -> BusinessCalendar:
    # Calendar time for a metric with time = "calendar": always open, in the
    # business calendar's zone, so an "eod" target still means local midnight.
    return BusinessCalendar.from_dict(
        {"name": f"24x7 {zone}", "timezone": zone,
         "hours": {day: ["00:00-24:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}}
    )


class _Clock:
    """Running totals on one time scale since ``created``, advanced lazily."""

    __slots__ = ("cal", "open_time", "wall", "t", "total", "paused", "work", "solved", "requester", "category",
                 "awaiting")

    def __init__(self, cal: BusinessCalendar, wall: bool, t: datetime) -> None:
        #: Real time: elapsed is plain subtraction (both ends are UTC).
        self.wall = wall
        self.t = t
        self.use(cal)
        self.total = _ZERO
        self.paused = _ZERO
        self.work = _ZERO
        self.solved = _ZERO
        self.requester = _ZERO
        self.category: StatusCategory = "work"
        self.awaiting = True

    def use(self, cal: BusinessCalendar) -> None:
        """Measure on ``cal`` from ``t`` on (a policy switch); totals carry on."""
        self.cal = cal
        #: The calendar's open stretches from ``t`` on, walked as the replay goes
        #: (None for real time).
        self.open_time = None if self.wall else OpenTime(cal, self.t)

    def at(self, t: datetime) -> timedelta:
        """The total at ``t`` (never before the last instant asked for)."""
        if t != self.t:
            open_time = self.open_time
            d = t - self.t if open_time is None else open_time.advance(t)
            self.t = t
            if d:
                self.total += d
                category = self.category
                if category == "work":
                    self.work += d
                    if self.awaiting:
                        self.requester += d
                elif category == "pause":
                    self.paused += d
                else:
                    self.solved += d
        return self.total

    def after(self, t: datetime, left: timedelta) -> datetime:
        """``calendar.add(t, left)`` on this clock: a due. ``left`` may be negative (a
        target already passed: the due is when elapsed reached it); ``t`` for zero."""
        if not left:
            return t
        open_time = self.open_time
        if open_time is None:
            return t + left
        if left > _ZERO:
            return open_time.add(t, left)
        # Back one microsecond too far (the latest such instant), then forward one:
        # the earliest instant, so a target reached at a close is due at the close.
        return open_time.add(open_time.add(t, left - _MICROSECOND), _MICROSECOND)

    def before(self, t: datetime, lead: timedelta) -> datetime:
        """The instant ``lead`` of clock time before ``t``: a warning before a due; ``t`` itself for no lead."""
        if lead <= _ZERO:
            return t
        open_time = self.open_time
        return t - lead if open_time is None else open_time.add(t, -lead)

    def elapsed(self, a: datetime, b: datetime) -> timedelta:
        return b - a if self.wall else self.cal.elapsed(a, b)


class _Cycle:
    """One cycle of one metric while the log is replayed."""

    __slots__ = (
        "settings", "clock", "group", "started_at", "target", "mode", "elapsed", "seg_at", "seg_total",
        "watch", "due", "last_due", "last_spec", "pin", "pin_rem", "breached_at", "stopped_at", "stop_reason",
        "by_status", "paused_since", "pause_total", "paused_for", "wait_acc", "wait_base", "since",
        "ran_from", "ran_elapsed", "ran_to",
    )

    def __init__(self, settings: MetricSettings, clock: _Clock, group: str | None, t: datetime) -> None:
        self.settings = settings
        self.clock = clock
        self.group = group
        self.started_at = t
        self.target: timedelta | None = None
        #: "running", "paused" or "stopped".
        self.mode = "running"
        #: Elapsed up to seg_at while running; the whole of it otherwise.
        self.elapsed = _ZERO
        self.seg_at = t
        # The clock stands at t: totals are read from there.
        self.seg_total = clock.total
        #: While running and not breached: an instant at or before the due, so an
        #: event before it needs no calendar call to know no breach happened.
        self.watch: datetime | None = None
        #: Due of the current running stretch, computed on first need.
        self.due: datetime | None = None
        #: The last deadline that applied; or, until first asked, how to compute it.
        self.last_due: datetime | None = None
        self.last_spec: tuple[datetime, timedelta] | None = None
        self.pin: datetime | None = None
        #: Time left to the pin when the clock stopped (paused or stopped).
        self.pin_rem: timedelta | None = None
        self.breached_at: datetime | None = None
        self.stopped_at: datetime | None = None
        self.stop_reason: str | None = None
        #: True when a stop status stopped it (so a reopen may resume it).
        self.by_status = False
        self.paused_since: datetime | None = None
        self.pause_total = clock.total
        self.paused_for = _ZERO
        self.wait_acc = _ZERO
        self.wait_base = clock.paused
        #: While running: since when it has run under its current target (the start,
        #: the last resume or reopen, the last target change, pin or policy switch).
        self.since = t
        #: The last running stretch banked by ``fold``: its start, elapsed then, its end.
        self.ran_from: datetime | None = None
        self.ran_elapsed = _ZERO
        self.ran_to: datetime | None = None

    # -- time ---------------------------------------------------------------
    def running_elapsed(self) -> timedelta:
        return self.elapsed + (self.clock.total - self.seg_total)

    def start_stretch(self, t: datetime) -> None:
        self.mode = "running"
        self.seg_at = t
        self.since = t
        self.seg_total = self.clock.total
        self.due = None
        if self.breached_at is not None:
            self.watch = None
        elif self.pin is not None:
            self.watch = self.pin
        elif self.target is not None:
            # Business time never outruns real time: the due is no earlier than this.
            self.watch = t + (self.target - self.elapsed)
        else:
            self.watch = None

    def fold(self, t: datetime) -> None:
        """Bank a running stretch up to ``t``, keeping the deadline it had."""
        if self.mode == "running":
            # Kept lazily: most stretches end (a reply, a pause) without anyone asking.
            if self.pin is not None or self.due is not None or self.target is None:
                self.last_due, self.last_spec = self.deadline(), None
            else:
                self.last_due, self.last_spec = None, (self.seg_at, self.target - self.elapsed)
            self.ran_from, self.ran_elapsed, self.ran_to = self.seg_at, self.elapsed, t
            self.elapsed += self.clock.total - self.seg_total
            self.seg_at = t
            self.seg_total = self.clock.total
        elif self.mode == "paused":
            total = self.clock.total
            self.paused_for += total - self.pause_total
            self.pause_total = total

    def deadline(self) -> datetime | None:
        """Due of the current running stretch (the pin when pinned)."""
        if self.pin is not None:
            return self.pin
        if self.due is None and self.target is not None:
            self.due = self.clock.after(self.seg_at, self.target - self.elapsed)
        return self.due

    def previous_deadline(self) -> datetime | None:
        """The last deadline that applied before the clock stopped."""
        spec = self.last_spec
        if spec is not None:
            self.last_due = self.clock.after(*spec)
            self.last_spec = None
        return self.last_due

    def breach_before(self, t: datetime, inclusive: bool = False) -> None:
        """Record a breach whose due passed before ``t`` (at ``t`` too when inclusive).

        Callers skip it while ``watch`` is after ``t`` (at or after, when not inclusive).
        """
        if self.breached_at is not None or self.mode != "running":
            return
        if self.pin is None and self.due is None and self.target is not None:
            # Cheaper than finding the due: measure what is left at t. The clock
            # goes to t now rather than in the event's handler; the same call.
            clock = self.clock
            if clock.t != t:
                clock.at(t)
            left = self.target - self.elapsed - (clock.total - self.seg_total)
            if left > _ZERO:
                self.watch = t + left  # still a lower bound of the due
                return
        due = self.deadline()
        if due is None:
            self.watch = None
        elif due < t or (inclusive and due == t):
            self.breached_at = due
            self.watch = None
        else:
            self.watch = due

    def breach_now_if_over(self, t: datetime) -> None:
        """A change (priority, unpin, policy) put it past its deadline: breached at ``t``."""
        if self.breached_at is not None or self.target is None:
            return
        if self.pin is not None:
            if self.mode == "running" and self.pin < t:
                self.breached_at, self.watch = t, None
        elif self.elapsed > self.target:
            self.breached_at, self.watch = t, None

    def wait(self) -> timedelta:
        return self.wait_acc + (self.clock.paused - self.wait_base)

    # -- transitions --------------------------------------------------------
    def pause(self, t: datetime) -> None:
        if self.mode != "running":
            return
        self.fold(t)
        if self.pin is not None:
            self.pin_rem = self.clock.elapsed(t, self.pin)
        self.mode = "paused"
        self.watch = None
        self.paused_since = t
        self.pause_total = self.clock.total

    def resume(self, t: datetime) -> None:
        if self.mode != "paused":
            return
        self.fold(t)
        self.paused_since = None
        self.pin_rem = None
        self.start_stretch(t)
        self.breach_now_if_over(t)

    def stop(self, t: datetime, reason: str, by_status: bool = False) -> None:
        if self.mode == "stopped":
            return
        self.fold(t)
        if self.pin is not None and self.mode == "running":
            self.pin_rem = self.clock.elapsed(t, self.pin)
        self.wait_acc = self.wait()
        self.wait_base = self.clock.paused
        self.mode = "stopped"
        self.watch = None
        self.paused_since = None
        self.stopped_at = t
        self.stop_reason = reason
        self.by_status = by_status

    def reopen(self, t: datetime, paused: bool) -> None:
        """Resume a stopped cycle; solved time is not counted anywhere."""
        self.wait_base = self.clock.paused
        self.stopped_at = None
        self.stop_reason = None
        self.by_status = False
        self.pin_rem = None
        if paused:
            self.mode = "paused"
            self.paused_since = t
            self.pause_total = self.clock.total
        else:
            self.start_stretch(t)
            self.breach_now_if_over(t)

    def retarget(self, t: datetime, spec: Target) -> None:
        self.fold(t)
        old, since = self.target, self.since
        self.target = _amount(spec, self.started_at, self.clock)
        if self.mode == "running":
            self.start_stretch(t)
            if self.target == old:
                self.since = since  # a priority change that keeps this metric's target changes nothing for it
        self.breach_now_if_over(t)

    def rebase(self, t: datetime, clock: _Clock) -> None:
        """Move to another clock at ``t`` (policy switch), elapsed kept."""
        self.fold(t)
        if self.mode != "stopped":
            self.wait_acc = self.wait()
        self.clock = clock
        self.wait_base = clock.paused
        self.pause_total = clock.total
        if self.mode == "running":
            self.start_stretch(t)

    # -- output -------------------------------------------------------------
    def state(self, number: int, now: datetime, warnings: _Marks) -> TimerState:
        target = self.target
        mode = self.mode
        pin = self.pin
        remaining: timedelta | None
        if mode == "running":
            elapsed = self.running_elapsed()
            due = self.deadline()
            if pin is not None:
                remaining = self.clock.elapsed(now, pin)
            else:
                remaining = None if target is None else target - elapsed
        else:
            elapsed = self.elapsed
            due = self.previous_deadline()
            if pin is not None:
                remaining = self.pin_rem if self.pin_rem is not None else self.clock.elapsed(self.seg_at, pin)
            else:
                remaining = None if target is None else target - elapsed
        status: TimerStatus
        if self.breached_at is not None:
            status = "breached"
        elif mode == "running":
            status = "running"
        elif mode == "paused":
            status = "paused"
            due = None
        else:
            status = "met"
        paused_for = self.paused_for
        if mode == "paused":
            paused_for += self.clock.total - self.pause_total
        level: float | str | int | None = None
        next_at: datetime | None = None
        if remaining is not None:
            level, next_at = _warning(warnings(elapsed + remaining), self, elapsed, due, now)
            if status != "running":
                next_at = None
        return TimerState(
            metric=self.settings.name,
            cycle=number,
            status=status,
            target=target,
            started_at=self.started_at,
            due_at=due,
            elapsed=elapsed,
            remaining=remaining,
            breached_at=self.breached_at,
            stopped_at=self.stopped_at,
            stop_reason=self.stop_reason,
            warning_level=level,
            paused_for=paused_for,
            customer_wait=self.wait() if mode != "stopped" else self.wait_acc,
            paused_since=self.paused_since,
            group=self.group,
            next_warning_at=next_at,
            running_since=self.since if mode == "running" else None,
        )

    def reached_before_end(self, threshold: timedelta) -> bool:
        """Whether elapsed reached ``threshold`` (what it is now) before the last
        running stretch ended: a fraction reached at a close, then a pause or stop
        later while closed, counts; one reached exactly as it paused does not."""
        ran_from, ran_to = self.ran_from, self.ran_to
        if ran_from is None or ran_to is None:
            return False
        need = threshold - self.ran_elapsed
        reached_at = ran_from if need <= _ZERO else self.clock.after(ran_from, need)
        return reached_at < ran_to


def _amount(spec: Target, started_at: datetime, clock: _Clock) -> timedelta:
    if isinstance(spec, EndOfDay):
        cal = _all_day(clock.cal.zone.key) if clock.wall else clock.cal
        # Fixed at the start as business time: pauses push it like any target.
        return cal.elapsed(started_at, cal.end_of_business_day(started_at, spec.days))
    return spec


#: Per target: the policy's warnings as (elapsed threshold, lead before due or None
#: for a fraction, level), in the policy's order.
_Thresholds = tuple[tuple[timedelta, timedelta | None, float | str | int], ...]
_Marks = Callable[[timedelta], _Thresholds]


def _marks(policy: Policy | None) -> _Marks:
    """Thresholds of the policy's warnings for a given target, computed once per target."""
    if policy is None or not policy.warnings:
        return lambda total: ()
    cache = policy._thresholds  # kept across evaluations: a policy has few distinct targets
    warnings = policy.warnings

    def thresholds(total: timedelta) -> _Thresholds:
        found = cache.get(total)
        if found is None:
            rows: list[tuple[timedelta, timedelta | None, float | str | int]] = []
            for mark in warnings:
                if mark.lead is not None:
                    rows.append((total - mark.lead, mark.lead, mark.level))
                else:
                    assert mark.fraction is not None  # a mark is a lead or a fraction (policy.py)
                    rows.append((total * mark.fraction, None, mark.level))
            if len(cache) >= 512:  # eod and pinned targets vary; stay small
                cache.clear()
            found = cache[total] = tuple(rows)
        return found

    return thresholds


def _warning(
    thresholds: _Thresholds, cycle: _Cycle, elapsed: timedelta, due: datetime | None, now: datetime,
) -> tuple[float | str | int | None, datetime | None]:
    """The highest warning crossed (as the policy wrote it) and, while the clock
    runs, when the next one falls.

    A warning counts only if its instant was reached while the timer ran. A
    fraction ``f`` falls at the earliest instant elapsed reaches ``f x target``
    (a threshold reached at a close counts from the close); a lead falls at
    ``add(due, -lead)``, the latest such instant. Of two warnings with the same
    threshold (so crossed at the same instant) the fraction is the level.
    """
    running = cycle.mode == "running"
    clock = cycle.clock
    level: float | str | int | None = None
    best: tuple[timedelta, bool] | None = None
    upcoming: tuple[tuple[timedelta, bool], timedelta | None] | None = None
    for threshold, lead, mark_level in thresholds:
        if threshold < elapsed:
            crossed = True
        elif threshold > elapsed:
            crossed = False
        elif lead is None:
            crossed = running or cycle.reached_before_end(threshold)
        else:
            # Reached while running only once the lead's instant (perhaps the next opening) has come.
            crossed = running and due is not None and clock.before(due, lead) <= now
        if crossed:
            key = (threshold, lead is None)
            if best is None or key > best:
                level, best = mark_level, key
        elif running and due is not None:
            order = (threshold, lead is not None)
            if upcoming is None or order < upcoming[0]:
                upcoming = (order, lead)
    next_at = None
    if upcoming is not None and due is not None:
        (threshold, _), lead = upcoming
        if lead is None:
            next_at = clock.after(cycle.seg_at, threshold - cycle.elapsed)
        else:
            next_at = clock.before(due, lead)
    return level, next_at


class _Run:
    """The replay of one ticket's log."""

    def __init__(
        self, policy: Policy | PolicySet, calendar: BusinessCalendar | None, calendars: CalendarSource | None
    ) -> None:
        self.source = policy
        self.calendar_arg = calendar
        self.calendars = calendars
        self.policy: Policy | None = None
        self.created: TicketEvent | None = None
        self.problems: list[Problem] = []
        self.cycles: dict[str, list[_Cycle]] = {}
        self.open: list[_Cycle] = []
        self.status = "new"
        self.category: StatusCategory = "work"
        self.priority: str | None = None
        self.group: str | None = None
        self.replied = False
        #: A customer reply came while stopped, after the first public agent reply.
        self.asked_while_stopped = False
        self.awaiting = True
        self.business: _Clock | None = None
        self.wall: _Clock | None = None
        self.clocks: tuple[_Clock, ...] = ()
        self.index = 0
        self.event: TicketEvent | None = None
        #: Events (by ``id()``) whose id an earlier event of another payload has -> that event.
        self.conflicts: dict[int, TicketEvent] = {}

    # -- plumbing -----------------------------------------------------------
    def problem(self, message: str) -> None:
        event = self.event
        assert event is not None
        self.problems.append(Problem(self.index, event.id, event.kind, event.at, f"{event.describe()}: {message}"))

    def calendar_named(self, name: str) -> BusinessCalendar:
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

    def clock_for(self, settings: MetricSettings) -> _Clock:
        assert self.business is not None and self.wall is not None
        return self.wall if settings.time == "calendar" else self.business

    def advance(self, t: datetime) -> None:
        """Record breaches whose due passed before ``t``, then bring every clock in
        use to ``t``, counting the time since by the current mode."""
        for cycle in self.open:
            watch = cycle.watch
            if watch is not None and watch < t:
                cycle.breach_before(t)
        for clock in self.clocks:
            if clock.t != t:
                clock.at(t)

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

    def open_of(self, metric: str) -> _Cycle | None:
        cycles = self.cycles.get(metric)
        if cycles and cycles[-1].mode != "stopped":
            return cycles[-1]
        return None

    def start(self, settings: MetricSettings, t: datetime) -> None:
        if self.category == "stop" or (settings.scope == "group" and self.group is None):
            return
        assert self.policy is not None and self.business is not None
        clock = self.clock_for(settings)
        cycle = _Cycle(settings, clock, self.group if settings.scope == "group" else None, t)
        spec = self.policy.target(self.priority, settings.name)
        if spec is not None:
            cycle.target = _amount(spec, t, clock)
            cycle.watch = t + cycle.target
        if self.category == "pause" and settings.pauses:
            cycle.watch = None
            cycle.mode = "paused"
            cycle.paused_since = t
        self.cycles.setdefault(settings.name, []).append(cycle)
        self.open.append(cycle)

    def stop(self, cycle: _Cycle, t: datetime, reason: str, by_status: bool = False) -> None:
        cycle.stop(t, reason, by_status)
        self.open.remove(cycle)

    # -- events -------------------------------------------------------------
    def deduplicate(self, log: list[TicketEvent]) -> list[TicketEvent]:
        """The sorted ``log`` without repeats: a retried webhook delivers the same event
        (id and payload) again, and it counts once, so problem indexes do not move
        either. The same id on another payload is a conflict, reported when replayed:
        the first in log order stands."""
        seen: dict[str, TicketEvent] = {}
        kept: list[TicketEvent] = []
        for event in log:
            event_id = event.id
            if event_id is not None:
                first = seen.setdefault(event_id, event)
                if first is not event:
                    if first == event:
                        continue
                    self.conflicts[id(event)] = first
            kept.append(event)
        return kept

    def replay(self, log: list[TicketEvent], now: datetime) -> None:
        """Apply the events of the sorted ``log`` up to ``now``."""
        handlers = _HANDLERS
        conflicts = self.conflicts
        for index, event in enumerate(log):
            if event.at > now:
                break
            self.index, self.event = index, event
            if conflicts and id(event) in conflicts:
                first = conflicts[id(event)]
                self.problem(f"has the id of {first.describe()} with another payload; it has no effect")
                continue
            kind = event.kind
            if self.created is None:
                if kind == "created":
                    self.on_created(event)
                else:
                    self.problem("before the ticket's created event; it has no effect")
            elif kind == "created":
                self.problem(f"a second created event (the first is {self.created.describe()}); it has no effect")
            elif self.policy is not None:
                # A handler that changes anything first calls advance(t), which
                # records the breaches before t; cycles then read the clocks'
                # totals. Events that change nothing (an internal note, a second
                # message while one waits) cost nothing: a breach found at a
                # later event is the same breach, at its due.
                handlers[kind](self, event)
            elif kind == "priority":
                self.priority = event.data["priority"]  # no timers run, but the ticket has a priority

    def on_created(self, event: TicketEvent) -> None:
        t = event.at
        self.priority = event.data["priority"]
        source = self.source
        if isinstance(source, PolicySet):
            policy = source.select(event.get("policy"), t)
            if policy is None:
                wanted = event.get("policy") or " or ".join(repr(n) for n in source.names)
                self.created = event
                self.problem(f"no version of policy {wanted} is in force at this time; no timers run")
                return
        else:
            policy = source
            named = event.get("policy")
            if named is not None and named != policy.name:
                self.problem(f"names policy {named!r}, but the evaluation was given {policy.name!r}; using it")
        self.created = event
        try:
            cal = self.calendar_arg if self.calendar_arg is not None else self.calendar_named(policy.calendar)
        except CalendarNotFound as exc:
            self.problem(f"calendar {policy.calendar!r} of policy {policy.name!r} is not known ({exc.message}); no timers run")
            return
        self.policy = policy
        self.business = _Clock(cal, False, t)
        self.wall = _Clock(cal, True, t)
        # Real time is kept only when some policy has a time = "calendar" metric.
        self.clocks = (self.business, self.wall) if self.source.uses_calendar_time else (self.business,)
        self.group = event.get("group")
        if policy.targets and self.priority not in policy.targets:
            self.problem(f"priority {self.priority!r} has no targets in policy {policy.name!r}; no deadlines apply")
        status = event.data["status"]
        if not policy.is_known_status(status):
            self.problem(f"status {status!r} is not in policy {policy.name!r}'s statuses; counted as a working status")
        self.status = status
        self.set_awaiting(True)
        # A ticket created in a stop status (a phone call logged as solved) has its
        # timers start as in a working status and stop at once, met, so reports count it.
        category = policy.category(status)
        self.set_category("work" if category == "stop" else category)
        for settings in policy.metrics.values():
            if settings.kind in ("first_response", "resolution"):
                self.start(settings, t)
        if category == "stop":
            self.enter(t, category, f"status:{status}")
        if status in policy.first_response_statuses:
            self.meet_first_response(t, f"status:{status}")

    def on_status(self, event: TicketEvent) -> None:
        assert self.policy is not None
        t, status = event.at, event.data["status"]
        if not self.policy.is_known_status(status):
            self.problem(f"status {status!r} is not in policy {self.policy.name!r}'s statuses; it has no effect")
            return
        self.status = status
        category = self.policy.category(status)
        meets = status in self.policy.first_response_statuses
        if category == self.category and not meets:
            return
        self.advance(t)
        self.enter(t, category, f"status:{status}")
        if meets:
            self.meet_first_response(t, f"status:{status}")

    def enter(self, t: datetime, new: StatusCategory, reason: str) -> None:
        """Move the ticket to a status category: pause, resume, stop or reopen timers."""
        old = self.category
        self.set_category(new)
        if new == old:
            return
        if new == "stop":
            for cycle in list(self.open):
                self.stop(cycle, t, reason, by_status=True)
            return
        if old == "stop":
            self.reopen(t)
            return
        for cycle in self.open:
            if new == "pause" and cycle.settings.pauses:
                cycle.pause(t)
            elif new == "work":
                cycle.resume(t)

    def reopen(self, t: datetime) -> None:
        """Leave a stop status: each cycle the stop cut off follows its metric's
        ``reopen`` mode; nothing else starts, but a customer reply that came while
        stopped opens ``next_response``. ``first_response`` never restarts."""
        policy = self.policy
        assert policy is not None
        paused_now = self.category == "pause"
        for settings in policy.metrics.values():
            if settings.kind == "first_response":
                continue
            cycles = self.cycles.get(settings.name)
            last = cycles[-1] if cycles else None
            if last is None or not last.by_status:
                continue  # it never ran, or ended before the stop: a reopen alone asks nothing
            group = self.group if settings.scope == "group" else None
            if settings.reopen == "resume" and last.group == group:
                last.reopen(t, paused_now and settings.pauses)
                self.open.append(last)
                # A priority changed while stopped applies from the reopen.
                spec = policy.target(self.priority, settings.name)
                if spec is not None:
                    last.retarget(t, spec)
            else:
                self.start(settings, t)
        if self.asked_while_stopped:
            self.asked_while_stopped = False
            for settings in policy.of_kind("next_response"):
                if self.open_of(settings.name) is None:
                    self.start(settings, t)

    def meet_first_response(self, t: datetime, reason: str) -> None:
        for cycle in list(self.open):
            if cycle.settings.kind == "first_response":
                self.stop(cycle, t, reason)

    def on_agent_reply(self, event: TicketEvent) -> None:
        if not event.data["public"]:
            return  # an internal note never stops a timer
        assert self.policy is not None
        t = event.at
        self.advance(t)
        self.set_awaiting(False)
        self.replied = True
        self.asked_while_stopped = False  # answered, even while stopped
        keep = []
        for cycle in self.open:
            if cycle.settings.kind == "resolution":
                keep.append(cycle)
            else:
                cycle.stop(t, "agent_reply")
        self.open = keep
        for settings in self.policy.of_kind("periodic_update"):
            self.start(settings, t)

    def on_customer_reply(self, event: TicketEvent) -> None:
        assert self.policy is not None
        t = event.at
        # The host reopens with a status event, and the reopen opens next_response
        # for a message that came while stopped; the opening message is first_response's.
        starts: list[MetricSettings]
        if self.category == "stop":
            self.asked_while_stopped = self.replied
            starts = []
        elif not self.replied:
            starts = []
        else:
            starts = [settings for settings in self.policy.of_kind("next_response")
                      if self.open_of(settings.name) is None]
        if self.awaiting and not starts:
            return
        self.advance(t)
        self.set_awaiting(True)
        for settings in starts:
            self.start(settings, t)

    def on_priority(self, event: TicketEvent) -> None:
        assert self.policy is not None and self.business is not None
        t, priority = event.at, event.data["priority"]
        self.priority = priority
        if priority not in self.policy.targets:
            self.problem(f"priority {priority!r} has no targets in policy {self.policy.name!r}; targets unchanged")
            return
        self.advance(t)
        for cycle in self.open:
            spec = self.policy.target(priority, cycle.settings.name)
            if spec is not None:
                cycle.retarget(t, spec)

    def on_assigned(self, event: TicketEvent) -> None:
        assert self.policy is not None
        t, group = event.at, event.data["group"]
        if group == self.group:
            return
        self.advance(t)
        self.group = group
        for cycle in list(self.open):
            if cycle.settings.scope == "group":
                self.stop(cycle, t, f"assigned:{group}" if group is not None else "unassigned")
        for settings in self.policy.metrics.values():
            if settings.scope != "group":
                continue
            kind = settings.kind
            if (kind in ("first_response", "resolution") or (kind == "periodic_update" and self.replied)
                    or (kind == "next_response" and self.replied and self.awaiting)):
                self.start(settings, t)

    def on_field(self, event: TicketEvent) -> None:
        """Custom fields feed the rules layer; timers ignore them."""

    def on_pin(self, event: TicketEvent) -> None:
        self.pin(event, event.data["due_at"])

    def on_unpin(self, event: TicketEvent) -> None:
        self.pin(event, None)

    def pin(self, event: TicketEvent, due_at: datetime | None) -> None:
        assert self.policy is not None
        t, metric = event.at, event.data["metric"]
        if metric not in self.policy.metrics:
            self.problem(f"metric {metric!r} is not in policy {self.policy.name!r}")
            return
        cycle = self.open_of(metric)
        if cycle is None:
            self.problem(f"metric {metric!r} has no open cycle to {event.kind}")
            return
        if due_at is None and cycle.pin is None:
            self.problem(f"metric {metric!r} has no pinned deadline to unpin")
            return
        self.advance(t)
        cycle.fold(t)
        cycle.pin = due_at
        if cycle.mode == "paused":
            cycle.pin_rem = None if due_at is None else cycle.clock.elapsed(t, due_at)
        elif cycle.mode == "running":
            cycle.start_stretch(t)
        cycle.breach_now_if_over(t)

    def on_policy(self, event: TicketEvent) -> None:
        assert self.policy is not None and self.business is not None and self.wall is not None
        t, name = event.at, event.data["policy"]
        source = self.source
        if isinstance(source, PolicySet):
            new = source.select(name, t)
        else:
            new = source if name == source.name else None
        if new is None:
            self.problem(f"policy {name!r} is not known (or no version is in force at this time); it has no effect")
            return
        cal_name = event.get("calendar") or new.calendar
        try:
            cal = self.calendar_named(cal_name)
        except SLAError as exc:
            self.problem(f"calendar {cal_name!r} is not known ({exc.message}); it has no effect")
            return
        # Totals carry on; from here the business clock measures on the new calendar.
        self.advance(t)
        for cycles in self.cycles.values():
            for cycle in cycles:
                cycle.previous_deadline()  # the deadlines that applied were on the old calendar
        self.business.use(cal)
        self.wall.use(cal)
        self.policy = new
        for cycle in list(self.open):
            settings = new.metrics.get(cycle.settings.name)
            if settings is None:
                self.stop(cycle, t, f"policy:{new.name}")
                continue
            cycle.settings = settings
            clock = self.clock_for(settings)
            if clock is not cycle.clock:
                cycle.rebase(t, clock)
            spec = new.target(self.priority, settings.name)
            if spec is not None:
                cycle.retarget(t, spec)
                if cycle.mode == "running":
                    cycle.since = t  # a switch counts as a target change even when the amount is the same
            else:
                cycle.fold(t)
                if cycle.mode == "running":
                    cycle.start_stretch(t)
        for settings in new.metrics.values():
            if settings.name not in self.cycles and (
                settings.kind == "resolution" or (settings.kind == "first_response" and not self.replied)
            ):
                self.start(settings, t)
        if not new.is_known_status(self.status):
            self.problem(f"status {self.status!r} is not in policy {new.name!r}'s statuses; counted as a working status")
        category = new.category(self.status)
        self.enter(t, category, f"status:{self.status}")
        # Per-metric pausing may differ under the new policy at the same status.
        if category == "pause":
            for cycle in self.open:
                if cycle.settings.pauses:
                    cycle.pause(t)
                else:
                    cycle.resume(t)

    # -- result -------------------------------------------------------------
    def finish(self, now: datetime) -> Evaluation:
        measures = Measures(_ZERO, _ZERO, _ZERO, _ZERO)
        policy = self.policy
        shown: dict[str, list[_Cycle]] = {}
        if policy is not None and self.business is not None:
            for cycle in self.open:
                watch = cycle.watch
                if watch is not None and watch <= now:
                    cycle.breach_before(now, inclusive=True)
            business = self.business
            self.advance(now)
            measures = Measures(
                requester_wait=business.requester,
                customer_wait=business.paused,
                work_time=business.work,
                solved_time=business.solved,
            )
            # Every cycle is reported, with a target or not, so cycle numbers (and
            # the escalation keys built on them) follow the triggers alone.
            shown = self.cycles
        warnings = _marks(policy)
        built: dict[int, TimerState] = {}

        def state(cycle: _Cycle, number: int) -> TimerState:
            # Every clock already stands at now, so building later gives the same state.
            found = built.get(id(cycle))
            if found is None:
                found = built[id(cycle)] = cycle.state(number, now, warnings)
            return found

        def all_cycles() -> dict[str, tuple[TimerState, ...]]:
            return {m: tuple(state(c, n) for n, c in enumerate(cs, 1)) for m, cs in shown.items()}

        def latest() -> dict[str, TimerState]:
            return {m: state(cs[-1], len(cs)) for m, cs in shown.items()}

        return Evaluation(measures=measures, problems=tuple(self.problems), policy=policy, now=now,
                          cycles=all_cycles, states=latest, priority=self.priority)


_HANDLERS: dict[str, Callable[[_Run, TicketEvent], None]] = {
    kind: getattr(_Run, "on_" + kind)
    for kind in ("status", "priority", "agent_reply", "customer_reply", "assigned", "field", "pin", "unpin", "policy")
}
