"""Periodic review of targets, and rows as CSV, JSON and tables."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from report_helpers import HOUR, MIN, record, utc

from sla_timers.errors import ArgumentTypeError
from sla_timers.reports import (
    compliance,
    format_duration,
    review,
    to_csv,
    to_json,
    to_table,
)

OCT, NOV = utc(2026, 10, 15, 12), utc(2026, 11, 15, 12)


def _history() -> list:
    four_hours = {"metric": "resolution", "target": 4 * HOUR}
    out = []
    # resolution, high, 4h target. October: 1h 2h 3h met, 5h breached. November: 1h 1h 2h met, 6h breached.
    for i, (hours, at) in enumerate([(1, OCT), (2, OCT), (3, OCT), (5, OCT), (1, NOV), (1, NOV), (2, NOV), (6, NOV)]):
        out.append(
            record(
                f"r{i}", status="met" if hours <= 4 else "breached", elapsed=hours * HOUR, stopped_at=at, **four_hours
            )
        )
    # first_response, high, 1h target: 10m..19m, all met, all in November.
    out += [record(f"f{i}", elapsed=(10 + i) * MIN, stopped_at=NOV) for i in range(10)]
    # first_response, low, 1h target: 40m, 50m, 55m met in November.
    out += [record(f"l{i}", elapsed=m * MIN, stopped_at=NOV, priority="low") for i, m in enumerate((40, 50, 55))]
    return out


def test_trend_and_the_target_met_ninety_percent_of_the_time() -> None:
    rows = review(_history(), start=utc(2026, 10, 1), end=utc(2026, 12, 1))
    assert [(r.metric, r.priority) for r in rows] == [
        ("first_response", "high"),
        ("first_response", "low"),
        ("resolution", "high"),
    ]
    resolution = rows[2]
    assert [(p.period.label, p.total, p.met, p.breached, p.percent_met, p.median) for p in resolution.trend] == [
        # October 3/4 = 75%, median of 1,2,3,5 = rank 2 = 2h; November 3/4, median of 1,1,2,6 = 1h.
        ("2026-10", 4, 3, 1, Decimal("75.00"), 2 * HOUR),
        ("2026-11", 4, 3, 1, Decimal("75.00"), HOUR),
    ]
    # All 8: 1 1 1 2 2 3 5 6 -> p90 rank ceil(7.2) = 8 -> 6h: only a 6h target is met 90% of the time,
    # so the 4h target is unrealistic.
    assert (resolution.target, resolution.target_met_90, resolution.verdict) == (4 * HOUR, 6 * HOUR, "unrealistic")
    assert resolution.percent_met == Decimal("75.00")
    high = rows[0]
    # 10..19 minutes: p90 rank 9 -> 18m, at most half of the 1h target: too easy. October is empty.
    assert (high.target_met_90, high.verdict) == (18 * MIN, "too_easy")
    assert [(p.period.label, p.total, p.percent_met) for p in high.trend] == [
        ("2026-10", 0, None),
        ("2026-11", 10, Decimal("100.00")),
    ]
    low = rows[1]
    # 40 50 55 -> p90 rank ceil(2.7) = 3 -> 55m: under 1h, over half of it: fits.
    assert (low.target_met_90, low.verdict) == (55 * MIN, "fits")


def test_review_by_week_in_a_zone() -> None:
    rows = review(_history(), start=utc(2026, 11, 9), end=utc(2026, 11, 23), period="week", zone="America/New_York")
    assert [p.period.label for p in rows[0].trend] == ["2026-W45", "2026-W46", "2026-W47"]


def test_csv_json_and_table() -> None:
    rows = compliance(_history(), group_by=["priority"])
    parsed = list(csv.DictReader(io.StringIO(to_csv(rows))))
    assert [(r["metric"], r["priority"], r["met"], r["percent_met"]) for r in parsed] == [
        ("first_response", "high", "10", "100.00"),
        ("first_response", "low", "3", "100.00"),
        ("resolution", "high", "6", "75.00"),
    ]
    # Durations in seconds: the resolution median of 1 1 1 2 2 3 5 6 h is rank 4 = 2h = 7200 s.
    assert parsed[2]["median"] == "7200"
    data = json.loads(to_json(rows))
    assert data[2]["p90"] == 6 * 3600 and data[2]["priority"] == "high"
    table = to_table(rows, columns=["metric", "priority", "met", "breached", "percent_met", "median", "p90"])
    lines = table.splitlines()
    assert lines[0].split() == ["metric", "priority", "met", "breached", "percent_met", "median", "p90"]
    assert lines[4].split() == ["resolution", "high", "6", "2", "75.00", "2h00m", "6h00m"]
    # Numbers align right under their header: "10" ends where "met" ends.
    met_end = lines[0].index(" met ") + len(" met")
    assert lines[2][:met_end].endswith(" 10") and lines[3][:met_end].endswith("  3")


def test_nested_lines_go_to_csv_as_json_and_to_tables_as_counts() -> None:
    trend_rows = review(_history(), start=utc(2026, 10, 1), end=utc(2026, 12, 1))
    parsed = list(csv.DictReader(io.StringIO(to_csv(trend_rows))))
    assert json.loads(parsed[2]["trend"])[0]["period"] == "2026-10"
    assert "trend" in to_table(trend_rows).splitlines()[0]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (timedelta(0), "0s"),
        (timedelta(seconds=45), "45s"),
        (timedelta(minutes=90), "1h30m"),
        (timedelta(hours=2, minutes=5, seconds=7), "2h05m07s"),
        (timedelta(minutes=-30), "-30m"),
        (timedelta(hours=50), "50h00m"),
    ],
)
def test_format_duration(value: timedelta, text: str) -> None:
    assert format_duration(value) == text


def test_formatting_refuses_what_is_not_a_row() -> None:
    with pytest.raises(ArgumentTypeError) as caught:
        to_csv([{"metric": "x"}])  # type: ignore[list-item]
    assert caught.value.field == "rows[0]"
