"""Hand-worked answers of the business-hours engine.

Each expected value is worked out beside it from the calendar's hours, the
zone's offsets (from the tz database) and, for public holidays, the holiday
named in the comment. Every comparison goes through UTC: two datetimes
sharing a ``ZoneInfo`` compare and subtract as wall time.

Calls that must answer quickly carry ``pytest.mark.timeout``, which fails a
hang without asserting on durations (a loaded machine stretches those); how
fast they are is measured in ``bench/clock.py``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from specs import make_spec

from sla_timers.clock.calendar import BusinessCalendar
from sla_timers.errors import (
    DurationOutOfRangeError,
    NaiveDatetimeError,
    NoOpenTimeError,
    SLAError,
)

UTC = UTC
NY = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")
KATHMANDU = ZoneInfo("Asia/Kathmandu")
H = timedelta(hours=1)
WEEKDAYS_9_17 = {day: ["09:00-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def ny(*args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=NY, fold=fold)


def same_instant(result: datetime, expected: datetime) -> bool:
    """Equal as instants, and the result carries an offset (never naive)."""
    return result.utcoffset() is not None and result.astimezone(UTC) == expected.astimezone(UTC)


@pytest.fixture(scope="module")
def ny95() -> BusinessCalendar:
    return BusinessCalendar(make_spec("America/New_York", WEEKDAYS_9_17, name="ny95"))


@pytest.fixture(scope="module")
def ny_24x7() -> BusinessCalendar:
    return BusinessCalendar.always_open("America/New_York")


# ---------------------------------------------------------------- daylight-saving time


def test_due_date_across_fall_back_uses_the_calendar_zone(ny95: BusinessCalendar) -> None:
    # Fri 2026-10-30 16:00 EDT: 1 h until 17:00. Clocks fall back Sun 11-01.
    # Mon 11-02 09:00 EST + 3 h = 12:00 EST = 17:00Z (a fixed -04:00 gives 16:00Z).
    due = ny95.add(ny(2026, 10, 30, 16), 4 * H)
    assert same_instant(due, utc(2026, 11, 2, 17))
    assert due.tzinfo == NY and due.utcoffset() == timedelta(hours=-5)


def test_due_date_across_spring_forward(ny95: BusinessCalendar) -> None:
    # Fri 2026-03-06 16:00 EST: 1 h; Mon 03-09 09:00 EDT + 3 h = 12:00 EDT = 16:00Z.
    assert same_instant(ny95.add(ny(2026, 3, 6, 16), 4 * H), utc(2026, 3, 9, 16))


@pytest.mark.parametrize(
    ("window", "day", "expected"),
    [
        # 01:00 EDT = 05:00Z .. 03:00 EST = 08:00Z: the repeated hour counts twice.
        pytest.param("01:00-03:00", date(2026, 11, 1), 3 * H, id="fall-back-01-03-is-3h"),
        # 01:00 EST = 06:00Z .. 03:00 EDT = 07:00Z.
        pytest.param("01:00-03:00", date(2026, 3, 8), 1 * H, id="spring-forward-01-03-is-1h"),
        # 01:30 EDT = 05:30Z .. 03:00 EST = 08:00Z (DESIGN.md, Time).
        pytest.param("01:30-03:00", date(2026, 11, 1), 2.5 * H, id="fall-back-0130-03-is-2h30"),
        # 02:30 does not exist; it opens at 03:00 EDT = 07:00Z .. 05:00 EDT = 09:00Z.
        pytest.param("02:30-05:00", date(2026, 3, 8), 2 * H, id="spring-forward-0230-05-is-2h"),
        # Sat 10-31 22:00 EDT = 11-01 02:00Z .. Sun 06:00 EST = 11:00Z.
        pytest.param("22:00-06:00", date(2026, 10, 31), 9 * H, id="overnight-fall-back-9h"),
        # Sat 03-07 22:00 EST = 03-08 03:00Z .. Sun 06:00 EDT = 10:00Z.
        pytest.param("22:00-06:00", date(2026, 3, 7), 7 * H, id="overnight-spring-forward-7h"),
    ],
)
def test_window_length_on_dst_nights(window: str, day: date, expected: timedelta) -> None:
    weekday = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[day.weekday()]
    cal = BusinessCalendar(make_spec("America/New_York", {weekday: [window]}))
    # Measure the whole window: from the day's noon-minus-a-day to a day after.
    start = utc(day.year, day.month, day.day) - 12 * H
    assert cal.elapsed(start, start + 60 * H) == expected


def test_adjacent_windows_still_tile_on_fall_back_night() -> None:
    # 00:00-01:30 ends and 01:30-03:00 starts at 01:30 EDT (05:30Z): one stretch
    # 00:00 EDT = 04:00Z .. 03:00 EST = 08:00Z = 4 h.
    cal = BusinessCalendar(make_spec("America/New_York", {"sun": ["00:00-01:30", "01:30-03:00"]}))
    assert cal.elapsed(utc(2026, 11, 1), utc(2026, 11, 2)) == 4 * H
    assert same_instant(cal.next_close(ny(2026, 11, 1, 0, 30)), utc(2026, 11, 1, 8))


def test_the_wall_clock_trap_and_the_engine_on_the_real_timeline(
    ny_24x7: BusinessCalendar,
) -> None:
    # Same-zone subtraction is wall time: 03:00 - 00:00 reads 3 h both nights...
    assert ny(2026, 11, 1, 3) - ny(2026, 11, 1, 0) == 3 * H
    assert ny(2026, 3, 8, 3) - ny(2026, 3, 8, 0) == 3 * H
    # ...but 00:00 EDT = 04:00Z .. 03:00 EST = 08:00Z is 4 real hours,
    # and 00:00 EST = 05:00Z .. 03:00 EDT = 07:00Z is 2.
    assert ny_24x7.elapsed(ny(2026, 11, 1, 0), ny(2026, 11, 1, 3)) == 4 * H
    assert ny_24x7.elapsed(ny(2026, 3, 8, 0), ny(2026, 3, 8, 3)) == 2 * H
    # 01:00 EDT (05:00Z) + 1 business hour is 06:00Z = 01:00 EST (fold=1),
    # not the 02:00 EST that wall-clock addition gives.
    result = ny_24x7.add(ny(2026, 11, 1, 1), H)
    assert same_instant(result, utc(2026, 11, 1, 6))
    assert (result.hour, result.fold) == (1, 1)


def test_gap_and_fold_inputs_denote_their_pep495_instants(ny_24x7: BusinessCalendar) -> None:
    # 02:30 on 2026-03-08 (in the gap, fold=0) reads with EST: 07:30Z, 30 min before 08:00Z.
    assert ny_24x7.elapsed(ny(2026, 3, 8, 2, 30), utc(2026, 3, 8, 8)) == timedelta(minutes=30)
    # 01:30 fold=1 on 2026-11-01 is 01:30 EST = 06:30Z; fold=0 is 05:30Z.
    assert ny_24x7.elapsed(ny(2026, 11, 1, 1, 30, fold=1), utc(2026, 11, 1, 7)) == timedelta(minutes=30)
    assert ny_24x7.elapsed(ny(2026, 11, 1, 1, 30), ny(2026, 11, 1, 1, 30, fold=1)) == H


def test_lead_warning_is_add_of_a_negative_lead() -> None:
    cal = BusinessCalendar(
        make_spec("America/New_York", {d: ["08:00-18:00"] for d in ("mon", "tue", "wed", "thu", "fri")})
    )
    # Mon 2026-11-23 17:00: 1 h to 18:00, then Tue 08:00 + 3 h = 11:00 EST = 16:00Z.
    due = cal.add(ny(2026, 11, 23, 17), 4 * H)
    assert same_instant(due, utc(2026, 11, 24, 16))
    # One business hour before Tue 11:00 is Tue 10:00 EST = 15:00Z, never Tue 00:00.
    assert same_instant(cal.add(due, -H), utc(2026, 11, 24, 15))


def test_spring_forward_window_opens_after_the_gap() -> None:
    cal = BusinessCalendar(make_spec("America/New_York", {"sun": ["02:30-05:00"]}))
    # Sun 2026-03-08 01:00 EST (06:00Z): 02:30 is skipped; the clock first reads
    # past it at 03:00 EDT = 07:00Z.
    assert same_instant(cal.next_open(ny(2026, 3, 8, 1)), utc(2026, 3, 8, 7))
    assert not cal.is_open(utc(2026, 3, 8, 6, 59))
    assert cal.is_open(utc(2026, 3, 8, 7))


# ---------------------------------------------------------------- shapes, holidays


def test_german_national_holidays_and_landing_on_a_closing_time() -> None:
    cal = BusinessCalendar(make_spec("Europe/Berlin", {"daily": ["09:00-21:00"]}, country="DE"))
    # Mon 2026-11-09 23:00 is closed. Tue, Wed, Thu, Fri 09:00-21:00 = 12 h each
    # (no national holiday in November 2026: Buss- und Bettag, 11-18, is Saxony's
    # only). 48 h ends Fri 11-13 21:00 CET = 20:00Z, not Sat 09:00.
    due = cal.add(datetime(2026, 11, 9, 23, tzinfo=BERLIN), 48 * H)
    assert same_instant(due, utc(2026, 11, 13, 20))


def test_german_unity_day_is_skipped() -> None:
    cal = BusinessCalendar(make_spec("Europe/Berlin", {"daily": ["09:00-21:00"]}, country="DE"))
    # Fri 2026-10-02 20:00 CEST: 1 h; Sat 10-03 is German Unity Day; Sun 10-04
    # 09:00 + 1 h = 10:00 CEST = 08:00Z.
    assert same_instant(cal.add(datetime(2026, 10, 2, 20, tzinfo=BERLIN), 2 * H), utc(2026, 10, 4, 8))
    assert not cal.is_business_day(date(2026, 10, 3))


def test_single_weekday_calendar() -> None:
    cal = BusinessCalendar(make_spec("America/New_York", {"tue": ["08:00-17:00"]}))
    # Wed 2026-11-25 10:00: next open Tue 12-01 08:00 EST + 4 h = 12:00 EST = 17:00Z.
    due = cal.add(ny(2026, 11, 25, 10), 4 * H)
    assert same_instant(due, utc(2026, 12, 1, 17))
    assert due.weekday() == 1


def test_lunch_break_is_just_a_gap_between_windows() -> None:
    cal = BusinessCalendar(make_spec("America/New_York", {"mon": ["09:00-13:00", "14:00-18:00"]}))
    # Mon 2026-11-23 12:00: 12-13 = 1 h, 14-15 = 1 h -> 15:00 EST = 20:00Z.
    assert same_instant(cal.add(ny(2026, 11, 23, 12), 2 * H), utc(2026, 11, 23, 20))
    # Closed at lunch: the stretch from 09:00 ends 13:00; from 13:30, the next at 18:00.
    assert same_instant(cal.next_close(ny(2026, 11, 23, 10)), ny(2026, 11, 23, 13))
    assert same_instant(cal.next_close(ny(2026, 11, 23, 13, 30)), ny(2026, 11, 23, 18))


def test_overnight_window_belongs_to_the_day_it_starts() -> None:
    cal = BusinessCalendar(make_spec("America/New_York", {"daily": ["22:00-06:00"]}, closed=[date(2026, 12, 24)]))
    # Wed 12-23 22:00 -> Thu 06:00 runs; Thu 12-24's 22:00 -> Fri 06:00 is closed;
    # Fri 12-25's starts at 22:00, after the range. Thu 00:00-06:00 = 6 h.
    assert cal.elapsed(ny(2026, 12, 24, 0), ny(2026, 12, 25, 12)) == 6 * H
    assert cal.is_open(ny(2026, 12, 24, 5, 59))
    assert not cal.is_open(ny(2026, 12, 24, 23))
    # Thu 03:00 is Wednesday's window; its business day is Wednesday, closing Thu 06:00.
    assert cal.business_day(ny(2026, 12, 24, 3)) == date(2026, 12, 23)
    assert same_instant(cal.end_of_business_day(ny(2026, 12, 24, 3)), ny(2026, 12, 24, 6))
    assert not cal.is_business_day(date(2026, 12, 24))


@pytest.mark.timeout(5)
def test_no_weekly_hours_raises_no_open_time_without_searching() -> None:
    cal = BusinessCalendar(make_spec("America/New_York", {}))
    with pytest.raises(NoOpenTimeError) as caught:
        cal.add(ny(2026, 11, 23, 10), H)
    assert caught.value.code == "no_open_time"
    with pytest.raises(NoOpenTimeError):
        cal.next_open(ny(2026, 11, 23, 10))


def test_openings_only_calendar_runs_out() -> None:
    cal = BusinessCalendar(make_spec("America/New_York", {}, openings=[(date(2026, 11, 28), "10:00-14:00")]))
    # Fri 11-27: the only open time is Sat 11-28 10:00-14:00; + 2 h = 12:00 EST = 17:00Z.
    assert same_instant(cal.add(ny(2026, 11, 27, 9), 2 * H), utc(2026, 11, 28, 17))
    # From 13:00 only 1 h is left, ever.
    with pytest.raises(NoOpenTimeError):
        cal.add(ny(2026, 11, 28, 13), 2 * H)
    with pytest.raises(NoOpenTimeError):
        cal.add(ny(2026, 11, 28, 11), -2 * H)


@pytest.mark.timeout(5)
def test_ten_closed_years_answer_with_the_first_open_instant() -> None:
    first = date(2026, 11, 23)  # a Monday
    closed = [first + timedelta(days=n) for n in range(3653)]  # through 2036-11-22
    cal = BusinessCalendar(make_spec("America/New_York", WEEKDAYS_9_17, closed=closed))
    due = cal.add(ny(2026, 11, 23, 10), H)
    # 2026-11-23 + 3653 days (leap days 2028, 2032, 2036) = 2036-11-23, a
    # Sunday (3653 = 521 weeks + 6 days). Mon 2036-11-24 09:00 EST + 1 h = 15:00Z.
    assert same_instant(due, utc(2036, 11, 24, 15))


# ---------------------------------------------------------------- edges, signs, shapes


def test_windows_are_half_open(ny95: BusinessCalendar) -> None:
    assert ny95.is_open(ny(2026, 11, 23, 9))
    assert ny95.is_open(ny(2026, 11, 23, 16, 59, 59, 999999))
    assert not ny95.is_open(ny(2026, 11, 23, 17))
    assert not ny95.is_open(ny(2026, 11, 23, 8, 59, 59, 999999))
    assert same_instant(ny95.next_close(ny(2026, 11, 23, 16, 59)), ny(2026, 11, 23, 17))
    # At 17:00 it is closed, so the next close is Tuesday's.
    assert same_instant(ny95.next_close(ny(2026, 11, 23, 17)), ny(2026, 11, 24, 17))
    assert ny95.elapsed(ny(2026, 11, 23, 17), ny(2026, 11, 23, 17)) == timedelta(0)
    # One microsecond before close is open for exactly that microsecond.
    assert ny95.elapsed(ny(2026, 11, 23, 16, 59, 59, 999999), ny(2026, 11, 23, 18)) == timedelta(microseconds=1)


def test_deadline_lands_exactly_on_a_closing_time(ny95: BusinessCalendar) -> None:
    # Mon 09:00 + 8 h = Mon 17:00 (the earliest instant), not Tue 09:00.
    assert same_instant(ny95.add(ny(2026, 11, 23, 9), 8 * H), ny(2026, 11, 23, 17))
    assert same_instant(ny95.add(ny(2026, 11, 23, 16), H), ny(2026, 11, 23, 17))
    # From a closed instant, a zero duration is the instant itself.
    assert same_instant(ny95.add(ny(2026, 11, 28, 12), timedelta(0)), ny(2026, 11, 28, 12))


def test_negative_add_is_the_latest_instant(ny95: BusinessCalendar) -> None:
    # Mon 2026-11-23 10:00 - 2 h: Mon 09-10 = 1 h, then Fri 11-20 16-17 = 1 h -> Fri 16:00.
    assert same_instant(ny95.add(ny(2026, 11, 23, 10), -2 * H), ny(2026, 11, 20, 16))
    # Mon 09:00 - 1 h: latest T with 1 h open in [T, Mon 09:00) is Fri 16:00.
    assert same_instant(ny95.add(ny(2026, 11, 23, 9), -H), ny(2026, 11, 20, 16))
    # Law 5 by hand: Sat 12:00 + 2 h = Mon 11:00; - 2 h = Mon 09:00 = next_open(Sat 12:00).
    there = ny95.add(ny(2026, 11, 28, 12), 2 * H)
    assert same_instant(there, ny(2026, 11, 30, 11))
    assert same_instant(ny95.add(there, -2 * H), ny(2026, 11, 30, 9))
    assert same_instant(ny95.next_open(ny(2026, 11, 28, 12)), ny(2026, 11, 30, 9))


def test_elapsed_is_antisymmetric_and_exact(ny95: BusinessCalendar) -> None:
    # Fri 2026-11-20 16:30 .. Mon 11-23 09:15: 30 min + 15 min.
    a, b = ny(2026, 11, 20, 16, 30), ny(2026, 11, 23, 9, 15)
    assert ny95.elapsed(a, b) == timedelta(minutes=45)
    assert ny95.elapsed(b, a) == -timedelta(minutes=45)
    # A calendar year 2026 (Mon-Fri 8 h): 261 weekdays x 8 h = 2088 h.
    assert ny95.elapsed(ny(2026, 1, 1), ny(2027, 1, 1)) == 2088 * H


def test_24x7_is_real_time_across_a_fall_back_week(ny_24x7: BusinessCalendar) -> None:
    # Sat 10-31 00:00 EDT = 04:00Z .. Sat 11-07 00:00 EST = 05:00Z: 7 x 24 + 1 = 169 h.
    assert ny_24x7.elapsed(ny(2026, 10, 31), ny(2026, 11, 7)) == 169 * H
    # 168 h later is one hour short of Saturday midnight: Fri 11-06 23:00 EST = 04:00Z.
    assert same_instant(ny_24x7.add(ny(2026, 10, 31), 168 * H), utc(2026, 11, 7, 4))
    assert ny_24x7.next_open(ny(2026, 11, 1, 1, 30)) == ny(2026, 11, 1, 1, 30)


@pytest.mark.timeout(5)
def test_24x7_without_closures_never_closes(ny_24x7: BusinessCalendar) -> None:
    with pytest.raises(DurationOutOfRangeError):
        ny_24x7.next_close(ny(2026, 11, 23, 10))


def test_24x7_closes_at_a_closed_date_and_touching_days_merge() -> None:
    cal = BusinessCalendar(make_spec("America/New_York", {"daily": ["00:00-24:00"]}, closed=[date(2026, 12, 25)]))
    # Dec 24's window ends at Dec 25 00:00 EST = 05:00Z; Dec 25 is closed.
    assert same_instant(cal.next_close(ny(2026, 12, 20, 10)), utc(2026, 12, 25, 5))
    stretches = list(cal.open_intervals(ny(2026, 12, 20), ny(2026, 12, 28)))
    assert [(s.astimezone(UTC), e.astimezone(UTC)) for s, e in stretches] == [
        (utc(2026, 12, 20, 5), utc(2026, 12, 25, 5)),
        (utc(2026, 12, 26, 5), utc(2026, 12, 28, 5)),
    ]
    # Business day and its close: Dec 24's window closes at midnight.
    assert same_instant(cal.end_of_business_day(ny(2026, 12, 24, 12)), ny(2026, 12, 25))
    assert same_instant(cal.end_of_business_day(ny(2026, 12, 24, 12), days=1), ny(2026, 12, 27))


def test_split_day() -> None:
    cal = BusinessCalendar(make_spec("America/New_York", {"mon": ["09:00-12:00", "13:00-17:00"]}))
    # Mon 2026-11-23 08:00 .. 18:00: 3 h + 4 h = 7 h.
    assert cal.elapsed(ny(2026, 11, 23, 8), ny(2026, 11, 23, 18)) == 7 * H
    # 11:00 + 2 h: 11-12 = 1 h, 13-14 = 1 h -> 14:00.
    assert same_instant(cal.add(ny(2026, 11, 23, 11), 2 * H), ny(2026, 11, 23, 14))
    # 11:00 + 1 h lands on the lunch closing time, 12:00 (the earliest instant).
    assert same_instant(cal.add(ny(2026, 11, 23, 11), H), ny(2026, 11, 23, 12))
    assert same_instant(cal.end_of_business_day(ny(2026, 11, 23, 10)), ny(2026, 11, 23, 17))


def test_touching_windows_merge_for_next_close() -> None:
    cal = BusinessCalendar(make_spec("America/New_York", {"mon": ["09:00-12:00", "12:00-17:00"]}))
    assert same_instant(cal.next_close(ny(2026, 11, 23, 10)), ny(2026, 11, 23, 17))
    assert list(cal.open_intervals(ny(2026, 11, 23), ny(2026, 11, 24))) == [(ny(2026, 11, 23, 9), ny(2026, 11, 23, 17))]


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        # DST ends Sun 2026-04-05 02:00 LHDT (+11:00) -> 01:30 LHST (+10:30).
        # 01:00 LHDT = 04-04 14:00Z .. 03:00 LHST = 16:30Z = 2 h 30.
        pytest.param(date(2026, 4, 5), 2.5 * H, id="lord-howe-back-30min"),
        # DST starts Sun 2026-10-04 02:00 LHST -> 02:30 LHDT.
        # 01:00 LHST = 10-03 14:30Z .. 03:00 LHDT = 16:00Z = 1 h 30.
        pytest.param(date(2026, 10, 4), 1.5 * H, id="lord-howe-forward-30min"),
    ],
)
def test_lord_howe_half_hour_shift(day: date, expected: timedelta) -> None:
    cal = BusinessCalendar(make_spec("Australia/Lord_Howe", {"sun": ["01:00-03:00"]}))
    start = datetime(day.year, day.month, day.day, tzinfo=LORD_HOWE)
    assert cal.elapsed(start, start + 24 * H) == expected


def test_lord_howe_window_inside_the_gap_has_no_open_time() -> None:
    # 02:00-02:30 on Sun 2026-10-04 is skipped whole: both ends land on the jump
    # (10-03 15:30Z), so that Sunday has no open time and is no business day.
    cal = BusinessCalendar(make_spec("Australia/Lord_Howe", {"sun": ["02:00-02:30"]}))
    start = datetime(2026, 10, 4, tzinfo=LORD_HOWE)
    assert cal.elapsed(start, start + 24 * H) == timedelta(0)
    assert not cal.is_business_day(date(2026, 10, 4))
    # The next Sunday's (10-11) opens at 02:00 LHDT = 10-10 15:00Z.
    assert same_instant(cal.next_open(start), utc(2026, 10, 10, 15))


def test_kathmandu_input_gives_the_same_answers(ny95: BusinessCalendar) -> None:
    # 2026-11-23 20:45 +05:45 = 15:00Z = Mon 10:00 EST.
    t = datetime(2026, 11, 23, 20, 45, tzinfo=KATHMANDU)
    # + 2 h = 12:00 EST = 17:00Z, returned in the calendar's zone.
    due = ny95.add(t, 2 * H)
    assert same_instant(due, utc(2026, 11, 23, 17)) and due.tzinfo == NY
    assert ny95.elapsed(t, utc(2026, 11, 23, 22)) == 7 * H
    assert ny95.is_open(t)
    assert ny95.business_day(t) == date(2026, 11, 23)


# ---------------------------------------------------------------- business days


def test_business_days_and_end_of_business_day(ny95: BusinessCalendar) -> None:
    assert ny95.is_business_day(date(2026, 11, 23))
    assert not ny95.is_business_day(date(2026, 11, 28))  # Saturday
    # Mon 10:00 -> Mon 17:00; +1 business day -> Tue 17:00.
    assert same_instant(ny95.end_of_business_day(ny(2026, 11, 23, 10)), ny(2026, 11, 23, 17))
    assert same_instant(ny95.end_of_business_day(ny(2026, 11, 23, 10), 1), ny(2026, 11, 24, 17))
    # Fri 11-27 10:00 + 1 business day -> Mon 11-30 17:00; Sat 11-28 -> Mon 11-30.
    assert same_instant(ny95.end_of_business_day(ny(2026, 11, 27, 10), 1), ny(2026, 11, 30, 17))
    assert same_instant(ny95.end_of_business_day(ny(2026, 11, 28, 10)), ny(2026, 11, 30, 17))
    # Mon 18:00 is closed: its business day is Tuesday.
    assert ny95.business_day(ny(2026, 11, 23, 18)) == date(2026, 11, 24)


def test_us_holidays_close_the_day_and_are_listed() -> None:
    cal = BusinessCalendar(
        make_spec("America/New_York", WEEKDAYS_9_17, country="US", subdiv="NY", closed=[date(2026, 12, 24)])
    )
    # Christmas Day 2026 is Friday 12-25 (federal holiday); 12-24 is a closed date.
    # Wed 12-23 16:00: 1 h; Thu, Fri closed; Mon 12-28 09:00 + 1 h = 10:00 EST = 15:00Z.
    assert same_instant(cal.add(ny(2026, 12, 23, 16), 2 * H), utc(2026, 12, 28, 15))
    assert not cal.is_business_day(date(2026, 12, 25))
    # Thanksgiving: fourth Thursday of November 2026 (5, 12, 19, 26).
    assert not cal.is_business_day(date(2026, 11, 26))
    assert cal.holidays_between(date(2026, 12, 1), date(2026, 12, 31)) == [
        (date(2026, 12, 24), "Closed"),
        (date(2026, 12, 25), "Christmas Day"),
    ]
    # 2027-01-01 is a Friday: New Year's Day, the next year's data, fetched on demand.
    assert cal.holidays_between(date(2026, 12, 31), date(2027, 1, 1)) == [(date(2027, 1, 1), "New Year's Day")]


def test_opening_on_a_holiday_and_closure_subtracting() -> None:
    cal = BusinessCalendar(
        make_spec(
            "America/New_York",
            WEEKDAYS_9_17,
            closed=[date(2026, 12, 24)],
            openings=[(date(2026, 12, 24), "10:00-12:00"), (date(2026, 11, 28), "10:00-14:00")],
            closures=[(date(2026, 12, 31), "13:00-17:00"), (date(2026, 11, 28), "11:00-12:00")],
        )
    )
    # Closed Thursday 12-24 still opens 10:00-12:00 = 2 h.
    assert cal.elapsed(ny(2026, 12, 24), ny(2026, 12, 25)) == 2 * H
    assert cal.is_business_day(date(2026, 12, 24))
    # Thu 12-31: 09:00-13:00 only = 4 h; its day closes at 13:00.
    assert cal.elapsed(ny(2026, 12, 31), ny(2027, 1, 1)) == 4 * H
    assert same_instant(cal.end_of_business_day(ny(2026, 12, 31, 10)), ny(2026, 12, 31, 13))
    # Sat 11-28: opening 10-14 minus closure 11-12 = 3 h.
    assert cal.elapsed(ny(2026, 11, 28), ny(2026, 11, 29)) == 3 * H


# ---------------------------------------------------------------- errors


def _public_calls(cal: BusinessCalendar, naive: datetime, aware: datetime) -> dict[str, object]:
    return {
        "elapsed(start)": lambda: cal.elapsed(naive, aware),
        "elapsed(end)": lambda: cal.elapsed(aware, naive),
        "add(t)": lambda: cal.add(naive, H),
        "is_open(t)": lambda: cal.is_open(naive),
        "next_open(t)": lambda: cal.next_open(naive),
        "next_close(t)": lambda: cal.next_close(naive),
        "open_intervals(start)": lambda: cal.open_intervals(naive, aware),
        "open_intervals(end)": lambda: cal.open_intervals(aware, naive, reverse=True),
        "business_day(t)": lambda: cal.business_day(naive),
        "end_of_business_day(t)": lambda: cal.end_of_business_day(naive),
    }


@pytest.mark.parametrize(
    "call",
    [
        "elapsed(start)",
        "elapsed(end)",
        "add(t)",
        "is_open(t)",
        "next_open(t)",
        "next_close(t)",
        "open_intervals(start)",
        "open_intervals(end)",
        "business_day(t)",
        "end_of_business_day(t)",
    ],
)
def test_naive_datetime_is_refused_naming_the_argument(ny95: BusinessCalendar, call: str) -> None:
    calls = _public_calls(ny95, datetime(2026, 11, 23, 9), ny(2026, 11, 23, 9))
    with pytest.raises(NaiveDatetimeError) as caught:
        calls[call]()  # type: ignore[operator]
    argument = call.split("(")[1].rstrip(")")
    assert caught.value.field == argument
    assert argument in str(caught.value) and "timezone-aware" in str(caught.value)
    assert isinstance(caught.value, TypeError) and caught.value.code == "naive_datetime"


def test_wrong_types_are_type_errors(ny95: BusinessCalendar) -> None:
    with pytest.raises(TypeError, match="d must be a timedelta"):
        ny95.add(ny(2026, 11, 23, 9), 3600)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="day must be a date"):
        ny95.is_business_day(ny(2026, 11, 23, 9))
    with pytest.raises(TypeError, match="spec must be a CalendarSpec"):
        BusinessCalendar({"name": "x"})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("t", "d"),
    [
        pytest.param(utc(2026, 11, 23), timedelta(days=999_999_999), id="max-timedelta-forward"),
        pytest.param(utc(2026, 11, 23), timedelta(days=-999_999_999), id="max-timedelta-back"),
        # 8,000 years of 40-hour weeks (about 16.7 million hours) cannot fit before 9999.
        pytest.param(utc(2026, 11, 23), timedelta(hours=20_000_000), id="business-years-forward"),
        pytest.param(utc(9999, 12, 30), timedelta(days=30), id="near-the-end"),
        pytest.param(utc(1, 1, 10), timedelta(days=-30), id="near-the-start"),
    ],
)
@pytest.mark.timeout(5)
def test_add_out_of_range_is_a_clear_error_without_walking(ny95: BusinessCalendar, t: datetime, d: timedelta) -> None:
    with pytest.raises(DurationOutOfRangeError) as caught:
        ny95.add(t, d)
    assert isinstance(caught.value, SLAError) and caught.value.code == "duration_out_of_range"


def test_add_near_year_9999_still_answers(ny_24x7: BusinessCalendar) -> None:
    # 24x7 is real time: 9999-12-30 00:00Z + 24 h = 9999-12-31 00:00Z.
    assert same_instant(ny_24x7.add(utc(9999, 12, 30), 24 * H), utc(9999, 12, 31))
    # Year 2 back to year 1: 0002-01-01 12:00Z - 24 h = 0001-12-31 12:00Z.
    assert same_instant(ny_24x7.add(utc(2, 1, 1, 12), -24 * H), utc(1, 12, 31, 12))


def test_open_intervals_reverse_walks_back_from_the_end(ny95: BusinessCalendar) -> None:
    # Fri 11-27 12:00 .. Tue 12-01 12:00: Fri 12-17, Mon 09-17, Tue 09-12.
    forward = [
        (ny(2026, 11, 27, 12), ny(2026, 11, 27, 17)),
        (ny(2026, 11, 30, 9), ny(2026, 11, 30, 17)),
        (ny(2026, 12, 1, 9), ny(2026, 12, 1, 12)),
    ]
    a, b = ny(2026, 11, 27, 12), ny(2026, 12, 1, 12)
    assert list(ny95.open_intervals(a, b)) == forward
    assert list(ny95.open_intervals(a, b, reverse=True)) == forward[::-1]
    assert list(ny95.open_intervals(b, a)) == []


def test_from_dict_and_load_delegate_to_the_schema_and_files() -> None:
    cal = BusinessCalendar.from_dict({"name": "ny", "timezone": "America/New_York", "hours": {"mon": ["09:00-17:00"]}})
    assert (cal.name, cal.zone) == ("ny", NY)
    # Mon 2026-11-23 16:00 + 2 h: 1 h Monday, 1 h the next Monday (11-30) -> 10:00 EST = 15:00Z.
    assert same_instant(cal.add(ny(2026, 11, 23, 16), 2 * H), utc(2026, 11, 30, 15))
    assert BusinessCalendar.load("us-ny-9x5").zone == NY


@pytest.mark.timeout(30)
def test_a_long_walk_is_exact(ny_24x7: BusinessCalendar) -> None:
    # 24x7 is real time: 500 x 365 days from 2026-11-23 12:00Z.
    start = utc(2026, 11, 23, 12)
    span = timedelta(days=500 * 365)
    assert same_instant(ny_24x7.add(start, span), start + span)


def test_years_past_the_holiday_data_never_raise() -> None:
    cal = BusinessCalendar(make_spec("America/New_York", WEEKDAYS_9_17, country="US"))
    # holidays 0.109 has US dates through 2100 only; 2150-07-04 (a Saturday) is
    # then no holiday and Monday 07-06 opens as usual.
    assert cal.holidays_between(date(2150, 1, 1), date(2150, 12, 31)) == []
    assert cal.is_business_day(date(2150, 7, 6))
    # Fri 2150-07-03 16:00 EDT + 2 h: 1 h Friday, Mon 07-06 09:00 + 1 h = 10:00 EDT = 14:00Z.
    assert same_instant(cal.add(datetime(2150, 7, 3, 16, tzinfo=NY), 2 * H), utc(2150, 7, 6, 14))


def test_concurrent_first_use_from_threads_gives_the_single_thread_answers() -> None:
    from concurrent.futures import ThreadPoolExecutor

    spec = make_spec("America/New_York", WEEKDAYS_9_17, country="US")
    starts = [ny(year, 3, 9, 10) for year in range(2020, 2040)]
    expected = [BusinessCalendar(spec).add(t, 500 * H).astimezone(UTC) for t in starts]
    shared = BusinessCalendar(spec)
    with ThreadPoolExecutor(max_workers=8) as pool:
        found = list(pool.map(lambda t: shared.add(t, 500 * H).astimezone(UTC), starts))
    assert found == expected
