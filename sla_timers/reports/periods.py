"""Reporting periods (day, week, month, quarter) in a given time zone. No I/O here.

A period is a run of local calendar dates in the report's zone, from the first
instant of its first date to the first instant of the next period's, so a
ticket solved at 20:00 in New York on 30 November (01:00 UTC on 1 December)
counts in November in a New York report and in December in a UTC one.
"""

from __future__ import annotations

import zoneinfo
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cache
from typing import Literal, get_args

from dateutil import tz

from ..errors import ArgumentTypeError, ReportError, UnknownTimezoneError
from ..validation import aware_utc, quote, suggest

#: The period lengths a report can group by.
PeriodKind = Literal["day", "week", "month", "quarter"]
PERIOD_KINDS: tuple[str, ...] = get_args(PeriodKind)


@dataclass(frozen=True, slots=True, order=True)
class Period:
    """One reporting period: ``[start_at, end_at)`` in the report's zone.

    Orders by its start. ``label`` reads ``2026-11-23`` (day), ``2026-W48``
    (ISO week, Monday first), ``2026-11`` (month) or ``2026-Q4`` (quarter).
    """

    #: The first instant of the period, in the report's zone (offset shown).
    start_at: datetime
    #: The first instant of the next period.
    end_at: datetime
    kind: str
    label: str

    def __str__(self) -> str:
        return self.label

    def __hash__(self) -> int:
        # Reports key millions of records by period: hashing the label avoids
        # asking the zone for the offsets of both bounds each time.
        return hash((self.kind, self.label))


def check_kind(value: object, field: str = "period") -> PeriodKind:
    """``value`` if it names a period kind.

    :raises ReportError: naming ``field``, with the closest kind as a suggestion.
    """
    if value not in PERIOD_KINDS:
        hint = suggest(value, PERIOD_KINDS) if isinstance(value, str) else ""
        raise ReportError(
            f"{field}: {quote(value)} is not a period{hint} (expected one of: {', '.join(PERIOD_KINDS)})", field=field
        )
    return value  # type: ignore[return-value]


def check_zone(value: object, field: str = "zone") -> tzinfo:
    """``value`` as a time zone: a ``tzinfo`` is used as is; a string must be an
    IANA name (matched exactly, case included).

    :raises UnknownTimezoneError: naming ``field``, with the closest name as a suggestion.
    """
    if isinstance(value, tzinfo):
        return value
    if not isinstance(value, str):
        raise ArgumentTypeError(f"{field}: expected an IANA zone name or a tzinfo, got {quote(value)}", field=field)
    zones = _zones()
    if value not in zones:
        raise UnknownTimezoneError(
            f"{field}: {quote(value)} is not a known IANA zone (names match exactly, "
            f"case included){suggest(value, zones)}",
            field=field,
        )
    return zoneinfo.ZoneInfo(value)


@cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _first_date(day: date, kind: str) -> date:
    if kind == "day":
        return day
    if kind == "week":
        return day - timedelta(days=day.weekday())
    if kind == "month":
        return day.replace(day=1)
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def _next_first_date(first: date, kind: str) -> date:
    if kind == "day":
        return first + timedelta(days=1)
    if kind == "week":
        return first + timedelta(days=7)
    months = 1 if kind == "month" else 3
    month = first.month - 1 + months
    return date(first.year + month // 12, month % 12 + 1, 1)


def _label(first: date, kind: str) -> str:
    if kind == "day":
        return first.isoformat()
    if kind == "week":
        year, week, _ = first.isocalendar()
        return f"{year:04d}-W{week:02d}"
    if kind == "month":
        return f"{first.year:04d}-{first.month:02d}"
    return f"{first.year:04d}-Q{(first.month - 1) // 3 + 1}"


def start_of_day(day: date, zone: tzinfo) -> datetime:
    """The first instant of local date ``day`` in ``zone``.

    Usually midnight; where a spring-forward gap skips midnight (as in some
    zones that change at 00:00), the instant the clock jumps to; where midnight
    happens twice, the first.
    """
    midnight = datetime.combine(day, time(0), tzinfo=zone)
    if not tz.datetime_exists(midnight):
        midnight = tz.resolve_imaginary(midnight)
    return midnight


@cache
def _period(first: date, kind: str, zone: tzinfo) -> Period:
    return Period(
        start_of_day(first, zone), start_of_day(_next_first_date(first, kind), zone), kind, _label(first, kind)
    )


def period_of(at: datetime, kind: PeriodKind, zone: tzinfo) -> Period:
    """The period of ``kind`` in ``zone`` that holds the instant ``at``.

    :raises NaiveDatetimeError: if ``at`` has no tzinfo.
    """
    local = aware_utc(at, "at").astimezone(zone).date()
    return _period(_first_date(local, kind), kind, zone)


class PeriodFinder:
    """:func:`period_of` for one kind and zone, remembering the periods it met, so
    finding the period of each of a million instants costs a binary search over
    the few periods seen rather than a time zone conversion each.

    Instants must be aware; they are compared as instants.
    """

    __slots__ = ("_ends", "_periods", "_starts", "by_label", "kind", "zone")

    def __init__(self, kind: PeriodKind, zone: tzinfo) -> None:
        self.kind = kind
        self.zone = zone
        self._starts: list[datetime] = []
        self._ends: list[datetime] = []
        self._periods: list[Period] = []
        #: Every period met so far, by label.
        self.by_label: dict[str, Period] = {}

    def __call__(self, at: datetime) -> Period:
        """The period holding ``at``."""
        i = bisect_right(self._starts, at) - 1
        if i >= 0 and at < self._ends[i]:
            return self._periods[i]
        period = period_of(at, self.kind, self.zone)
        start = period.start_at.astimezone(UTC)
        j = bisect_right(self._starts, start)
        self._starts.insert(j, start)
        self._ends.insert(j, period.end_at.astimezone(UTC))
        self._periods.insert(j, period)
        self.by_label[period.label] = period
        return period


def periods_between(start: datetime, end: datetime, kind: PeriodKind, zone: tzinfo) -> Iterator[Period]:
    """Every period of ``kind`` in ``zone`` that overlaps ``[start, end)``, in order."""
    if end <= start:
        return
    period = period_of(start, kind, zone)
    end_utc = end.astimezone(UTC)
    while period.start_at.astimezone(UTC) < end_utc:
        yield period
        period = _period(_next_first_date(period.start_at.astimezone(zone).date(), kind), kind, zone)
