"""Compliance per metric: met, breached, still running, percent met, median
and 90th percentile business time, and the customer's share of the wait,
grouped by any attributes and by period. No I/O here."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from decimal import Decimal
from fractions import Fraction
from typing import Literal

from ..errors import ReportError
from ..validation import quote
from ._rows import Grouping, Key, Row, key_order
from ._stats import DurationStats, percent
from .periods import Period, PeriodKind
from .records import TimerLike, is_excused

#: Which instant dates a timer cycle for periods and ranges: ``"end"`` (when it
#: stopped; an open cycle by its start) or ``"start"``.
DateBy = Literal["end", "start"]

_MEDIAN = Fraction(1, 2)
_P90 = Fraction(9, 10)


def dated(record: TimerLike, date_by: DateBy) -> datetime:
    """The instant that places a cycle in a period: its stop (an open cycle: its
    start) for ``"end"``, its start for ``"start"``."""
    if date_by == "end" and record.stopped_at is not None:
        return record.stopped_at
    return record.started_at


def _by_end(record: TimerLike) -> datetime:
    return record.stopped_at or record.started_at


def _by_start(record: TimerLike) -> datetime:
    return record.started_at


def dater(date_by: DateBy) -> Callable[[TimerLike], datetime]:
    """:func:`dated` as a function of the record alone, for ``date_by``."""
    return _by_end if date_by == "end" else _by_start


def check_date_by(value: object) -> DateBy:
    """``value`` if it is ``"end"`` or ``"start"``.

    :raises ReportError: naming the field ``date_by``.
    """
    if value not in ("end", "start"):
        raise ReportError(f'date_by: {quote(value)} is not "end" or "start"', field="date_by")
    return value


def verdict(record: TimerLike) -> str:
    """``met``, ``breached``, ``running`` (running or paused, not yet breached),
    or ``no_target`` (a cycle of a priority without a target for its metric)."""
    if record.target is None:
        return "no_target"
    if record.status in ("met", "breached"):
        return record.status
    return "running"


@dataclass(frozen=True, slots=True)
class ComplianceRow(Row):
    """One metric in one group.

    ``percent_met`` is ``met / (met + breached)``, rounded down to 0.01 (a
    cycle still running has no verdict yet); None when nothing has one.
    ``median`` and ``p90`` are nearest-rank quantiles of the business time of
    the cycles that stopped (a running one's time is not final); exact for
    groups up to :data:`~sla_timers.reports._stats.EXACT_LIMIT` cycles, else
    within 0.5% (``quantiles_exact`` says which).
    """

    metric: str
    #: The group: ``{"period": Period, "priority": "high", ...}``.
    keys: Mapping[str, Period | str | None]
    #: Cycles in the group.
    total: int
    met: int
    breached: int
    #: Running or paused and not breached.
    running: int
    #: Cycles of a priority without a target for the metric (no verdict).
    no_target: int
    percent_met: Decimal | None
    median: timedelta | None
    p90: timedelta | None
    #: Business time the tickets waited on the customer, summed over the group's cycles.
    customer_wait: timedelta
    #: Breaches that would not have happened without the customer's wait (see
    #: :func:`~sla_timers.reports.records.is_excused`); counted in ``breached`` too.
    excused: int
    quantiles_exact: bool


class _Tally:
    __slots__ = ("counts", "customer_wait", "excused", "stopped")

    def __init__(self) -> None:
        self.counts = {"met": 0, "breached": 0, "running": 0, "paused": 0, "no_target": 0}
        self.stopped = DurationStats()
        self.customer_wait = timedelta(0)
        self.excused = 0

    def add(self, record: TimerLike) -> None:
        status = record.status
        if record.target is None:
            self.counts["no_target"] += 1
        else:
            self.counts[status] += 1
            if status == "breached" and is_excused(record):
                self.excused += 1
        if record.stopped_at is not None:
            self.stopped.add(record.elapsed)
        wait = record.customer_wait
        if wait:
            self.customer_wait += wait


def compliance(
    records: Iterable[TimerLike],
    *,
    group_by: Sequence[str] = (),
    period: PeriodKind | None = None,
    zone: tzinfo | str = "UTC",
    start: datetime | None = None,
    end: datetime | None = None,
    metrics: Collection[str] | None = None,
    date_by: DateBy = "end",
) -> list[ComplianceRow]:
    """Compliance of each metric in each group, reading ``records`` once.

    ``group_by``: any of ``priority``, ``business_line``, ``policy``, ``group``
    (an OLA's own group first), ``organisation``. ``period`` (``day``,
    ``week``, ``month``, ``quarter``) groups by periods of local dates in
    ``zone``. Only cycles dated (see ``date_by``) in ``[start, end)`` count.
    ``metrics`` keeps only those metrics. Memory grows with the number of
    groups, not of records. Rows come sorted by metric, then key.

    :raises ReportError: for a bad ``group_by``, ``period``, range or ``date_by``.
    """
    grouping = Grouping(group_by, period, zone, start, end)
    key_of = grouping.keyer(dater(check_date_by(date_by)))
    tallies: dict[tuple[str, Key], _Tally] = {}
    for record in records:
        metric = record.metric
        if metrics is not None and metric not in metrics:
            continue
        key = key_of(record)
        if key is None:
            continue
        tally = tallies.get((metric, key))
        if tally is None:
            tally = tallies[(metric, key)] = _Tally()
        tally.add(record)
    rows = []
    for (metric, key), tally in sorted(tallies.items(), key=lambda item: (item[0][0], key_order(item[0][1]))):
        counts = tally.counts
        decided = counts["met"] + counts["breached"]
        rows.append(
            ComplianceRow(
                metric=metric,
                keys=grouping.labelled(key),
                total=sum(counts.values()),
                met=counts["met"],
                breached=counts["breached"],
                running=counts["running"] + counts["paused"],
                no_target=counts["no_target"],
                percent_met=percent(counts["met"], decided),
                median=tally.stopped.quantile(_MEDIAN),
                p90=tally.stopped.quantile(_P90),
                customer_wait=tally.customer_wait,
                excused=tally.excused,
                quantiles_exact=tally.stopped.is_exact,
            )
        )
    return rows
