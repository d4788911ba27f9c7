"""The validation kit every loader uses: the one duration grammar, TOML text,
nesting depth, unknown keys with suggestions, argument types and instants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from sla_timers import BusinessCalendar, EscalationLadders, Policy, PolicySet, PriorityMatrix, TicketEvent
from sla_timers.cli import main
from sla_timers.clock.files import load_calendar_spec
from sla_timers.clock.schema import parse_calendar
from sla_timers.errors import (
    ArgumentTypeError,
    CalendarError,
    DurationOutOfRangeError,
    EventError,
    InvalidTargetError,
    NaiveDatetimeError,
    PolicyError,
    RulesError,
    SLAError,
)
from sla_timers.validation import (
    MAX_DEPTH,
    check_depth,
    check_keys,
    load_toml,
    parse_duration,
    quote,
    require_aware,
    suggest,
)

# --- the duration grammar ------------------------------------------------------------------

VALID = [
    pytest.param("90m", {}, timedelta(minutes=90), id="minutes"),
    pytest.param("4h", {}, timedelta(hours=4), id="hours"),
    pytest.param("1h30m", {}, timedelta(hours=1, minutes=30), id="hours-minutes"),
    pytest.param("007m", {}, timedelta(minutes=7), id="leading-zeros"),
    # Five years of 366 days: 5 * 366 * 24 = 43920 hours, the largest accepted.
    pytest.param("43920h", {}, timedelta(days=1830), id="the-cap-in-hours"),
    # 43919h + 60m = 43920h: the cap reached in two units.
    pytest.param("43919h60m", {}, timedelta(days=1830), id="the-cap-in-two-units"),
    pytest.param("-2h", {"signed": True}, timedelta(hours=-2), id="negative-when-signed"),
    pytest.param("+1h", {"signed": True}, timedelta(hours=1), id="plus-when-signed"),
    pytest.param("0m", {"signed": True}, timedelta(0), id="zero-when-signed"),
    pytest.param("-43920h", {"signed": True}, -timedelta(days=1830), id="minus-the-cap"),
    pytest.param("45s", {"seconds": True}, timedelta(seconds=45), id="seconds-when-allowed"),
    # 1h + 1m + 1s = 3600 + 60 + 1 = 3661 s.
    pytest.param("1h1m1s", {"seconds": True}, timedelta(seconds=3661), id="three-units"),
    pytest.param("-1h30m15s", {"signed": True, "seconds": True}, -timedelta(seconds=5415), id="all-options"),
    pytest.param(45, {"whole_minutes": True}, timedelta(minutes=45), id="integer-minutes"),
]


@pytest.mark.parametrize(("text", "options", "expected"), VALID)
def test_durations_the_grammar_accepts(text: object, options: dict[str, bool], expected: timedelta) -> None:
    assert parse_duration(text, "f", **options) == expected


INVALID = [
    # (value, options, the problem the message states after 'f: ')
    pytest.param(
        "30m1h",
        {},
        '"30m1h" is not a duration: write units from largest to smallest, each once, e.g. "1h30m"',
        id="units-out-of-order",
    ),
    pytest.param("1h1h", {}, '"1h1h" is not a duration: write units from largest to smallest', id="unit-twice"),
    # ARABIC-INDIC DIGIT ONE: int() reads it as 1, a policy file should not.
    pytest.param("\u0661h", {}, '"\u0661h" is not a duration: digits must be ASCII 0-9', id="arabic-indic-digit"),
    pytest.param("1h\uff13\uff10m", {}, "digits must be ASCII 0-9", id="fullwidth-digits"),
    # 999999999 h is about 114,000 years.
    pytest.param(
        "999999999h",
        {},
        '"999999999h" is over five years (at most 43920h, five years of 366 days)',
        id="nine-nines-hours",
    ),
    # 43920h is the cap; one minute more is over it.
    pytest.param("43920h1m", {}, "is over five years (at most 43920h", id="cap-plus-a-minute"),
    # 2635200 min = 43920 h; one more.
    pytest.param("2635201m", {}, "is over five years", id="cap-plus-a-minute-in-minutes"),
    pytest.param("-43921h", {"signed": True}, "is over five years", id="minus-over-the-cap"),
    # Thousands of digits: refused by count before int(), which raises ValueError past 4,300.
    pytest.param("9" * 5000 + "h", {}, "is over five years", id="five-thousand-digits"),
    pytest.param("5y1d", {}, '"5y1d" is not a duration; write "90m", "4h" or "1h30m"', id="years"),
    pytest.param("", {}, '"" is not a duration; write "90m", "4h" or "1h30m"', id="empty"),
    pytest.param(" 1h", {}, '" 1h" is not a duration: it has spaces', id="leading-space"),
    pytest.param("1h ", {}, "it has spaces", id="trailing-space"),
    pytest.param("1h 30m", {}, "it has spaces", id="inner-space"),
    # Lower case only: "1M" is a month in ISO 8601, so no unit is read in either case.
    pytest.param("1H", {}, '"1H" is not a duration: units are lower case ("h")', id="upper-case-unit"),
    pytest.param(
        "2d",
        {},
        '"2d": days and weeks are not accepted, since a business day\'s length depends on '
        'the calendar; write hours, e.g. "48h"',
        id="days",
    ),
    pytest.param("1w", {}, "days and weeks are not accepted", id="weeks"),
    pytest.param("1d4h", {}, "days and weeks are not accepted", id="days-and-hours"),
    pytest.param("45s", {}, '"45s": seconds are not accepted here; write whole minutes', id="seconds-not-allowed"),
    pytest.param("-30m", {}, '"-30m" is negative; write a duration above zero', id="negative-unsigned"),
    pytest.param("+30m", {}, '"+30m" is not a duration: no sign is allowed here', id="plus-unsigned"),
    pytest.param("--30m", {"signed": True}, '"--30m" is not a duration', id="two-signs"),
    pytest.param("-", {"signed": True}, '"-" is not a duration', id="sign-alone"),
    pytest.param("0m", {}, '"0m" is zero; write a duration above zero', id="zero-unsigned"),
    pytest.param("0h0m", {}, "is zero", id="zero-in-two-units"),
    pytest.param("h", {}, '"h" is not a duration', id="unit-alone"),
    pytest.param("1h30", {}, '"1h30" is not a duration', id="number-without-unit"),
    pytest.param("4x", {}, '"4x" is not a duration; write "90m", "4h" or "1h30m"', id="unknown-unit"),
    pytest.param(45, {}, 'expected a duration such as "90m", got integer 45', id="integer-not-allowed"),
    pytest.param(True, {"whole_minutes": True}, "got boolean True", id="boolean"),
    pytest.param(1.5, {"whole_minutes": True}, "got float 1.5", id="float"),
    pytest.param(None, {}, "got null", id="null"),
    pytest.param(0, {"whole_minutes": True}, "0 is zero", id="integer-zero"),
    # 5 * 366 * 1440 = 2635200 minutes is the cap.
    pytest.param(2635201, {"whole_minutes": True}, "2635201 is over five years", id="integer-over-the-cap"),
]


@pytest.mark.parametrize(("value", "options", "problem"), INVALID)
def test_durations_the_grammar_refuses(value: object, options: dict[str, bool], problem: str) -> None:
    with pytest.raises(InvalidTargetError) as caught:
        parse_duration(value, "f", **options)
    assert caught.value.code == "invalid_target"
    assert caught.value.field == "f"
    assert str(caught.value).startswith("f: ")
    assert problem in str(caught.value)


def test_the_caller_chooses_the_error_class() -> None:
    with pytest.raises(RulesError) as caught:
        parse_duration("30m1h", "ladders.p.m[0].offset", error=RulesError, signed=True)
    assert (caught.value.code, caught.value.field) == ("invalid_rules", "ladders.p.m[0].offset")


# --- the same string, refused the same way everywhere ----------------------------------------

REFUSED_EVERYWHERE = ["30m1h", "\u0661h", "999999999h", "43921h", "", " 1h", "1H", "2d", "1w", "4x", "1h30"]


def _policy_target(text: str) -> str:
    with pytest.raises(InvalidTargetError) as caught:
        Policy.from_dict({"name": "p", "calendar": "c", "targets": {"high": {"resolution": text}}})
    assert caught.value.field == "targets.high.resolution"
    return str(caught.value).removeprefix("targets.high.resolution: ")


def _lead_warning(text: str) -> str:
    with pytest.raises(InvalidTargetError) as caught:
        Policy.from_dict({"name": "p", "calendar": "c", "warn_before": [text]})
    assert caught.value.field == "warn_before[0]"
    return str(caught.value).removeprefix("warn_before[0]: ")


def _ladder_offset(text: str) -> str:
    with pytest.raises(RulesError) as caught:
        EscalationLadders.from_dict({"ladders": {"p": {"m": [{"id": "s", "offset": text, "add_tags": ["x"]}]}}})
    assert caught.value.field == "ladders.p.m[0].offset"
    return str(caught.value).removeprefix("ladders.p.m[0].offset: ")


def _cli(text: str, capsys: pytest.CaptureFixture[str]) -> str:
    status = main(["due", "--calendar", "24x7", "--from", "2026-11-23T09:00", f"--in={text}"])
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1
    return err.removeprefix("sla-timers: error: --in: ").removesuffix("\n")


@pytest.mark.parametrize("text", REFUSED_EVERYWHERE)
def test_a_duration_is_refused_identically_by_every_loader(text: str, capsys: pytest.CaptureFixture[str]) -> None:
    expected = _policy_target(text)
    assert expected.startswith(quote(text))
    assert _lead_warning(text) == expected
    assert _ladder_offset(text) == expected
    assert _cli(text, capsys) == expected


def test_ladder_offsets_and_the_cli_take_the_same_signed_durations(capsys: pytest.CaptureFixture[str]) -> None:
    ladders = EscalationLadders.from_dict(
        {"ladders": {"p": {"m": [{"id": "s", "offset": "-1h30m", "add_tags": ["x"]}]}}}
    )
    ladder = ladders.ladder("p", "m")
    assert ladder is not None and ladder.steps[0].offset == -timedelta(hours=1, minutes=30)
    # 24x7 UTC: Mon 2026-11-23 09:00 minus 1h30m is 07:30.
    assert main(["due", "--calendar", "24x7", "--from", "2026-11-23T09:00", "--in=-1h30m"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "2026-11-23T07:30:00+00:00"


# --- TOML text -----------------------------------------------------------------------------

DEEP_ARRAY = "x = " + "[" * 500 + "]" * 500 + "\n"
DEEP_INLINE = 'name = "deep"\nx = ' + "{a = " * 500 + "1" + "}" * 500 + "\n"


@pytest.mark.parametrize("text", [DEEP_ARRAY, DEEP_INLINE], ids=["arrays", "inline-tables"])
def test_toml_nested_500_levels_is_an_sla_error_with_its_line(text: str) -> None:
    # tomllib recurses per level and passes Python's recursion limit (1000) near 500 levels.
    with pytest.raises(PolicyError) as caught:
        load_toml(text, error=PolicyError, source="deep.toml")
    message = str(caught.value)
    line = text.count("\n", 0, text.index("x = ")) + 1
    assert message.startswith("deep.toml: not valid TOML: arrays or inline tables nested deeper than 32 levels")
    assert message.endswith(f"(at line {line})")


def test_the_deep_line_skips_brackets_in_strings_and_comments() -> None:
    text = 'a = "' + "[" * 40 + '"  # ' + "[" * 40 + "\nb = " + "[" * 500 + "]" * 500 + "\n"
    with pytest.raises(RulesError, match=r"\(at line 2\)$"):
        load_toml(text, error=RulesError)


@pytest.mark.parametrize(
    ("load", "error"),
    [
        (Policy.from_toml, PolicyError),
        (EscalationLadders.from_toml, RulesError),
    ],
)
def test_loaders_refuse_deep_toml(load: Any, error: type[SLAError]) -> None:
    with pytest.raises(error, match="nested deeper than 32 levels"):
        load(DEEP_ARRAY)


def test_the_matrix_refuses_deep_toml() -> None:
    with pytest.raises(RulesError, match="nested deeper than (32|80) levels"):
        PriorityMatrix.from_toml(DEEP_ARRAY, calendars={})


def test_a_calendar_file_nested_too_deep_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "deep.toml"
    path.write_text(DEEP_INLINE, encoding="utf-8")
    with pytest.raises(CalendarError) as caught:
        load_calendar_spec(path, allow_path=True)
    assert caught.value.field == "calendar"
    assert str(caught.value) == (
        f"{path}: not valid TOML: arrays or inline tables nested deeper than 32 levels (at line 2)"
    )


def test_toml_syntax_errors_keep_line_and_column() -> None:
    with pytest.raises(PolicyError) as caught:
        Policy.from_toml('name = "x"\ncalendar = \n')
    assert str(caught.value) == "policy: not valid TOML: Invalid value (at line 2, column 12)"


@pytest.mark.parametrize("load", [Policy.from_toml, EscalationLadders.from_toml])
@pytest.mark.parametrize(
    ("text", "words"),
    [
        (None, "text: expected TOML text (a string), got null"),
        (b'name = "x"', "got bytes; decode the bytes as UTF-8 first"),
        (42, "got integer"),
    ],
)
def test_toml_text_that_is_not_a_string_is_an_argument_error(load: Any, text: object, words: str) -> None:
    with pytest.raises(ArgumentTypeError) as caught:
        load(text)
    assert (caught.value.code, caught.value.field) == ("invalid_argument", "text")
    assert str(caught.value).startswith(words) or words in str(caught.value)


# --- nesting depth of dict data --------------------------------------------------------------


def _nested(levels: int, key: str = "a") -> dict[str, Any]:
    """A table ``levels`` deep counting itself: {"a": {"a": ... {}}}."""
    data: dict[str, Any] = {}
    for _ in range(levels - 1):
        data = {key: data}
    return data


def test_depth_limit_boundary() -> None:
    check_depth(_nested(MAX_DEPTH), error=PolicyError)  # 32 levels: accepted
    with pytest.raises(PolicyError) as caught:
        check_depth(_nested(MAX_DEPTH + 1), error=PolicyError)
    # The 33rd table sits under 32 keys "a": the path names 32 of them.
    assert caught.value.field == ".".join(["a"] * MAX_DEPTH)
    assert str(caught.value).endswith(": nested deeper than 32 levels of tables and arrays")


def test_depth_counts_arrays_and_names_indexes() -> None:
    data: Any = 1
    for _ in range(MAX_DEPTH):
        data = [data]
    check_depth({"x": data[0]}, error=RulesError)  # the table and 31 arrays: 32 levels
    with pytest.raises(RulesError) as caught:
        check_depth({"x": data}, error=RulesError)
    assert caught.value.field == "x" + "[0]" * (MAX_DEPTH - 1)


def test_a_dict_that_contains_itself_is_refused_not_a_recursion_error() -> None:
    loop: dict[str, Any] = {}
    loop["again"] = loop
    with pytest.raises(CalendarError, match="nested deeper than 32 levels"):
        parse_calendar({"name": "x", "timezone": "UTC", "hours": loop})


HUGE = 100_000  # far past Python's recursion limit: the walk must not recurse


@pytest.mark.parametrize(
    ("load", "key", "error", "field", "limit"),
    [
        (
            lambda d: Policy.from_dict({"name": "p", "calendar": "c", "metrics": {"resolution": d}}),
            "a",
            PolicyError,
            "metrics.resolution.a",
            32,
        ),
        (
            lambda d: BusinessCalendar.from_dict({"name": "c", "timezone": "UTC", "hours": d}),
            "a",
            CalendarError,
            "hours.a",
            32,
        ),
        (lambda d: EscalationLadders.from_dict({"ladders": d}), "a", RulesError, "ladders.a", 80),
        # A chain of "not" is a valid condition at any depth; compiling it would recurse once per level.
        (
            lambda d: PriorityMatrix.from_dict(
                {
                    "priorities": ["P1"],
                    "default_priority": "P1",
                    "default_policy": "s",
                    "default_calendar": "c",
                    "rules": [{"when": d, "then": {"raise": 1}}],
                },
                calendars={"c": object()},
            ),
            "not",
            RulesError,
            "rules[0].when.not",
            80,
        ),
    ],
    ids=["policy", "calendar", "ladders", "matrix"],
)
def test_every_loader_refuses_a_deep_dict_with_its_path(
    load: Any, key: str, error: type[SLAError], field: str, limit: int
) -> None:
    # Rules data may nest deeper than a calendar or a policy: conditions combine
    # all/any/not up to 32 levels, each all/any a table and an array (rules/_schema.DATA_DEPTH).
    with pytest.raises(error) as caught:
        load(_nested(HUGE, key))
    assert caught.value.field is not None and caught.value.field.startswith(field)
    assert f"nested deeper than {limit} levels" in str(caught.value)


# --- keys and suggestions --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("load", "error", "field", "hint"),
    [
        (lambda: parse_calendar({"name": "c", "timezone": "UTC", "hour": {}}), CalendarError, "hour", "hours"),
        (
            lambda: Policy.from_dict({"name": "p", "calendar": "c", "warn_befor": []}),
            PolicyError,
            "warn_befor",
            "warn_before",
        ),
        (
            lambda: Policy.from_dict({"name": "p", "calendar": "c", "metrics": {"resolution": {"scpoe": "group"}}}),
            PolicyError,
            "metrics.resolution.scpoe",
            "scope",
        ),
        (lambda: EscalationLadders.from_dict({"ladder": {}}), RulesError, "ladder", "ladders"),
        (
            lambda: PriorityMatrix.from_dict(
                {
                    "priorities": ["P1"],
                    "default_priority": "P1",
                    "default_policy": "s",
                    "default_calendar": "c",
                    "rulse": [],
                },
                calendars={"c": object()},
            ),
            RulesError,
            "rulse",
            "rules",
        ),
    ],
    ids=["calendar", "policy", "policy-metric", "ladders", "matrix"],
)
def test_unknown_keys_suggest_the_closest_in_every_loader(
    load: Any, error: type[SLAError], field: str, hint: str
) -> None:
    with pytest.raises(error) as caught:
        load()
    assert caught.value.field == field
    assert str(caught.value).startswith(
        f'{field}: unknown key "{field.rsplit(".", 1)[-1]}"; did you mean "{hint}"? (expected one of: '
    )


def test_check_keys_reports_unknown_before_missing_and_a_renamed_key_with_its_new_name() -> None:
    with pytest.raises(CalendarError) as caught:
        check_keys(
            {"form": "09:00"},
            "closures[0]",
            ("date", "from", "to"),
            error=CalendarError,
            required=("date", "from", "to"),
        )
    assert str(caught.value).startswith('closures[0].form: unknown key "form"; did you mean "from"?')
    with pytest.raises(CalendarError) as missing:
        check_keys(
            {"date": "2026-12-31"},
            "closures[0]",
            ("date", "from", "to"),
            error=CalendarError,
            required=("date", "from", "to"),
        )
    assert (missing.value.field, str(missing.value)) == ("closures[0].from", "closures[0].from: is required")
    with pytest.raises(CalendarError) as renamed:
        check_keys({"state": "NY"}, "holidays", ("country", "subdiv"), error=CalendarError, renamed={"state": "subdiv"})
    assert str(renamed.value) == 'holidays.state: unknown key "state"; write subdiv'


@pytest.mark.parametrize(
    ("word", "choices", "hint"),
    [
        ("Tue", ["mon", "tue"], '; did you mean "tue"?'),  # case alone differs
        ("p1", ["P1", "P2"], '; did you mean "P1"?'),  # difflib alone scores 0.5
        ("resolutoin", ["resolution", "first_response"], '; did you mean "resolution"?'),
        ("zzz", ["mon", "tue"], ""),
        ("x" * 101, ["x" * 101], ""),  # nothing that long is a typo
    ],
)
def test_suggest(word: str, choices: list[str], hint: str) -> None:
    assert suggest(word, choices) == hint


def test_quote_shows_text_as_toml_does_and_cuts_it() -> None:
    assert quote('say "hi"') == '"say \\"hi\\""'
    assert quote("\u0661h") == '"\u0661h"'
    assert quote("a" * 61) == '"' + "a" * 60 + '"...'
    assert quote(5) == "5"


# --- arguments and instants ------------------------------------------------------------------


def test_policy_set_names_the_entry_that_is_no_policy() -> None:
    good = Policy.from_dict({"name": "p", "calendar": "c"})
    with pytest.raises(ArgumentTypeError) as caught:
        PolicySet([good, 1])  # type: ignore[list-item]
    assert (caught.value.code, caught.value.field) == ("invalid_argument", "policies[1]")
    assert str(caught.value) == "policies[1]: expected a Policy, got integer 1"
    with pytest.raises(ArgumentTypeError) as first:
        PolicySet([1])  # type: ignore[list-item]
    assert first.value.field == "policies[0]"
    with pytest.raises(ArgumentTypeError) as none:
        PolicySet(None)  # type: ignore[arg-type]
    assert none.value.field == "policies"


def test_policy_set_select_checks_its_instant() -> None:
    policies = PolicySet([Policy.from_dict({"name": "p", "calendar": "c"})])
    with pytest.raises(ArgumentTypeError, match='^at: "2026-01-01" is not a datetime'):
        policies.select("p", "2026-01-01")  # type: ignore[arg-type]
    with pytest.raises(NaiveDatetimeError, match="^at: 2026-01-01T00:00:00 has no UTC offset"):
        policies.select("p", datetime(2026, 1, 1))


def test_require_aware_takes_the_callers_error_for_a_wrong_type() -> None:
    assert require_aware(datetime(2026, 1, 1, tzinfo=UTC), "now").year == 2026
    with pytest.raises(EventError) as caught:
        require_aware("tomorrow", "due_at", error=EventError)
    assert caught.value.field == "due_at"


@pytest.mark.parametrize(
    ("at", "words"),
    [
        # 0001-01-01 00:00 at +05:00 is 0000-12-31 19:00Z.
        (datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5))), "before year 1"),
        # 9999-12-31 23:00 at -05:00 is 10000-01-01 04:00Z.
        (datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-5))), "after year 9999"),
    ],
)
def test_an_event_outside_the_years_is_an_event_error(at: datetime, words: str) -> None:
    with pytest.raises(EventError) as caught:
        TicketEvent("status", at, status="open")
    assert caught.value.field == "at" and words in str(caught.value)


def test_an_out_of_range_instant_elsewhere_is_a_duration_out_of_range_error() -> None:
    from sla_timers.validation import aware_utc

    with pytest.raises(DurationOutOfRangeError) as caught:
        aware_utc(datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1))), "now")
    assert caught.value.field == "now"
