"""Compliance per metric and group: counts, percent met, quantiles, customer wait, periods."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

import pytest
from report_helpers import HOUR, MIN, ny, record, utc

from sla_timers.errors import ReportError, UnknownTimezoneError
from sla_timers.reports import compliance


def _high_and_low() -> list:
    return [
        # high, first_response, target 1h:
        record("t1", elapsed=30 * MIN, customer_wait=10 * MIN),
        record("t2", elapsed=50 * MIN),
        record("t3", status="breached", elapsed=90 * MIN, customer_wait=20 * MIN),
        record("t4", status="breached", elapsed=70 * MIN, open_=True),  # breached, still running
        record("t5", status="running", elapsed=20 * MIN),
        # low, first_response: one met
        record("t6", elapsed=10 * MIN, priority="low"),
        # high, resolution: one met
        record("t1", metric="resolution", elapsed=3 * HOUR, target=8 * HOUR),
    ]


def test_counts_percent_and_quantiles_by_priority() -> None:
    rows = compliance(_high_and_low(), group_by=["priority"])
    assert [(r.metric, r.keys) for r in rows] == [
        ("first_response", {"priority": "high"}),
        ("first_response", {"priority": "low"}),
        ("resolution", {"priority": "high"}),
    ]
    high = rows[0]
    # 5 cycles: met t1 t2, breached t3 t4 (t4 still running counts as breached), running t5.
    assert (high.total, high.met, high.breached, high.running, high.no_target) == (5, 2, 2, 1, 0)
    # percent met = met / (met + breached) = 2 / 4 = 50%; the running t5 has no verdict yet.
    assert high.percent_met == Decimal("50.00")
    # Stopped cycles only (t1 30m, t2 50m, t3 90m): nearest rank, median = ceil(0.5*3) = 2nd = 50m,
    # p90 = ceil(0.9*3) = 3rd = 90m.
    assert (high.median, high.p90) == (50 * MIN, 90 * MIN)
    # 10m + 20m of waiting on the customer.
    assert high.customer_wait == 30 * MIN
    assert high.quantiles_exact
    low = rows[1]
    assert (low.total, low.met, low.percent_met, low.median, low.p90) == (1, 1, Decimal("100.00"), 10 * MIN, 10 * MIN)


def test_no_grouping_gives_one_row_per_metric() -> None:
    rows = compliance(_high_and_low())
    assert [(r.metric, r.keys, r.total) for r in rows] == [("first_response", {}, 6), ("resolution", {}, 1)]
    # 3 met of 5 with a verdict: 60%.
    assert rows[0].percent_met == Decimal("60.00")


def test_median_is_the_lower_middle_and_p90_the_ninth_of_ten() -> None:
    records = [record(f"t{i}", elapsed=i * MIN, target=HOUR) for i in range(1, 11)]
    (row,) = compliance(records)
    # 1..10 minutes: rank ceil(0.5*10) = 5 -> 5m; rank ceil(0.9*10) = 9 -> 9m.
    assert (row.median, row.p90) == (5 * MIN, 9 * MIN)


def test_percent_is_rounded_down_so_it_never_reads_as_a_threshold_missed() -> None:
    # 1999 met of 2000 = 99.95% exactly; 2 of 3 = 66.666...% shows 66.66, not 66.67.
    rows = compliance([record("a"), record("b"), record("c", status="breached", elapsed=2 * HOUR)])
    assert rows[0].percent_met == Decimal("66.66")


def test_no_target_cycles_have_no_verdict() -> None:
    (row,) = compliance([record("a", target=None), record("b")])
    assert (row.total, row.met, row.no_target, row.percent_met) == (2, 1, 1, Decimal("100.00"))


def test_excused_breach_is_within_target_without_the_customers_wait() -> None:
    rows = compliance(
        [
            # first_response does not pause: elapsed 90m includes 40m waiting on the customer; the
            # provider's time is 90 - 40 = 50m <= 1h, so the breach is excused.
            record("a", status="breached", elapsed=90 * MIN, customer_wait=40 * MIN),
            # 90 - 20 = 70m > 1h: not excused.
            record("b", status="breached", elapsed=90 * MIN, customer_wait=20 * MIN),
            # A pausing metric already left the wait out (paused_for == customer_wait): 70m > 1h.
            record("c", status="breached", elapsed=70 * MIN, customer_wait=40 * MIN, paused_for=40 * MIN),
        ]
    )
    assert (rows[0].breached, rows[0].excused) == (3, 1)


def test_a_solve_at_20h_new_york_on_30_november_counts_in_november_in_new_york() -> None:
    # 2026-11-30 20:00 EST = 2026-12-01 01:00Z.
    late = record("a", started_at=ny(2026, 11, 30, 18), stopped_at=ny(2026, 11, 30, 20))
    (in_ny,) = compliance([late], period="month", zone="America/New_York")
    (in_utc,) = compliance([late], period="month", zone="UTC")
    assert in_ny.keys["period"].label == "2026-11"
    assert in_utc.keys["period"].label == "2026-12"
    # The period's bounds carry their offset: November in New York starts 00:00 EDT (-04:00).
    assert in_ny.keys["period"].start_at.isoformat() == "2026-11-01T00:00:00-04:00"
    assert in_ny.keys["period"].end_at.isoformat() == "2026-12-01T00:00:00-05:00"


def test_periods_and_dimensions_group_together_in_order() -> None:
    records = [
        record("a", stopped_at=utc(2026, 10, 5, 12), organisation="acme"),
        record("b", stopped_at=utc(2026, 11, 5, 12), organisation="acme"),
        record("c", stopped_at=utc(2026, 11, 6, 12), organisation="zeta", status="breached", elapsed=2 * HOUR),
        record("d", stopped_at=utc(2026, 11, 7, 12), organisation=None),
    ]
    rows = compliance(records, group_by=("organisation",), period="month")
    assert [(r.keys["period"].label, r.keys["organisation"], r.met, r.breached) for r in rows] == [
        ("2026-10", "acme", 1, 0),
        ("2026-11", "acme", 1, 0),
        ("2026-11", "zeta", 0, 1),
        ("2026-11", None, 1, 0),
    ]
    by_quarter = compliance(records, period="quarter")
    assert [(r.keys["period"].label, r.total) for r in by_quarter] == [("2026-Q4", 4)]


def test_range_keeps_cycles_dated_inside_it_half_open() -> None:
    records = [record("a", stopped_at=utc(2026, 11, 1)), record("b", stopped_at=utc(2026, 12, 1))]
    (row,) = compliance(records, start=utc(2026, 11, 1), end=utc(2026, 12, 1))
    # [start, end): the stop at 11-01 00:00 counts, the one at 12-01 00:00 does not.
    assert row.total == 1


def test_open_cycle_is_dated_by_its_start_and_by_start_when_asked() -> None:
    running = record("a", status="running", started_at=utc(2026, 10, 31, 23))
    stopped = record("b", started_at=utc(2026, 10, 31, 23), stopped_at=utc(2026, 11, 1, 1))
    by_end = compliance([running, stopped], period="month")
    assert [(r.keys["period"].label, r.total) for r in by_end] == [("2026-10", 1), ("2026-11", 1)]
    by_start = compliance([running, stopped], period="month", date_by="start")
    assert [(r.keys["period"].label, r.total) for r in by_start] == [("2026-10", 2)]


def test_ola_group_of_the_state_wins_over_the_tickets_group() -> None:
    from dataclasses import replace

    base = record("a", group="tier1")
    ola = replace(base, state=replace(base.state, group="tier2"))
    rows = compliance([base, ola], group_by=["group"])
    assert [r.keys["group"] for r in rows] == ["tier1", "tier2"]


def test_metrics_filter() -> None:
    rows = compliance(_high_and_low(), metrics={"resolution"})
    assert [r.metric for r in rows] == ["resolution"]


def test_records_are_read_once_from_a_generator() -> None:
    rows = compliance(record(f"t{i}") for i in range(3))
    assert rows[0].total == 3


@pytest.mark.parametrize(
    ("kwargs", "field", "words"),
    [
        ({"group_by": ["prioirty"]}, "group_by[0]", 'did you mean "priority"'),
        ({"group_by": ["priority", "priority"]}, "group_by[1]", "listed twice"),
        ({"group_by": ["period"]}, "group_by[0]", 'period="month"'),
        ({"period": "year"}, "period", "not a period"),
        ({"start": utc(2026, 12, 1), "end": utc(2026, 11, 1)}, "end", "before start"),
        ({"date_by": "stop"}, "date_by", '"end" or "start"'),
    ],
    ids=["typo", "twice", "period-as-dimension", "year", "reversed", "date-by"],
)
def test_bad_arguments_name_the_field(kwargs: dict, field: str, words: str) -> None:
    with pytest.raises(ReportError) as caught:
        compliance([record("a")], **kwargs)
    assert caught.value.field == field
    assert words in str(caught.value)


def test_unknown_zone_is_refused_with_a_suggestion() -> None:
    with pytest.raises(UnknownTimezoneError) as caught:
        compliance([], period="day", zone="america/new_york")
    assert caught.value.field == "zone"
    assert '"America/New_York"' in str(caught.value)


def test_naive_range_is_refused() -> None:
    from datetime import datetime

    from sla_timers.errors import NaiveDatetimeError

    with pytest.raises(NaiveDatetimeError):
        compliance([], start=datetime(2026, 11, 1))


def test_to_dict_flattens_the_keys_and_gives_seconds() -> None:
    (row,) = compliance(
        [record("a", elapsed=50 * MIN + timedelta(microseconds=500_000))],
        group_by=["priority"],
        period="month",
        zone="America/New_York",
    )
    data = row.to_dict()
    assert list(data)[:3] == ["metric", "period", "priority"]
    assert data["period"] == "2026-11"
    # 50m0.5s = 3000.5 s; a whole number of seconds stays an int.
    assert data["median"] == 3000.5
    assert data["customer_wait"] == 0 and isinstance(data["customer_wait"], int)
    assert data["percent_met"] == "100.00"


class _StoreRow(NamedTuple):
    """A flat row such as a store's query yields: no TimerState built."""

    ticket_id: str
    metric: str
    status: str
    target: timedelta | None
    started_at: datetime
    stopped_at: datetime | None
    elapsed: timedelta
    paused_for: timedelta
    customer_wait: timedelta
    priority: str | None
    business_line: str | None
    policy: str | None
    group: str | None
    organisation: str | None


def test_flat_rows_give_the_same_report_as_records() -> None:
    records = _high_and_low()
    rows = [
        _StoreRow(
            r.ticket_id,
            r.metric,
            r.status,
            r.target,
            r.started_at,
            r.stopped_at,
            r.elapsed,
            r.paused_for,
            r.customer_wait,
            r.priority,
            r.business_line,
            r.policy,
            r.group,
            r.organisation,
        )
        for r in records
    ]
    assert compliance(rows, group_by=["priority", "group"], period="week") == compliance(
        records, group_by=["priority", "group"], period="week"
    )
