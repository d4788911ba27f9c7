"""Shipped calendars and calendar files: loading, and one hand-worked answer per calendar.

Holiday sources are named beside each case; every value was worked out by hand
from the calendar's hours and those sources, not by the code under test. The
`holidays` data is pinned (setup.cfg, test extra: holidays==0.109).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import sla_timers.clock.files as files_module
from sla_timers import BusinessCalendar
from sla_timers.clock.files import list_shipped_calendars, load_calendar_spec
from sla_timers.clock.spec import Window
from sla_timers.errors import (
    CalendarError,
    CalendarNotFound,
    InvalidWindowError,
    SLAError,
)

UTC = UTC
NY = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
BERLIN = ZoneInfo("Europe/Berlin")
KOLKATA = ZoneInfo("Asia/Kolkata")
SYDNEY = ZoneInfo("Australia/Sydney")
REPO = Path(__file__).resolve().parents[2]

SHIPPED = {
    # name: (zone, Monday's windows, Saturday's windows, holiday country, subdivision)
    "us-ny-9x5": ("America/New_York", ["09:00-17:00"], [], "US", "NY"),
    "gb-eng-9x5": ("Europe/London", ["09:00-17:00"], [], "GB", "ENG"),
    "de-by-8x5-lunch": ("Europe/Berlin", ["08:00-12:00", "13:00-17:00"], [], "DE", "BY"),
    "in-ka-9x6": ("Asia/Kolkata", ["09:00-18:00"], ["09:00-18:00"], "IN", "KA"),
    "au-nsw-9x5": ("Australia/Sydney", ["09:00-17:00"], [], "AU", "NSW"),
    "24x7": ("UTC", ["00:00-24:00"], ["00:00-24:00"], None, None),
    "follow-the-sun-24x5": ("UTC", ["00:00-24:00"], [], None, None),
}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- every shipped calendar -------------------------------------------------------------


def test_every_shipped_calendar_loads() -> None:
    assert list_shipped_calendars() == sorted(SHIPPED)
    for name, (zone, monday, saturday, country, subdiv) in SHIPPED.items():
        spec = load_calendar_spec(name)
        assert spec.name == name
        assert spec.timezone == zone
        assert [str(w) for w in spec.hours[0]] == monday, name
        assert [str(w) for w in spec.hours[5]] == saturday, name
        assert (spec.holiday_country, spec.holiday_subdiv) == (country, subdiv), name
        assert isinstance(BusinessCalendar.load(name), BusinessCalendar)


def test_every_shipped_file_starts_with_a_comment_header() -> None:
    for path in sorted((REPO / "calendars").glob("*.toml")):
        assert path.read_text(encoding="utf-8").startswith("# "), path.name


def test_follow_the_sun_runs_from_sunday_22_to_friday_22() -> None:
    spec = load_calendar_spec("follow-the-sun-24x5")
    whole_day = Window(time(0), time(0))
    assert spec.hours == (
        (whole_day,),
        (whole_day,),
        (whole_day,),
        (whole_day,),
        (Window(time(0), time(22)),),
        (),
        (Window(time(22), time(0)),),
    )


# --- one hand-worked answer per shipped calendar ------------------------------------------


def test_us_ny_9x5_thanksgiving() -> None:
    # 4h from Wed 2026-11-25 16:30 EST: Wed 16:30-17:00 = 30m.
    # Thu 2026-11-26 is Thanksgiving (fourth Thursday of November: 5 U.S.C. 6103);
    # Fri 2026-11-27 is open: New York's public holidays (General Construction
    # Law section 24) do not include the day after Thanksgiving, nor does the
    # holidays package's US/NY list. 3h30 left from Fri 09:00 -> 12:30 EST = 17:30Z.
    cal = BusinessCalendar.load("us-ny-9x5")
    due = cal.add(datetime(2026, 11, 25, 16, 30, tzinfo=NY), timedelta(hours=4))
    assert due == utc(2026, 11, 27, 17, 30)
    assert due.astimezone(NY).replace(tzinfo=None) == datetime(2026, 11, 27, 12, 30)
    assert not cal.is_open(datetime(2026, 11, 26, 12, tzinfo=NY))
    assert cal.next_open(datetime(2026, 11, 26, 10, tzinfo=NY)) == utc(2026, 11, 27, 14)


def test_us_ny_9x5_election_day_and_dst() -> None:
    # Mon 2026-11-02 09:00 EST to Wed 11-04 09:00 EST: Mon 8h; Tue 11-03 is Election
    # Day (first Tuesday after the first Monday of November; a New York public
    # holiday, General Construction Law section 24): 0h. Total 8h.
    cal = BusinessCalendar.load("us-ny-9x5")
    start = datetime(2026, 11, 2, 9, tzinfo=NY)
    assert cal.elapsed(start, datetime(2026, 11, 4, 9, tzinfo=NY)) == timedelta(hours=8)
    # Across the fall-back weekend (the us-ny hours, no holiday in between): 4h from Fri 2026-10-30
    # 16:00 EDT: 1h Fri, 3h Mon 11-02 from 09:00 EST -> 12:00 EST = 17:00Z.
    assert cal.add(datetime(2026, 10, 30, 16, tzinfo=NY), timedelta(hours=4)) == utc(2026, 11, 2, 17)


def test_gb_eng_9x5_christmas_substitute_day() -> None:
    # England and Wales bank holidays 2026 (gov.uk/bank-holidays): Christmas Day Fri
    # 25 Dec; Boxing Day falls on Sat 26 Dec, so the substitute day is Mon 28 Dec.
    # 4h from Thu 2026-12-24 15:00 GMT: Thu 15:00-17:00 = 2h; Fri, weekend and Mon
    # closed; Tue 12-29 09:00 + 2h = 11:00 GMT = 11:00Z.
    cal = BusinessCalendar.load("gb-eng-9x5")
    due = cal.add(datetime(2026, 12, 24, 15, tzinfo=LONDON), timedelta(hours=4))
    assert due == utc(2026, 12, 29, 11)
    assert not cal.is_open(datetime(2026, 12, 28, 10, tzinfo=LONDON))


def test_gb_eng_9x5_across_the_end_of_summer_time() -> None:
    # BST ends Sun 2026-10-25 (last Sunday of October). Fri 10-23 16:00 BST (15:00Z)
    # to Mon 10-26 10:00 GMT (10:00Z): Fri 1h + Mon 1h = 2h.
    cal = BusinessCalendar.load("gb-eng-9x5")
    assert cal.elapsed(
        datetime(2026, 10, 23, 16, tzinfo=LONDON), datetime(2026, 10, 26, 10, tzinfo=LONDON)
    ) == timedelta(hours=2)


def test_de_by_8x5_lunch_corpus_christi_and_lunch_break() -> None:
    # Easter Sunday 2026 is 5 April; Corpus Christi (Fronleichnam) is Easter + 60 days
    # = Thu 2026-06-04, a public holiday in Bavaria (Feiertagsgesetz Art. 1).
    # 6h from Wed 06-03 15:00 CEST: Wed 15:00-17:00 = 2h; Thu closed; Fri 08:00-12:00
    # = 4h -> lands exactly on the lunch close, Fri 12:00 CEST = 10:00Z.
    # 7h: one more hour after lunch, 13:00-14:00 -> 14:00 CEST = 12:00Z.
    cal = BusinessCalendar.load("de-by-8x5-lunch")
    start = datetime(2026, 6, 3, 15, tzinfo=BERLIN)
    assert cal.add(start, timedelta(hours=6)) == utc(2026, 6, 5, 10)
    assert cal.add(start, timedelta(hours=7)) == utc(2026, 6, 5, 12)
    lunch = datetime(2026, 6, 5, 12, 30, tzinfo=BERLIN)
    assert not cal.is_open(lunch)
    assert cal.next_open(lunch) == utc(2026, 6, 5, 11)  # 13:00 CEST
    assert cal.next_close(datetime(2026, 6, 5, 10, tzinfo=BERLIN)) == utc(2026, 6, 5, 10)


def test_in_ka_9x6_republic_day_and_saturday_hours() -> None:
    # Republic Day, 26 January, a national holiday (Government of India); 2026-01-26
    # is a Monday. IST is +05:30 all year. 10h from Sat 01-24 15:00 IST: Sat
    # 15:00-18:00 = 3h; Sun closed; Mon closed; Tue 01-27 09:00 + 7h = 16:00 IST = 10:30Z.
    cal = BusinessCalendar.load("in-ka-9x6")
    due = cal.add(datetime(2026, 1, 24, 15, tzinfo=KOLKATA), timedelta(hours=10))
    assert due == utc(2026, 1, 27, 10, 30)
    assert cal.is_open(datetime(2026, 11, 28, 10, tzinfo=KOLKATA))  # a Saturday


def test_au_nsw_9x5_australia_day_in_summer_time() -> None:
    # Australia Day, 26 January (NSW Public Holidays Act 2010); 2026-01-26 is a
    # Monday. Sydney is on AEDT (+11:00) in January. 3h from Fri 01-23 16:00 AEDT:
    # Fri 1h; weekend and Mon closed; Tue 01-27 09:00 + 2h = 11:00 AEDT = 00:00Z Tue.
    cal = BusinessCalendar.load("au-nsw-9x5")
    due = cal.add(datetime(2026, 1, 23, 16, tzinfo=SYDNEY), timedelta(hours=3))
    assert due == utc(2026, 1, 27, 0)


def test_24x7_business_time_is_real_time() -> None:
    cal = BusinessCalendar.load("24x7")
    # Fri 2026-11-27 12:00Z to Mon 11-30 12:00Z: 3 days = 72h.
    assert cal.elapsed(utc(2026, 11, 27, 12), utc(2026, 11, 30, 12)) == timedelta(hours=72)
    # Across New York's spring-forward night: 01:00 EST (06:00Z) to 04:00 EDT (08:00Z) = 2h.
    assert cal.elapsed(datetime(2026, 3, 8, 1, tzinfo=NY), datetime(2026, 3, 8, 4, tzinfo=NY)) == timedelta(hours=2)
    assert cal.add(utc(2026, 12, 31, 23), timedelta(hours=2)) == utc(2027, 1, 1, 1)


def test_follow_the_sun_24x5_weekend_gap() -> None:
    cal = BusinessCalendar.load("follow-the-sun-24x5")
    # 2h from Fri 2026-11-27 21:00Z: 1h to the Friday 22:00 close; Sun 11-29 22:00 + 1h.
    assert cal.add(utc(2026, 11, 27, 21), timedelta(hours=2)) == utc(2026, 11, 29, 23)
    # One full week, Fri 22:00 to Fri 22:00: open Sun 22:00 to Fri 22:00 = 5 x 24h.
    assert cal.elapsed(utc(2026, 11, 20, 22), utc(2026, 11, 27, 22)) == timedelta(hours=120)
    assert not cal.is_open(utc(2026, 11, 28, 12))
    assert cal.next_open(utc(2026, 11, 28, 12)) == utc(2026, 11, 29, 22)
    assert cal.is_open(utc(2026, 11, 29, 22))
    # Whole days tile: from Wednesday noon the next close is Friday 22:00.
    assert cal.next_close(utc(2026, 11, 25, 12)) == utc(2026, 11, 27, 22)


# --- calendar files by path --------------------------------------------------------------------

SMALL = """\
# A test calendar.
name = "small"
timezone = "Europe/Berlin"
[hours]
mon = ["09:00-17:00"]
"""


def test_load_by_path_str_and_pathlike(tmp_path: Path) -> None:
    path = tmp_path / "small.toml"
    path.write_text(SMALL, encoding="utf-8")
    assert load_calendar_spec(str(path), allow_path=True) == load_calendar_spec(path, allow_path=True)
    assert load_calendar_spec(path, allow_path=True).hours[0] == (Window(time(9), time(17)),)


def test_relative_path_is_read_from_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "small.toml").write_text(SMALL, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert load_calendar_spec("small.toml", allow_path=True).name == "small"
    assert load_calendar_spec("./small.toml", allow_path=True).name == "small"


def test_a_shipped_name_never_reads_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A decoy us-ny-9x5.toml (and calendars/us-ny-9x5.toml) in the working directory.
    decoy = SMALL.replace('"small"', '"us-ny-9x5"')
    (tmp_path / "us-ny-9x5.toml").write_text(decoy, encoding="utf-8")
    (tmp_path / "calendars").mkdir()
    (tmp_path / "calendars" / "us-ny-9x5.toml").write_text(decoy, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert load_calendar_spec("us-ny-9x5").timezone == "America/New_York"


def test_toml_syntax_error_names_file_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text('name = "broken"\ntimezone = \n', encoding="utf-8")
    with pytest.raises(CalendarError) as caught:
        load_calendar_spec(path, allow_path=True)
    assert type(caught.value) is CalendarError
    assert str(caught.value) == f"{path}: not valid TOML: Invalid value (at line 2, column 12)"


def test_schema_errors_from_a_file_keep_class_and_field_and_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "empty-window.toml"
    path.write_text(SMALL.replace("09:00-17:00", "09:00-09:00"), encoding="utf-8")
    with pytest.raises(InvalidWindowError) as caught:
        load_calendar_spec(path, allow_path=True)
    assert caught.value.field == "hours.mon[0]"
    assert str(caught.value) == (f'{path}: hours.mon[0]: "09:00-09:00" is empty; write "00:00-24:00" for a whole day')


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(SMALL.replace("A test", "Caf\u00e9").encode("latin-1"))
    with pytest.raises(CalendarError, match=r"latin1\.toml: not UTF-8 text \(byte 5\)"):
        load_calendar_spec(path, allow_path=True)


@pytest.mark.parametrize(
    ("name_or_path", "error", "message"),
    [
        pytest.param(
            "us-ny-9x6",
            CalendarNotFound,
            "calendar 'us-ny-9x6': no shipped calendar has that name",
            id="unknown-name",
        ),
        pytest.param(
            "US-NY-9x5",
            CalendarNotFound,
            "calendar 'US-NY-9x5': neither a shipped calendar name",
            id="upper-case",
        ),
        pytest.param(
            "us ny",
            CalendarNotFound,
            "calendar 'us ny': neither a shipped calendar name",
            id="space",
        ),
        pytest.param(
            "../calendars/us-ny-9x5",
            CalendarError,
            "../calendars/us-ny-9x5: expected a .toml calendar file",
            id="traversal-no-suffix",
        ),
        pytest.param(
            "/nonexistent/cal.toml",
            CalendarNotFound,
            "/nonexistent/cal.toml: no such calendar file",
            id="missing-file",
        ),
        pytest.param(
            "a\x00.toml",
            CalendarError,
            "calendar 'a\\x00.toml': a calendar name or path cannot contain a NUL character",
            id="nul",
        ),
    ],
)
def test_bad_names_and_paths(name_or_path: str, error: type[SLAError], message: str) -> None:
    with pytest.raises(error) as caught:
        load_calendar_spec(name_or_path, allow_path=True)
    assert str(caught.value).startswith(message)
    assert caught.value.field == "calendar"


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("../calendars/us-ny-9x5.toml", id="traversal"),
        pytest.param("/etc/passwd", id="absolute"),
        pytest.param("calendars/us-ny-9x5", id="separator"),
        pytest.param("us-ny-9x5.toml", id="toml-suffix"),
        pytest.param("..", id="dot-dot"),
        pytest.param("us..ny", id="dot-dot-inside"),
        pytest.param("a\x00b", id="nul"),
        pytest.param("a\x00.toml", id="nul-toml"),
    ],
)
def test_by_default_only_shipped_names_are_loaded(name: str) -> None:
    # A name can come from a client's data (a policy switch in an event); a path
    # there would let it make the server read any .toml file it can reach.
    with pytest.raises(CalendarError) as caught:
        BusinessCalendar.load(name)
    assert caught.value.field == "calendar"
    assert caught.value.code == "invalid_calendar"
    with pytest.raises(CalendarError):
        load_calendar_spec(name)


def test_a_pathlike_needs_allow_path_and_reads_nothing_without_it(tmp_path: Path) -> None:
    path = tmp_path / "small.toml"
    path.write_text(SMALL, encoding="utf-8")
    with pytest.raises(CalendarError, match="only shipped calendar names are accepted here") as caught:
        BusinessCalendar.load(path)
    assert caught.value.field == "calendar"
    with pytest.raises(CalendarError, match="allow_path=True"):
        BusinessCalendar.load(str(path))
    assert BusinessCalendar.load(path, allow_path=True).name == "small"


def test_a_fifo_is_refused_at_once(tmp_path: Path) -> None:
    # Opening a FIFO for reading blocks until a writer comes: refused before the open.
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    with pytest.raises(CalendarError, match="not a regular file") as caught:
        load_calendar_spec(fifo, allow_path=True)
    assert caught.value.field == "calendar"


def test_a_directory_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "folder.toml"
    folder.mkdir()
    with pytest.raises(CalendarError, match="not a regular file"):
        load_calendar_spec(folder, allow_path=True)


def test_a_file_over_one_mebibyte_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "huge.toml"
    # Valid TOML up front, then a comment long enough to pass 1 MiB (1,048,576 bytes).
    path.write_text(SMALL + "#" + "x" * (1 << 20) + "\n", encoding="utf-8")
    with pytest.raises(CalendarError, match="larger than 1,048,576 bytes") as caught:
        load_calendar_spec(path, allow_path=True)
    assert caught.value.field == "calendar"
    # Exactly at the limit is read (and parsed): the comment is padded to 1 MiB in all.
    path.write_text(SMALL + "#" + "x" * ((1 << 20) - len(SMALL) - 2) + "\n", encoding="utf-8")
    assert path.stat().st_size == 1 << 20
    assert load_calendar_spec(path, allow_path=True).name == "small"


def test_the_always_open_calendar_counts_real_time() -> None:
    cal = BusinessCalendar.always_open()
    assert cal is BusinessCalendar.load("24x7")  # the shipped one is this definition
    a = datetime(2026, 3, 1, tzinfo=UTC)
    b = datetime(2026, 4, 1, tzinfo=UTC)
    # 31 days of March, all open: 31 x 24 h = 744 h.
    assert cal.elapsed(a, b) == timedelta(hours=744)
    ny = BusinessCalendar.always_open("America/New_York")
    assert ny.zone.key == "America/New_York"
    # Across the spring-forward night real time still counts: 744 h, and results come in the zone.
    assert ny.elapsed(a, b) == timedelta(hours=744)
    assert ny.add(a, timedelta(hours=1)).utcoffset() == timedelta(hours=-5)


def test_unknown_name_suggests_the_closest() -> None:
    with pytest.raises(CalendarNotFound, match=r"did you mean 'us-ny-9x5'"):
        load_calendar_spec("us-ny-9x6")


def test_shipped_file_name_must_match_its_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Stand a directory in for the installed sla_timers.calendars package.
    (tmp_path / "renamed.toml").write_text(SMALL, encoding="utf-8")
    monkeypatch.setattr(files_module, "files", lambda package: tmp_path)
    assert list_shipped_calendars() == ["renamed"]
    with pytest.raises(CalendarError) as caught:
        load_calendar_spec("renamed")
    assert caught.value.field == "name"
    assert str(caught.value) == ("calendars/renamed.toml: name 'small' does not match the file name 'renamed'")


# --- a plain (non-editable) install carries the calendars ---------------------------------------


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_plain_install_loads_a_shipped_calendar_from_another_directory(tmp_path: Path) -> None:
    # Copy the sources (not .venv, .git or build output) so the build never
    # writes into the working tree, then `pip install` the copy, not editable.
    source = tmp_path / "src"
    shutil.copytree(
        REPO,
        source,
        ignore=shutil.ignore_patterns(
            ".git",
            ".venv",
            "build",
            "dist",
            "*.egg-info",
            "__pycache__",
            ".pytest_cache",
            ".hypothesis",
            "tests",
            "bench",
            "examples",
        ),
    )
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(source)],
        capture_output=True,
        text=True,
        timeout=540,
    )
    assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    script = textwrap.dedent(
        """
        from datetime import datetime, timedelta
        from zoneinfo import ZoneInfo
        import sla_timers
        from sla_timers import BusinessCalendar
        cal = BusinessCalendar.load("us-ny-9x5")
        due = cal.add(datetime(2026, 11, 25, 16, 30, tzinfo=ZoneInfo("America/New_York")),
                      timedelta(hours=4))
        print(sla_timers.__file__)
        print(due.isoformat())
        """
    )
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    run = subprocess.run(
        [str(python), "-c", script],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert run.returncode == 0, run.stderr
    installed_at, due = run.stdout.split()
    # Imported from the venv, not from the repository.
    assert Path(installed_at).resolve().is_relative_to(venv.resolve())
    # Same Thanksgiving case as test_us_ny_9x5_thanksgiving: Fri 12:30 EST.
    assert datetime.fromisoformat(due) == utc(2026, 11, 27, 17, 30)


def test_holiday_names_are_english_whatever_the_server_locale(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The holidays package follows LANG: under a German locale it names
    # 2026-01-06 "Heilige Drei Könige". An admin reading `sla-timers calendar
    # show` gets the same names on every server.
    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    cal = BusinessCalendar.load("de-by-8x5-lunch")
    names = dict(cal.holidays_between(date(2026, 1, 1), date(2026, 1, 6)))
    assert names[date(2026, 1, 1)] == "New Year's Day"
    assert names[date(2026, 1, 6)] == "Epiphany"


def test_equal_definitions_share_one_calendar_and_an_edited_file_does_not(tmp_path: Path) -> None:
    # Loading by name per ticket must not rebuild the calendar (its open time stays warm).
    assert BusinessCalendar.load("us-ny-9x5") is BusinessCalendar.load("us-ny-9x5")
    nine_to_five = {"name": "x", "timezone": "UTC", "hours": {"mon": ["09:00-17:00"]}}
    assert BusinessCalendar.from_dict(nine_to_five) is BusinessCalendar.from_dict(dict(nine_to_five))
    assert BusinessCalendar.from_dict(nine_to_five) is not BusinessCalendar.from_dict(
        {**nine_to_five, "hours": {"mon": ["09:00-16:00"]}}
    )
    # A file is read at every load: after an edit, the new hours apply.
    path = tmp_path / "office.toml"
    path.write_text('name = "office"\ntimezone = "UTC"\n[hours]\nmon = ["09:00-17:00"]\n', encoding="utf-8")
    monday = datetime(2026, 11, 23, tzinfo=UTC)
    assert BusinessCalendar.load(path, allow_path=True).elapsed(monday, monday + timedelta(days=1)) == timedelta(
        hours=8
    )
    path.write_text('name = "office"\ntimezone = "UTC"\n[hours]\nmon = ["09:00-12:00"]\n', encoding="utf-8")
    assert BusinessCalendar.load(path, allow_path=True).elapsed(monday, monday + timedelta(days=1)) == timedelta(
        hours=3
    )


def test_from_toml_reads_a_calendar_files_text() -> None:
    text = (REPO / "calendars" / "us-ny-9x5.toml").read_text(encoding="utf-8")
    assert BusinessCalendar.from_toml(text) is BusinessCalendar.load("us-ny-9x5")
    with pytest.raises(CalendarError, match=r"not valid TOML: Invalid value \(at end of document\)") as caught:
        BusinessCalendar.from_toml("name=")
    assert caught.value.field == "calendar"
