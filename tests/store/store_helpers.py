"""Helpers for the store's tests."""

from __future__ import annotations

from sqlalchemy import Engine, func, select


def counts(engine: Engine) -> dict[str, int]:
    """Rows in every sla_ table: a refused change leaves them all as they were."""
    from sla_timers.store.models import Base

    with engine.connect() as connection:
        return {name: connection.execute(select(func.count()).select_from(table)).scalar_one()
                for name, table in Base.metadata.tables.items()}
