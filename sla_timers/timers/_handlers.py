"""What each kind of event does to a ticket's timers during a replay: one function
per kind (:data:`HANDLERS`), and the status moves they share (pause, resume,
stop, reopen). No I/O here."""

from __future__ import annotations

from datetime import datetime

from ..errors import CalendarNotFound, SLAError
from ._clock import Clock
from ._replay import Handler, Replay
from .events import TicketEvent
from .policy import MetricSettings, Policy, PolicySet, StatusCategory


def on_created(run: Replay, event: TicketEvent) -> None:
    """Choose the policy and calendar, start first_response and resolution, apply the status."""
    t = event.at
    run.priority = event.data["priority"]
    source = run.source
    if isinstance(source, PolicySet):
        policy = source.select(event.get("policy"), t)
        if policy is None:
            wanted = event.get("policy") or " or ".join(repr(n) for n in source.names)
            run.created = event
            run.problem(f"no version of policy {wanted} is in force at this time; no timers run")
            return
    else:
        policy = source
        named = event.get("policy")
        if named is not None and named != policy.name:
            run.problem(f"names policy {named!r}, but the evaluation was given {policy.name!r}; using it")
    run.created = event
    try:
        cal = run.calendar_arg if run.calendar_arg is not None else run.calendar_named(policy.calendar)
    except CalendarNotFound as exc:
        run.problem(
            f"calendar {policy.calendar!r} of policy {policy.name!r} is not known ({exc.message}); no timers run"
        )
        return
    run.use_policy(policy)
    run.business = Clock(cal, False, t)
    # Real time is kept only when some policy has a time = "calendar" metric.
    run.wall_kept = run.source.uses_calendar_time
    run.wall = Clock(cal, True, t) if run.wall_kept else None
    run.clocks = (run.business, run.wall) if run.wall is not None else (run.business,)
    run.group = event.get("group")
    if policy.targets and run.priority not in policy.targets:
        run.problem(f"priority {run.priority!r} has no targets in policy {policy.name!r}; no deadlines apply")
    status = event.data["status"]
    if not policy.is_known_status(status):
        run.problem(f"status {status!r} is not in policy {policy.name!r}'s statuses; counted as a working status")
    run.status = status
    run.set_awaiting(True)
    # A ticket created in a stop status (a phone call logged as solved) has its
    # timers start as in a working status and stop at once, met, so reports count it.
    category = policy.category(status)
    run.set_category("work" if category == "stop" else category)
    for settings in policy.metrics.values():
        if settings.kind in ("first_response", "resolution"):
            run.start(settings, t)
    if category == "stop":
        enter(run, t, category, status)
    if status in policy.first_response_statuses:
        meet_first_response(run, t, f"status:{status}")


def on_status(run: Replay, event: TicketEvent) -> None:
    """A status change: pause, resume, stop or reopen timers; maybe meet first_response."""
    policy: Policy = run.policy  # type: ignore[assignment]  # set at the created event
    status = event.data["status"]
    # status_plan(), from its cache when there.
    known, category, meets = policy._status_plans.get(status) or policy.status_plan(status)
    if not known:
        run.problem(f"status {status!r} is not in policy {policy.name!r}'s statuses; it has no effect")
        return
    run.status = status
    if category == run.category and not meets:
        return
    t = event.at
    run.advance(t)
    old = run.category
    if category == old:
        pass
    elif category == "stop" or old == "stop":
        enter(run, t, category, status)
    else:
        # Most status changes only pause or resume: straight there, without enter()'s checks.
        switch(run, t, category)
    if meets:
        meet_first_response(run, t, f"status:{status}")


def enter(run: Replay, t: datetime, new: StatusCategory, status: str) -> None:
    """Move the ticket to ``status``'s category: pause, resume, stop or reopen timers."""
    old = run.category
    if new == old:
        return
    if new != "stop" and old != "stop":
        switch(run, t, new)
        return
    run.category = new
    for clock in run.clocks:
        clock.category = new
    if new == "stop":
        reason = f"status:{status}"
        for cycle in run.open:
            cycle.stop(t, reason, True)
        run.open = []
    else:
        reopen(run, t)


def switch(run: Replay, t: datetime, new: StatusCategory) -> None:
    """Move between a working and a pause status (neither is a stop): pause or resume timers."""
    run.category = new
    for clock in run.clocks:
        clock.category = new
    # Only cycles that change are called: a metric that does not pause runs on.
    if new == "pause":
        for cycle in run.open:
            if cycle.mode == "running" and cycle.settings.pauses:
                cycle.pause(t)
    else:
        for cycle in run.open:
            if cycle.mode == "paused":
                cycle.resume(t)


def reopen(run: Replay, t: datetime) -> None:
    """Leave a stop status: each cycle the stop cut off follows its metric's
    ``reopen`` mode; nothing else starts, but a customer reply that came while
    stopped opens ``next_response``. ``first_response`` never restarts."""
    policy = run.policy
    assert policy is not None
    paused_now = run.category == "pause"
    for settings in policy.metrics.values():
        if settings.kind == "first_response":
            continue
        cycles = run.cycles.get(settings.name)
        last = cycles[-1] if cycles else None
        if last is None or not last.by_status:
            continue  # it never ran, or ended before the stop: a reopen alone asks nothing
        group = run.group if settings.scope == "group" else None
        if settings.reopen == "resume" and last.group == group:
            last.reopen(t, paused_now and settings.pauses)
            run.open.append(last)
            # A priority changed while stopped applies from the reopen.
            spec = policy.target(run.priority, settings.name)
            if spec is not None:
                last.retarget(t, spec)
        else:
            run.start(settings, t)
    if run.asked_while_stopped:
        run.asked_while_stopped = False
        for settings in run.next_responses:
            if run.open_of(settings.name) is None:
                run.start(settings, t)


def meet_first_response(run: Replay, t: datetime, reason: str) -> None:
    """Stop every open first_response cycle at ``t``."""
    for cycle in list(run.open):
        if cycle.kind == "first_response":
            run.stop(cycle, t, reason)


def on_agent_reply(run: Replay, event: TicketEvent) -> None:
    """A public reply answers: it stops every open cycle but resolution and starts periodic_update."""
    if not event.data["public"]:
        return  # an internal note never stops a timer
    t = event.at
    run.advance(t)
    if run.awaiting:
        run.awaiting = False
        for clock in run.clocks:
            clock.awaiting = False
    run.replied = True
    run.asked_while_stopped = False  # answered, even while stopped
    keep = []
    for cycle in run.open:
        if cycle.kind == "resolution":
            keep.append(cycle)
        elif cycle.mode == "running" and cycle.pin is None:
            # Cycle.stop(t, "agent_reply"), inline for a running cycle without a
            # pin: a reply stops one or two such cycles, and a call costs as much.
            due, target = cycle.due, cycle.target
            if due is not None or target is None:
                cycle.last_due, cycle.last_target = due, None
            else:
                cycle.last_due, cycle.last_target = None, target
            elapsed = cycle.elapsed
            cycle.ran = (cycle.seg_at, elapsed, t)
            clock = cycle.clock
            total = clock.total
            cycle.elapsed = elapsed + (total - cycle.seg_total)
            cycle.seg_at = t
            cycle.seg_total = total
            cycle.wait_end = clock.paused
            cycle.mode = "stopped"
            cycle.watch = None
            cycle.stopped_at = t
            cycle.stop_reason = "agent_reply"
            cycle.by_status = False
        else:
            cycle.stop(t, "agent_reply")
    run.open = keep
    for settings in run.periodic_updates:
        run.start(settings, t)


def on_customer_reply(run: Replay, event: TicketEvent) -> None:
    """A customer message after the first public reply opens next_response (one at a time)."""
    # The host reopens with a status event, and the reopen opens next_response
    # for a message that came while stopped; the opening message is first_response's.
    starts: list[MetricSettings] = []
    if run.category == "stop":
        run.asked_while_stopped = run.replied
    elif run.replied:
        cycles_of = run.cycles.get
        for settings in run.next_responses:
            # open_of(), inline: one at a time.
            cycles = cycles_of(settings.name)
            if not cycles or cycles[-1].mode == "stopped":
                starts.append(settings)
    if run.awaiting and not starts:
        return
    t = event.at
    run.advance(t)
    if not run.awaiting:
        run.awaiting = True
        for clock in run.clocks:
            clock.awaiting = True
    for settings in starts:
        run.start(settings, t)


def on_priority(run: Replay, event: TicketEvent) -> None:
    """Open cycles take the new priority's targets (elapsed kept)."""
    assert run.policy is not None and run.business is not None
    t, priority = event.at, event.data["priority"]
    run.priority = priority
    run.target_row = run.policy.targets.get(priority)
    if priority not in run.policy.targets:
        run.problem(f"priority {priority!r} has no targets in policy {run.policy.name!r}; targets unchanged")
        return
    run.advance(t)
    for cycle in run.open:
        spec = run.policy.target(priority, cycle.settings.name)
        if spec is not None:
            cycle.retarget(t, spec)


def on_assigned(run: Replay, event: TicketEvent) -> None:
    """A new group stops the old group's cycles (``scope = "group"``) and starts the new one's."""
    assert run.policy is not None
    t, group = event.at, event.data["group"]
    if group == run.group:
        return
    run.advance(t)
    run.group = group
    for cycle in list(run.open):
        if cycle.settings.scope == "group":
            run.stop(cycle, t, f"assigned:{group}" if group is not None else "unassigned")
    for settings in run.policy.metrics.values():
        if settings.scope != "group":
            continue
        kind = settings.kind
        if (
            kind in ("first_response", "resolution")
            or (kind == "periodic_update" and run.replied)
            or (kind == "next_response" and run.replied and run.awaiting)
        ):
            run.start(settings, t)


def on_field(run: Replay, event: TicketEvent) -> None:
    """Custom fields feed the rules layer; timers ignore them."""


def on_pin(run: Replay, event: TicketEvent) -> None:
    """Pin a metric's open cycle to a deadline."""
    pin(run, event, event.data["due_at"])


def on_unpin(run: Replay, event: TicketEvent) -> None:
    """Back to the deadline of the target in force."""
    pin(run, event, None)


def pin(run: Replay, event: TicketEvent, due_at: datetime | None) -> None:
    """Set (or with None, clear) the pinned deadline of the event's metric."""
    assert run.policy is not None
    t, metric = event.at, event.data["metric"]
    if metric not in run.policy.metrics:
        run.problem(f"metric {metric!r} is not in policy {run.policy.name!r}")
        return
    cycle = run.open_of(metric)
    if cycle is None:
        run.problem(f"metric {metric!r} has no open cycle to {event.kind}")
        return
    if due_at is None and cycle.pin is None:
        run.problem(f"metric {metric!r} has no pinned deadline to unpin")
        return
    run.advance(t)
    cycle.fold(t)
    cycle.pin = due_at
    if cycle.mode == "paused":
        cycle.pin_rem = None if due_at is None else cycle.clock.elapsed(t, due_at)
    elif cycle.mode == "running":
        cycle.start_stretch(t)
    cycle.breach_now_if_over(t)


def on_policy(run: Replay, event: TicketEvent) -> None:
    """Switch policy (and maybe calendar) mid-life: elapsed kept, the rest on the new terms."""
    assert run.policy is not None and run.business is not None
    t, name = event.at, event.data["policy"]
    source = run.source
    if isinstance(source, PolicySet):
        new = source.select(name, t)
    else:
        new = source if name == source.name else None
    if new is None:
        run.problem(f"policy {name!r} is not known (or no version is in force at this time); it has no effect")
        return
    cal_name = event.get("calendar") or new.calendar
    try:
        cal = run.calendar_named(cal_name)
    except SLAError as exc:
        run.problem(f"calendar {cal_name!r} is not known ({exc.message}); it has no effect")
        return
    # Totals carry on; from here the business clock measures on the new calendar.
    run.advance(t)
    for cycles in run.cycles.values():
        for cycle in cycles:
            cycle.previous_deadline()  # the deadlines that applied were on the old calendar
    run.business.use(cal)
    if run.wall is not None:
        run.wall.use(cal)
    run.use_policy(new)
    for cycle in list(run.open):
        settings = new.metrics.get(cycle.settings.name)
        if settings is None:
            run.stop(cycle, t, f"policy:{new.name}")
            continue
        cycle.settings = settings
        cycle.kind = settings.kind
        clock = run.clock_for(settings)
        if clock is not cycle.clock:
            cycle.rebase(t, clock)
        spec = new.target(run.priority, settings.name)
        if spec is not None:
            cycle.retarget(t, spec)
            if cycle.mode == "running":
                cycle.since = t  # a switch counts as a target change even when the amount is the same
        else:
            cycle.fold(t)
            if cycle.mode == "running":
                cycle.start_stretch(t)
    for settings in new.metrics.values():
        if settings.name not in run.cycles and (
            settings.kind == "resolution" or (settings.kind == "first_response" and not run.replied)
        ):
            run.start(settings, t)
    if not new.is_known_status(run.status):
        run.problem(f"status {run.status!r} is not in policy {new.name!r}'s statuses; counted as a working status")
    category = new.category(run.status)
    enter(run, t, category, run.status)
    # Per-metric pausing may differ under the new policy at the same status.
    if category == "pause":
        for cycle in run.open:
            if cycle.settings.pauses:
                cycle.pause(t)
            else:
                cycle.resume(t)


#: kind -> handler; ``created`` is applied by the replay itself before any other.
HANDLERS: dict[str, Handler] = {
    "created": on_created,
    "status": on_status,
    "priority": on_priority,
    "agent_reply": on_agent_reply,
    "customer_reply": on_customer_reply,
    "assigned": on_assigned,
    "field": on_field,
    "pin": on_pin,
    "unpin": on_unpin,
    "policy": on_policy,
}
