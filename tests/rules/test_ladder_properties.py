"""Laws of escalation ladders under a simulated sweeper (hypothesis, profile from tests/conftest.py).

A host sweeps a ticket at instants it chooses, as ``examples/walkthrough.py``
does: evaluate at ``now``, ask ``due_steps`` with the keys fired so far, record
the keys, append any raise's ``priority`` event and sweep again at the same
instant until nothing new is due. Whatever the ticket's log and whatever the
schedule, each step must fire once (a sweep that repeats must not page anyone
twice), never while its timer is paused or after it stopped, with a ``due_at``
inside the sweep's past and held notifications at an open instant (no
reminders at night or on weekends); ``next_due_at`` must agree with
``due_steps``.

Logs start in late October 2026 so many run across the New York fall-back
night (2026-11-01); repeated sweep instants are drawn on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from test_ladders import CAL, CAL_24X7, LEVELS, NY

from sla_timers.clock import BusinessCalendar
from sla_timers.rules import DueStep, EscalationLadders, StepKey
from sla_timers.timers import Policy, TicketEvent, evaluate_ticket

M = timedelta(minutes=1)
H = timedelta(hours=1)
#: Two metrics with ladders: first_response (met by a public agent reply) and a
#: resolution clock that pauses while pending and starts a new cycle on a reopen.
POLICY = Policy.from_dict(
    {
        "name": "standard",
        "calendar": "ny",
        "pause_statuses": ["pending"],
        "stop_statuses": ["solved"],
        "metrics": {"first_response": {}, "resolution": {"pauses": True, "reopen": "new_cycle"}},
        "targets": {
            "urgent": {"first_response": "1h", "resolution": "4h"},
            "high": {"first_response": "2h", "resolution": "8h"},
            "normal": {"first_response": "4h", "resolution": "16h"},
            "low": {"first_response": "8h", "resolution": "32h"},
        },
    }
)
CALENDARS = {"ny-9x5": CAL, "ny-24x7": CAL_24X7}

#: Fraction steps (exact in binary, so thresholds are exact to the microsecond),
#: offsets before and after the due, the breach, one held to business hours each side of it.
PLAIN_STEPS: list[dict[str, Any]] = [
    {"id": "half", "at": 0.5, "notify": [{"group": "tier1"}]},
    {"id": "warn-30m", "offset": "-30m", "notify": [{"user": "lead"}], "hold_to_business_hours": True},
    {
        "id": "breach",
        "at": 1.0,
        "notify": [{"role": "manager"}],
        "hold_to_business_hours": True,
        "add_tags": ["breached"],
    },
    {"id": "late", "offset": "1h", "reassign": "tier2"},
    {"id": "double", "at": 2.0, "notify": [{"webhook": "pager"}], "hold_to_business_hours": True},
]
#: The same, plus a raise at three quarters and one at the breach (each a priority event in the log).
RAISING_STEPS = PLAIN_STEPS + [
    {"id": "raise-75", "at": 0.75, "raise_priority": 1},
    {"id": "raise-breach", "at": 1.0, "raise_priority": 2, "notify": [{"group": "managers"}]},
]


def ladders(steps: list[dict[str, Any]]) -> EscalationLadders:
    return EscalationLadders.from_dict(
        {"ladders": {"standard": {"first_response": steps, "resolution": steps}}}, priorities=LEVELS, policies=[POLICY]
    )


PLAIN, RAISING = ladders(PLAIN_STEPS), ladders(RAISING_STEPS)
LADDERS = {"plain": PLAIN, "raising": RAISING}


# -- random tickets and schedules -------------------------------------------------------


@st.composite
def host_logs(draw: st.DrawFn) -> list[TicketEvent]:
    """A created event with a priority, then up to 12 events 0-10 hours apart: status changes
    among working / pending / solved, priority changes, public agent replies."""
    t = datetime(2026, 10, 29, 6, tzinfo=NY) + draw(st.integers(0, 6 * 1440)) * M
    events = [TicketEvent("created", t, id="created", priority=draw(st.sampled_from(LEVELS)))]
    for i in range(draw(st.integers(0, 12))):
        t += draw(st.integers(0, 600)) * M
        kind = draw(st.sampled_from(["status", "status", "priority", "agent_reply"]))
        if kind == "status":
            events.append(
                TicketEvent("status", t, id=f"e{i}", status=draw(st.sampled_from(["open", "pending", "solved"])))
            )
        elif kind == "priority":
            events.append(TicketEvent("priority", t, id=f"e{i}", priority=draw(st.sampled_from(LEVELS))))
        else:
            events.append(TicketEvent("agent_reply", t, id=f"e{i}", public=True))
    return events


@st.composite
def schedules(draw: st.DrawFn, start: datetime) -> list[datetime]:
    """Sorted sweep instants from ``start``: repeats (gap 0), minutes, hours, or days apart."""
    gap = st.one_of(st.just(0), st.integers(1, 90), st.integers(90, 900), st.integers(900, 6 * 1440))
    t, out = start, []
    for minutes in draw(st.lists(gap, min_size=1, max_size=25)):
        t += minutes * M
        out.append(t)
    return out


# -- the sweeper -------------------------------------------------------------------------


@dataclass
class Pass:
    """One call of ``due_steps`` within a sweep, with the states it was given."""

    now: datetime
    states: dict[str, Any]
    due: list[DueStep]
    next_before: datetime | None  # next_due_at with the same states and fired set, before recording


@dataclass
class Run:
    host: list[TicketEvent]
    calendar: BusinessCalendar
    ladders: EscalationLadders
    log: list[TicketEvent] = field(default_factory=list)
    fired: set[StepKey] = field(default_factory=set)
    firings: list[StepKey] = field(default_factory=list)
    passes: list[Pass] = field(default_factory=list)
    #: Per sweep: (now, log length and fired keys at its end, next_due_at after it).
    sweeps: list[tuple[datetime, int, frozenset[StepKey], datetime | None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.log = list(self.host)

    def evaluate(self, now: datetime, log: list[TicketEvent] | None = None) -> Any:
        return evaluate_ticket(POLICY, self.log if log is None else log, now=now, calendar=self.calendar)

    def due(self, evaluation: Any, now: datetime) -> list[DueStep]:
        return self.ladders.due_steps(
            "T1",
            evaluation.states,
            now=now,
            policy="standard",
            calendar=self.calendar,
            priority=evaluation.priority,
            fired=self.fired,
        )

    def next_due(self, states: dict[str, Any], now: datetime) -> datetime | None:
        return self.ladders.next_due_at(
            "T1", states, now=now, policy="standard", calendar=self.calendar, fired=self.fired
        )

    def sweep(self, now: datetime) -> None:
        """Evaluate, fire, append raises, and sweep again at ``now`` until nothing new is due.
        Events dated after ``now`` are in the log but ignored by ``evaluate``."""
        for _ in range(20):  # every raise fires once, so this ends long before 20
            evaluation = self.evaluate(now)
            due = self.due(evaluation, now)
            self.passes.append(Pass(now, evaluation.states, due, self.next_due(evaluation.states, now)))
            for step in due:
                self.firings.append(step.key)
                self.fired.add(step.key)
                self.log.extend(step.events)
            if not any(step.events for step in due):
                break
        else:
            raise AssertionError(f"the sweep at {now} never settled")
        states = self.evaluate(now).states
        self.sweeps.append((now, len(self.log), frozenset(self.fired), self.next_due(states, now)))


def run(host: list[TicketEvent], sweeps: list[datetime], calendar: str, ladder: str) -> Run:
    r = Run(host, CALENDARS[calendar], LADDERS[ladder])
    for now in sweeps:
        r.sweep(now)
    return r


CALENDAR_NAMES = st.sampled_from(sorted(CALENDARS))


@st.composite
def runs(draw: st.DrawFn) -> Run:
    host = draw(host_logs())
    return run(host, draw(schedules(host[0].at)), draw(CALENDAR_NAMES), draw(st.sampled_from(sorted(LADDERS))))


# -- 1. exactly once ---------------------------------------------------------------------


@given(r=runs())
def test_no_key_is_returned_twice_whatever_the_schedule(r: Run) -> None:
    # A level must not fire on every cron run. Given the fired set, a key comes back at most
    # once across all sweeps, repeats at the same instant and raise re-sweeps included.
    assert len(r.firings) == len(set(r.firings)), r.firings
    for p in r.passes:
        keys = [d.key for d in p.due]
        assert len(keys) == len(set(keys))


# -- 2. the instants of a due step ---------------------------------------------------------


@given(r=runs())
def test_due_and_notify_instants_lie_where_the_readme_says(r: Run) -> None:
    # A step is dated when it fell due: never in the sweep's future, never before its cycle
    # started; its notification goes out at or after that, and, when held to business hours,
    # at an instant the policy's calendar is open (no reminders at night or on weekends).
    for p in r.passes:
        for d in p.due:
            state = p.states[d.key.metric]
            assert d.key.cycle == state.cycle
            assert state.started_at <= d.due_at <= p.now, (d, state)
            if not d.step.notify:
                assert d.notify_at is None
                continue
            assert d.notify_at is not None and d.notify_at >= d.due_at
            if d.step.hold_to_business_hours:
                assert r.calendar.is_open(d.notify_at), d
            else:
                assert d.notify_at == d.due_at


# -- 3. schedule independence ---------------------------------------------------------------

#: A dense schedule sweeps every 15 minutes for days: a quarter of the profile's examples
#: (50 under ci) keeps this test near 4 s.
DENSE_EXAMPLES = max(10, settings().max_examples // 4)


def flushing_run(host: list[TicketEvent], sweeps: list[datetime], calendar: str) -> Run:
    """Sweeps at the given instants and, before each host event is ingested, at its instant
    with the log as it stood (then again with it)."""
    r = Run(host, CALENDARS[calendar], PLAIN)
    for now in sorted({*sweeps, *(e.at for e in host)}):
        r.log = [e for e in host if e.at < now]
        if r.log:
            r.sweep(now)
        r.log = [e for e in host if e.at <= now]
        r.sweep(now)
    return r


@settings(max_examples=DENSE_EXAMPLES)
@given(host=host_logs(), calendar=CALENDAR_NAMES, data=st.data())
def test_what_fired_by_the_end_does_not_depend_on_the_schedule(
    host: list[TicketEvent], calendar: str, data: st.DataObject
) -> None:
    # Between two events of the log a running timer's remaining only falls, so every step due
    # at some instant of that span is still due at its end: sweeping every 15 minutes or at a
    # few random instants must fire the same keys. Two limits shape the law:
    # - A host event can take a crossed step back out of reach (a stop fires nothing, a lower
    #   priority lengthens the target), so a step crossed between sweeps and then cut off
    #   fires only on the schedules that happened to sweep in between. Both runs therefore
    #   also sweep at each event's instant just before ingesting it, as a host that flushes
    #   due steps before it applies a change does; the random part of the schedule then lies
    #   between change points, where the law holds.
    # - Raises are left out (PLAIN ladders): a raise appends a priority event dated when the
    #   step fell due, and that date depends on when the sweep found it (a step crossed before
    #   a pause is dated at the resume), so the log itself differs between schedules.
    end = host[-1].at + timedelta(days=data.draw(st.integers(0, 6)), minutes=data.draw(st.integers(0, 1440)))
    dense = [host[0].at + 15 * M * i for i in range((end - host[0].at) // (15 * M) + 1)] + [end]
    span = int((end - host[0].at) / M)
    sparse = sorted(host[0].at + data.draw(st.integers(0, span)) * M for _ in range(data.draw(st.integers(0, 4))))
    a = flushing_run(host, dense, calendar)
    b = flushing_run(host, [*sparse, end], calendar)
    assert a.fired == b.fired, (sorted(map(str, a.fired - b.fired)), sorted(map(str, b.fired - a.fired)))
    # Each step also carries the same date, as long as it was due at the end of a span.
    dates_a = {d.key: d.due_at for p in a.passes for d in p.due}
    dates_b = {d.key: d.due_at for p in b.passes for d in p.due}
    assert dates_a == dates_b


# -- 4. paused and stopped timers ----------------------------------------------------------


@given(r=runs())
def test_paused_and_stopped_timers_fire_nothing_new(r: Run) -> None:
    # A timer paused at a sweep fires nothing in it (a step crossed before the pause waits
    # for the resume). A cycle once seen stopped fires nothing in that sweep or any later one.
    stopped: set[tuple[str, int]] = set()
    for p in r.passes:
        for metric, state in p.states.items():
            if state.stopped_at is not None:
                stopped.add((metric, state.cycle))
        for d in p.due:
            state = p.states[d.key.metric]
            assert state.status != "paused" and state.paused_since is None, (d, state)
            assert (d.key.metric, d.key.cycle) not in stopped, (d, state)


# -- 5. next_due_at agrees with due_steps ----------------------------------------------------


@given(r=runs())
def test_next_due_at_agrees_with_due_steps(r: Run) -> None:
    # A store schedules its next sweep with next_due_at: it must say `now` exactly when
    # due_steps has something (a raise re-sweep included), and once a sweep has settled it must
    # name a later instant (or None), at which due_steps then does find a step, and before
    # which (with no new host event) nothing falls due. This includes a breached timer whose
    # priority was lowered since (remaining positive again; see the test below).
    for p in r.passes:
        assert (p.next_before == p.now) == bool(p.due), (p.now, p.next_before, p.due)
        assert p.next_before is None or p.next_before >= p.now
    for now, size, fired, nxt in r.sweeps:
        log = r.log[:size]
        if nxt is None:
            continue
        assert nxt > now
        if any(now < e.at <= nxt for e in r.host):
            continue  # a host event in between changes the states; the prediction assumed none
        evaluation = r.evaluate(nxt, log)
        found = r.ladders.due_steps(
            "T1",
            evaluation.states,
            now=nxt,
            policy="standard",
            calendar=r.calendar,
            priority=evaluation.priority,
            fired=fired,
        )
        assert found, (now, nxt)
        before = nxt - (nxt - now) / 2 if nxt - now > 2 * timedelta(microseconds=1) else now
        evaluation = r.evaluate(before, log)
        assert (
            r.ladders.due_steps(
                "T1",
                evaluation.states,
                now=before,
                policy="standard",
                calendar=r.calendar,
                priority=evaluation.priority,
                fired=fired,
            )
            == []
        ), (now, before, nxt)


# -- a priority lowered after a breach --------------------------------------------------------
# 24x7, urgent (first_response 1h) created Mon 14:00Z: due and breached 15:00Z. At 15:01Z the
# priority drops to high (2h). The timer stays breached (breached_at 15:00Z, due_at 15:00Z) but
# its remaining is positive again (59m): steps at or before the due stay reached.

UTC_14 = datetime(2026, 11, 23, 14, tzinfo=UTC)
LOWERED = [TicketEvent("created", UTC_14, priority="urgent"), TicketEvent("priority", UTC_14 + 61 * M, priority="high")]


def lowered_states(now: datetime) -> dict[str, Any]:
    return evaluate_ticket(POLICY, LOWERED, now=now, calendar=CAL_24X7).states


def test_a_breach_stays_reached_after_a_lower_priority() -> None:
    # 24x7. Created urgent at 14:00Z: first_response 1h, due and breached at 15:00Z. At 15:01Z
    # the priority drops to high (2h): 61 min used, 59 min left, but a breach stays a breach.
    now = UTC_14 + 61 * M
    state = lowered_states(now)["first_response"]
    assert (state.status, state.breached_at, state.remaining) == ("breached", UTC_14 + H, 59 * M)
    due = PLAIN.due_steps("T1", {"first_response": state}, now=now, policy="standard", calendar=CAL_24X7)
    # Every step at or before the due was reached by 15:00Z: half, warn-30m and breach fire at the
    # first sweep, none dated after the breach (the target they were reached under has changed,
    # so the breach is the latest they can have been; the breach step is exact).
    assert sorted(d.step.id for d in due) == ["breach", "half", "warn-30m"]
    assert all(d.due_at <= UTC_14 + H for d in due)
    assert [d.due_at for d in due if d.step.id == "breach"] == [UTC_14 + H]
    # With those fired, next_due_at looks ahead, never back: `late` (1h after the high due,
    # 15:01 + 59 min = 16:00Z, so 17:00Z) comes before `double` (2x 2h = 4h used: 18:00Z).
    nxt = PLAIN.next_due_at(
        "T1", {"first_response": state}, now=now, policy="standard", calendar=CAL_24X7, fired={d.key for d in due}
    )
    assert nxt == UTC_14 + 3 * H
    # Fired only in part, the rest is still due: a store scheduling by next_due_at sweeps now.
    assert (
        PLAIN.next_due_at(
            "T1", {"first_response": state}, now=now, policy="standard", calendar=CAL_24X7, fired={due[0].key}
        )
        == now
    )
