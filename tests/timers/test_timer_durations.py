"""Targets and lead times as policies write them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sla_timers.errors import InvalidTargetError
from sla_timers.timers import EndOfDay, format_target, parse_duration, parse_target


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("90m", timedelta(minutes=90), id="minutes"),
        pytest.param("4h", timedelta(hours=4), id="hours"),
        pytest.param("1h30m", timedelta(hours=1, minutes=30), id="hours-minutes"),
        pytest.param(45, timedelta(minutes=45), id="integer-minutes"),
        # 5 years of 366 days, written in hours: 1830 * 24 = 43920h, the largest accepted.
        pytest.param("43920h", timedelta(days=1830), id="five-years"),
    ],
)
def test_durations_parse(text: object, expected: timedelta) -> None:
    assert parse_duration(text, "t") == expected


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        pytest.param("4x", '"4x" is not a duration; write "90m", "4h" or "1h30m"', id="bad-unit"),
        pytest.param("", '"" is not a duration', id="empty"),
        pytest.param("h", '"h" is not a duration', id="no-number"),
        pytest.param("2d", "days and weeks are not accepted", id="days"),
        pytest.param("10000y", '"10000y" is not a duration', id="years"),
        pytest.param("0m", "is zero", id="zero"),
        pytest.param(0, "is zero", id="zero-int"),
        pytest.param(-5, "is negative", id="negative-int"),
        pytest.param("-30m", "is negative", id="negative"),
        pytest.param("43921h", "over five years", id="over-five-years"),
        pytest.param(5 * 366 * 1440 + 1, "over five years", id="over-five-years-int"),
        pytest.param(
            True, 'expected a duration such as "90m" or a whole number of minutes, got boolean True', id="bool"
        ),
        pytest.param(1.5, "got float 1.5", id="float"),
        # int() reads any Unicode digit; a policy's digits are ASCII only.
        pytest.param("\u0664h", '"\u0664h" is not a duration', id="arabic-indic-digit"),
        pytest.param("1h\uff13\uff10m", "is not a duration", id="fullwidth-digits"),
    ],
)
def test_bad_durations_name_the_field(value: object, problem: str) -> None:
    with pytest.raises(InvalidTargetError) as info:
        parse_duration(value, "targets.high.resolution")
    assert info.value.field == "targets.high.resolution"
    assert str(info.value).startswith("targets.high.resolution: ")
    assert problem in str(info.value)
    assert info.value.code == "invalid_target"


def test_end_of_day_targets() -> None:
    assert parse_target("eod", "t") == EndOfDay(0)
    assert parse_target("eod+2", "t") == EndOfDay(2)
    assert parse_target("4h", "t") == timedelta(hours=4)
    with pytest.raises(InvalidTargetError, match="over five years"):
        parse_target("eod+5000", "t")
    with pytest.raises(InvalidTargetError, match="not a duration"):
        parse_target("eod-1", "t")


def test_end_of_day_with_thousands_of_digits_is_over_five_years() -> None:
    # int() refuses strings over 4,300 digits with a ValueError; the count is refused first.
    with pytest.raises(InvalidTargetError, match=r"over five years \(at most eod\+1830\)"):
        parse_target("eod+" + "9" * 5000, "t")
    # 5 x 366 = 1830 business days is the largest accepted.
    assert parse_target("eod+1830", "t") == EndOfDay(1830)
    with pytest.raises(InvalidTargetError, match="over five years"):
        parse_target("eod+1831", "t")


def test_end_of_day_refuses_non_ascii_digits() -> None:
    with pytest.raises(InvalidTargetError) as info:
        parse_target("eod+\u0662", "targets.high.resolution")  # ARABIC-INDIC DIGIT TWO
    assert info.value.field == "targets.high.resolution"
    assert "is not a duration" in str(info.value)


@pytest.mark.parametrize("text", ["90m", "4h", "1h30m", "eod", "eod+3"])
def test_format_round_trips(text: str) -> None:
    # "90m" formats as "1h30m"; both parse to the same target.
    assert parse_target(format_target(parse_target(text, "t")), "t") == parse_target(text, "t")
