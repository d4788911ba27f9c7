"""Sweeping a batch's instants by search fires what sweeping every instant fires.

A batch of a ticket's events is swept at each new event's instant, so a step
that fell due while a timer ran is fired, dated exactly, even when the stop
arrives in the same batch. The store finds the instants where something falls
due by a binary search instead of evaluating the log at every one (which is
quadratic in the ticket's length). Here random conversations are recorded in
one batch twice, once with the search and once sweeping every instant (the
plain definition), and the escalations and timers written must be the same.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from store_helpers import LADDERS, MATRIX, POLICY

from sla_timers import TicketEvent
from sla_timers.rules import EscalationLadders
from sla_timers.store import Store
from sla_timers.store.models import EscalationRow, TicketRow, TimerRow
from sla_timers.store.run import TicketRun

NY = ZoneInfo("America/New_York")
MON_9 = datetime(2026, 11, 30, 9, tzinfo=NY)
SETUP = datetime(2026, 1, 1, tzinfo=NY)
#: No raise: the log never gets a target change, so the search does all the work.
PLAIN = """
[[ladders.basic.first_response]]
id = "breach"
at = 1.0
notify = [{ group = "desk" }]
[[ladders.basic.resolution]]
id = "quarter"
at = 0.25
notify = [{ group = "desk" }]
[[ladders.basic.resolution]]
id = "half"
at = 0.5
notify = [{ group = "desk" }]
[[ladders.basic.resolution]]
id = "late"
offset = "2h"
notify = [{ role = "manager" }]
"""


def conversation(rng: random.Random, n: int) -> list[TicketEvent]:
    priority = rng.choice(["urgent", "high", "normal"])
    events = [TicketEvent("created", MON_9, id="c", priority=priority, status="new")]
    t = MON_9
    for i in range(n):
        t += timedelta(minutes=rng.randint(1, 150))
        kind = rng.choice(["agent_reply", "customer_reply", "pending", "open", "open", "solved"])
        if kind == "agent_reply":
            events.append(TicketEvent("agent_reply", t, id=f"e{i}", public=rng.random() < 0.7))
        elif kind == "customer_reply":
            events.append(TicketEvent("customer_reply", t, id=f"e{i}"))
        else:
            events.append(TicketEvent("status", t, id=f"e{i}", status=kind))
    return events


def written(store: Store) -> tuple[list[Any], list[Any]]:
    with store.engine.connect() as connection:
        steps = connection.execute(
            select(
                TicketRow.host_id,
                EscalationRow.metric,
                EscalationRow.cycle,
                EscalationRow.step,
                EscalationRow.due_at,
                EscalationRow.notify_at,
            )
            .join(TicketRow, TicketRow.id == EscalationRow.ticket_id)
            .order_by(TicketRow.host_id, EscalationRow.metric, EscalationRow.cycle, EscalationRow.step)
        ).all()
        timers = connection.execute(
            select(TicketRow.host_id, TimerRow.metric, TimerRow.cycle, TimerRow.status, TimerRow.due_at)
            .join(TicketRow, TicketRow.id == TimerRow.ticket_id)
            .order_by(TicketRow.host_id, TimerRow.metric, TimerRow.cycle)
        ).all()
    return steps, timers


def every_instant(self: TicketRun, instants: list[datetime], ladders: EscalationLadders, final: Any) -> None:
    for t in instants:
        self.sweep(t, before=True)


@pytest.mark.parametrize("ladders", [pytest.param(PLAIN, id="no-raise"), pytest.param(LADDERS, id="raise")])
def test_the_search_fires_what_every_instant_fires(
    ladders: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(20261130)
    batch = {f"T{n}": conversation(rng, rng.choice([5, 30, 120])) for n in range(40)}
    now = max(e.at for log in batch.values() for e in log) + timedelta(hours=1)
    results = []
    for name, patch in (("search", False), ("every", True)):
        if patch:
            monkeypatch.setattr(TicketRun, "_sweep_instants", every_instant)
        store = Store(f"sqlite:///{tmp_path / name}.db")
        store.upgrade()
        store.put_policy(POLICY, now=SETUP)
        if ladders is LADDERS:  # a raise needs the matrix's priority levels (it then decides: normal)
            store.put_matrix(MATRIX, effective_from=SETUP, now=SETUP)
        store.put_ladders(ladders, effective_from=SETUP, now=SETUP)
        result = store.record(batch, now=now)
        results.append((result.steps, written(store)))
        store.engine.dispose()
    (fast_steps, fast), (plain_steps, plain) = results
    assert fast_steps == plain_steps
    assert fast == plain
    # The case is not vacuous: steps fell due before the end of many tickets' logs.
    early = [row for row in fast[0] if row.due_at is not None and row.due_at < now - timedelta(hours=1)]
    assert len(early) > 20
