"""The shipped examples load, and classify and escalate as their comments say."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sla_timers.clock import BusinessCalendar
from sla_timers.rules import EscalationLadders, PriorityMatrix
from sla_timers.timers import Policy, TicketEvent, evaluate

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NY = ZoneInfo("America/New_York")
#: Mon 2026-12-28 10:00 New York. Q4's last 5 business days on us-ny-9x5: Thu 12-31, Wed 30,
#: Tue 29, Mon 28, then (Sun 27, Sat 26, Fri 25 Christmas closed) Thu 24: from Thu 12-24.
QUARTER_END = datetime(2026, 12, 28, 10, 0, tzinfo=NY)


@pytest.fixture(scope="module")
def matrix() -> PriorityMatrix:
    return PriorityMatrix.from_toml((EXAMPLES / "priority_matrix.toml").read_text())


PRINTER = {
    "subject": "Printer jams on every page",
    "category": "printer",
    "impact": "department",
    "urgency": "degraded",
}


def test_the_ceos_printer_outranks_a_printer(matrix: PriorityMatrix) -> None:
    # department x degraded = normal. The CEO's rule sets urgent and stops; anyone else's
    # printer waits: normal lowered one level = low.
    ceo = matrix.classify({**PRINTER, "requester": {"role": "ceo", "tier": "premium"}}, now=QUARTER_END)
    assert (ceo.priority, ceo.policy, ceo.tags) == ("urgent", "executive", ("ceo",))
    assert [e.name for e in ceo.trace] == ["The CEO's printer"]  # stop: premium never applied
    staff = matrix.classify({**PRINTER, "requester": {"role": "analyst"}}, now=QUARTER_END)
    assert (staff.base.priority, staff.priority, staff.policy) == ("normal", "low", "standard")


def test_sales_booking_at_quarter_end(matrix: PriorityMatrix) -> None:
    ticket = {
        "subject": "Booking system rejects orders",
        "category": "booking",
        "impact": "department",
        "urgency": "degraded",
        "fields": {"business_line": "sales"},
        "requester": {"tier": "premium", "seats": 2500},
    }
    # normal (cell) -> high (premium, +1) -> urgent (quarter end); sales policy from the business line.
    result = matrix.classify(ticket, now=QUARTER_END)
    assert (result.priority, result.policy, result.calendar) == ("urgent", "sales", "us-ny-9x5")
    assert result.tags == ("premium", "quarter-end", "key-account")
    # Wed 2026-12-23 is before the window: premium only.
    assert matrix.classify(ticket, now=datetime(2026, 12, 23, 10, 0, tzinfo=NY)).priority == "high"


def test_internal_it_runs_on_the_london_calendar(matrix: PriorityMatrix) -> None:
    # Sat 2026-11-21 03:00 London: closed, so an outage is raised: person x blocking = normal -> high.
    ticket = {
        "subject": "VPN outage",
        "impact": "person",
        "urgency": "blocking",
        "fields": {"business_line": "internal_it"},
    }
    result = matrix.classify(ticket, now=datetime(2026, 11, 21, 3, 0, tzinfo=ZoneInfo("Europe/London")))
    assert (result.priority, result.policy, result.calendar, result.tags) == (
        "high",
        "internal",
        "gb-eng-9x5",
        ("after-hours",),
    )


def local(t: datetime | None) -> str | None:
    return None if t is None else t.astimezone(NY).strftime("%a %H:%M")


def test_example_ladders_escalate_a_friday_breach(matrix: PriorityMatrix) -> None:
    ladders = EscalationLadders.from_toml(
        (EXAMPLES / "escalation_ladders.toml").read_text(), priorities=matrix.priorities
    )
    calendar = BusinessCalendar.load("us-ny-9x5")
    policy = Policy.from_dict({"name": "standard", "calendar": "us-ny-9x5", "targets": {"high": {"resolution": "8h"}}})
    # high, 8h from Fri 2026-11-20 09:00: 75% = 15:00, due-soon 16:30, breach 17:00.
    now = datetime(2026, 11, 20, 17, 0, tzinfo=NY)
    events = [TicketEvent("created", datetime(2026, 11, 20, 9, 0, tzinfo=NY), priority="high")]
    states = evaluate(policy, events, now=now, calendar=calendar)
    steps = ladders.due_steps("T-42", states, now=now, policy="standard", calendar=calendar, priority="high")
    assert [(d.step.id, local(d.due_at), local(d.notify_at)) for d in steps] == [
        ("warn-75", "Fri 15:00", "Fri 15:00"),
        ("due-soon", "Fri 16:30", "Fri 16:30"),
        ("breach", "Fri 17:00", "Mon 09:00"),
    ]
    assert steps[2].priority == "urgent" and steps[2].events[0].at == now
