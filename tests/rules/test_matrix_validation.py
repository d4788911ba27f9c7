"""The priority matrix refuses bad data and bad arguments, naming the path at fault."""

from __future__ import annotations

from datetime import date
from types import MappingProxyType
from typing import Any

import pytest
from test_matrix import CALENDARS, IMPACT_URGENCY, LEVELS, T, hit, matrix

from sla_timers.errors import ArgumentTypeError, RulesError, SLAError
from sla_timers.rules import PriorityMatrix

# -- validation ---------------------------------------------------------------------


def _with_rules(*rules: Any) -> dict[str, Any]:
    return {"rules": list(rules)}


INVALID = [
    # (overrides, field, message fragment)
    (
        _with_rules(
            {"when": {"x": 1}, "then": {"raise": 1}},
            {"when": {"x": 1}, "then": {"raise": 1}},
            {"when": {"x": 1}, "then": {"raise": 1}},
            {"when": {"requester.tier": {"in_": ["premium"]}}, "then": {"raise": 1}},
        ),
        "rules[3].when.requester.tier",
        'unknown operator "in_"; did you mean "in"?',
    ),
    (_with_rules({"then": {"priority": "P5"}}), "rules[0].then.priority", 'unknown priority "P5"'),
    (_with_rules({"then": {"priority": "p1"}}), "rules[0].then.priority", 'did you mean "P1"?'),
    (_with_rules({"when": {"x": 1}}), "rules[0].then", "a rule needs at least one action"),
    (_with_rules({"when": {"x": 1}, "then": {}}), "rules[0].then", "a rule needs at least one action"),
    (_with_rules({"then": {"rise": 1}}), "rules[0].then.rise", 'unknown key "rise"; did you mean "raise"?'),
    (_with_rules({"then": {"raise": "2"}}), "rules[0].then.raise", "expected a whole number >= 1, got string"),
    (_with_rules({"then": {"raise": 0}}), "rules[0].then.raise", "must be >= 1"),
    (_with_rules({"then": {"lower": True}}), "rules[0].then.lower", "got boolean"),
    (
        _with_rules({"then": {"priority": "P1", "raise": 1}}),
        "rules[0].then.raise",
        'cannot be combined with "priority"',
    ),
    (_with_rules({"then": {"add_tags": "vip"}}), "rules[0].then.add_tags", "expected an array"),
    (_with_rules({"then": {"add_tags": ["vip", ""]}}), "rules[0].then.add_tags[1]", "must not be empty"),
    (_with_rules({"then": {"calendar": "tokyo"}}), "rules[0].then.calendar", 'unknown calendar "tokyo"'),
    (_with_rules({"then": {"raise": 1}, "stop": "yes"}), "rules[0].stop", "expected true or false"),
    (_with_rules({"then": {"raise": 1}, "stopp": True}), "rules[0].stopp", 'did you mean "stop"?'),
    (_with_rules({"when": {}, "then": {"raise": 1}}), "rules[0].when", "an empty condition"),
    (_with_rules({"when": {"x": {}}, "then": {"raise": 1}}), "rules[0].when.x", "no operator"),
    (_with_rules({"when": {"x": {"in": "a"}}, "then": {"raise": 1}}), "rules[0].when.x.in", "expected an array"),
    (_with_rules({"when": {"x": {"in": [[1]]}}, "then": {"raise": 1}}), "rules[0].when.x.in[0]", "got array"),
    (_with_rules({"when": {"x": ["a"]}, "then": {"raise": 1}}), "rules[0].when.x", "a bare array is ambiguous"),
    (_with_rules({"when": {"x": {"gt": True}}, "then": {"raise": 1}}), "rules[0].when.x.gt", "cannot order booleans"),
    (_with_rules({"when": {"x": {"glob": 3}}, "then": {"raise": 1}}), "rules[0].when.x.glob", "expected a string"),
    (_with_rules({"when": {"x": {"eq": {"a": 1}}}, "then": {"raise": 1}}), "rules[0].when.x.eq", "got table"),
    (_with_rules({"when": {"a..b": 1}, "then": {"raise": 1}}), "rules[0].when.a..b", "is not a field path"),
    (
        _with_rules({"when": {"any": [{"x": 1}, {"not": {"y": {"equals": 2}}}]}, "then": {"raise": 1}}),
        "rules[0].when.any[1].not.y",
        'unknown operator "equals"',
    ),
    (_with_rules({"when": {"all": {"x": 1}}, "then": {"raise": 1}}), "rules[0].when.all", "expected an array"),
    (_with_rules("not a table"), "rules[0]", "expected a table"),
    ({"rule": []}, "rule", 'unknown key "rule"; did you mean "rules"?'),
    ({"priorities": ["P1", "P1"]}, "priorities[1]", '"P1" is listed twice'),
    ({"priorities": []}, "priorities", "must not be empty"),
    ({"default_priority": "P9"}, "default_priority", 'unknown priority "P9"'),
    ({"default_calendar": "mars"}, "default_calendar", 'unknown calendar "mars"'),
    ({"default_policy": 3}, "default_policy", "expected a string"),
    (
        {"business_lines": {"sales": {"policy": "s", "calender": "ny"}}},
        "business_lines.sales.calender",
        'did you mean "calendar"?',
    ),
    ({"business_lines": {"sales": {"calendar": "paris"}}}, "business_lines.sales.calendar", 'unknown calendar "paris"'),
    (
        {"impact_urgency": {**IMPACT_URGENCY, "matrix": [["P1", "P2", "P3"], ["P2", "P3", "P4"]]}},
        "impact_urgency.matrix",
        "has 2 rows; expected one per impact (3)",
    ),
    (
        {"impact_urgency": {**IMPACT_URGENCY, "matrix": [["P1", "P2", "P3"], ["P2", "P3"], ["P3", "P4", "P4"]]}},
        "impact_urgency.matrix[1]",
        "has 2 cells",
    ),
    (
        {"impact_urgency": {**IMPACT_URGENCY, "matrix": [["P1", "P2", "P3"], ["P2", "P3", "P4"], ["P3", "P4", "P5"]]}},
        "impact_urgency.matrix[2][2]",
        'unknown priority "P5"',
    ),
    ({"impact_urgency": {"impacts": ["high"], "urgencies": ["high"]}}, "impact_urgency.matrix", "is required"),
]


@pytest.mark.parametrize(("overrides", "field", "message"), INVALID, ids=[c[1] for c in INVALID])
def test_invalid_matrix_names_the_bad_part(overrides: dict[str, Any], field: str, message: str) -> None:
    data = {
        "priorities": LEVELS,
        "default_priority": "P3",
        "default_policy": "standard",
        "default_calendar": "ny",
        **overrides,
    }
    with pytest.raises(RulesError) as info:
        PriorityMatrix.from_dict(data, calendars=CALENDARS)
    assert info.value.field == field
    assert str(info.value).startswith(f"{field}: ")
    assert message in str(info.value)
    assert info.value.code == "invalid_rules" and isinstance(info.value, (SLAError, ValueError))


@pytest.mark.parametrize("key", ["priorities", "default_priority", "default_policy", "default_calendar"])
def test_required_keys(key: str) -> None:
    data = {"priorities": LEVELS, "default_priority": "P3", "default_policy": "standard", "default_calendar": "ny"}
    del data[key]
    with pytest.raises(RulesError, match=f"^{key}: is required$"):
        PriorityMatrix.from_dict(data, calendars=CALENDARS)


def test_toml_syntax_error_is_a_rules_error() -> None:
    with pytest.raises(RulesError, match="not valid TOML") as info:
        PriorityMatrix.from_toml("priorities = [", calendars=CALENDARS)
    assert info.value.field is None


def test_toml_and_dict_agree() -> None:
    text = """
priorities = ["P1", "P2", "P3", "P4"]
default_priority = "P3"
default_policy = "standard"
default_calendar = "ny"

[[rules]]
name = "premium"
when = { "requester.tier" = { in = ["premium", "elite"] } }
then = { raise = 1, add_tags = ["premium"] }
"""
    result = PriorityMatrix.from_toml(text, calendars=CALENDARS).classify(T)
    # T's tier is premium: P3 raised one level = P2.
    assert (result.priority, result.tags) == ("P2", ("premium",))
    same = matrix(
        [
            {
                "name": "premium",
                "when": {"requester.tier": {"in": ["premium", "elite"]}},
                "then": {"raise": 1, "add_tags": ["premium"]},
            }
        ]
    )
    assert same.classify(T) == result


def test_the_matrix_cannot_be_built_directly() -> None:
    with pytest.raises(TypeError, match="from_dict"):
        PriorityMatrix()


def test_policy_names_are_checked_when_the_policies_are_given() -> None:
    data = {
        "priorities": LEVELS,
        "default_priority": "P3",
        "default_policy": "standard",
        "default_calendar": "ny",
        "business_lines": {"sales": {"policy": "sales"}},
        "rules": [{"then": {"raise": 1}}, {"then": {"policy": "premuim"}}],
    }
    with pytest.raises(RulesError) as info:
        PriorityMatrix.from_dict(data, calendars=CALENDARS, policies={"standard", "sales", "premium"})
    assert info.value.field == "rules[1].then.policy"
    assert 'unknown policy "premuim"; did you mean "premium"?' in str(info.value)
    with pytest.raises(RulesError) as info:
        PriorityMatrix.from_dict(data, calendars=CALENDARS, policies={"standard", "premuim"})
    assert info.value.field == "business_lines.sales.policy"
    assert PriorityMatrix.from_dict(data, calendars=CALENDARS).default_policy == "standard"  # unchecked without


def test_calendar_names_by_default_are_shipped_names_never_paths() -> None:
    data = {
        "priorities": LEVELS,
        "default_priority": "P3",
        "default_policy": "standard",
        "default_calendar": "../calendars/us-ny-9x5.toml",
    }
    with pytest.raises(RulesError) as info:
        PriorityMatrix.from_dict(data)
    assert info.value.field == "default_calendar"
    assert "not a shipped calendar name" in str(info.value)


# -- names that cannot be ticket fields ---------------------------------------------

MISPLACED = [
    # (when, field, message fragment): each used to be read as a test of a ticket field
    # named after the operator or rule key, which no ticket has, so the rule never matched.
    ({"glob": "printer*"}, "rules[0].when.glob", "'glob' is an operator; write {field = {glob = ...}}"),
    ({"gte": 5}, "rules[0].when.gte", "'gte' is an operator; write {field = {gte = ...}}"),
    ({"in": ["a", "b"]}, "rules[0].when.in", "'in' is an operator"),
    ({"requester.tier": "premium", "not_in": ["x"]}, "rules[0].when.not_in", "'not_in' is an operator"),
    ({"any": [{"x": 1}, {"contains": "jam"}]}, "rules[0].when.any[1].contains", "'contains' is an operator"),
    ({"not": {"eq": 3}}, "rules[0].when.not.eq", "'eq' is an operator"),
    ({"all": [{"not": {"lt": 3}}]}, "rules[0].when.all[0].not.lt", "'lt' is an operator"),
    ({"subject.glob": "printer*"}, "rules[0].when.subject.glob", "write {subject = {glob = ...}}"),
    ({"requester.tier.in": ["premium"]}, "rules[0].when.requester.tier.in", "write {requester.tier = {in = ...}}"),
    ({"stop": True}, "rules[0].when.stop", "'stop' belongs to the rule, beside `when`"),
    ({"any": [{"then": {"eq": 1}}]}, "rules[0].when.any[0].then", "'then' belongs to the rule"),
]


@pytest.mark.parametrize(("when", "field", "message"), MISPLACED, ids=[c[1] for c in MISPLACED])
def test_an_operator_or_rule_key_where_a_field_belongs_is_refused(
    when: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(RulesError) as info:
        matrix([{"when": {"x": 1}, "then": {"raise": 1}}, {"when": when, "then": {"raise": 1}}])
    assert info.value.field == field.replace("rules[0]", "rules[1]")
    assert str(info.value).startswith(f"{info.value.field}: ")
    assert message in str(info.value)


def test_fields_named_like_actions_are_still_ticket_fields() -> None:
    # `priority`, `policy` and `calendar` are actions in `then`, but tickets do have such fields.
    assert hit(
        {"priority": "high", "policy": {"ne": "x"}, "calendar": {"glob": "ny*"}},
        {"priority": "high", "calendar": "ny-9x5"},
    )


@pytest.mark.parametrize(
    ("when", "field"),
    [
        ({"x": {"eq": float("nan")}}, "rules[0].when.x.eq"),
        ({"x": float("nan")}, "rules[0].when.x"),  # the shorthand for eq
        ({"x": {"ne": float("nan")}}, "rules[0].when.x.ne"),
        ({"x": {"in": [1, float("nan")]}}, "rules[0].when.x.in[1]"),
        ({"x": {"not_in": [float("nan")]}}, "rules[0].when.x.not_in[0]"),
        ({"x": {"contains": float("nan")}}, "rules[0].when.x.contains"),
        ({"x": {"gte": float("nan")}}, "rules[0].when.x.gte"),
        ({"any": [{"x": {"lt": float("nan")}}]}, "rules[0].when.any[0].x.lt"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_nan_as_a_comparison_value_is_refused(when: dict[str, Any], field: str) -> None:
    # NaN equals nothing, not even a NaN on the ticket, and orders with nothing: the test
    # would have one answer whatever the ticket says.
    with pytest.raises(RulesError) as info:
        matrix([{"when": when, "then": {"raise": 1}}])
    assert info.value.field == field
    assert "NaN is not a value a field can be compared with" in str(info.value)


# -- how deep conditions nest ---------------------------------------------------------


def _nested(levels: int, wrap: Any) -> dict[str, Any]:
    """``levels`` combinators around ``{"x": 1}``, built without recursion."""
    node: dict[str, Any] = {"x": 1}
    for level in range(levels):
        node = wrap(level, node)
    return node


def _not(level: int, node: dict[str, Any]) -> dict[str, Any]:
    return {"not": node}


def _all_any(level: int, node: dict[str, Any]) -> dict[str, Any]:
    return {"all" if level % 2 else "any": [node]}


def test_a_thousand_levels_of_not_are_refused_with_the_path() -> None:
    with pytest.raises(RulesError) as info:
        matrix([{"when": _nested(1000, _not), "then": {"raise": 1}}])
    # Rules data nests at most 80 tables and arrays: the root (1), the rules array (2), the
    # rule (3), `when` (4), then 76 `not` tables reach level 80; the 77th is refused.
    assert info.value.field == "rules[0].when" + ".not" * 77
    assert "nested deeper than 80 levels" in str(info.value)


def test_a_thousand_levels_of_all_and_any_are_refused_with_the_path() -> None:
    # Outermost first: level 999 (odd) is `all`, then `any`, `all`...; each wraps a one-item list.
    with pytest.raises(RulesError) as info:
        matrix([{"when": _nested(1000, _all_any), "then": {"raise": 1}}])
    # Levels: root 1, rules 2, rule 3, when 4; each all/any adds its array and the table in it,
    # so 38 combinators reach level 80 and the array of the 39th is refused.
    path = "rules[0].when" + "".join(f".{'all' if (999 - k) % 2 else 'any'}[0]" for k in range(38))
    assert info.value.field == path + (".all" if (999 - 38) % 2 else ".any")
    assert "nested deeper than 80 levels" in str(info.value)


def test_thirty_two_levels_still_work() -> None:
    # 32 `not` around x == 1: an even count, so the rule matches exactly when x == 1.
    m = matrix(
        [
            {"when": _nested(32, _not), "then": {"add_tags": ["hit"]}},
            {"when": _nested(32, _all_any), "then": {"add_tags": ["deep"]}},
        ]
    )
    assert m.classify({"x": 1}).tags == ("hit", "deep")
    assert m.classify({"x": 2}).tags == ()


# -- arguments of the wrong type ---------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "field", "message"),
    [
        (lambda m: m.classify(None), "ticket", "ticket must be a mapping of the ticket's fields, got None"),
        (lambda m: m.classify(["requester"]), "ticket", "got list"),
        (lambda m: m.classify({}, now="2026-11-23T09:00:00Z"), "now", 'now: "2026-11-23T09:00:00Z" is not a datetime'),
        (lambda m: m.classify({}, now=date(2026, 11, 23)), "now", "now: 2026-11-23 is not a datetime"),
    ],
    ids=["none", "list", "now-text", "now-date"],
)
def test_classify_names_the_argument_of_the_wrong_type(call: Any, field: str, message: str) -> None:
    with pytest.raises(ArgumentTypeError) as info:
        call(matrix([{"when": {"x": 1}, "then": {"raise": 1}}]))
    assert (info.value.code, info.value.field) == ("invalid_argument", field)
    assert message in str(info.value)
    assert isinstance(info.value, (SLAError, TypeError))


def test_classify_accepts_any_mapping() -> None:
    assert matrix([{"when": {"x": 1}, "then": {"raise": 1}}]).classify(MappingProxyType({"x": 1})).priority == "P2"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"calendars": "ny"}, "calendars"),
        ({"calendars": ["ny"]}, "calendars"),
        ({"policies": "standard"}, "policies"),
        ({"policies": 3}, "policies"),
    ],
    ids=["calendars-text", "calendars-list", "policies-text", "policies-number"],
)
def test_from_dict_names_the_argument_of_the_wrong_type(kwargs: dict[str, Any], field: str) -> None:
    data = {"priorities": LEVELS, "default_priority": "P3", "default_policy": "standard", "default_calendar": "ny"}
    with pytest.raises(ArgumentTypeError) as info:
        PriorityMatrix.from_dict(data, **kwargs)
    assert info.value.field == field


def test_a_deep_condition_in_toml_is_refused_with_the_path() -> None:
    # 40 nested inline tables parse as TOML; the matrix then refuses the 33rd `not`.
    when = "{ not = " * 40 + "{ x = 1 }" + " }" * 40
    text = f"""
priorities = ["P1", "P2", "P3", "P4"]
default_priority = "P3"
default_policy = "standard"
default_calendar = "ny"

[[rules]]
when = {when}
then = {{ raise = 1 }}
"""
    with pytest.raises(RulesError) as info:
        PriorityMatrix.from_toml(text, calendars=CALENDARS)
    assert info.value.field == "rules[0].when" + ".not" * 33
