"""Average speed of answer and abandonment, from hand-made tickets and from the engine."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from report_helpers import MIN, ny

from sla_timers import BusinessCalendar, Policy, TicketEvent, evaluate_ticket
from sla_timers.errors import NaiveDatetimeError, ReportError
from sla_timers.reports import (
    TicketRecord,
    contact_figures,
    ticket_record,
    timer_records,
)

MON = ny(2026, 11, 23, 9)


def _ticket(
    name: str,
    *,
    reply: int | None = None,
    close: int | None = None,
    by: str | None = None,
    speed: int | None = None,
    priority: str = "high",
) -> TicketRecord:
    """A ticket created Mon 09:00 New York; ``reply``/``close`` in minutes after that."""
    return TicketRecord(
        name,
        MON,
        first_reply_at=None if reply is None else MON + reply * MIN,
        closed_at=None if close is None else MON + close * MIN,
        closed_by=by,  # type: ignore[arg-type]
        speed_of_answer=None if speed is None else speed * MIN,
        priority=priority,
    )


def test_average_speed_of_answer_and_abandonment() -> None:
    tickets = [
        _ticket("a", reply=20, close=60, by="agent", speed=20),  # answered in 20m
        _ticket("b", reply=40, speed=40),  # answered in 40m, still open
        _ticket("c", close=30, by="requester"),  # the requester gave up: abandoned
        _ticket("d", close=7 * 24 * 60, by="auto"),  # left to close: abandoned
        _ticket("e", close=5, by="agent"),  # spam closed by an agent: not abandoned
        _ticket("f", reply=90, close=30, by="requester"),  # the reply came after the close: abandoned
        _ticket("g", close=45),  # closer unknown, no reply: abandoned
    ]
    (row,) = contact_figures(tickets)
    # ASA = (20m + 40m) / 2 answered = 30m. Abandoned c, d, f, g = 4 of 7 = 57.142...% -> 57.14.
    assert (row.tickets, row.answered, row.average_speed_of_answer) == (7, 2, 30 * MIN)
    assert (row.abandoned, row.abandonment_percent) == (4, Decimal("57.14"))


def test_grouped_by_priority_and_day_of_creation() -> None:
    tickets = [_ticket("a", speed=10), _ticket("b", speed=20, priority="low"), _ticket("c", close=1, by="requester")]
    rows = contact_figures(tickets, group_by=["priority"], period="day", zone="America/New_York")
    assert [
        (r.keys["period"].label, r.keys["priority"], r.tickets, r.average_speed_of_answer, r.abandoned) for r in rows
    ] == [("2026-11-23", "high", 2, 10 * MIN, 1), ("2026-11-23", "low", 1, 20 * MIN, 0)]


def test_no_answer_gives_no_average() -> None:
    (row,) = contact_figures([_ticket("a")])
    assert (row.answered, row.average_speed_of_answer, row.abandonment_percent) == (0, None, Decimal("0.00"))


def test_ticket_record_checks_its_fields() -> None:
    with pytest.raises(ReportError) as caught:
        TicketRecord("a", MON, closed_by="customer")  # type: ignore[arg-type]
    assert caught.value.field == "closed_by"
    from datetime import datetime

    with pytest.raises(NaiveDatetimeError):
        TicketRecord("a", datetime(2026, 11, 23, 9))


@pytest.fixture(scope="module")
def ny95() -> BusinessCalendar:
    return BusinessCalendar.from_dict(
        {
            "name": "NY95",
            "timezone": "America/New_York",
            "hours": {d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
        }
    )


@pytest.fixture(scope="module")
def policy() -> Policy:
    return Policy.from_dict(
        {
            "name": "standard",
            "version": 1,
            "calendar": "NY95",
            "targets": {"high": {"first_response": "1h", "resolution": "8h"}},
        }
    )


def test_from_the_engine(ny95: BusinessCalendar, policy: Policy) -> None:
    now = ny(2026, 11, 30, 12)
    logs = {
        # Mon 09:00 -> reply 10:30: 1h30m of business time.
        "mon": [
            TicketEvent("created", MON, priority="high"),
            TicketEvent("agent_reply", ny(2026, 11, 23, 10, 30), public=True),
        ],
        # Fri 16:30 -> reply Mon 09:30: Fri 16:30-17:00 and Mon 09:00-09:30 = 1h.
        "fri": [
            TicketEvent("created", ny(2026, 11, 20, 16, 30), priority="high"),
            TicketEvent("agent_reply", ny(2026, 11, 23, 9, 30), public=True),
        ],
        # Solved by the requester at 09:10 with no reply: abandoned, no answer.
        "gone": [
            TicketEvent("created", ny(2026, 11, 24, 9), priority="high"),
            TicketEvent("status", ny(2026, 11, 24, 9, 10), status="solved"),
        ],
    }
    records = []
    for name, events in logs.items():
        evaluation = evaluate_ticket(policy, events, now=now, calendar=ny95)
        records.append(ticket_record(name, events, evaluation, closed_by="requester" if name == "gone" else None))
    assert [r.speed_of_answer for r in records] == [timedelta(hours=1, minutes=30), timedelta(hours=1), None]
    assert records[2].closed_at == ny(2026, 11, 24, 9, 10) and records[2].is_abandoned
    assert records[0].priority == "high" and records[0].policy == "standard"
    # "gone": created Tue 09:00, solved 09:10: 10m of requester wait, then solved to now
    # (Mon 11-30 12:00): Tue 09:10-17:00 7h50m + Wed, Thu, Fri 3 x 8h + Mon 09:00-12:00 3h = 34h50m.
    assert (records[2].requester_wait, records[2].solved_time) == (10 * MIN, timedelta(hours=34, minutes=50))
    (row,) = contact_figures(records)
    # Requester waits: 1h30m ("mon") + 1h ("fri") + 10m ("gone") = 2h40m.
    assert (row.requester_wait, row.solved_time) == (timedelta(hours=2, minutes=40), timedelta(hours=34, minutes=50))
    # (1h30m + 1h) / 2 = 1h15m; 1 of 3 abandoned = 33.33%.
    assert (row.average_speed_of_answer, row.abandoned, row.abandonment_percent) == (
        timedelta(hours=1, minutes=15),
        1,
        Decimal("33.33"),
    )


def test_timer_records_carry_every_cycle_with_priority_and_policy(ny95: BusinessCalendar, policy: Policy) -> None:
    events = [
        TicketEvent("created", ny(2026, 11, 20, 9), priority="high"),
        TicketEvent("status", ny(2026, 11, 20, 9, 30), status="pending"),
        TicketEvent("status", ny(2026, 11, 23, 10), status="open"),
        TicketEvent("agent_reply", ny(2026, 11, 23, 11), public=True),
        TicketEvent("status", ny(2026, 11, 23, 12), status="solved"),
    ]
    evaluation = evaluate_ticket(policy, events, now=ny(2026, 11, 24), calendar=ny95)
    records = {r.state.metric: r for r in timer_records("t1", evaluation, organisation="acme")}
    first = records["first_response"]
    assert (first.priority, first.policy, first.organisation) == ("high", "standard", "acme")
    # first_response does not pause: Fri 09:00-17:00 (8h) + Mon 09:00-11:00 (2h) = 10h elapsed, of
    # which pending Fri 09:30-17:00 (7h30m) + Mon 09:00-10:00 (1h) = 8h30m was the customer's.
    # The provider's share is 10h - 8h30m = 1h30m > the 1h target: a breach, not excused.
    assert (first.state.status, first.state.elapsed, first.state.customer_wait) == (
        "breached",
        timedelta(hours=10),
        timedelta(hours=8, minutes=30),
    )
    assert first.provider_elapsed == timedelta(hours=1, minutes=30) and not first.is_excused
    # resolution pauses: its elapsed already leaves the 8h30m out, so nothing more is taken off.
    resolution = records["resolution"]
    assert resolution.provider_elapsed == resolution.state.elapsed == timedelta(hours=2, minutes=30)
