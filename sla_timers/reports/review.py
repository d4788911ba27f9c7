"""Periodic review of targets: per metric and priority, the trend over the
last periods and the target that would have been met 90% of the time, so an
admin sees which targets are unrealistic or too easy. No I/O here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from decimal import Decimal
from fractions import Fraction
from typing import Literal

from ..validation import aware_utc
from ._rows import Row, check_range
from ._stats import DurationStats, percent
from .compliance import DateBy, check_date_by, dater
from .periods import (
    Period,
    PeriodFinder,
    PeriodKind,
    check_kind,
    check_zone,
    periods_between,
)
from .records import TimerLike

#: A target is "too easy" when 90% of cycles took at most this share of it.
TOO_EASY = Fraction(1, 2)

Verdict = Literal["unrealistic", "too_easy", "fits"]


@dataclass(frozen=True, slots=True)
class TrendPoint(Row):
    """One period of a metric and priority."""

    period: Period
    total: int
    met: int
    breached: int
    #: ``met / (met + breached)``, rounded down to 0.01.
    percent_met: Decimal | None
    #: Nearest-rank median business time of the cycles that stopped.
    median: timedelta | None


@dataclass(frozen=True, slots=True)
class ReviewRow(Row):
    """A metric and priority over the review's periods."""

    metric: str
    priority: str | None
    #: The target of the latest cycle seen (the one in force now).
    target: timedelta | None
    #: Every period of the review, oldest first (empty periods included, at zero).
    trend: tuple[TrendPoint, ...]
    percent_met: Decimal | None
    #: The nearest-rank 90th percentile of the business time of the cycles
    #: that stopped: the smallest target that 90% of them met.
    target_met_90: timedelta | None
    #: ``unrealistic`` when the target is below ``target_met_90`` (fewer than 90%
    #: met it), ``too_easy`` when ``target_met_90`` is at most half of it, else
    #: ``fits``; None without a target or a stopped cycle.
    verdict: Verdict | None
    quantiles_exact: bool


class _Series:
    __slots__ = ("overall", "points", "target", "target_at")

    def __init__(self) -> None:
        self.points: dict[str, tuple[list[int], DurationStats]] = {}
        self.overall = DurationStats()
        self.target: timedelta | None = None
        self.target_at: datetime | None = None


def review(
    records: Iterable[TimerLike],
    *,
    start: datetime,
    end: datetime,
    period: PeriodKind = "month",
    zone: tzinfo | str = "UTC",
    date_by: DateBy = "end",
) -> list[ReviewRow]:
    """Per metric and priority, the trend over the periods of ``[start, end)``
    and the target that would have been met 90% of the time, reading
    ``records`` once.

    :raises ReportError: for a bad period, zone, range or ``date_by``.
    """
    start_utc, end_utc = check_range(aware_utc(start, "start"), aware_utc(end, "end"))
    assert start_utc is not None and end_utc is not None
    kind = check_kind(period)
    report_zone = check_zone(zone)
    date_of = dater(check_date_by(date_by))
    find = PeriodFinder(kind, report_zone)
    series: dict[tuple[str, str | None], _Series] = {}
    for record in records:
        at = date_of(record)
        if not start_utc <= at < end_utc:
            continue
        one = series.get((record.metric, record.priority))
        if one is None:
            one = series[(record.metric, record.priority)] = _Series()
        label = find(at).label
        point = one.points.get(label)
        if point is None:
            point = one.points[label] = ([0, 0, 0], DurationStats())  # total, met, breached
        point[0][0] += 1
        if record.target is not None and record.status in ("met", "breached"):
            point[0][1 if record.status == "met" else 2] += 1
        if record.stopped_at is not None:
            point[1].add(record.elapsed)
        if one.target_at is None or record.started_at >= one.target_at:
            one.target, one.target_at = record.target, record.started_at
    periods = list(periods_between(start_utc, end_utc, kind, report_zone))
    rows = []
    for (metric, priority), one in sorted(series.items(), key=lambda item: (item[0][0], item[0][1] or "")):
        trend = []
        met = breached = 0
        for p in periods:
            counts, stats = one.points.get(p.label, ([0, 0, 0], DurationStats()))
            one.overall.merge(stats)
            met += counts[1]
            breached += counts[2]
            trend.append(
                TrendPoint(
                    p,
                    counts[0],
                    counts[1],
                    counts[2],
                    percent(counts[1], counts[1] + counts[2]),
                    stats.quantile(Fraction(1, 2)),
                )
            )
        p90 = one.overall.quantile(Fraction(9, 10))
        rows.append(
            ReviewRow(
                metric,
                priority,
                one.target,
                tuple(trend),
                percent(met, met + breached),
                p90,
                _verdict(one.target, p90),
                one.overall.is_exact,
            )
        )
    return rows


def _verdict(target: timedelta | None, p90: timedelta | None) -> Verdict | None:
    if target is None or p90 is None:
        return None
    if target < p90:
        return "unrealistic"
    if p90 <= target * TOO_EASY.numerator / TOO_EASY.denominator:
        return "too_easy"
    return "fits"
