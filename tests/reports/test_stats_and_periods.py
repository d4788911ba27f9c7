"""Running quantiles (exact, then a bounded sketch) and reporting periods in a zone."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from report_helpers import NY, ny, utc

from sla_timers.reports import period_of, periods_between
from sla_timers.reports._stats import (
    EXACT_LIMIT,
    SKETCH_ACCURACY,
    DurationStats,
    percent,
)
from sla_timers.reports.periods import start_of_day

SEC = timedelta(seconds=1)


def test_quantiles_are_exact_up_to_the_limit() -> None:
    stats = DurationStats()
    for i in range(EXACT_LIMIT, 0, -1):  # added in reverse: order must not matter
        stats.add(i * SEC)
    # 1..10000 s: median rank 5000 -> 5000 s, p90 rank 9000 -> 9000 s, mean 5000.5 s.
    assert stats.is_exact
    assert stats.quantile(Fraction(1, 2)) == 5000 * SEC
    assert stats.quantile(Fraction(9, 10)) == 9000 * SEC
    assert stats.mean() == timedelta(seconds=5000, microseconds=500_000)


def test_past_the_limit_quantiles_stay_within_the_sketch_accuracy() -> None:
    stats = DurationStats()
    for i in range(1, 20_001):
        stats.add(i * SEC)
    # 1..20000 s: the exact median is 10000 s, p90 18000 s; the sum 20000*20001/2 s stays exact.
    assert not stats.is_exact
    for q, exact in ((Fraction(1, 2), 10_000), (Fraction(9, 10), 18_000)):
        got = stats.quantile(q) / SEC
        assert abs(got - exact) <= exact * SKETCH_ACCURACY, (q, got)
    assert stats.total == 200_010_000 * SEC


@given(
    st.lists(st.integers(min_value=0, max_value=10**12), min_size=1, max_size=300),
    st.sampled_from([Fraction(1, 2), Fraction(9, 10), Fraction(1)]),
)
def test_exact_quantile_is_the_nearest_rank(values: list[int], q: Fraction) -> None:
    stats = DurationStats()
    for v in values:
        stats.add(timedelta(microseconds=v))
    got = stats.quantile(q)
    assert got is not None
    # Nearest rank: the smallest value with at least q*n values at or below it.
    at_or_below = sum(1 for v in values if timedelta(microseconds=v) <= got)
    assert at_or_below >= q * len(values)
    assert sum(1 for v in values if timedelta(microseconds=v) < got) < q * len(values)


def test_empty_stats_answer_none() -> None:
    stats = DurationStats()
    assert (stats.mean(), stats.quantile(Fraction(1, 2)), percent(0, 0)) == (None, None, None)


@pytest.mark.parametrize(
    ("kind", "label", "start", "end"),
    [
        ("day", "2026-11-30", "2026-11-30T00:00:00-05:00", "2026-12-01T00:00:00-05:00"),
        # ISO week 49 of 2026 starts Monday 2026-11-30.
        ("week", "2026-W49", "2026-11-30T00:00:00-05:00", "2026-12-07T00:00:00-05:00"),
        ("month", "2026-11", "2026-11-01T00:00:00-04:00", "2026-12-01T00:00:00-05:00"),
        ("quarter", "2026-Q4", "2026-10-01T00:00:00-04:00", "2027-01-01T00:00:00-05:00"),
    ],
    ids=["day", "week", "month", "quarter"],
)
def test_period_of_an_evening_in_new_york(kind: str, label: str, start: str, end: str) -> None:
    # 2026-11-30 20:00 EST is 2026-12-01 01:00Z: in New York it is still Monday 30 November.
    period = period_of(utc(2026, 12, 1, 1), kind, NY)  # type: ignore[arg-type]
    assert (period.label, period.start_at.isoformat(), period.end_at.isoformat()) == (label, start, end)


def test_iso_week_label_uses_the_iso_year() -> None:
    # Monday 2026-12-28 is in ISO week 53 of 2026; Friday 2027-01-01 is in that week too.
    assert period_of(ny(2027, 1, 1, 12), "week", NY).label == "2026-W53"


def test_a_day_in_a_zone_whose_midnight_is_skipped_starts_when_the_clock_jumps() -> None:
    # America/Santiago springs forward at 00:00 on 2026-09-06, to 01:00 (-03:00).
    santiago = ZoneInfo("America/Santiago")
    assert start_of_day(date(2026, 9, 6), santiago).isoformat() == "2026-09-06T01:00:00-03:00"
    day = period_of(utc(2026, 9, 6, 12), "day", santiago)
    # The day is 23 hours long: 04:00Z (01:00 -03) to 03:00Z next day.
    assert day.start_at.astimezone(ZoneInfo("UTC")) == utc(2026, 9, 6, 4)
    assert day.end_at.astimezone(ZoneInfo("UTC")) == utc(2026, 9, 7, 3)


def test_periods_between_covers_the_range_half_open() -> None:
    labels = [p.label for p in periods_between(utc(2026, 10, 15), utc(2027, 1, 1), "month", ZoneInfo("UTC"))]
    assert labels == ["2026-10", "2026-11", "2026-12"]
    assert list(periods_between(utc(2026, 10, 15), utc(2026, 10, 15), "month", ZoneInfo("UTC"))) == []
