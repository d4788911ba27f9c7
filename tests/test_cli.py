"""The ``sla-timers`` command, run in-process through ``main``.

Expected instants are worked out by hand beside each case (calendar hours and
holiday rules), never produced by the engine under test.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sla_timers.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str], str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out.splitlines(), captured.err


# --- due -----------------------------------------------------------------------------------

DUE = [
    pytest.param(
        # Wed 16:30-17:00 = 30m; Thu 2026-11-26 Thanksgiving (fourth Thursday, 5 U.S.C.
        # 6103); Fri 09:00 + 3h30 = 12:30 EST.
        ["--calendar", "us-ny-9x5", "--from", "2026-11-25T16:30", "--in", "4h"],
        "2026-11-27T12:30:00-05:00",
        "due Fri 27 Nov 2026 12:30 EST: 4h of business time on us-ny-9x5 (America/New_York) "
        "from Wed 25 Nov 2026 16:30 EST",
        id="thanksgiving",
    ),
    pytest.param(
        # The same start written in UTC: 21:30Z = 16:30 EST.
        ["--calendar", "us-ny-9x5", "--from", "2026-11-25T21:30Z", "--in", "4h"],
        "2026-11-27T12:30:00-05:00",
        "due Fri 27 Nov 2026 12:30 EST: 4h of business time on us-ny-9x5 (America/New_York) "
        "from Wed 25 Nov 2026 16:30 EST",
        id="start-with-offset",
    ),
    pytest.param(
        # Mon 2026-11-23 16:00-17:00 = 1h; Tue 09:00 + 30m.
        ["--calendar", "us-ny-9x5", "--from", "2026-11-23T16:00", "--in", "1h30m"],
        "2026-11-24T09:30:00-05:00",
        "due Tue 24 Nov 2026 09:30 EST: 1h30m of business time on us-ny-9x5 (America/New_York) "
        "from Mon 23 Nov 2026 16:00 EST",
        id="hours-and-minutes",
    ),
    pytest.param(
        ["--calendar", "us-ny-9x5", "--from", "2026-11-23T16:00", "--in", "90m"],
        "2026-11-24T09:30:00-05:00",
        "due Tue 24 Nov 2026 09:30 EST: 1h30m of business time on us-ny-9x5 (America/New_York) "
        "from Mon 23 Nov 2026 16:00 EST",
        id="minutes-only",
    ),
    pytest.param(
        # Mon 16:59:30-17:00 = 30s; Tue 09:00 + 15s.
        ["--calendar", "us-ny-9x5", "--from", "2026-11-23T16:59:30", "--in", "45s"],
        "2026-11-24T09:00:15-05:00",
        "due Tue 24 Nov 2026 09:00:15 EST: 45s of business time on us-ny-9x5 (America/New_York) "
        "from Mon 23 Nov 2026 16:59:30 EST",
        id="seconds",
    ),
    pytest.param(
        # Backwards: Wed 09:00-09:15 = 15m; the other 15m before Tue's 17:00 close.
        ["--calendar", "us-ny-9x5", "--from", "2026-11-25T09:15", "--in=-30m"],
        "2026-11-24T16:45:00-05:00",
        "due Tue 24 Nov 2026 16:45 EST: -30m of business time on us-ny-9x5 (America/New_York) "
        "from Wed 25 Nov 2026 09:15 EST",
        id="negative",
    ),
    pytest.param(
        # Corpus Christi, Thu 2026-06-04 (Easter 5 April + 60 days), closed in Bavaria.
        # Wed 15:00-17:00 = 2h; Fri 08:00-12:00 = 4h; lunch; 13:00-14:00 = 1h.
        ["--calendar", "de-by-8x5-lunch", "--from", "2026-06-03T15:00", "--in", "7h"],
        "2026-06-05T14:00:00+02:00",
        "due Fri 05 Jun 2026 14:00 CEST: 7h of business time on de-by-8x5-lunch (Europe/Berlin) "
        "from Wed 03 Jun 2026 15:00 CEST",
        id="lunch-break",
    ),
]


@pytest.mark.parametrize(("args", "iso", "human"), DUE)
def test_due(capsys: pytest.CaptureFixture[str], args: list[str], iso: str, human: str) -> None:
    status, out, err = run(capsys, "due", *args)
    assert (status, out, err) == (0, [iso, human], "")


# --- elapsed ---------------------------------------------------------------------------------

ELAPSED = [
    pytest.param(
        # Wed 16:30-17:00 = 30m; Thu closed (Thanksgiving); Fri 09:00-12:30 = 3h30.
        ["--calendar", "us-ny-9x5", "--from", "2026-11-25T16:30", "--to", "2026-11-27T12:30"],
        "PT4H",
        "4h of business time on us-ny-9x5 (America/New_York) "
        "from Wed 25 Nov 2026 16:30 EST to Fri 27 Nov 2026 12:30 EST",
        id="thanksgiving",
    ),
    pytest.param(
        ["--calendar", "us-ny-9x5", "--from", "2026-11-27T12:30", "--to", "2026-11-25T16:30"],
        "-PT4H",
        "-4h of business time on us-ny-9x5 (America/New_York) "
        "from Fri 27 Nov 2026 12:30 EST to Wed 25 Nov 2026 16:30 EST",
        id="reversed",
    ),
    pytest.param(
        # BST ends Sun 2026-10-25: Fri 16:00-17:00 BST = 1h, Mon 09:00-10:00 GMT = 1h.
        ["--calendar", "gb-eng-9x5", "--from", "2026-10-23T16:00", "--to", "2026-10-26T10:00"],
        "PT2H",
        "2h of business time on gb-eng-9x5 (Europe/London) from Fri 23 Oct 2026 16:00 BST to Mon 26 Oct 2026 10:00 GMT",
        id="end-of-summer-time",
    ),
    pytest.param(
        ["--calendar", "24x7", "--from", "2026-11-23T09:00", "--to", "2026-11-23T10:01:01.5"],
        "PT1H1M1.5S",
        "1h1m1.5s of business time on 24x7 (UTC) from Mon 23 Nov 2026 09:00 UTC to Mon 23 Nov 2026 10:01:01 UTC",
        id="fraction-of-a-second",
    ),
    pytest.param(
        # Saturday to Sunday on Mon-Fri hours: nothing open.
        ["--calendar", "us-ny-9x5", "--from", "2026-11-28T09:00", "--to", "2026-11-29T17:00"],
        "PT0S",
        "0s of business time on us-ny-9x5 (America/New_York) "
        "from Sat 28 Nov 2026 09:00 EST to Sun 29 Nov 2026 17:00 EST",
        id="weekend",
    ),
]


@pytest.mark.parametrize(("args", "iso", "human"), ELAPSED)
def test_elapsed(capsys: pytest.CaptureFixture[str], args: list[str], iso: str, human: str) -> None:
    status, out, err = run(capsys, "elapsed", *args)
    assert (status, out, err) == (0, [iso, human], "")


def test_calendar_given_by_path(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # Tuesdays 22:00-02:00 in Kathmandu (+05:45, no DST): Tue 2026-11-24 23:00 to
    # Wed 01:30 is inside the one window: 2h30.
    path = tmp_path / "night.toml"
    path.write_text(
        'name = "night"\ntimezone = "Asia/Kathmandu"\n[hours]\ntue = ["22:00-02:00"]\n',
        encoding="utf-8",
    )
    status, out, _ = run(
        capsys,
        "elapsed",
        "--calendar",
        str(path),
        "--from",
        "2026-11-24T23:00",
        "--to",
        "2026-11-25T01:30",
    )
    assert (status, out[0]) == (0, "PT2H30M")


# --- calendars and calendar show -------------------------------------------------------------


def test_calendars_lists_shipped_names_with_zones(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "calendars")
    assert (status, err) == (0, "")
    assert out == [
        "24x7                 UTC",
        "au-nsw-9x5           Australia/Sydney  AU/NSW",
        "de-by-8x5-lunch      Europe/Berlin     DE/BY",
        "follow-the-sun-24x5  UTC",
        "gb-eng-9x5           Europe/London     GB/ENG",
        "in-ka-9x6            Asia/Kolkata      IN/KA",
        "us-ny-9x5            America/New_York  US/NY",
    ]


def test_calendar_show_a_file_in_full(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # Sat 2026-12-26 22:00-02:00 spills into Sun 12-27, so a Sunday 00:00-01:00
    # closure closes part of it. 2026-12-24 is a Thursday, 2026-12-27 a Sunday;
    # 2027-01-02 is not in 2026 and must not show.
    path = tmp_path / "shop.toml"
    path.write_text(
        """\
name = "shop"
timezone = "Europe/Paris"
[hours]
mon = ["13:00-17:00", "09:00-12:00"]
sat = ["22:00-02:00"]
[holidays]
dates = ["2027-01-02", "2026-12-24"]
[[closures]]
date = "2026-12-27"
from = "00:00"
to = "01:00"
[[openings]]
date = "2026-12-27"
from = "10:00"
to = "14:00"
""",
        encoding="utf-8",
    )
    status, out, err = run(capsys, "calendar", "show", str(path), "--year", "2026")
    assert (status, err) == (0, "")
    assert out == [
        "shop (Europe/Paris); holidays: none",
        "weekly hours:",
        "  mon  09:00-12:00, 13:00-17:00",
        "  tue  closed",
        "  wed  closed",
        "  thu  closed",
        "  fri  closed",
        "  sat  22:00-02:00",
        "  sun  closed",
        "closed days in 2026:",
        "  2026-12-24 Thu  Closed",
        "partial closures in 2026:",
        "  2026-12-27 Sun  00:00-01:00",
        "extra openings in 2026:",
        "  2026-12-27 Sun  10:00-14:00",
    ]


def test_calendar_show_new_york_2026(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "calendar", "show", "us-ny-9x5", "--year", "2026")
    assert (status, err) == (0, "")
    assert out[:10] == [
        "us-ny-9x5 (America/New_York); holidays: US/NY",
        "weekly hours:",
        "  mon  09:00-17:00",
        "  tue  09:00-17:00",
        "  wed  09:00-17:00",
        "  thu  09:00-17:00",
        "  fri  09:00-17:00",
        "  sat  closed",
        "  sun  closed",
        "closed days in 2026:",
    ]
    days = [line.split()[0] for line in out[10:]]
    # Dates by rule: New Year's Day; Independence Day (Sat 4 July) observed on Fri
    # 3 July (5 U.S.C. 6103(b)); Labor Day, first Monday of September; Election
    # Day, the Tuesday after the first Monday of November; Thanksgiving, fourth
    # Thursday of November; Christmas Day.
    for day in ["2026-01-01", "2026-07-03", "2026-09-07", "2026-11-03", "2026-11-26", "2026-12-25"]:
        assert day in days
    assert "2026-11-27" not in days  # the day after Thanksgiving is open in New York
    assert days == sorted(days) and all(day.startswith("2026-") for day in days)


def test_calendar_show_without_holidays_says_none(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = run(capsys, "calendar", "show", "24x7", "--year", "2026")
    assert status == 0
    assert out[0] == "24x7 (UTC); holidays: none"
    assert out[-1] == "closed days in 2026: none"


# --- bad input: one line on stderr, exit status 2 ---------------------------------------------

BAD = [
    pytest.param(
        ["due", "--calendar", "us-ny-9x5", "--from", "2026-03-08T02:30", "--in", "4h"],
        "sla-timers: error: --from: 2026-03-08T02:30 does not exist in America/New_York: the "
        "clocks jump from UTC-05:00 to UTC-04:00 over it; give a time after the jump or an "
        "explicit offset",
        id="spring-forward-gap",
    ),
    pytest.param(
        ["due", "--calendar", "us-ny-9x5", "--from", "2026-11-01T01:30", "--in", "4h"],
        "sla-timers: error: --from: 2026-11-01T01:30 is ambiguous in America/New_York: it "
        "happens twice, at UTC-04:00 and at UTC-05:00; add the offset you mean, e.g. "
        "2026-11-01T01:30:00-04:00",
        id="fall-back-repeat",
    ),
    pytest.param(
        ["elapsed", "--calendar", "us-ny-9x5", "--from", "2026-11-23T09:00", "--to", "tomorrow"],
        'sla-timers: error: --to: "tomorrow" is not an ISO 8601 date-time '
        "(e.g. 2026-11-25T16:30 or 2026-11-25T16:30-05:00)",
        id="not-iso",
    ),
    pytest.param(
        ["due", "--calendar", "us-ny-9x5", "--from", "2026-11-23T09:00", "--in", "2d"],
        'sla-timers: error: --in: "2d": days and weeks are not accepted, since a business day\'s '
        'length depends on the calendar; write hours, e.g. "48h"',
        id="days",
    ),
    pytest.param(
        ["due", "--calendar", "us-ny-9x5", "--from", "2026-11-23T09:00", "--in", "1h30"],
        'sla-timers: error: --in: "1h30" is not a duration; write "90m", "4h" or "1h30m"',
        id="unit-missing",
    ),
    pytest.param(
        ["due", "--calendar", "us-ny-9x5", "--from", "2026-11-23T09:00", "--in", "30m1h"],
        'sla-timers: error: --in: "30m1h" is not a duration: write units from largest to smallest, '
        'each once, e.g. "1h30m"',
        id="units-out-of-order",
    ),
    pytest.param(
        ["due", "--calendar", "us-ny-9x5", "--from", "2026-11-23T09:00", "--in", "43921h"],
        'sla-timers: error: --in: "43921h" is over five years (at most 43920h, five years of 366 days)',
        id="over-five-years",  # 5 x 366 days = 43920h
    ),
    pytest.param(
        ["due", "--calendar", "us-ny-9x5", "--from", "2026-11-23T09:00", "--in", "9" * 40 + "h"],
        f'sla-timers: error: --in: "{"9" * 40}h" is over five years (at most 43920h, five years of 366 days)',
        id="absurd-number",
    ),
    pytest.param(
        ["due", "--calendar", "us-ny-9x6", "--from", "2026-11-23T09:00", "--in", "4h"],
        "sla-timers: error: calendar 'us-ny-9x6': no shipped calendar has that name (shipped: "
        "24x7, au-nsw-9x5, de-by-8x5-lunch, follow-the-sun-24x5, gb-eng-9x5, in-ka-9x6, "
        "us-ny-9x5); did you mean 'us-ny-9x5' or 'au-nsw-9x5'?",
        id="unknown-calendar",
    ),
    pytest.param(
        ["due", "--calendar", "us-ny-9x5", "--from", "2026-11-23T09:00"],
        "sla-timers: error: the following arguments are required: --in (see 'sla-timers due --help')",
        id="missing-option",
    ),
    pytest.param(
        ["overdue"],
        "sla-timers: error: argument COMMAND: invalid choice: 'overdue' (choose from 'due', "
        "'elapsed', 'calendars', 'calendar', 'demo', 'db', 'report', 'worker', 'backfill') (see 'sla-timers --help')",
        id="unknown-command",
    ),
    pytest.param(
        [],
        "sla-timers: error: the following arguments are required: COMMAND (see 'sla-timers --help')",
        id="no-command",
    ),
    pytest.param(
        ["calendar", "show", "24x7", "--year", "twenty"],
        'sla-timers: error: argument --year: "twenty" is not a year such as 2026 '
        "(see 'sla-timers calendar show --help')",
        id="bad-year",
    ),
]


@pytest.mark.parametrize(("argv", "line"), BAD)
def test_bad_input_is_one_line_and_status_2(capsys: pytest.CaptureFixture[str], argv: list[str], line: str) -> None:
    status, out, err = run(capsys, *argv)
    assert (status, out) == (2, [])
    assert err == line + "\n"


def test_invalid_calendar_file_is_one_line_and_status_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('name = "bad"\ntimezone = "Mars/Olympus"\n[hours]\nmon = ["09:00-17:00"]\n')
    status, out, err = run(capsys, "calendar", "show", str(path))
    assert (status, out) == (2, [])
    assert err == (
        f'sla-timers: error: {path}: timezone: "Mars/Olympus" is not a known IANA zone '
        "(names match exactly, case included)\n"
    )


# Instants the clock cannot represent: each is one line on stderr and status 2, never a traceback.
OUT_OF_RANGE = [
    # 9999-12-31 23:59 New York (EST, -05:00) is 10000-01-01 04:59Z: past year 9999 in UTC.
    pytest.param(
        ["due", "--from", "9999-12-31T23:59", "--in", "4h"],
        "--from: 9999-12-31T23:59:00-05:00 is outside the supported range: in UTC",
        id="wall-after-9999",
    ),
    # 0001-01-01 00:00+14:00 is 0000-12-31 10:00Z: before year 1 in UTC.
    pytest.param(
        ["due", "--from", "0001-01-01T00:00+14:00", "--in", "4h"],
        "--from: 0001-01-01T00:00:00+14:00 is outside the supported range: in UTC",
        id="offset-before-1",
    ),
    # 0001-01-01 00:00Z is 0000-12-31 19:03:58 in New York (LMT, -04:56:02): before year 1 there.
    pytest.param(
        ["due", "--from", "0001-01-01T00:00Z", "--in=-4h"],
        "--from: 0001-01-01T00:00:00+00:00 is outside the supported range: in America/New_York",
        id="utc-before-1-in-zone",
    ),
    pytest.param(
        ["elapsed", "--from", "2026-01-01T00:00", "--to", "9999-12-31T23:59-12:00"],
        "--to: 9999-12-31T23:59:00-12:00 is outside the supported range: in UTC",
        id="elapsed-to",
    ),
    # Fri 9999-12-31 16:00 + 4h: 1h to the close, the next opening would be in year 10000.
    pytest.param(["due", "--from", "9999-12-31T16:00", "--in", "4h"], "would pass year 9999", id="answer-after-9999"),
]


@pytest.mark.parametrize(("argv", "words"), OUT_OF_RANGE)
def test_instants_out_of_range_are_one_line_and_status_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], words: str
) -> None:
    command, *rest = argv
    status, out, err = run(capsys, command, "--calendar", "us-ny-9x5", *rest)
    assert (status, out) == (2, [])
    assert err.startswith("sla-timers: error: ") and err.count("\n") == 1
    assert words in err


def test_help_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "due" in capsys.readouterr().out
