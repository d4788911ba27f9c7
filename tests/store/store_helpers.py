"""Helpers for the store's tests."""

from __future__ import annotations

from sqlalchemy import Engine, func, select


def counts(engine: Engine) -> dict[str, int]:
    """Rows in every sla_ table: a refused change leaves them all as they were."""
    from sla_timers.store.models import Base

    with engine.connect() as connection:
        return {
            name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for name, table in Base.metadata.tables.items()
        }


POLICY = """
name = "basic"
version = 1
effective_from = "2026-01-01"
calendar = "us-ny-9x5"
[metrics.first_response]
[metrics.resolution]
pauses = true
[targets.urgent]
first_response = "30m"
resolution = "4h"
[targets.high]
first_response = "1h"
resolution = "8h"
[targets.normal]
first_response = "4h"
resolution = "16h"
"""

MATRIX = """
priorities = ["urgent", "high", "normal"]
default_priority = "normal"
default_policy = "basic"
default_calendar = "us-ny-9x5"
[[rules]]
name = "VIP"
when = { "requester.vip" = true }
then = { priority = "high" }
"""

LADDERS = """
[[ladders.basic.first_response]]
id = "breach"
at = 1.0
notify = [{ group = "desk" }]
[[ladders.basic.resolution]]
id = "half"
at = 0.5
notify = [{ group = "desk" }]
[[ladders.basic.resolution]]
id = "breach"
at = 1.0
raise_priority = 1
notify = [{ role = "manager" }]
hold_to_business_hours = true
"""


def sweep_in_process(url: str, now_iso: str, batch_size: int) -> int:
    """Run one sweeper (in a spawned process): sweep until nothing is due; steps fired."""
    from datetime import datetime

    from sla_timers.store import Store

    store = Store(url)
    try:
        return store.sweep(datetime.fromisoformat(now_iso), batch_size=batch_size).steps
    finally:
        store.engine.dispose()


def empty_tables(engine: Engine) -> None:
    """Delete every row of the sla_ tables (the shared server databases between tests)."""
    from sla_timers.store.models import Base

    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
