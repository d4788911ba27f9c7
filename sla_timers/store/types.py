"""Column types shared by the store's models."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from ..errors import NaiveDatetimeError


class UTCDateTime(TypeDecorator[datetime]):
    """An instant stored in UTC and always read back timezone-aware, in UTC.

    SQLite and MySQL keep no offset, and PostgreSQL returns values in the
    session's ``TimeZone``, so values are converted to UTC on the way in and
    tagged (or converted) to UTC on the way out.

    :raises NaiveDatetimeError: when a naive datetime is bound.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "mysql":
            from sqlalchemy.dialects.mysql import DATETIME

            # Microseconds matter: timer instants are exact to the microsecond.
            return dialect.type_descriptor(DATETIME(fsp=6))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise NaiveDatetimeError(f"a stored instant must be timezone-aware, got {value!r}")
        value = value.astimezone(UTC)
        if dialect.name in ("sqlite", "mysql"):
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
