"""Report rows as plain data, grouping keys, and the checks every report's
arguments share. No I/O here."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from decimal import Decimal
from operator import attrgetter
from typing import Any, TypeVar

from ..errors import ReportError
from ..validation import aware_utc, describe, quote, suggest
from .periods import Period, PeriodFinder, PeriodKind, check_kind, check_zone
from .records import DIMENSIONS

R = TypeVar("R")

#: A group's key: one value per grouping name (a :class:`Period` for ``period``).
Key = tuple[Period | str | None, ...]


def plain(value: Any) -> Any:
    """``value`` in JSON's types: a duration as seconds (an int when whole), an
    instant as ISO 8601 with its offset, money and percentages as strings
    (exact), a period as its label, rows and tuples recursively."""
    if isinstance(value, timedelta):
        seconds = value / timedelta(seconds=1)
        return int(seconds) if seconds == int(seconds) else seconds
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Period):
        return value.label
    if isinstance(value, Row):
        return value.to_dict()
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


class Row:
    """Base of report rows: frozen dataclasses with :meth:`to_dict`."""

    __slots__ = ()

    def to_dict(self) -> dict[str, Any]:
        """The row as JSON-ready data: grouping keys first (``keys`` flattened
        into the row), then the fields in order; see :func:`plain`."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if f.name == "keys":
                out.update(plain(value))
            else:
                out[f.name] = plain(value)
        return out


def key_order(key: Key) -> tuple[tuple[int, Any], ...]:
    """A sort key for group keys: periods by start, names alphabetically, None last."""
    return tuple(
        (0, v.start_at.astimezone(UTC)) if isinstance(v, Period) else (2, "") if v is None else (1, v) for v in key
    )


class Grouping:
    """How a report groups and filters its records: by some of
    :data:`~sla_timers.reports.records.DIMENSIONS`, optionally by period in a
    zone, over ``[start, end)``.

    :raises ReportError: for an unknown or repeated dimension (field
        ``group_by[i]``), an unknown period, ``end`` before ``start``.
    :raises UnknownTimezoneError: for an unknown zone name (field ``zone``).
    """

    __slots__ = ("_finder", "end", "group_by", "names", "period", "start", "zone")

    def __init__(
        self,
        group_by: Sequence[str] = (),
        period: PeriodKind | None = None,
        zone: tzinfo | str = "UTC",
        start: datetime | None = None,
        end: datetime | None = None,
        allowed: Sequence[str] = DIMENSIONS,
    ) -> None:
        if isinstance(group_by, str):
            group_by = (group_by,)
        if not isinstance(group_by, Sequence):
            raise ReportError(f"group_by: expected a list of names, got {describe(group_by)}", field="group_by")
        seen: list[str] = []
        for i, name in enumerate(group_by):
            if name == "period":
                raise ReportError(
                    f'group_by[{i}]: group by period with period="month" (or day, week, quarter)',
                    field=f"group_by[{i}]",
                )
            if name not in allowed:
                hint = suggest(name, allowed) if isinstance(name, str) else ""
                raise ReportError(
                    f"group_by[{i}]: {quote(name)} is not a dimension{hint} (expected one of: {', '.join(allowed)})",
                    field=f"group_by[{i}]",
                )
            if name in seen:
                raise ReportError(f"group_by[{i}]: {quote(name)} is listed twice", field=f"group_by[{i}]")
            seen.append(name)
        self.group_by: tuple[str, ...] = tuple(seen)
        self.period: PeriodKind | None = None if period is None else check_kind(period)
        self.zone = check_zone(zone)
        self.start, self.end = check_range(start, end)
        #: The key's names, in order: ``period`` first when grouping by period.
        self.names: tuple[str, ...] = (("period",) if self.period else ()) + self.group_by
        self._finder: PeriodFinder | None = None

    def keyer(self, date_of: Callable[[R], datetime]) -> Callable[[R], Key | None]:
        """A function giving a record's group key, or None when the record's
        date (``date_of``) is outside ``[start, end)``.

        Dimensions are read as the record's attributes of the same names. Built
        once per report, so the per-record work is one ``attrgetter`` call and,
        by period, a binary search over the periods met so far.
        """
        names = self.group_by
        read: Callable[[R], Any] | None = attrgetter(*names) if names else None
        single = len(names) == 1
        find = PeriodFinder(self.period, self.zone) if self.period is not None else None
        self._finder = find
        start, end = self.start, self.end

        def key(record: R) -> Key | None:
            at = date_of(record)
            if (start is not None and at < start) or (end is not None and at >= end):
                return None
            values: Key = () if read is None else (read(record),) if single else read(record)
            # The period's label stands for it in the key: it hashes and sorts as text.
            return values if find is None else (find(at).label, *values)

        return key

    def labelled(self, key: Key) -> dict[str, Period | str | None]:
        """The key as ``{name: value}``, the period as a :class:`Period`."""
        out: dict[str, Period | str | None] = dict(zip(self.names, key, strict=True))
        if self._finder is not None:
            out["period"] = self._finder.by_label[str(key[0])]
        return out


def check_range(start: datetime | None, end: datetime | None) -> tuple[datetime | None, datetime | None]:
    """``start`` and ``end`` in UTC, checked aware and in order.

    :raises ReportError: if ``end`` is before ``start`` (field ``end``).
    """
    a = None if start is None else aware_utc(start, "start")
    b = None if end is None else aware_utc(end, "end")
    if a is not None and b is not None and b < a:
        raise ReportError(
            f"end: {end.isoformat()} is before start {start.isoformat()}",  # type: ignore[union-attr]
            field="end",
        )
    return a, b
