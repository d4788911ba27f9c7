"""Spans of centuries: answered in bounded time, exactly, or refused at once.

Each scenario used to walk or rebuild every year between its ends (20 s to
minutes). The timeout marks are the bound: a call that walked the span again
would fail them by far. Expected values come from arithmetic written beside
them, or from laws (additivity, ``add`` undone by ``elapsed``) that tie far
answers to near ones.
"""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, date, datetime, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from specs import make_spec
from test_laws import ZONES, random_spec

from sla_timers import BusinessCalendar
from sla_timers.clock.calendar import BusinessCalendar as _Calendar
from sla_timers.errors import DurationOutOfRangeError, NoOpenTimeError

UTC = UTC
NY = ZoneInfo("America/New_York")
H = timedelta(hours=1)
FIRST = datetime.min.replace(tzinfo=UTC)
LAST = datetime.max.replace(tzinfo=UTC)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def fresh(spec_or_name: object) -> BusinessCalendar:
    """A new instance (nothing cached from other tests), from a spec or a shipped name."""
    if isinstance(spec_or_name, str):
        return _Calendar(BusinessCalendar.load(spec_or_name).spec)
    return _Calendar(spec_or_name)  # type: ignore[arg-type]


def office_utc(**extra: object) -> BusinessCalendar:
    return fresh(make_spec("UTC", {d: ["09:00-17:00"] for d in WEEKDAYS}, **extra))  # type: ignore[arg-type]


@pytest.mark.timeout(3)
def test_elapsed_from_the_first_instant_counts_every_weekday() -> None:
    cal = office_utc()
    now = datetime(2026, 1, 1, tzinfo=UTC)
    # 0001-01-01 is a Monday; 2026-01-01 is day 739,616 after it (its ordinal minus one):
    # 105,659 whole weeks (5 weekdays each) and 3 days (Mon, Tue, Wed) -> 528,298 weekdays of 8 h.
    days = date(2026, 1, 1).toordinal() - 1
    assert days == 105_659 * 7 + 3
    assert cal.elapsed(FIRST, now) == 528_298 * 8 * H
    assert cal.elapsed(now, FIRST) == -528_298 * 8 * H


@pytest.mark.timeout(3)
def test_elapsed_over_every_year_on_a_calendar_with_holidays_is_additive() -> None:
    cal = fresh("us-ny-9x5")
    now = datetime(2026, 11, 25, 16, 30, tzinfo=NY)
    whole = cal.elapsed(FIRST, LAST)
    mids = [datetime(y, 7, 1, 12, tzinfo=UTC) for y in (1, 1776, 1883, 1970, 2026, 2038, 2101, 5000, 9999)]
    for mid in mids:
        assert cal.elapsed(FIRST, mid) + cal.elapsed(mid, LAST) == whole
    assert cal.elapsed(FIRST, now) + cal.elapsed(now, LAST) == whole
    # Never more than real time, and weekdays 9-17 bound it: at most 5 x 8 h a week.
    assert whole <= (LAST - FIRST) * 40 / 168


@pytest.mark.timeout(3)
def test_add_of_seven_thousand_years_on_a_24x7_calendar_is_real_time() -> None:
    cal = fresh(BusinessCalendar.always_open().spec)
    t = datetime(2026, 11, 25, 16, 30, 0, 1, tzinfo=UTC)
    d = timedelta(days=7000 * 365)
    assert cal.add(t, d) == t + d
    assert cal.add(t + d, -d) == t


@pytest.mark.timeout(3)
def test_add_of_seven_thousand_years_is_undone_by_elapsed() -> None:
    cal = fresh("us-ny-9x5")
    t = datetime(2026, 11, 25, 16, 30, tzinfo=NY)
    # 97% of 7,000 years of 9-5 weekdays: about 6,790 years on, holidays pushing it a little later.
    d = timedelta(days=7000 * 365) * 8 / 24 * 5 / 7 * 0.97
    due = cal.add(t, d)
    assert 8800 < due.year < 8900
    assert cal.elapsed(t, due) == d
    assert cal.add(due, -d) == t  # t is open (Wed 16:30), so undoing lands on t itself
    assert cal.add(cal.add(t, d / 2), d - d / 2) == due


@pytest.mark.timeout(3)
def test_add_past_year_9999_is_refused_at_once() -> None:
    cal = fresh("us-ny-9x5")
    t = datetime(2026, 11, 25, 16, 30, tzinfo=NY)
    with pytest.raises(DurationOutOfRangeError, match="would pass year 9999") as caught:
        cal.add(t, timedelta(days=9000 * 365))
    assert caught.value.code == "duration_out_of_range"
    with pytest.raises(DurationOutOfRangeError, match="would pass year 1"):
        cal.add(t, -timedelta(days=2100 * 365))
    end = datetime(9999, 12, 30, 12, tzinfo=UTC)
    with pytest.raises(DurationOutOfRangeError):
        fresh(BusinessCalendar.always_open().spec).add(end, timedelta(days=3))


@pytest.mark.timeout(3)
def test_end_of_business_day_ten_million_days_on_is_refused_at_once() -> None:
    cal = office_utc()
    t = datetime(2026, 11, 25, 12, tzinfo=UTC)
    with pytest.raises(DurationOutOfRangeError):
        cal.end_of_business_day(t, 10**7)  # 10^7 weekdays are about 38,000 years
    with pytest.raises(DurationOutOfRangeError):
        cal.end_of_business_day(t, -(10**7))


@pytest.mark.timeout(3)
def test_end_of_business_day_a_million_weekdays_on() -> None:
    cal = office_utc()
    t = datetime(2026, 11, 25, 12, tzinfo=UTC)  # a Wednesday
    # 1,000,000 weekdays = 200,000 whole weeks = 1,400,000 days later, again a Wednesday.
    day = date(2026, 11, 25) + timedelta(days=1_400_000)
    assert cal.end_of_business_day(t, 10**6) == datetime(day.year, day.month, day.day, 17, tzinfo=UTC)
    assert cal.end_of_business_day(t, -(10**5)) == datetime(2026, 11, 25, 17, tzinfo=UTC) - timedelta(days=140_000)


@pytest.mark.timeout(3)
def test_a_24x7_calendar_whose_only_holiday_is_in_year_9990() -> None:
    holiday = date(9990, 6, 15)
    cal = fresh(make_spec("UTC", {"daily": ["00:00-24:00"]}, closed=[holiday]))
    now = datetime(2026, 11, 25, 16, 30, tzinfo=UTC)
    closes = datetime(9990, 6, 15, tzinfo=UTC)
    assert cal.next_close(now) == closes
    assert cal.next_open(closes) == closes + timedelta(days=1)
    # Real time, less the holiday's 24 hours.
    assert cal.elapsed(now, LAST) == LAST - now - 24 * H
    d = closes - now
    assert cal.add(now, d) == closes
    assert cal.add(now, d + timedelta(microseconds=1)) == closes + timedelta(days=1, microseconds=1)
    first = next(cal.open_intervals(now, LAST))
    assert first == (now, closes)
    last = next(cal.open_intervals(FIRST, now, reverse=True))
    assert last == (FIRST, now)
    assert list(islice(cal.open_intervals(FIRST, LAST), 3)) == [(FIRST, closes), (closes + timedelta(days=1), LAST)]


@pytest.mark.timeout(3)
def test_a_24x7_calendar_never_closes_before_year_9999() -> None:
    cal = fresh(BusinessCalendar.always_open().spec)
    with pytest.raises(DurationOutOfRangeError, match="never closes again before year 9999"):
        cal.next_close(datetime(2026, 11, 25, tzinfo=UTC))


@pytest.mark.timeout(3)
def test_pins_at_year_one_and_an_opening_centuries_later() -> None:
    opening = date(2026, 11, 28)
    cal = fresh(make_spec("UTC", {}, openings=[(opening, "10:00-14:00")]))
    at_ten = datetime(2026, 11, 28, 10, tzinfo=UTC)
    assert cal.next_open(FIRST) == at_ten
    assert cal.business_day(FIRST) == opening
    assert cal.add(FIRST, H) == at_ten + H
    assert cal.elapsed(FIRST, LAST) == 4 * H
    assert cal.add(LAST, -H) == at_ten + 3 * H
    assert not cal.is_open(FIRST)
    assert cal.end_of_business_day(FIRST) == at_ten + 4 * H
    with pytest.raises(NoOpenTimeError):
        cal.next_open(at_ten + 4 * H)
    with pytest.raises(NoOpenTimeError):
        cal.end_of_business_day(FIRST, 1)
    assert list(cal.open_intervals(FIRST, LAST, reverse=True)) == [(at_ten, at_ten + 4 * H)]


@pytest.mark.timeout(3)
def test_near_the_ends_of_the_supported_range() -> None:
    cal = fresh("us-ny-9x5")
    start = datetime(1, 1, 3, 12, tzinfo=UTC)  # Wed 0001-01-03, 12:00 UTC = 07:04 LMT in New York
    assert cal.next_open(FIRST) == cal.next_open(start - timedelta(days=2))
    assert cal.elapsed(FIRST, cal.add(FIRST, 5 * H)) == 5 * H
    late = datetime(9999, 12, 29, 12, tzinfo=UTC)
    assert cal.elapsed(late, LAST) == cal.elapsed(late, cal.next_close(late)) + cal.elapsed(cal.next_close(late), LAST)
    assert cal.is_business_day(date(9999, 12, 30)) == (date(9999, 12, 30).weekday() < 5)


# ---------------------------------------------------------------- year totals are the built ones


@settings(max_examples=40, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    seed=st.integers(0, 2**32 - 1),
    country=st.sampled_from([None, ("US", "NY"), ("GB", "ENG"), ("AU", "NSW")]),
)
def test_each_years_total_matches_its_built_pieces(zone: str, seed: int, country: object) -> None:
    # The running scale adds whole-year totals worked out without building the
    # year (weekday counts plus corrections around exceptions and clock
    # changes); they must equal the built pieces exactly, in every kind of year.
    rng = random.Random(seed)
    spec = random_spec(rng, zone)
    if country is not None:
        code, subdiv = country  # type: ignore[misc]
        spec = dataclasses.replace(spec, holiday_country=code, holiday_subdiv=subdiv)
    cal = fresh(spec)
    ledger, builder = cal._walker.ledger, cal._builder
    years = {
        2025,
        2026,
        2027,
        rng.randint(1, 4),
        rng.randint(1850, 1990),
        rng.randint(2030, 2110),
        rng.randint(2200, 9000),
        rng.randint(9995, 9999),
    }
    for year in sorted(years):
        built = ledger.summarize_pieces(year, builder.build_year(year))
        assert ledger.summary(year) == built, year


@settings(max_examples=25, deadline=None)
@given(zone=st.sampled_from(ZONES), seed=st.integers(0, 2**32 - 1))
def test_far_answers_are_additive_and_undo_each_other(zone: str, seed: int) -> None:
    rng = random.Random(seed)
    spec = random_spec(rng, zone)
    if not any(spec.hours):
        return
    cal = fresh(spec)
    points = sorted(
        datetime(rng.randint(1, 9998), rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23), tzinfo=UTC)
        for _ in range(3)
    )
    a, b, c = points
    assert cal.elapsed(a, b) + cal.elapsed(b, c) == cal.elapsed(a, c)
    d = cal.elapsed(a, c)
    if d > timedelta(0):
        assert cal.add(a, d) <= c
        assert cal.elapsed(a, cal.add(a, d)) == d
        assert cal.add(cal.add(a, d), -d) == cal.next_open(a)
