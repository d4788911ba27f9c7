"""Instants round-trip as aware UTC on every backend; a naive one is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import StatementError

from sla_timers.errors import NaiveDatetimeError
from sla_timers.store.models import AuditRow


def test_instant_round_trip_is_aware_utc_to_the_microsecond(store_engine: Engine) -> None:
    engine = store_engine
    # 09:00:00.123456 at -05:00 is 14:00:00.123456 UTC.
    written = datetime(2026, 11, 23, 9, 0, 0, 123456, tzinfo=timezone(timedelta(hours=-5)))
    with engine.begin() as connection:
        connection.execute(
            insert(AuditRow).values(at=written, object_type="calendar", object_name="x", action="create")
        )
    with engine.connect() as connection:
        read = connection.execute(select(AuditRow.at)).scalar_one()
    assert read == datetime(2026, 11, 23, 14, 0, 0, 123456, tzinfo=UTC)
    assert read.utcoffset() == timedelta(0)


def test_naive_instant_is_refused(store_engine: Engine) -> None:
    engine = store_engine
    with pytest.raises(StatementError) as caught, engine.begin() as connection:
        connection.execute(
            insert(AuditRow).values(
                at=datetime(2026, 11, 23, 9), object_type="calendar", object_name="x", action="create"
            )
        )
    assert isinstance(caught.value.orig, NaiveDatetimeError)
