"""Policies: parsing, defaults, validation errors naming the field, version choice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from sla_timers.errors import InvalidTargetError, NaiveDatetimeError, PolicyError
from sla_timers.timers import EndOfDay, Policy, PolicySet, select_policy

DESIGN_TOML = """
name = "standard"
version = 1
effective_from = "2026-01-01"
calendar = "us-ny-9x5"
pause_statuses = ["pending", "waiting_on_customer"]
stop_statuses = ["solved", "closed"]
warn_at = [0.5, 0.75, 0.9]        # fractions of the target
warn_before = ["30m"]             # lead times before due

[metrics.first_response]
pauses = false
[metrics.next_response]
[metrics.periodic_update]
pauses = true
[metrics.resolution]
pauses = true
reopen = "resume"                 # or "new_cycle"

[targets.urgent]
first_response = "30m"
resolution = "4h"
[targets.high]
first_response = "1h"
next_response = "2h"
periodic_update = "4h"
resolution = "8h"
"""


def base(**extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"name": "p", "calendar": "NY95", "targets": {"high": {"resolution": "4h"}}}
    data.update(extra)
    return data


def test_the_design_example_parses() -> None:
    policy = Policy.from_toml(DESIGN_TOML)
    assert (policy.name, policy.version, policy.calendar) == ("standard", 1, "us-ny-9x5")
    assert policy.effective_from == datetime(2026, 1, 1, tzinfo=UTC)
    assert policy.warn_at == (0.5, 0.75, 0.9)
    assert policy.warn_before == (timedelta(minutes=30),)
    assert [w.level for w in policy.warnings] == [0.5, 0.75, 0.9, "30m"]
    assert policy.target("high", "resolution") == timedelta(hours=8)
    assert policy.target("urgent", "next_response") is None
    assert policy.target("low", "resolution") is None
    assert policy.category("pending") == "pause"
    assert policy.category("closed") == "stop"
    assert policy.category("awaiting_vendor") == "work"


def test_defaults_per_metric() -> None:
    # Issue 3: resolution and periodic_update pause, first_response does not;
    # DESIGN.md: reopen resumes resolution and starts a new cycle for the others.
    policy = Policy.from_dict(
        base(targets={"high": {m: "1h" for m in ("first_response", "next_response", "periodic_update", "resolution")}})
    )
    settings = policy.metrics
    assert {m: s.pauses for m, s in settings.items()} == {
        "first_response": False,
        "next_response": False,
        "periodic_update": True,
        "resolution": True,
    }
    assert {m: s.reopen for m, s in settings.items()} == {
        "first_response": None,
        "next_response": "new_cycle",
        "periodic_update": "new_cycle",
        "resolution": "resume",
    }
    assert all(s.time == "business" and s.scope == "ticket" for s in settings.values())
    assert policy.pause_statuses == {"pending", "waiting_on_customer"}
    assert policy.stop_statuses == {"solved", "closed"}
    assert policy.version == 1 and policy.effective_from is None


def test_targets_in_every_form() -> None:
    policy = Policy.from_dict(
        base(
            targets={
                "high": {
                    "first_response": 90,
                    "next_response": "1h30m",
                    "periodic_update": "eod",
                    "resolution": "eod+2",
                }
            }
        )
    )
    assert policy.target("high", "first_response") == timedelta(minutes=90)
    assert policy.target("high", "next_response") == timedelta(minutes=90)
    assert policy.target("high", "periodic_update") == EndOfDay(0)
    assert policy.target("high", "resolution") == EndOfDay(2)


def test_custom_metric_names_need_a_kind() -> None:
    policy = Policy.from_dict(
        base(
            metrics={"tier2": {"kind": "resolution", "scope": "group", "time": "calendar"}},
            targets={"high": {"tier2": "2h"}},
        )
    )
    assert policy.metrics["tier2"].kind == "resolution"
    assert policy.metrics["tier2"].scope == "group"
    assert policy.metrics["tier2"].time == "calendar"


def test_the_example_error_message() -> None:
    with pytest.raises(InvalidTargetError) as info:
        Policy.from_dict(base(targets={"high": {"resolution": "4x"}}))
    assert str(info.value) == 'targets.high.resolution: "4x" is not a duration; write "90m", "4h" or "1h30m"'
    assert info.value.field == "targets.high.resolution"


@pytest.mark.parametrize(
    ("change", "error", "field", "words"),
    [
        pytest.param(
            {"targets": {"high": {"resolution": "0m"}}},
            InvalidTargetError,
            "targets.high.resolution",
            "zero",
            id="zero-target",
        ),
        pytest.param(
            {"targets": {"high": {"resolution": -10}}},
            InvalidTargetError,
            "targets.high.resolution",
            "negative",
            id="negative-target",
        ),
        pytest.param(
            {"targets": {"high": {"resolution": "50000h"}}},
            InvalidTargetError,
            "targets.high.resolution",
            "over five years",
            id="over-five-years",
        ),
        pytest.param({"warn_before": ["30m", "0m"]}, InvalidTargetError, "warn_before[1]", "zero", id="zero-lead"),
        pytest.param({"warn_at": [0.5, 1.0]}, PolicyError, "warn_at[1]", "between 0 and 1", id="fraction-one"),
        pytest.param(
            {"warn_at": "0.5"}, PolicyError, "warn_at", "expected an array, got string", id="fractions-not-list"
        ),
        pytest.param({"name": ""}, PolicyError, "name", "must not be empty", id="empty-name"),
        pytest.param({"name": None}, PolicyError, "name", "expected a string, got null", id="null-name"),
        pytest.param({"calendar": 5}, PolicyError, "calendar", "expected a string, got integer 5", id="calendar-type"),
        pytest.param({"version": 0}, PolicyError, "version", "positive integer", id="version-zero"),
        pytest.param({"version": "2"}, PolicyError, "version", "positive integer", id="version-text"),
        pytest.param({"effective_from": "January"}, PolicyError, "effective_from", "not a date", id="bad-date"),
        pytest.param(
            {"effective_from": "2026-01-01T00:00:00"},
            NaiveDatetimeError,
            "effective_from",
            "no UTC offset",
            id="naive-effective-from",
        ),
        pytest.param(
            {"pause_statuses": ["pending", "solved"]},
            PolicyError,
            "pause_statuses",
            '"solved" is also in stop_statuses',
            id="status-in-both",
        ),
        pytest.param(
            {"statuses": ["new", "open", "solved"], "stop_statuses": ["solved"]},
            PolicyError,
            "pause_statuses[0]",
            '"pending" is not in statuses',
            id="pause-status-not-declared",
        ),
        pytest.param(
            {"pause_statuses": ["pending", 3]}, PolicyError, "pause_statuses[1]", "not a status", id="status-type"
        ),
        pytest.param({"stop_statuses": ["solved", "solved"]}, PolicyError, "stop_statuses", "twice", id="status-twice"),
        pytest.param(
            {"first_response_statuses": ["pending"]},
            PolicyError,
            "first_response_statuses[0]",
            "pause or stop",
            id="first-response-pending",
        ),
        pytest.param(
            {"metrics": {"resolution": {"reopen": "again"}}},
            PolicyError,
            "metrics.resolution.reopen",
            '"resume" or "new_cycle"',
            id="bad-reopen",
        ),
        pytest.param(
            {"metrics": {"first_response": {"reopen": "resume"}}},
            PolicyError,
            "metrics.first_response.reopen",
            "never restarts",
            id="first-response-reopen",
        ),
        pytest.param(
            {"metrics": {"resolution": {"pauses": "yes"}}},
            PolicyError,
            "metrics.resolution.pauses",
            "true or false",
            id="pauses-type",
        ),
        pytest.param(
            {"metrics": {"resolution": {"time": "wall"}}},
            PolicyError,
            "metrics.resolution.time",
            '"business"',
            id="bad-time",
        ),
        pytest.param(
            {"metrics": {"resolution": {"scope": "team"}}},
            PolicyError,
            "metrics.resolution.scope",
            '"group"',
            id="bad-scope",
        ),
        pytest.param(
            {"metrics": {"resolution": {"paused": True}}},
            PolicyError,
            "metrics.resolution.paused",
            'unknown key "paused"; did you mean "pauses"?',
            id="typo-setting",
        ),
        pytest.param({"metrics": {"tier2": {}}}, PolicyError, "metrics.tier2", "not a metric kind", id="no-kind"),
        pytest.param(
            {"metrics": {"x": {"kind": "speed"}}}, PolicyError, "metrics.x.kind", "not a metric kind", id="bad-kind"
        ),
        pytest.param(
            {"targets": {"high": {"resolutoin": "4h"}}},
            PolicyError,
            "targets.high.resolutoin",
            "unknown metric",
            id="typo-metric",
        ),
        pytest.param({"targets": {"high": "4h"}}, PolicyError, "targets.high", "table", id="row-not-table"),
        pytest.param({"pauses": ["pending"]}, PolicyError, "pauses", 'unknown key "pauses"', id="typo-key"),
        pytest.param(
            {"targets": {"high": {"resolution": "4h"}}, "effective_from": "9999-12-31T23:00:00-05:00"},
            PolicyError,
            "effective_from",
            "outside the supported range",
            id="effective-from-after-9999",
        ),
        pytest.param(
            {"effective_from": "0001-01-01T00:00:00+05:00"},
            PolicyError,
            "effective_from",
            "before year 1",
            id="effective-from-before-year-1",
        ),
    ],
)
def test_invalid_policies_name_the_field(
    change: dict[str, Any], error: type[Exception], field: str, words: str
) -> None:
    with pytest.raises(error) as info:
        Policy.from_dict(base(**change))
    assert info.value.field == field  # type: ignore[attr-defined]
    assert str(info.value).startswith(f"{field}: ")
    assert words in str(info.value)


def test_a_missing_name_is_required() -> None:
    data = base()
    del data["name"]
    with pytest.raises(PolicyError) as info:
        Policy.from_dict(data)
    assert (info.value.field, str(info.value)) == ("name", "name: is required")


def test_unknown_statuses_allowed_only_without_a_statuses_list() -> None:
    policy = Policy.from_dict(base(statuses=["new", "open", "pending", "waiting_on_customer", "solved", "closed"]))
    assert policy.is_known_status("open") and not policy.is_known_status("opne")
    assert Policy.from_dict(base()).is_known_status("anything")


def test_bad_toml_is_a_policy_error() -> None:
    with pytest.raises(PolicyError, match="not valid TOML"):
        Policy.from_toml('name = "x"\ncalendar = ')


def version(number: int, effective_from: str | None, name: str = "standard") -> Policy:
    return Policy.from_dict({"name": name, "version": number, "calendar": "NY95", "effective_from": effective_from})


def test_the_version_in_force_at_creation_is_chosen() -> None:
    v1, v2, v3 = version(1, "2026-01-01"), version(2, "2026-06-01"), version(3, "2026-06-01T12:00:00+00:00")
    policies = PolicySet([v3, v1, v2])  # order of definition does not matter
    utc = UTC
    assert policies.select("standard", datetime(2025, 12, 31, 23, 59, tzinfo=utc)) is None
    assert policies.select("standard", datetime(2026, 1, 1, tzinfo=utc)) is v1
    assert policies.select("standard", datetime(2026, 6, 1, 11, 59, tzinfo=utc)) is v2
    # 2026-06-01 12:00 UTC is 08:00 in New York: the instant decides, whatever the offset.
    assert policies.select(None, datetime(2026, 6, 1, 8, tzinfo=timezone(timedelta(hours=-4)))) is v3
    assert policies.select("premium", datetime(2026, 7, 1, tzinfo=utc)) is None
    assert select_policy([v1, v2], datetime(2026, 7, 1, tzinfo=utc)) is v2


def test_a_set_with_several_names_needs_the_name() -> None:
    policies = PolicySet([version(1, None), version(1, None, name="premium")])
    at = datetime(2026, 7, 1, tzinfo=UTC)
    assert policies.select(None, at) is None
    assert policies.select("premium", at).name == "premium"  # type: ignore[union-attr]
    with pytest.raises(NaiveDatetimeError):
        policies.select("premium", datetime(2026, 7, 1))


def test_a_version_given_twice_is_refused() -> None:
    with pytest.raises(PolicyError, match="version 1 is given twice"):
        PolicySet([version(1, None), version(1, "2026-01-01")])
