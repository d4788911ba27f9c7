"""Two-tier service levels ("90/10, 99/300"): the schema and whether each goal was kept."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from report_helpers import HOUR, MIN, record

from sla_timers.errors import ArgumentTypeError, ReportError
from sla_timers.reports import Goal, ServiceLevels, service_levels

LEVELS = ServiceLevels.from_dict({"first_response": {"high": "90/10, 99/300", "*": "80/60"}})


def test_text_goals_parse_to_percent_and_minutes() -> None:
    assert LEVELS.for_cycle("first_response", "high") == (Goal(Decimal(90), 10 * MIN), Goal(Decimal(99), 300 * MIN))
    # "*" holds every priority not listed; a metric with no goals has none.
    assert LEVELS.for_cycle("first_response", "low") == (Goal(Decimal(80), HOUR),)
    assert LEVELS.for_cycle("resolution", "high") == ()


def test_other_spellings_give_the_same_goals() -> None:
    assert ServiceLevels.from_dict({"m": {"p": "99.5%/4h, 90/10"}}).for_cycle("m", "p") == (
        Goal(Decimal(90), 10 * MIN),
        Goal(Decimal("99.5"), 4 * HOUR),
    )
    as_tables = ServiceLevels.from_dict(
        {"m": {"p": [{"percent": 90, "within": 10}, {"percent": 99.5, "within": "4h"}]}}
    )
    assert as_tables.for_cycle("m", "p") == (Goal(Decimal(90), 10 * MIN), Goal(Decimal("99.5"), 4 * HOUR))
    toml = ServiceLevels.from_toml('[first_response]\nhigh = "90/10, 99/300"\n')
    assert dict(toml.goals["first_response"]) == {"high": LEVELS.goals["first_response"]["high"]}
    assert str(Goal(Decimal("99.50"), 300 * MIN)) == "99.5/300"


def test_goal_kept_exactly_at_its_percent_and_missed_just_below() -> None:
    # 10 answered cycles: 1..9 minutes and one of exactly 10 minutes (within, since <=), so
    # 10/10 within 10m; add one of 12 minutes: 10/11 = 90.909...% >= 90 -> kept.
    records = [record(f"t{i}", elapsed=i * MIN) for i in range(1, 11)] + [record("late", elapsed=12 * MIN)]
    ten, three_hundred = service_levels(records, LEVELS)
    assert (ten.goal, ten.counted, ten.within_count, ten.kept) == ("90/10", 11, 10, True)
    # 100 * 10/11 = 90.9090... -> 90.90 (rounded down); margin 0.9090... -> 0.90.
    assert (ten.achieved_percent, ten.margin, ten.short_by) == (Decimal("90.90"), Decimal("0.90"), 0)
    assert (three_hundred.counted, three_hundred.within_count, three_hundred.kept) == (11, 11, True)
    assert ten.keys == {"priority": "high"}

    # Now 9 of 10 within: exactly 90% -> kept, margin 0.
    exactly = [record(f"t{i}", elapsed=i * MIN) for i in range(1, 10)] + [record("late", elapsed=12 * MIN)]
    ten, _ = service_levels(exactly, LEVELS)
    assert (ten.within_count, ten.counted, ten.achieved_percent, ten.kept, ten.margin) == (
        9,
        10,
        Decimal("90.00"),
        True,
        Decimal("0.00"),
    )

    # An open cycle past 10 minutes already counts as not within: 9 of 11 = 81.8181...%, missed
    # by 8.1818... points (shown rounded down: -8.19); ceil(0.9 * 11) = 10 needed, 9 had: short by 1.
    # For the 300-minute goal it is still pending (11m < 300m).
    missed = exactly + [record("open", status="running", elapsed=11 * MIN)]
    ten, three_hundred = service_levels(missed, LEVELS)
    assert (ten.counted, ten.within_count, ten.pending, ten.kept) == (11, 9, 0, False)
    assert (ten.achieved_percent, ten.margin, ten.short_by) == (Decimal("81.81"), Decimal("-8.19"), 1)
    assert (three_hundred.counted, three_hundred.pending) == (10, 1)


def test_an_open_cycle_under_the_time_is_pending_and_nothing_counted_has_no_verdict() -> None:
    (ten, _) = service_levels([record("a", status="running", elapsed=5 * MIN)], LEVELS)
    assert (ten.counted, ten.pending, ten.kept, ten.achieved_percent, ten.margin) == (0, 1, None, None, None)


def test_groups_by_period_and_other_dimensions_besides_priority() -> None:
    records = [
        record("a", organisation="acme", elapsed=5 * MIN),
        record("b", organisation="zeta", elapsed=5 * MIN),
        record("c", priority="low", elapsed=2 * HOUR),
    ]
    rows = service_levels(records, LEVELS, group_by=["organisation"], period="month")
    assert [(r.keys["priority"], r.keys["organisation"], r.goal) for r in rows] == [
        ("high", "acme", "90/10"),
        ("high", "acme", "99/300"),
        ("high", "zeta", "90/10"),
        ("high", "zeta", "99/300"),
        ("low", None, "80/60"),
    ]
    # low: 2h > 60m, 0 of 1 within.
    assert (rows[-1].kept, rows[-1].short_by) == (False, 1)


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"first_response": {"high": "90/10, 99"}}, "first_response.high[1]", "not a goal"),
        ({"first_response": {"high": "150/10"}}, "first_response.high[0].percent", "out of range"),
        ({"first_response": {"high": "0/10"}}, "first_response.high[0].percent", "above 0"),
        ({"first_response": {"high": "90/0"}}, "first_response.high[0].within", "zero"),
        ({"first_response": {"high": "90/2d"}}, "first_response.high[0].within", "days and weeks"),
        ({"first_response": {"high": "90/10, 95/10m"}}, "first_response.high[1]", "one goal per time"),
        ({"first_response": {"high": ""}}, "first_response.high[0]", "not a goal"),
        ({"first_response": {"high": []}}, "first_response.high", "no goals"),
        ({"first_response": {"high": [{"percent": 90}]}}, "first_response.high[0].within", "is required"),
        (
            {"first_response": {"high": [{"percent": 90, "within": "1h", "wthin": 1}]}},
            "first_response.high[0].wthin",
            'did you mean "within"',
        ),
        (
            {"first_response": {"high": [{"percent": "ninety", "within": "1h"}]}},
            "first_response.high[0].percent",
            "not a percentage",
        ),
        (
            {"first_response": {"high": [{"percent": float("nan"), "within": "1h"}]}},
            "first_response.high[0].percent",
            "out of range",
        ),
        ({"first_response": ["90/10"]}, "first_response", "expected a table"),
        ({"first_response": {"high": 90}}, "first_response.high", "expected an array"),
    ],
    ids=[
        "missing-time",
        "over-100",
        "zero-percent",
        "zero-time",
        "days",
        "duplicate",
        "empty",
        "no-goals",
        "table-missing",
        "table-typo",
        "word",
        "nan",
        "metric-not-table",
        "number",
    ],
)
def test_bad_goals_name_the_field(data: dict, field: str, words: str) -> None:
    with pytest.raises(ReportError) as caught:
        ServiceLevels.from_dict(data)
    assert caught.value.field == field
    assert words in str(caught.value)


def test_path_prefixes_fields_inside_a_larger_document() -> None:
    with pytest.raises(ReportError) as caught:
        ServiceLevels.from_dict({"m": {"p": "90/x"}}, path="service_levels")
    assert caught.value.field == "service_levels.m.p[0].within"


def test_levels_must_be_service_levels() -> None:
    with pytest.raises(ArgumentTypeError):
        service_levels([], {"first_response": {"high": "90/10"}})  # type: ignore[arg-type]


def test_a_cycle_of_exactly_the_time_is_within() -> None:
    (ten, _) = service_levels([record("a", elapsed=timedelta(minutes=10))], LEVELS)
    assert ten.within_count == 1
