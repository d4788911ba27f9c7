"""Several sweeper processes on PostgreSQL record each step exactly once."""

from __future__ import annotations

import multiprocessing
import os
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from store_helpers import POLICY, empty_tables, sweep_in_process

from sla_timers import TicketEvent
from sla_timers.store import Store
from sla_timers.store.engine import make_engine
from sla_timers.store.models import EscalationRow, OutboxRow

NY = ZoneInfo("America/New_York")
MON_9 = datetime(2026, 11, 30, 9, tzinfo=NY)
THREE_STEPS = """
[[ladders.basic.resolution]]
id = "half"
at = 0.5
notify = [{ group = "desk" }]
[[ladders.basic.resolution]]
id = "three-quarters"
at = 0.75
notify = [{ group = "desk" }]
[[ladders.basic.resolution]]
id = "breach"
at = 1.0
notify = [{ role = "manager" }]
"""
#: 200 in CI; SLA_SWEEPERS_TICKETS=10000 for the full-size run.
TICKETS = int(os.environ.get("SLA_SWEEPERS_TICKETS", "200"))


@pytest.mark.slow
@pytest.mark.pg
@pytest.mark.skipif("SLA_TEST_DATABASE_URL" not in os.environ, reason="SLA_TEST_DATABASE_URL not set (PostgreSQL)")
def test_four_sweepers_record_every_step_once(postgresql_store_url: str) -> None:
    engine = make_engine(postgresql_store_url)
    empty_tables(engine)  # the shared test database
    store = Store(engine)
    setup = datetime(2026, 1, 1, tzinfo=NY)
    store.put_policy(POLICY, now=setup)
    store.put_ladders(THREE_STEPS, effective_from=setup, now=setup)
    store.record(
        {f"T{n}": [TicketEvent("created", MON_9, id="c", priority="normal")] for n in range(TICKETS)}, now=MON_9
    )
    # Normal: resolution 16h. By Wed 12:00 it ran Mon 8h + Tue 8h: breached Tue 17:00, so the
    # 50 %, 75 % and breach steps are all due: 3 steps a ticket.
    now = datetime(2026, 12, 2, 12, tzinfo=NY)
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        fired = pool.starmap(sweep_in_process, [(postgresql_store_url, now.isoformat(), 25)] * 4)
    with engine.connect() as connection:
        rows = connection.execute(select(func.count()).select_from(EscalationRow)).scalar_one()
        keys = connection.execute(select(func.count(func.distinct(OutboxRow.key)))).scalar_one()
        outbox = connection.execute(select(func.count()).select_from(OutboxRow)).scalar_one()
    assert sum(fired) == rows == keys == outbox == 3 * TICKETS
    assert store.sweep(now + timedelta(seconds=1)).steps == 0
    engine.dispose()
