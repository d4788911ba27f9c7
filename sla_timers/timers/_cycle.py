"""One cycle of one metric while a ticket's log is replayed: its clock state
(running stretches, pauses, stops, deadlines, breaches) and the
:class:`~sla_timers.timers.TimerState` it reports. No I/O here."""

from __future__ import annotations

from datetime import datetime, timedelta

from ._clock import Clock, amount
from ._warnings import Marks, warning
from .durations import Target
from .policy import MetricSettings
from .state import TimerState, TimerStatus, timer_state

_ZERO = timedelta(0)


class Cycle:
    """One cycle of one metric while the log is replayed."""

    __slots__ = (
        "settings",
        "kind",
        "clock",
        "group",
        "started_at",
        "target",
        "mode",
        "elapsed",
        "seg_at",
        "seg_total",
        "watch",
        "due",
        "last_due",
        "last_target",
        "pin",
        "pin_rem",
        "breached_at",
        "stopped_at",
        "stop_reason",
        "by_status",
        "paused_since",
        "pause_total",
        "paused_for",
        "wait_acc",
        "wait_base",
        "wait_end",
        "since",
        "ran",
    )

    def __init__(
        self,
        settings: MetricSettings,
        clock: Clock,
        group: str | None,
        t: datetime,
        target: timedelta | None = None,
        paused: bool = False,
    ) -> None:
        """A cycle starting at ``t`` (paused from the start when ``paused``) with ``target``."""
        self.settings = settings
        self.kind = settings.kind
        self.clock = clock
        self.group = group
        self.started_at = t
        self.target = target
        #: Elapsed up to seg_at while running; the whole of it otherwise.
        self.elapsed = _ZERO
        self.seg_at = t
        # The clock stands at t: totals are read from there.
        total = clock.total
        self.seg_total = total
        #: While running and not breached: an instant at or before the due, so an
        #: event before it needs no calendar call to know no breach happened.
        #: (Business time never outruns real time: the due is no earlier than this.)
        self.watch: datetime | None
        if paused:
            self.mode = "paused"
            self.watch = None
            self.paused_since: datetime | None = t
        else:
            #: "running", "paused" or "stopped".
            self.mode = "running"
            self.watch = None if target is None else t + target
            self.paused_since = None
        #: Due of the current running stretch, computed on first need.
        self.due: datetime | None = None
        #: The last deadline that applied; or, until first asked, the target it was
        #: under (the stretch it ran is ``ran``).
        self.last_due: datetime | None = None
        self.last_target: timedelta | None = None
        self.pin: datetime | None = None
        #: Time left to the pin when the clock stopped (paused or stopped).
        self.pin_rem: timedelta | None = None
        self.breached_at: datetime | None = None
        self.stopped_at: datetime | None = None
        self.stop_reason: str | None = None
        #: True when a stop status stopped it (so a reopen may resume it).
        self.by_status = False
        self.pause_total = total
        self.paused_for = _ZERO
        self.wait_acc = _ZERO
        self.wait_base = clock.paused
        # wait_end, the pause total when it stopped, is set by stop(), and read only once stopped.
        #: While running: since when it has run under its current target (the start,
        #: the last resume or reopen, the last target change, pin or policy switch).
        self.since = t
        #: The last running stretch banked by ``fold``: its start, elapsed then, its end.
        self.ran: tuple[datetime, timedelta, datetime] | None = None

    # -- time ---------------------------------------------------------------
    def running_elapsed(self) -> timedelta:
        """Elapsed while running, with the clock standing at the instant asked for."""
        return self.elapsed + (self.clock.total - self.seg_total)

    def start_stretch(self, t: datetime) -> None:
        """Start running at ``t`` under the current target (a start, resume, reopen or change)."""
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
        mode = self.mode
        if mode == "running":
            seg_at, elapsed, target = self.seg_at, self.elapsed, self.target
            # Kept lazily: most stretches end (a reply, a pause) without anyone asking.
            # The deadline is the pin, else the due when known (None without a target).
            pin = self.pin
            if pin is not None:
                self.last_due, self.last_target = pin, None
            elif self.due is not None or target is None:
                self.last_due, self.last_target = self.due, None
            else:
                self.last_due, self.last_target = None, target
            self.ran = (seg_at, elapsed, t)
            total = self.clock.total
            self.elapsed = elapsed + (total - self.seg_total)
            self.seg_at = t
            self.seg_total = total
        elif mode == "paused":
            total = self.clock.total
            self.paused_for += total - self.pause_total
            self.pause_total = total

    def deadline(self) -> datetime | None:
        """Due of the current running stretch (the pin when pinned)."""
        if self.pin is not None:
            return self.pin
        due = self.due
        if due is None and self.target is not None:
            left = self.target - self.elapsed
            open_time = self.clock.open_time
            # Clock.after(), inline for a business clock and time left: the usual case.
            if open_time is not None and left > _ZERO:
                due = self.due = open_time.add(self.seg_at, left)
            else:
                due = self.due = self.clock.after(self.seg_at, left)
        return due

    def previous_deadline(self) -> datetime | None:
        """The last deadline that applied before the clock stopped."""
        target = self.last_target
        if target is not None:
            ran = self.ran
            assert ran is not None  # banked with it
            self.last_due = self.clock.after(ran[0], target - ran[1])
            self.last_target = None
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
        """Time the ticket spent in pause statuses during this cycle, up to the clock."""
        return self.wait_acc + (self.clock.paused - self.wait_base)

    # -- transitions --------------------------------------------------------
    def pause(self, t: datetime) -> None:
        """A pause status stops the clock at ``t``."""
        if self.mode != "running":
            return
        clock = self.clock
        # fold(t), inline: a pause status pauses every open cycle.
        seg_at, elapsed, target, pin = self.seg_at, self.elapsed, self.target, self.pin
        if pin is not None:
            self.last_due, self.last_target = pin, None
            self.pin_rem = clock.elapsed(t, pin)
        elif self.due is not None or target is None:
            self.last_due, self.last_target = self.due, None
        else:
            self.last_due, self.last_target = None, target
        self.ran = (seg_at, elapsed, t)
        total = clock.total
        self.elapsed = elapsed + (total - self.seg_total)
        self.seg_at = t
        self.seg_total = total
        self.mode = "paused"
        self.watch = None
        self.paused_since = t
        self.pause_total = total

    def resume(self, t: datetime) -> None:
        """The ticket works again at ``t``: the clock runs (breached now if already past the target)."""
        if self.mode != "paused":
            return
        # fold(t), start_stretch(t) and breach_now_if_over(t), inline: a working
        # status resumes every paused cycle.
        total = self.clock.total
        self.paused_for += total - self.pause_total
        self.pause_total = total
        self.paused_since = None
        self.pin_rem = None
        self.mode = "running"
        self.seg_at = t
        self.since = t
        self.seg_total = total
        self.due = None
        target, pin = self.target, self.pin
        if self.breached_at is not None:
            self.watch = None
        elif pin is not None:
            self.watch = pin
            if pin < t and target is not None:
                self.breached_at, self.watch = t, None
        elif target is not None:
            elapsed = self.elapsed
            if elapsed > target:
                self.breached_at, self.watch = t, None
            else:
                # Business time never outruns real time: the due is no earlier than this.
                self.watch = t + (target - elapsed)
        else:
            self.watch = None

    def stop(self, t: datetime, reason: str, by_status: bool = False) -> None:
        """Stop for good at ``t`` (a reply, a stop status, a reassignment, a policy switch)."""
        mode = self.mode
        if mode == "stopped":
            return
        clock = self.clock
        if mode == "running":
            # fold(t), inline: every reply stops cycles.
            seg_at, elapsed, target, pin = self.seg_at, self.elapsed, self.target, self.pin
            if pin is not None:
                self.last_due, self.last_target = pin, None
                self.pin_rem = clock.elapsed(t, pin)
            elif self.due is not None or target is None:
                self.last_due, self.last_target = self.due, None
            else:
                self.last_due, self.last_target = None, target
            self.ran = (seg_at, elapsed, t)
            total = clock.total
            self.elapsed = elapsed + (total - self.seg_total)
            self.seg_at = t
            self.seg_total = total
        else:
            total = clock.total
            self.paused_for += total - self.pause_total
            self.pause_total = total
        # What wait() reads, kept: banked into wait_acc if it reopens.
        self.wait_end = clock.paused
        self.mode = "stopped"
        self.watch = None
        self.paused_since = None
        self.stopped_at = t
        self.stop_reason = reason
        self.by_status = by_status

    def reopen(self, t: datetime, paused: bool) -> None:
        """Resume a stopped cycle; solved time is not counted anywhere."""
        self.wait_acc += self.wait_end - self.wait_base
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
        """Run under ``spec`` from ``t`` on (a priority change, a reopen, a policy switch), elapsed kept."""
        # fold(t), start_stretch(t) and breach_now_if_over(t), inline: a priority
        # change retargets every open cycle.
        mode = self.mode
        clock = self.clock
        old, since, pin = self.target, self.since, self.pin
        if mode == "running":
            seg_at, elapsed = self.seg_at, self.elapsed
            if pin is not None:
                self.last_due, self.last_target = pin, None
            elif self.due is not None or old is None:
                self.last_due, self.last_target = self.due, None
            else:
                self.last_due, self.last_target = None, old
            self.ran = (seg_at, elapsed, t)
            total = clock.total
            elapsed += total - self.seg_total
            self.elapsed = elapsed
            self.seg_at = t
            self.seg_total = total
        else:
            elapsed = self.elapsed
            if mode == "paused":
                total = clock.total
                self.paused_for += total - self.pause_total
                self.pause_total = total
        target = self.target = amount(spec, self.started_at, clock)
        breached = self.breached_at is not None
        if mode == "running":
            self.due = None
            # A priority change that keeps this metric's target changes nothing for it.
            self.since = since if target == old else t
            if breached:
                self.watch = None
            elif pin is not None:
                self.watch = pin
            else:
                # Business time never outruns real time: the due is no earlier than this.
                self.watch = t + (target - elapsed)
        if not breached:
            if pin is not None:
                if mode == "running" and pin < t:
                    self.breached_at, self.watch = t, None
            elif elapsed > target:
                self.breached_at, self.watch = t, None

    def rebase(self, t: datetime, clock: Clock) -> None:
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
    def state(self, number: int, now: datetime, warnings: Marks) -> TimerState:
        """The cycle as a :class:`TimerState` (number ``number``) as of ``now``; clocks stand at ``now``."""
        target = self.target
        mode = self.mode
        pin = self.pin
        breached_at = self.breached_at
        clock = self.clock
        remaining: timedelta | None
        due: datetime | None
        status: TimerStatus
        if mode == "running":
            elapsed = self.elapsed + (clock.total - self.seg_total)
            due = self.deadline()
            if pin is not None:
                remaining = clock.elapsed(now, pin)
            else:
                remaining = None if target is None else target - elapsed
            status = "running" if breached_at is None else "breached"
            customer_wait = self.wait_acc + (clock.paused - self.wait_base)
            paused_for = self.paused_for
        else:
            elapsed = self.elapsed
            if mode == "paused":
                # A paused timer has no due, unless it was breached.
                due = None if breached_at is None else self.previous_deadline()
                status = "paused" if breached_at is None else "breached"
                customer_wait = self.wait_acc + (clock.paused - self.wait_base)
                paused_for = self.paused_for + (clock.total - self.pause_total)
            else:
                due = self.previous_deadline()
                status = "met" if breached_at is None else "breached"
                customer_wait = self.wait_acc + (self.wait_end - self.wait_base)
                paused_for = self.paused_for
            if pin is not None:
                remaining = self.pin_rem if self.pin_rem is not None else clock.elapsed(self.seg_at, pin)
            else:
                remaining = None if target is None else target - elapsed
        level: float | str | int | None = None
        next_at: datetime | None = None
        if remaining is not None:
            # Without a pin, elapsed + remaining is the target.
            level, next_at = warning(
                warnings(target if pin is None and target is not None else elapsed + remaining),
                self,
                elapsed,
                due,
                now,
            )
            if status != "running":
                next_at = None
        return timer_state(
            self.settings.name,
            number,
            status,
            target,
            self.started_at,
            due,
            elapsed,
            remaining,
            breached_at,
            self.stopped_at,
            self.stop_reason,
            level,
            paused_for,
            customer_wait,
            self.paused_since,
            self.group,
            next_at,
            self.since if mode == "running" else None,
        )

    def reached_before_end(self, threshold: timedelta) -> bool:
        """Whether elapsed reached ``threshold`` (what it is now) before the last
        running stretch ended: a fraction reached at a close, then a pause or stop
        later while closed, counts; one reached exactly as it paused does not."""
        ran = self.ran
        if ran is None:
            return False
        ran_from, ran_elapsed, ran_to = ran
        need = threshold - ran_elapsed
        reached_at = ran_from if need <= _ZERO else self.clock.after(ran_from, need)
        return reached_at < ran_to
