"""Calendar definitions to CalendarSpec: the schema, every validation error, the round trip."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sla_timers.clock.schema import parse_calendar, spec_to_dict
from sla_timers.clock.spec import CalendarSpec, DatedWindow, Window
from sla_timers.errors import (
    CalendarError,
    InvalidWindowError,
    NoOpenTimeError,
    OverlappingWindowsError,
    SLAError,
    UnknownTimezoneError,
)

NINE_TO_FIVE = Window(time(9), time(17))


def cal(**changes: Any) -> dict[str, Any]:
    """A valid New York Monday-to-Friday definition with ``changes`` applied."""
    data: dict[str, Any] = {
        "name": "test",
        "timezone": "America/New_York",
        "hours": {day: ["09:00-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")},
    }
    data.update(changes)
    return data


def hours(**days: list[str]) -> dict[str, list[str]]:
    return dict(days)


# --- what a valid definition gives --------------------------------------------------


def test_design_example_parses_to_the_spec_it_describes() -> None:
    # The example of DESIGN.md, "Calendar schema", with the Thursday it elides: its
    # closure (Thu 2026-12-31 13:00-17:00) must meet an open window.
    spec = parse_calendar(
        {
            "name": "us-ny-9x5",
            "timezone": "America/New_York",
            "hours": {
                "mon": ["09:00-12:00", "13:00-17:00"],
                "tue": ["09:00-17:00"],
                "thu": ["09:00-17:00"],
                "sat": [],
            },
            "holidays": {"country": "US", "subdiv": "NY", "dates": ["2026-12-24"]},
            "closures": [{"date": "2026-12-31", "from": "13:00", "to": "17:00"}],
            "openings": [{"date": "2026-11-28", "from": "10:00", "to": "14:00"}],
        }
    )
    assert spec == CalendarSpec(
        name="us-ny-9x5",
        timezone="America/New_York",
        hours=(
            (Window(time(9), time(12)), Window(time(13), time(17))),
            (NINE_TO_FIVE,),
            (),
            (NINE_TO_FIVE,),
            (),
            (),
            (),
        ),
        holiday_country="US",
        holiday_subdiv="NY",
        closed_dates=frozenset({date(2026, 12, 24)}),
        closures=(DatedWindow(date(2026, 12, 31), Window(time(13), time(17))),),
        openings=(DatedWindow(date(2026, 11, 28), Window(time(10), time(14))),),
    )


def test_windows_come_back_sorted_by_start() -> None:
    spec = parse_calendar(cal(hours={"mon": ["13:00-17:00", "22:00-02:00", "08:00-12:00"]}))
    assert [str(w) for w in spec.hours[0]] == ["08:00-12:00", "13:00-17:00", "22:00-02:00"]


@pytest.mark.parametrize(
    ("text", "start", "end", "minutes"),
    [
        pytest.param("00:00-24:00", time(0), time(0), 1440, id="whole-day"),
        pytest.param("22:00-24:00", time(22), time(0), 120, id="to-midnight"),
        pytest.param("22:00-06:00", time(22), time(6), 480, id="overnight"),
        pytest.param("09:30-09:29", time(9, 30), time(9, 29), 1439, id="one-minute-short-of-a-day"),
    ],
)
def test_window_forms(text: str, start: time, end: time, minutes: int) -> None:
    (window,) = parse_calendar(cal(hours={"wed": [text]})).hours[2]
    assert window == Window(start, end)
    assert window.end_minute - window.start_minute == minutes
    assert str(window) == text


def test_touching_windows_are_valid() -> None:
    # Touching is not overlapping: [09:00, 12:00) and [12:00, 17:00); Mon 22:00-24:00
    # then Tue 00:00; Sun 22:00-05:00 then Mon 05:00.
    spec = parse_calendar(
        cal(
            hours={
                "mon": ["09:00-12:00", "12:00-17:00", "22:00-24:00"],
                "tue": ["00:00-06:00"],
                "sun": ["22:00-05:00"],
            }
        )
    )
    assert [str(w) for w in spec.hours[0]] == ["09:00-12:00", "12:00-17:00", "22:00-24:00"]


def test_missing_weekdays_and_sections_are_closed_and_empty() -> None:
    spec = parse_calendar({"name": "x", "timezone": "UTC", "hours": {"fri": ["09:00-17:00"]}})
    assert spec.hours == ((), (), (), (), (NINE_TO_FIVE,), (), ())
    assert (spec.holiday_country, spec.holiday_subdiv) == (None, None)
    assert (spec.closed_dates, spec.closures, spec.openings) == (frozenset(), (), ())


def test_toml_native_dates_are_accepted() -> None:
    # TOML `dates = [2026-12-24]` (unquoted) arrives as datetime.date.
    spec = parse_calendar(
        cal(
            holidays={"dates": [date(2026, 12, 24)]},
            closures=[{"date": date(2026, 12, 31), "from": "13:00", "to": "17:00"}],
        )
    )
    assert spec.closed_dates == {date(2026, 12, 24)}
    assert spec.closures[0].day == date(2026, 12, 31)


def test_openings_may_cross_midnight_and_end_at_24() -> None:
    # Sat 22:00 to Sun 02:00, then Sun 02:00 to Mon 00:00: touching, not overlapping.
    spec = parse_calendar(
        cal(
            openings=[
                {"date": "2026-11-29", "from": "02:00", "to": "24:00"},
                {"date": "2026-11-28", "from": "22:00", "to": "02:00"},
            ]
        )
    )
    assert [(o.day, str(o.window)) for o in spec.openings] == [
        (date(2026, 11, 28), "22:00-02:00"),
        (date(2026, 11, 29), "02:00-24:00"),
    ]


def test_closure_may_fall_in_the_previous_dates_overnight_spill() -> None:
    # Mon 2026-11-23 22:00-05:00 runs to Tue 05:00; a Tue 01:00-02:00 closure closes part of it.
    spec = parse_calendar(
        cal(
            hours={"mon": ["22:00-05:00"]},
            closures=[{"date": "2026-11-24", "from": "01:00", "to": "02:00"}],
        )
    )
    assert spec.closures == (DatedWindow(date(2026, 11, 24), Window(time(1), time(2))),)


def test_closure_may_fall_in_an_opening() -> None:
    # Saturday is closed weekly; the opening makes 10:00-14:00 open, the closure trims it.
    spec = parse_calendar(
        cal(
            openings=[{"date": "2026-11-28", "from": "10:00", "to": "14:00"}],
            closures=[{"date": "2026-11-28", "from": "12:00", "to": "13:00"}],
        )
    )
    assert len(spec.closures) == 1


def test_opening_may_cover_a_holiday_inside_weekly_hours() -> None:
    # The main use of an opening: open on a public holiday (Thanksgiving, Thu
    # 2026-11-26) for part of the usual hours. Overlap with weekly hours is a union.
    spec = parse_calendar(
        cal(
            holidays={"country": "US", "subdiv": "NY"},
            openings=[{"date": "2026-11-26", "from": "10:00", "to": "14:00"}],
        )
    )
    assert spec.openings == (DatedWindow(date(2026, 11, 26), Window(time(10), time(14))),)


# --- round trip -------------------------------------------------------------------------

ROUND_TRIP = [
    pytest.param(cal(), id="nine-to-five"),
    pytest.param(
        cal(hours={"mon": ["22:00-05:00"], "sun": ["00:00-24:00"], "sat": ["12:00-24:00"]}),
        id="overnight-and-whole-days",
    ),
    pytest.param(
        cal(
            holidays={"country": "DE", "subdiv": "BY", "dates": ["2026-12-31", "2026-12-24"]},
            closures=[
                {"date": "2026-12-30", "from": "13:00", "to": "17:00"},
                {"date": "2026-12-29", "from": "09:00", "to": "10:00"},
            ],
            openings=[
                {"date": "2026-11-28", "from": "22:00", "to": "02:00"},
                {"date": "2026-11-22", "from": "00:00", "to": "24:00"},
            ],
        ),
        id="everything",
    ),
    pytest.param(
        {
            "name": "openings only",
            "timezone": "Asia/Kathmandu",
            "openings": [{"date": "2026-01-01", "from": "09:00", "to": "17:00"}],
        },
        id="openings-only",
    ),
]


@pytest.mark.parametrize("data", ROUND_TRIP)
def test_round_trip(data: dict[str, Any]) -> None:
    spec = parse_calendar(data)
    assert parse_calendar(spec_to_dict(spec)) == spec


def test_spec_to_dict_writes_the_schema() -> None:
    spec = parse_calendar(
        cal(
            hours={"mon": ["13:00-17:00", "22:00-24:00", "09:00-12:00"]},
            holidays={"country": "US", "dates": ["2026-12-24"]},
            openings=[{"date": "2026-11-28", "from": "22:00", "to": "02:00"}],
        )
    )
    assert spec_to_dict(spec) == {
        "name": "test",
        "timezone": "America/New_York",
        "hours": {
            "mon": ["09:00-12:00", "13:00-17:00", "22:00-24:00"],
            "tue": [],
            "wed": [],
            "thu": [],
            "fri": [],
            "sat": [],
            "sun": [],
        },
        "holidays": {"country": "US", "dates": ["2026-12-24"]},
        "openings": [{"date": "2026-11-28", "from": "22:00", "to": "02:00"}],
    }


# --- every validation error: class, code, field, message ----------------------------------

ERRORS = [
    # (data, error class, code, field, the whole message)
    pytest.param(
        cal(hours={"mon": ["09:00-12:00", "09:00-09:00"]}),
        InvalidWindowError,
        "invalid_window",
        "hours.mon[1]",
        'hours.mon[1]: "09:00-09:00" is empty; write "00:00-24:00" for a whole day',
        id="empty-window",
    ),
    pytest.param(
        cal(hours={"tue": ["00:00-00:00"]}),
        InvalidWindowError,
        "invalid_window",
        "hours.tue[0]",
        'hours.tue[0]: "00:00-00:00" is empty; write "00:00-24:00" for a whole day',
        id="midnight-to-midnight",
    ),
    pytest.param(
        cal(hours={"mon": ["25:00-26:00"]}),
        InvalidWindowError,
        "invalid_window",
        "hours.mon[0]",
        'hours.mon[0]: "25:00-26:00": hour 25 is out of range (00-23, or 24:00 as an end)',
        id="hour-25",
    ),
    pytest.param(
        cal(hours={"mon": ["24:00-02:00"]}),
        InvalidWindowError,
        "invalid_window",
        "hours.mon[0]",
        'hours.mon[0]: "24:00-02:00": 24:00 can only end a window; write 00:00 to start at midnight',
        id="24-as-start",
    ),
    pytest.param(
        cal(hours={"mon": ["09:00-24:30"]}),
        InvalidWindowError,
        "invalid_window",
        "hours.mon[0]",
        'hours.mon[0]: "09:00-24:30": hour 24 is out of range (00-23, or 24:00 as an end)',
        id="24-30",
    ),
    pytest.param(
        cal(hours={"fri": ["09:00-17:00", "9-17"]}),
        InvalidWindowError,
        "invalid_window",
        "hours.fri[1]",
        'hours.fri[1]: "9-17" is not "HH:MM-HH:MM" (two digits each, e.g. "09:00-17:00")',
        id="bare-hours",
    ),
    pytest.param(
        cal(hours={"mon": ["09:60-17:00"]}),
        InvalidWindowError,
        "invalid_window",
        "hours.mon[0]",
        'hours.mon[0]: "09:60-17:00": minute 60 is out of range (00-59)',
        id="minute-60",
    ),
    pytest.param(
        cal(hours={"mon": ["09:00:00-17:00:00"]}),
        InvalidWindowError,
        "invalid_window",
        "hours.mon[0]",
        'hours.mon[0]: "09:00:00-17:00:00" has seconds; times are "HH:MM"',
        id="seconds",
    ),
    pytest.param(
        cal(hours={"mon": ["09:00 to 17:00"]}),
        InvalidWindowError,
        "invalid_window",
        "hours.mon[0]",
        'hours.mon[0]: "09:00 to 17:00" is not a window; write "HH:MM-HH:MM", e.g. "09:00-17:00"',
        id="no-dash",
    ),
    pytest.param(
        cal(hours={"mon": ["\u0669\u0660:00-17:00"]}),  # Arabic-Indic digits: not ASCII
        InvalidWindowError,
        "invalid_window",
        "hours.mon[0]",
        'hours.mon[0]: "\u0669\u0660:00-17:00" is not "HH:MM-HH:MM" (two digits each, e.g. "09:00-17:00")',
        id="non-ascii-digits",
    ),
    pytest.param(
        cal(hours={"mon": [900]}),
        InvalidWindowError,
        "invalid_window",
        "hours.mon[0]",
        'hours.mon[0]: expected a string like "09:00-17:00", got integer 900',
        id="window-not-a-string",
    ),
    pytest.param(
        cal(hours={"mon": ["09:00-12:00", "11:00-13:00"]}),
        OverlappingWindowsError,
        "overlapping_windows",
        "hours.mon[1]",
        'hours.mon[1]: "11:00-13:00" overlaps hours.mon[0] "09:00-12:00"; windows may touch but not overlap',
        id="same-day",
    ),
    pytest.param(
        cal(hours={"mon": ["09:00-17:00", "09:00-17:00"]}),
        OverlappingWindowsError,
        "overlapping_windows",
        "hours.mon[1]",
        'hours.mon[1]: "09:00-17:00" overlaps hours.mon[0] "09:00-17:00"; windows may touch but not overlap',
        id="duplicate",
    ),
    pytest.param(
        cal(hours={"mon": ["22:00-05:00"], "tue": ["04:00-09:00"]}),
        OverlappingWindowsError,
        "overlapping_windows",
        "hours.tue[0]",
        'hours.tue[0]: "04:00-09:00" overlaps hours.mon[0] "22:00-05:00" '
        "(it runs past midnight to 05:00); windows may touch but not overlap",
        id="overnight-into-next-day",
    ),
    pytest.param(
        cal(hours={"sun": ["20:00-08:00"], "mon": ["07:00-17:00"]}),
        OverlappingWindowsError,
        "overlapping_windows",
        "hours.mon[0]",
        'hours.mon[0]: "07:00-17:00" overlaps hours.sun[0] "20:00-08:00" '
        "(it runs past midnight to 08:00); windows may touch but not overlap",
        id="sunday-overnight-into-monday",
    ),
    pytest.param(
        cal(hours={"mon": ["23:00-22:00", "22:30-23:30"]}),
        OverlappingWindowsError,
        "overlapping_windows",
        "hours.mon[0]",
        'hours.mon[0]: "23:00-22:00" overlaps hours.mon[1] "22:30-23:30"; windows may touch but not overlap',
        id="23h-window-vs-same-day",
    ),
    pytest.param(
        {"name": "closed", "timezone": "UTC", "hours": {"sat": [], "sun": []}},
        NoOpenTimeError,
        "no_open_time",
        "hours",
        "hours: the calendar is never open (no weekly hours and no openings); "
        'add e.g. mon = ["09:00-17:00"] under [hours]',
        id="no-open-time",
    ),
    pytest.param(
        {"name": "closed", "timezone": "UTC"},
        NoOpenTimeError,
        "no_open_time",
        "hours",
        "hours: the calendar is never open (no weekly hours and no openings); "
        'add e.g. mon = ["09:00-17:00"] under [hours]',
        id="no-hours-at-all",
    ),
    pytest.param(
        cal(hour={"mon": ["09:00-17:00"]}),
        CalendarError,
        "invalid_calendar",
        "hour",
        'hour: unknown key "hour"; did you mean "hours"? '
        "(expected one of: name, timezone, hours, holidays, closures, openings)",
        id="unknown-top-level-key",
    ),
    pytest.param(
        cal(hours={"monday": ["09:00-17:00"]}),
        CalendarError,
        "invalid_calendar",
        "hours.monday",
        'hours.monday: unknown key "monday"; did you mean "mon"? (expected one of: mon, tue, wed, thu, fri, sat, sun)',
        id="unknown-weekday",
    ),
    pytest.param(
        cal(hours={"Tue": ["09:00-17:00"]}),
        CalendarError,
        "invalid_calendar",
        "hours.Tue",
        'hours.Tue: unknown key "Tue"; did you mean "tue"? (expected one of: mon, tue, wed, thu, fri, sat, sun)',
        id="weekday-case",
    ),
    pytest.param(
        cal(hours={"mon": "09:00-17:00"}),
        CalendarError,
        "invalid_calendar",
        "hours.mon",
        'hours.mon: expected an array, got string "09:00-17:00"; write e.g. ["09:00-17:00"]',
        id="string-for-list",
    ),
    pytest.param(
        cal(hours=["09:00-17:00"]),
        CalendarError,
        "invalid_calendar",
        "hours",
        "hours: expected a table of weekday -> windows, got array ['09:00-17:00']",
        id="list-for-table",
    ),
    pytest.param(
        {"timezone": "UTC", "hours": {"mon": ["09:00-17:00"]}},
        CalendarError,
        "invalid_calendar",
        "name",
        "name: is required",
        id="name-missing",
    ),
    pytest.param(
        cal(name=7),
        CalendarError,
        "invalid_calendar",
        "name",
        "name: expected a string, got integer 7",
        id="name-not-a-string",
    ),
    pytest.param(
        cal(name="  "),
        CalendarError,
        "invalid_calendar",
        "name",
        "name: must not be empty",
        id="name-blank",
    ),
    pytest.param(
        cal(holidays={"country": "XX"}),
        CalendarError,
        "invalid_calendar",
        "holidays.country",
        'holidays.country: "XX" is not a country code the holidays package supports (ISO 3166-1 alpha-2, upper case)',
        id="unknown-country",
    ),
    pytest.param(
        cal(holidays={"country": "us"}),
        CalendarError,
        "invalid_calendar",
        "holidays.country",
        'holidays.country: "us" is not a country code the holidays package supports '
        '(ISO 3166-1 alpha-2, upper case); did you mean "US"?',
        id="country-lower-case",
    ),
    pytest.param(
        cal(holidays={"country": "US", "subdiv": "ZZ"}),
        CalendarError,
        "invalid_calendar",
        "holidays.subdiv",
        None,
        id="unknown-subdiv",
    ),
    pytest.param(
        cal(holidays={"country": "GB", "subdiv": "England"}),
        CalendarError,
        "invalid_calendar",
        "holidays.subdiv",
        'holidays.subdiv: "England" is not a subdivision of GB in the holidays package '
        '(codes: ENG, NIR, SCT, WLS); did you mean "ENG"?',
        id="subdiv-alias-name",
    ),
    pytest.param(
        cal(holidays={"country": "GB", "subdiv": "eng"}),
        CalendarError,
        "invalid_calendar",
        "holidays.subdiv",
        'holidays.subdiv: "eng" is not a subdivision of GB in the holidays package '
        '(codes: ENG, NIR, SCT, WLS); did you mean "ENG"?',
        id="subdiv-lower-case",
    ),
    pytest.param(
        cal(holidays={"country": "IS", "subdiv": "1"}),
        CalendarError,
        "invalid_calendar",
        "holidays.subdiv",
        "holidays.subdiv: the holidays package has no subdivisions for IS; remove subdiv",
        id="subdiv-of-country-without-any",
    ),
    pytest.param(
        cal(holidays={"subdiv": "NY"}),
        CalendarError,
        "invalid_calendar",
        "holidays.subdiv",
        'holidays.subdiv: needs holidays.country (e.g. country = "US", subdiv = "NY")',
        id="subdiv-without-country",
    ),
    pytest.param(
        cal(holidays={"country": "US", "state": "NY"}),
        CalendarError,
        "invalid_calendar",
        "holidays.state",
        'holidays.state: unknown key "state"; write subdiv (the holidays package\'s name for a state or province)',
        id="holidays-state-for-subdiv",
    ),
    pytest.param(
        cal(holidays={"country": "US", "year": 2026}),
        CalendarError,
        "invalid_calendar",
        "holidays.year",
        'holidays.year: unknown key "year" (expected one of: country, subdiv, dates)',
        id="unknown-holidays-key",
    ),
    pytest.param(
        cal(holidays={"dates": ["2026-02-30"]}),
        CalendarError,
        "invalid_calendar",
        "holidays.dates[0]",
        'holidays.dates[0]: "2026-02-30" is not a valid date (day is out of range for month)',
        id="date-february-30",
    ),
    pytest.param(
        cal(holidays={"dates": ["2026-12-24", "24/12/2026"]}),
        CalendarError,
        "invalid_calendar",
        "holidays.dates[1]",
        'holidays.dates[1]: "24/12/2026" is not a date "YYYY-MM-DD"',
        id="date-wrong-format",
    ),
    pytest.param(
        cal(holidays={"dates": [datetime(2026, 12, 24, 9)]}),
        CalendarError,
        "invalid_calendar",
        "holidays.dates[0]",
        'holidays.dates[0]: expected a date "YYYY-MM-DD", got datetime 2026-12-24T09:00:00',
        id="datetime-for-date",
    ),
    pytest.param(
        cal(holidays={"dates": "2026-12-24"}),
        CalendarError,
        "invalid_calendar",
        "holidays.dates",
        'holidays.dates: expected an array, got string "2026-12-24"; write e.g. ["2026-12-24"]',
        id="dates-not-a-list",
    ),
    pytest.param(
        cal(closures=[{"date": "2026-12-31", "from": "13:00"}]),
        CalendarError,
        "invalid_calendar",
        "closures[0].to",
        "closures[0].to: is required",
        id="closure-missing-to",
    ),
    pytest.param(
        cal(closures=[{"date": "2026-12-31", "from": "13:00", "to": "17:00", "until": "x"}]),
        CalendarError,
        "invalid_calendar",
        "closures[0].until",
        'closures[0].until: unknown key "until" (expected one of: date, from, to)',
        id="closure-unknown-key",
    ),
    pytest.param(
        cal(closures={"date": "2026-12-31", "from": "13:00", "to": "17:00"}),
        CalendarError,
        "invalid_calendar",
        "closures",
        "closures: expected an array, got table {'date': '2026-12-31', 'from': '13:00', 'to': '17:00'}; "
        "write e.g. "
        '[{date = "2026-12-31", from = "13:00", to = "17:00"}]',
        id="closures-table-not-list",
    ),
    pytest.param(
        cal(closures=["2026-12-31"]),
        CalendarError,
        "invalid_calendar",
        "closures[0]",
        'closures[0]: expected a table with date, from, to, got string "2026-12-31"',
        id="closure-not-a-table",
    ),
    pytest.param(
        cal(closures=[{"date": "2026-12-31", "from": "24:00", "to": "17:00"}]),
        InvalidWindowError,
        "invalid_window",
        "closures[0].from",
        'closures[0].from: "24:00": 24:00 can only end a window; write 00:00 to start at midnight',
        id="closure-from-24",
    ),
    pytest.param(
        cal(closures=[{"date": "2026-12-31", "from": "13:00", "to": 17}]),
        InvalidWindowError,
        "invalid_window",
        "closures[0].to",
        'closures[0].to: expected a time "HH:MM", got integer 17',
        id="closure-to-not-a-string",
    ),
    pytest.param(
        cal(closures=[{"date": "2026-12-31", "from": "13:00", "to": "13:00"}]),
        InvalidWindowError,
        "invalid_window",
        "closures[0].to",
        'closures[0]: from "13:00" to "13:00" is empty; write from = "00:00", to = "24:00" for a whole day',
        id="closure-empty",
    ),
    pytest.param(
        cal(closures=[{"date": "2026-12-31", "from": "16:00", "to": "01:00"}]),
        InvalidWindowError,
        "invalid_window",
        "closures[0].to",
        "closures[0]: a closure cannot cross midnight (16:00 to 01:00); split it into one closure per date",
        id="closure-across-midnight",
    ),
    pytest.param(
        cal(closures=[{"date": "2026-31-12", "from": "13:00", "to": "17:00"}]),
        CalendarError,
        "invalid_calendar",
        "closures[0].date",
        'closures[0].date: "2026-31-12" is not a valid date (month must be in 1..12)',
        id="closure-bad-date",
    ),
    pytest.param(
        # Thu 2026-12-31 is open 09:00-17:00; 18:00-20:00 meets nothing.
        cal(closures=[{"date": "2026-12-31", "from": "18:00", "to": "20:00"}]),
        CalendarError,
        "invalid_calendar",
        "closures[0]",
        "closures[0]: 2026-12-31 18:00-20:00 is outside every open window of that date (Thu), so it closes nothing",
        id="closure-outside-hours",
    ),
    pytest.param(
        # Sat 2026-11-28: no weekly hours; Fri's 09:00-17:00 does not spill.
        cal(closures=[{"date": "2026-11-28", "from": "00:00", "to": "24:00"}]),
        CalendarError,
        "invalid_calendar",
        "closures[0]",
        "closures[0]: 2026-11-28 00:00-24:00 is outside every open window of that date (Sat), so it closes nothing",
        id="closure-on-closed-weekday",
    ),
    pytest.param(
        # Mon 2026-11-23 is listed as a closed date: its window does not open.
        cal(
            holidays={"dates": ["2026-11-23"]},
            closures=[{"date": "2026-11-23", "from": "10:00", "to": "11:00"}],
        ),
        CalendarError,
        "invalid_calendar",
        "closures[0]",
        "closures[0]: 2026-11-23 10:00-11:00 is outside every open window of that date (Mon), so it closes nothing",
        id="closure-on-closed-date",
    ),
    pytest.param(
        # Mon 22:00-05:00 spills to Tue 05:00; Tue 06:00-07:00 is past it.
        cal(
            hours={"mon": ["22:00-05:00"]},
            closures=[{"date": "2026-11-24", "from": "05:00", "to": "07:00"}],
        ),
        CalendarError,
        "invalid_calendar",
        "closures[0]",
        "closures[0]: 2026-11-24 05:00-07:00 is outside every open window of that date (Tue), so it closes nothing",
        id="closure-just-after-the-spill",
    ),
    pytest.param(
        cal(openings=[{"date": "2026-11-28", "from": "10:00", "to": "10:00"}]),
        InvalidWindowError,
        "invalid_window",
        "openings[0].to",
        'openings[0]: from "10:00" to "10:00" is empty; write from = "00:00", to = "24:00" for a whole day',
        id="opening-empty",
    ),
    pytest.param(
        cal(
            openings=[
                {"date": "2026-11-28", "from": "22:00", "to": "02:00"},
                {"date": "2026-11-29", "from": "01:00", "to": "03:00"},
            ]
        ),
        OverlappingWindowsError,
        "overlapping_windows",
        "openings[1]",
        "openings[1]: 2026-11-29 01:00-03:00 overlaps openings[0] 2026-11-28 22:00-02:00",
        id="openings-overlap-across-midnight",
    ),
]


@pytest.mark.parametrize(("data", "error", "code", "field", "message"), ERRORS)
def test_validation_errors(
    data: dict[str, Any], error: type[SLAError], code: str, field: str, message: str | None
) -> None:
    with pytest.raises(error) as caught:
        parse_calendar(data)
    assert type(caught.value) is error
    assert caught.value.code == code
    assert caught.value.field == field
    if message is not None:
        assert str(caught.value) == message


def test_unknown_subdivision_lists_the_codes() -> None:
    with pytest.raises(CalendarError) as caught:
        parse_calendar(cal(holidays={"country": "US", "subdiv": "ZZ"}))
    assert '"ZZ" is not a subdivision of US' in str(caught.value)
    assert "NY" in str(caught.value) and "CA" in str(caught.value)


def test_every_calendar_error_is_a_value_error_and_an_sla_error() -> None:
    with pytest.raises(ValueError):
        parse_calendar(cal(hours={"mon": ["09:00-09:00"]}))


def test_not_a_mapping() -> None:
    expected = r"^expected a calendar table, got array \['name', 'x'\]$"
    with pytest.raises(CalendarError, match=expected):
        parse_calendar(["name", "x"])  # type: ignore[arg-type]


# --- time zones ----------------------------------------------------------------------------

ZONES = [
    # (zone, the start of the hint: the closest names depend on the zone list)
    pytest.param("Mars/Olympus", "", id="unknown"),
    pytest.param("america/new_york", '; did you mean "America/New_York"?', id="case"),
    pytest.param("Europe/Londn", '; did you mean "Europe/London"?', id="typo"),
    pytest.param("../etc/passwd", "", id="path"),
    pytest.param("/usr/share/zoneinfo/UTC", "", id="absolute-path"),
    pytest.param("", "", id="empty"),
    pytest.param("America/New_York ", '; did you mean "America/New_York"?', id="trailing-space"),
]


@pytest.mark.parametrize(("zone", "hint"), ZONES)
def test_unknown_timezone(zone: str, hint: str) -> None:
    with pytest.raises(UnknownTimezoneError) as caught:
        parse_calendar(cal(timezone=zone))
    assert caught.value.code == "unknown_timezone"
    assert caught.value.field == "timezone"
    message = str(caught.value)
    # Zones show as TOML writes a string: in double quotes, JSON escapes.
    fixed = f"timezone: {json.dumps(zone)} is not a known IANA zone (names match exactly, case included)"
    assert message.startswith(fixed + hint)
    if not hint:
        assert message == fixed


def test_host_local_zone_is_refused() -> None:
    # `localtime` loads on many Linux hosts (a link to the server's zone) but names no zone.
    with pytest.raises(UnknownTimezoneError, match="not a portable IANA zone name"):
        parse_calendar(cal(timezone="localtime"))


@pytest.mark.parametrize(("value", "shown"), [(None, "missing"), (5, "expected a string, got integer 5")])
def test_timezone_missing_or_not_a_string(value: object, shown: str) -> None:
    data = cal(timezone=value)
    if value is None:
        del data["timezone"]
    with pytest.raises(UnknownTimezoneError, match=f"^timezone: {shown}"):
        parse_calendar(data)


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kathmandu", "Australia/Lord_Howe", "America/Argentina/Buenos_Aires"])
def test_known_zones_pass_unchanged(zone: str) -> None:
    assert parse_calendar(cal(timezone=zone)).timezone == zone


@pytest.mark.timeout(1)
def test_no_open_time_is_refused_without_searching() -> None:
    # A calendar that is never open is refused by looking at its weekly hours,
    # not by searching the years for an opening; the timeout fails a search that hangs.
    with pytest.raises(NoOpenTimeError):
        parse_calendar({"name": "never", "timezone": "UTC", "hours": {}})


# --- arbitrary input never escapes as anything but SLAError -------------------------------------


@given(zone=st.text(max_size=40))
def test_any_zone_text_gives_a_spec_or_an_sla_error(zone: str) -> None:
    try:
        spec = parse_calendar(cal(timezone=zone))
    except SLAError as exc:
        assert isinstance(exc, UnknownTimezoneError)
    else:
        assert spec.timezone == zone


# Well-formed "HH:MM-HH:MM" with hours to 25 and minutes to 60 (so valid, empty,
# overlapping and out-of-range windows all come up), near misses, and any text.
_WINDOWISH = st.builds(
    "{:02d}:{:02d}-{:02d}:{:02d}".format,
    st.integers(0, 25),
    st.integers(0, 60),
    st.integers(0, 25),
    st.integers(0, 60),
)
_CLOCKISH = _WINDOWISH | st.text(alphabet="0123456789:-", max_size=13) | st.text(max_size=13)


@given(windows=st.lists(_CLOCKISH, max_size=4), sunday=st.lists(_CLOCKISH, max_size=2))
def test_any_window_text_gives_a_spec_or_an_sla_error(windows: list[str], sunday: list[str]) -> None:
    try:
        spec = parse_calendar(cal(hours={"mon": windows, "sun": sunday}))
    except SLAError:
        return
    # Whatever passed is sorted and non-overlapping, Sunday into Monday included.
    monday, sun = spec.hours[0], spec.hours[6]
    assert [w.start_minute for w in monday] == sorted(w.start_minute for w in monday)
    for a, b in zip(monday, monday[1:]):
        assert a.end_minute <= b.start_minute
    if sun and monday:
        assert sun[-1].end_minute - 1440 <= monday[0].start_minute
    assert parse_calendar(spec_to_dict(spec)) == spec


@given(
    when=st.one_of(st.text(max_size=12), st.dates().map(date.isoformat)),
    start=_CLOCKISH,
    end=_CLOCKISH,
)
def test_any_closure_or_opening_text_gives_a_spec_or_an_sla_error(when: str, start: str, end: str) -> None:
    for key in ("closures", "openings"):
        try:
            parse_calendar(cal(**{key: [{"date": when, "from": start, "to": end}]}))
        except SLAError:
            pass
