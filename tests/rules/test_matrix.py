"""The priority matrix without calendars: operators, actions, order, base, the fields it reads, capped raises,
enum values. Refusals are in test_matrix_validation.py."""

from __future__ import annotations

import copy
import enum
import fnmatch
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sla_timers.errors import NaiveDatetimeError
from sla_timers.rules import Change, PriorityMatrix

LEVELS = ["P1", "P2", "P3", "P4"]
#: Calendar names are resolved at build time; no rule here asks a calendar anything.
CALENDARS: dict[str, Any] = {"ny": object(), "london": object()}


def matrix(rules: list[dict[str, Any]] | None = None, **extra: Any) -> PriorityMatrix:
    data: dict[str, Any] = {
        "priorities": LEVELS,
        "default_priority": "P3",
        "default_policy": "standard",
        "default_calendar": "ny",
        "rules": rules or [],
        **extra,
    }
    return PriorityMatrix.from_dict(data, calendars=CALENDARS)


def hit(when: dict[str, Any], ticket: dict[str, Any]) -> bool:
    """Does a one-rule matrix with this condition match the ticket?"""
    m = matrix([{"name": "probe", "when": when, "then": {"add_tags": ["hit"]}}])
    return "hit" in m.classify(ticket).tags


# -- operators --------------------------------------------------------------

T = {
    "requester": {"tier": "premium", "vip": True, "seats": 10, "org": "Acme"},
    "subject": "Printer on floor 3 is jammed",
    "labels": ["printer", "floor-3"],
    "count": 1,
}

OPERATOR_CASES = [
    # (field, {op: arg}, expected)
    ("requester.tier", {"eq": "premium"}, True),
    ("requester.tier", {"eq": "Premium"}, False),  # eq is exact
    ("requester.tier", {"eq": "elite"}, False),
    ("requester.nothing", {"eq": "premium"}, False),  # missing never equals
    ("requester.vip", {"eq": True}, True),
    ("count", {"eq": True}, False),  # 1 is not true
    ("requester.vip", {"eq": 1}, False),  # true is not 1
    ("requester.tier", {"ne": "premium"}, False),
    ("requester.tier", {"ne": "elite"}, True),
    ("requester.nothing", {"ne": "premium"}, True),  # missing differs from anything
    ("requester.tier", {"in": ["premium", "elite"]}, True),
    ("requester.tier", {"in": ["gold", "elite"]}, False),
    ("count", {"in": [True]}, False),
    ("labels", {"in": ["printer"]}, False),  # a list is none of the scalars
    ("requester.tier", {"not_in": ["gold", "elite"]}, True),
    ("requester.tier", {"not_in": ["premium"]}, False),
    ("requester.nothing", {"not_in": ["premium"]}, True),
    ("labels", {"contains": "printer"}, True),  # list membership
    ("labels", {"contains": "print"}, False),  # ...is whole items
    ("subject", {"contains": "PRINTER"}, True),  # substring, case-insensitive
    ("subject", {"contains": "scanner"}, False),
    ("count", {"contains": 1}, False),  # a number contains nothing
    ("requester.nothing", {"contains": "x"}, False),
    ("requester.seats", {"gt": 9}, True),
    ("requester.seats", {"gt": 10}, False),  # boundary: 10 > 10 is false
    ("requester.seats", {"gte": 10}, True),
    ("requester.seats", {"lt": 10}, False),
    ("requester.seats", {"lte": 10}, True),
    ("requester.seats", {"lt": 10.5}, True),
    ("requester.tier", {"gt": 5}, False),  # "premium" > 5: not comparable, no match
    ("requester.vip", {"gte": 0}, False),  # booleans are not ordered
    ("requester.nothing", {"lt": 5}, False),
    ("subject", {"glob": "*JAMMED*"}, True),  # *word*: a case-insensitive substring
    ("subject", {"glob": "*fire*"}, False),
    ("subject", {"glob": "*printer ON*"}, True),  # the value is case-folded too
    ("subject", {"glob": "*jammed"}, True),
    ("subject", {"glob": "*floor"}, False),
    ("subject", {"glob": "printer*"}, True),  # glob is case-insensitive
    ("subject", {"glob": "*floor ?*"}, True),
    ("subject", {"glob": "printer"}, False),  # the whole value must match
    ("requester.org", {"glob": "[A-C]cme"}, True),
    ("requester.seats", {"glob": "1*"}, False),  # only strings glob
]


@pytest.mark.parametrize("nested", [False, True], ids=["top", "nested"])
@pytest.mark.parametrize(
    ("path", "test", "expected"),
    OPERATOR_CASES,
    ids=[f"{p}-{next(iter(t))}-{v}-{i}" for i, (p, t, v) in enumerate(OPERATOR_CASES)],
)
def test_operator(path: str, test: dict[str, Any], expected: bool, nested: bool) -> None:
    # Top-level eq/in tests go through the index; inside `any` they are plain closures.
    when = {"any": [{path: test}]} if nested else {path: test}
    assert hit(when, T) is expected


@pytest.mark.parametrize("nested", [False, True], ids=["top", "nested"])
@pytest.mark.parametrize(
    ("value", "test", "expected"),
    [
        (Decimal("600"), {"gte": 500}, True),  # any number compares, not only int and float
        (Decimal("400"), {"gte": 500}, False),
        (float("nan"), {"gte": 500}, False),  # NaN passes no bound
        (float("nan"), {"lt": 500}, False),
        (float("inf"), {"gt": 500}, True),
        (-1, {"lt": 0}, True),
        (0, {"lt": 0}, False),
        (0, {"lte": 0}, True),
        (2.5, {"gt": 2}, True),
    ],
    ids=lambda v: repr(v),
)
def test_ordered_operators_on_odd_numbers(value: Any, test: dict[str, Any], expected: bool, nested: bool) -> None:
    # Top-level numeric bounds go through the sorted-thresholds index; nested ones are closures.
    when = {"any": [{"n": test}]} if nested else {"n": test}
    assert hit(when, {"n": value}) is expected


@given(pattern=st.text("ab*?", min_size=1, max_size=5), value=st.text("abAB", max_size=6))
def test_glob_agrees_with_fnmatch(pattern: str, value: str) -> None:
    # The fast paths (*word*, word*, *word, word) must answer as the shell pattern does.
    expected = fnmatch.fnmatchcase(value.lower(), pattern.lower())
    assert hit({"x": {"glob": pattern}}, {"x": value}) is expected
    assert hit({"any": [{"x": {"glob": pattern}}]}, {"x": value}) is expected


def test_scalar_shorthand_is_eq() -> None:
    assert hit({"requester.tier": "premium"}, T)
    assert not hit({"requester.tier": "elite"}, T)


def test_date_values_compare() -> None:
    ticket = {"fields": {"contract_end": date(2026, 12, 31)}}
    assert hit({"fields.contract_end": {"lte": date(2027, 1, 1)}}, ticket)
    assert not hit({"fields.contract_end": {"lt": date(2026, 12, 31)}}, ticket)


def test_path_through_a_non_table_is_missing() -> None:
    assert not hit({"subject.length": {"gt": 0}}, T)
    assert hit({"subject.length.deep": {"ne": 1}}, T)


# -- combinators ------------------------------------------------------------


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ({"requester.tier": "premium", "requester.vip": True}, True),  # keys of one table: all
        ({"requester.tier": "premium", "requester.vip": False}, False),
        ({"requester.seats": {"gte": 5, "lt": 10}}, False),  # operators of one field: all
        ({"requester.seats": {"gte": 5, "lte": 10}}, True),
        ({"all": [{"requester.tier": "premium"}, {"subject": {"glob": "*jam*"}}]}, True),
        ({"all": [{"requester.tier": "premium"}, {"subject": {"glob": "*fire*"}}]}, False),
        ({"any": [{"requester.tier": "elite"}, {"subject": {"glob": "*jam*"}}]}, True),
        ({"any": [{"requester.tier": "elite"}, {"subject": {"glob": "*fire*"}}]}, False),
        ({"not": {"requester.tier": "premium"}}, False),
        ({"not": {"requester.tier": "elite"}}, True),
        (
            {"any": [{"not": {"requester.vip": True}}, {"all": [{"count": 1}, {"labels": {"contains": "floor-3"}}]}]},
            True,
        ),
    ],
    ids=lambda v: str(v)[:60] if isinstance(v, dict) else str(v),
)
def test_combinators(when: dict[str, Any], expected: bool) -> None:
    assert hit(when, T) is expected


# -- base ---------------------------------------------------------------------

IMPACT_URGENCY = {
    "impacts": ["high", "medium", "low"],
    "urgencies": ["high", "medium", "low"],
    "matrix": [["P1", "P2", "P3"], ["P2", "P3", "P4"], ["P3", "P4", "P4"]],
}


@pytest.mark.parametrize(
    ("impact", "urgency", "priority"),
    [
        ("high", "high", "P1"),
        ("high", "low", "P3"),
        ("medium", "high", "P2"),
        ("low", "medium", "P4"),
    ],
)
def test_impact_urgency_cell_is_the_base(impact: str, urgency: str, priority: str) -> None:
    result = matrix(impact_urgency=IMPACT_URGENCY).classify({"impact": impact, "urgency": urgency})
    assert (result.priority, result.base.source, result.base.priority) == (priority, "impact_urgency", priority)
    assert (result.base.impact, result.base.urgency) == (impact, urgency)


@pytest.mark.parametrize(
    ("ticket", "note"),
    [
        ({"urgency": "high"}, "no impact"),
        ({"impact": "huge", "urgency": "high"}, "impact 'huge' is not in the table"),
        ({}, "no impact; no urgency"),
    ],
)
def test_default_when_the_table_does_not_apply(ticket: dict[str, Any], note: str) -> None:
    result = matrix(impact_urgency=IMPACT_URGENCY).classify(ticket)
    assert (result.priority, result.base.source, result.base.note) == ("P3", "default", note)


def test_impact_and_urgency_fields_by_path() -> None:
    table = {**IMPACT_URGENCY, "impact_field": "fields.impact", "urgency_field": "fields.urgency"}
    assert matrix(impact_urgency=table).classify({"fields": {"impact": "high", "urgency": "medium"}}).priority == "P2"


def test_business_line_gives_policy_and_calendar() -> None:
    m = matrix(
        business_line_field="fields.line",
        business_lines={"sales": {"policy": "sales", "calendar": "london"}, "finance": {"policy": "finance"}},
    )
    sales = m.classify({"fields": {"line": "sales"}})
    assert (sales.policy, sales.calendar, sales.base.business_line) == ("sales", "london", "sales")
    finance = m.classify({"fields": {"line": "finance"}})
    assert (finance.policy, finance.calendar) == ("finance", "ny")  # calendar falls back to the default
    other = m.classify({"fields": {"line": "legal"}})
    assert (other.policy, other.calendar, other.base.business_line) == ("standard", "ny", None)


# -- actions, order, stop -----------------------------------------------------


@pytest.mark.parametrize(
    ("then", "priority"),
    [
        ({"priority": "P1"}, "P1"),
        ({"raise": 1}, "P2"),  # P3 -> P2
        ({"raise": 2}, "P1"),  # P3 -> P1
        ({"raise": 3}, "P1"),  # P3 -> P0 does not exist: capped at P1
        ({"lower": 1}, "P4"),
        ({"lower": 5}, "P4"),  # capped at the lowest level
    ],
)
def test_priority_actions(then: dict[str, Any], priority: str) -> None:
    result = matrix([{"then": then}]).classify({})
    assert result.priority == priority
    changes = result.trace[0].changes
    assert changes == (Change("priority", "P3", priority),)


def test_policy_calendar_and_tags_actions() -> None:
    m = matrix(
        [
            {"name": "a", "then": {"policy": "vip", "calendar": "london", "add_tags": ["vip", "exec"]}},
            {"name": "b", "then": {"add_tags": ["exec", "floor-3"]}},
        ]
    )
    result = m.classify({})
    assert (result.policy, result.calendar, result.tags) == ("vip", "london", ("vip", "exec", "floor-3"))
    assert result.trace[0].changes == (
        Change("policy", "standard", "vip"),
        Change("calendar", "ny", "london"),
        Change("tags", (), ("vip", "exec")),
    )
    assert result.trace[1].changes == (Change("tags", ("vip", "exec"), ("vip", "exec", "floor-3")),)


def test_a_later_rule_overrides_an_earlier_one() -> None:
    # A tie: both rules match and both set the priority; rules apply in order, so the later one wins.
    m = matrix(
        [
            {"name": "first", "when": {"requester.tier": "premium"}, "then": {"priority": "P1"}},
            {"name": "second", "when": {"requester.vip": True}, "then": {"priority": "P4"}},
        ]
    )
    result = m.classify(T)
    assert result.priority == "P4"
    assert [(e.name, e.changes) for e in result.trace] == [
        ("first", (Change("priority", "P3", "P1"),)),
        ("second", (Change("priority", "P1", "P4"),)),
    ]


def test_stop_ends_the_rules() -> None:
    m = matrix(
        [
            {"name": "first", "when": {"requester.tier": "premium"}, "then": {"priority": "P1"}, "stop": True},
            {"name": "second", "when": {"requester.vip": True}, "then": {"priority": "P4"}},
        ]
    )
    result = m.classify(T)
    assert result.priority == "P1"
    assert [(e.name, e.stopped) for e in result.trace] == [("first", True)]


def test_a_stop_rule_that_does_not_match_stops_nothing() -> None:
    m = matrix(
        [
            {"when": {"requester.tier": "elite"}, "then": {"priority": "P1"}, "stop": True},
            {"when": {"requester.vip": True}, "then": {"raise": 1}},
        ]
    )
    assert m.classify(T).priority == "P2"


def test_raises_accumulate_in_order() -> None:
    m = matrix(
        [{"then": {"raise": 1}}, {"when": {"requester.vip": True}, "then": {"raise": 1}}, {"then": {"lower": 1}}]
    )
    # P3 -> P2 -> P1 -> P2
    assert m.classify(T).priority == "P2"
    assert [e.index for e in m.classify(T).trace] == [0, 1, 2]


def test_a_matching_rule_that_changes_nothing_is_still_traced() -> None:
    result = matrix([{"name": "noop", "then": {"priority": "P3"}}]).classify({})
    assert [(e.name, e.changes) for e in result.trace] == [("noop", ())]


def test_rule_order_is_kept_across_indexed_and_plain_rules() -> None:
    # Rule 0 and 2 are indexed on requester.tier, rule 1 is not indexable (glob): trace must be 0, 1, 2.
    m = matrix(
        [
            {"name": "r0", "when": {"requester.tier": "premium"}, "then": {"add_tags": ["a"]}},
            {"name": "r1", "when": {"subject": {"glob": "*jam*"}}, "then": {"add_tags": ["b"]}},
            {"name": "r2", "when": {"requester.tier": {"in": ["premium", "elite"]}}, "then": {"add_tags": ["c"]}},
        ]
    )
    result = m.classify(T)
    assert [e.name for e in result.trace] == ["r0", "r1", "r2"]
    assert result.tags == ("a", "b", "c")


def test_explain_names_the_base_and_each_rule() -> None:
    m = matrix(
        [{"name": "vip", "when": {"requester.vip": True}, "then": {"raise": 1, "add_tags": ["vip"]}, "stop": True}],
        impact_urgency=IMPACT_URGENCY,
    )
    text = m.classify({**T, "impact": "medium", "urgency": "medium"}).explain()
    assert text.splitlines() == [
        "base: P3 (impact 'medium' x urgency 'medium')",
        "rules[0] 'vip': priority P3 -> P2, tags +vip; stop",
        "=> priority P2, policy standard, calendar ny, tags ['vip']",
    ]


def test_naive_now_is_refused() -> None:
    with pytest.raises(NaiveDatetimeError) as info:
        matrix().classify({}, now=datetime(2026, 11, 23, 9))
    assert info.value.field == "now"


def test_the_matrix_does_not_keep_state_between_tickets() -> None:
    m = matrix([{"when": {"requester.vip": True}, "then": {"raise": 1, "add_tags": ["vip"]}}])
    assert m.classify(T).tags == ("vip",)
    assert (m.classify({}).priority, m.classify({}).tags) == ("P3", ())
    assert m.classify(T).tags == ("vip",)


# -- properties -----------------------------------------------------------------


@given(
    start=st.sampled_from(LEVELS),
    moves=st.lists(st.tuples(st.sampled_from(["raise", "lower"]), st.integers(1, 10)), max_size=6),
)
def test_raise_and_lower_never_leave_the_levels(start: str, moves: list[tuple[str, int]]) -> None:
    m = matrix([{"then": {kind: n}} for kind, n in moves])
    m_start = matrix([{"then": {"priority": start}}] + [{"then": {kind: n}} for kind, n in moves])
    result = m_start.classify({})
    assert result.priority in LEVELS
    # Reference: walk the moves, clamping at each step (a rule sees the capped level of the previous one).
    level = LEVELS.index(start)
    for kind, n in moves:
        level = max(0, level - n) if kind == "raise" else min(len(LEVELS) - 1, level + n)
    assert result.priority == LEVELS[level]
    assert m.classify({}).priority in LEVELS


TIERS = ["basic", "premium", "elite", "gold"]
disjoint_rules = st.lists(
    st.tuples(
        st.sampled_from(TIERS), st.sampled_from(["priority", "raise", "lower", "add_tags", "policy"]), st.integers(0, 3)
    ),
    min_size=1,
    max_size=len(TIERS),
    unique_by=lambda r: r[0],
)


def _rule(tier: str, action: str, n: int) -> dict[str, Any]:
    then: dict[str, Any] = {
        "priority": LEVELS[n],
        "raise": n + 1,
        "lower": n + 1,
        "add_tags": [f"t{n}"],
        "policy": f"pol{n}",
    }
    return {"name": tier, "when": {"requester.tier": tier}, "then": {action: then[action]}}


@given(rules=disjoint_rules, tier=st.sampled_from(TIERS), data=st.data())
def test_order_of_disjoint_rules_does_not_matter(
    rules: list[tuple[str, str, int]], tier: str, data: st.DataObject
) -> None:
    # Each rule tests a different tier, so at most one matches any ticket.
    shuffled = data.draw(st.permutations(rules))
    a = matrix([_rule(*r) for r in rules]).classify({"requester": {"tier": tier}})
    b = matrix([_rule(*r) for r in shuffled]).classify({"requester": {"tier": tier}})
    assert (a.priority, a.policy, a.tags) == (b.priority, b.policy, b.tags)
    assert [e.name for e in a.trace] == [e.name for e in b.trace]


FIELDS = ["category", "requester.tier", "fields.line"]
VALUES = ["a", "b", "ab", 1, True, 0, 2.5, -1]
NUMBERS = [0, 1, 2, -1, 2.5]
field_tests = st.one_of(
    st.builds(lambda f, v: {f: {"eq": v}}, st.sampled_from(FIELDS), st.sampled_from(VALUES)),
    st.builds(
        lambda f, vs: {f: {"in": vs}},
        st.sampled_from(FIELDS),
        st.lists(st.sampled_from(VALUES), min_size=1, max_size=3),
    ),
    st.builds(lambda f, v: {f: {"ne": v}}, st.sampled_from(FIELDS), st.sampled_from(VALUES)),
    st.builds(lambda f, v: {f: {"glob": v}}, st.sampled_from(FIELDS), st.sampled_from(["a*", "*b", "?", "*a*", "*B*"])),
    st.builds(
        lambda f, op, v: {f: {op: v}},
        st.sampled_from(FIELDS),
        st.sampled_from(["gt", "gte", "lt", "lte"]),
        st.sampled_from(NUMBERS),
    ),
)
eq_tests = st.builds(lambda f, v: {f: {"eq": v}}, st.sampled_from(FIELDS), st.sampled_from(VALUES))
any_tests = st.builds(lambda a, b: {"any": [a, b]}, eq_tests, st.one_of(eq_tests, field_tests))
random_rules = st.lists(
    st.builds(
        lambda tests, then, stop: {"when": {"all": tests}, "then": then, "stop": stop},
        st.lists(st.one_of(field_tests, any_tests), min_size=1, max_size=3),
        st.sampled_from([{"raise": 1}, {"lower": 1}, {"priority": "P1"}, {"add_tags": ["x"]}, {"add_tags": ["y"]}]),
        st.booleans(),
    ),
    max_size=8,
)
tickets = st.fixed_dictionaries(
    {
        "category": st.sampled_from(VALUES + ["zz", "AB"]),
        "requester": st.fixed_dictionaries({"tier": st.sampled_from(VALUES + [float("nan")])}),
        "fields": st.fixed_dictionaries({}, optional={"line": st.sampled_from(VALUES)}),
    }
)


def _flatten(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The same rules with their tests at the top level, where the index can use them."""
    out = []
    for rule in rules:
        merged: dict[str, Any] = {}
        for test in rule["when"]["all"]:
            ((path, ops),) = test.items()
            if path == "any":
                if "any" in merged:  # one top-level `any` per table; nest the others
                    merged.setdefault("all", []).append(test)
                else:
                    merged["any"] = ops
                continue
            for op, arg in ops.items():
                if op in merged.get(path, {}):  # two tests of one operator on one field: keep them nested
                    merged.setdefault("all", []).append(test)
                else:
                    merged.setdefault(path, {})[op] = arg
        out.append({**rule, "when": merged})
    return out


@given(rules=random_rules, ticket=tickets)
def test_the_index_changes_no_answer(rules: list[dict[str, Any]], ticket: dict[str, Any]) -> None:
    # `any` of one item is never indexed: every rule is evaluated by closures in order.
    plain = [{**r, "when": {"any": [r["when"]]}} for r in copy.deepcopy(rules)]
    indexed = matrix(_flatten(rules)).classify(ticket)
    reference = matrix(plain).classify(ticket)
    assert (indexed.priority, indexed.tags) == (reference.priority, reference.tags)
    assert [(e.index, e.changes, e.stopped) for e in indexed.trace] == [
        (e.index, e.changes, e.stopped) for e in reference.trace
    ]


# -- raises and lowers cut at the ends ----------------------------------------------------


def test_a_raise_at_the_top_says_it_was_capped() -> None:
    # A VIP raise of 2 on a ticket already at P1: nothing moves, but the rule acted.
    m = matrix(
        [
            {"name": "to P1", "then": {"priority": "P1"}},
            {"name": "vip", "when": {"requester.vip": True}, "then": {"raise": 2}},
        ]
    )
    result = m.classify(T)
    assert result.priority == "P1"
    assert [(e.name, e.changes, e.capped) for e in result.trace] == [
        ("to P1", (Change("priority", "P3", "P1"),), None),
        ("vip", (), "top"),
    ]
    assert result.explain().splitlines()[2] == "rules[1] 'vip': raise 2 levels: P1, capped at the top"


def test_a_raise_that_moves_part_way_says_it_was_capped() -> None:
    # P2 raised 3: P2 -> P1 is one level of the three asked for.
    m = matrix([{"name": "p2", "then": {"priority": "P2"}}, {"name": "vip", "then": {"raise": 3, "add_tags": ["vip"]}}])
    result = m.classify({})
    assert (result.trace[1].changes, result.trace[1].capped) == (
        (Change("priority", "P2", "P1"), Change("tags", (), ("vip",))),
        "top",
    )
    assert result.explain().splitlines()[2] == "rules[1] 'vip': raise 3 levels: P2 -> P1, capped at the top, tags +vip"


def test_a_lower_at_the_bottom_says_it_was_capped() -> None:
    m = matrix([{"name": "p4", "then": {"priority": "P4"}}, {"name": "internal", "then": {"lower": 1}}])
    result = m.classify({})
    assert (result.priority, result.trace[1].changes, result.trace[1].capped) == ("P4", (), "bottom")
    assert result.explain().splitlines()[2] == "rules[1] 'internal': lower 1 level: P4, capped at the bottom"


def test_a_raise_within_the_levels_is_not_capped() -> None:
    # P3 raised 2 is P1 exactly: the last level reached, not passed.
    result = matrix([{"name": "vip", "then": {"raise": 2}}]).classify({})
    assert (result.priority, result.trace[0].capped) == ("P1", None)
    assert result.explain().splitlines()[1] == "rules[0] 'vip': priority P3 -> P1"


# -- enum members as values ------------------------------------------------------------


class Status(enum.StrEnum):
    NEW = "new"
    OPEN = "open"


class Tier(str, enum.Enum):  # noqa: UP042 (host code written before StrEnum)
    """The older spelling of a string enum: ``str()`` of a member is ``Tier.PREMIUM``, not its value."""

    PREMIUM = "premium"
    BASIC = "basic"


class Subject(enum.StrEnum):
    JAM = "Printer jammed"


@pytest.mark.parametrize(
    "when",
    [
        {"status": "open"},
        {"status": {"in": ["open", "pending"]}},
        {"status": {"ne": "new"}},
        {"status": {"not_in": ["new"]}},
        {"status": {"glob": "op*"}},  # a prefix glob
        {"status": {"glob": "o?en"}},  # a regex glob
        {"subject": {"glob": "*JAM*"}},  # a substring glob: indexed
        {"subject": {"contains": "jam"}},
        {"requester.tier": {"eq": "premium"}},
        {"requester.tier": {"glob": "prem*"}},
        {"any": [{"status": {"glob": "*pe*"}}]},  # not indexed: the closure alone
    ],
    ids=lambda w: str(w),
)
def test_enum_members_test_as_their_text(when: dict[str, Any]) -> None:
    ticket = {"status": Status.OPEN, "subject": Subject.JAM, "requester": {"tier": Tier.PREMIUM}}
    plain = {"status": "open", "subject": "Printer jammed", "requester": {"tier": "premium"}}
    assert hit(when, plain)
    assert hit(when, ticket)


def test_enum_members_in_the_base_show_as_their_text() -> None:
    class Impact(str, enum.Enum):  # noqa: UP042 (host code written before StrEnum)
        HIGH = "high"

    class Urgency(enum.StrEnum):
        MEDIUM = "medium"

    class Line(str, enum.Enum):  # noqa: UP042 (host code written before StrEnum)
        SALES = "sales"

    m = matrix(impact_urgency=IMPACT_URGENCY, business_lines={"sales": {"policy": "sales"}})
    result = m.classify({"impact": Impact.HIGH, "urgency": Urgency.MEDIUM, "business_line": Line.SALES})
    # The high x medium cell is P2; read as plain text, equal to the same ticket written with strings.
    assert (result.priority, result.policy) == ("P2", "sales")
    assert [v.__class__ for v in (result.base.impact, result.base.urgency, result.base.business_line)] == [str] * 3
    assert result == m.classify({"impact": "high", "urgency": "medium", "business_line": "sales"})
    assert result.explain().splitlines()[:2] == ["base: P2 (impact 'high' x urgency 'medium')", "business line: sales"]
    off_table = m.classify({"impact": Impact.HIGH, "urgency": Status.OPEN})
    assert off_table.base.note == "urgency 'open' is not in the table"


def test_enum_members_in_the_matrix_data_read_as_their_text() -> None:
    class Level(enum.StrEnum):
        P1 = "P1"
        P2 = "P2"

    m = PriorityMatrix.from_dict(
        {
            "priorities": [Level.P1, Level.P2],
            "default_priority": Level.P2,
            "default_policy": Tier.PREMIUM,
            "default_calendar": "ny",
            "rules": [{"when": {"status": {"in": [Status.OPEN]}}, "then": {"raise": 1, "add_tags": [Tier.BASIC]}}],
        },
        calendars=CALENDARS,
    )
    result = m.classify({"status": "open"})
    assert (result.priority, result.policy, result.tags) == ("P1", "premium", ("basic",))
    assert [v.__class__ for v in (result.priority, result.policy, *result.tags, *m.priorities)] == [str] * 5


# -- the fields classify reads ------------------------------------------------------------


def test_fields_lists_each_path_classify_reads_once_in_the_order_named() -> None:
    m = matrix(
        [
            {"when": {"requester.tier": "premium", "subject": {"glob": "*outage*"}}, "then": {"raise": 1}},
            {
                "when": {"any": [{"requester.seats": {"gte": 1000}}, {"not": {"requester.tier": "basic"}}]},
                "then": {"add_tags": ["big"]},
            },
            {"then": {"add_tags": ["always"]}},
        ],
        impact_urgency={**IMPACT_URGENCY, "impact_field": "custom.impact"},
        business_line_field="org.line",
    )
    # The table's two fields first (impact renamed, urgency by its default name), then the
    # business line field, then rule 0's two tests, rule 1's new one (requester.tier again
    # is not repeated); rule 2 tests nothing.
    assert m.fields == ("custom.impact", "urgency", "org.line", "requester.tier", "subject", "requester.seats")


def test_without_a_table_fields_still_names_the_business_line() -> None:
    # business_line_field defaults to "business_line"; no impact_urgency table, no rules.
    assert matrix().fields == ("business_line",)


def test_a_ticket_built_from_fields_alone_classifies_as_the_full_ticket() -> None:
    m = matrix(
        [
            {"when": {"requester.tier": "premium"}, "then": {"raise": 1, "add_tags": ["premium"]}},
            {"when": {"subject": {"glob": "*printer*"}}, "then": {"lower": 1}},
        ],
        impact_urgency=IMPACT_URGENCY,
    )
    full = {
        "impact": "high",
        "urgency": "medium",
        "subject": "printer jam",
        "noise": [1, 2],
        "requester": {"tier": "premium", "name": "Ann"},
    }

    def read(path: str) -> Any:
        value: Any = full
        for key in path.split("."):
            value = value[key] if isinstance(value, dict) and key in value else None
        return value

    slim: dict[str, Any] = {}
    for path in m.fields:
        if (value := read(path)) is not None:
            *parents, last = path.split(".")
            node = slim
            for key in parents:
                node = node.setdefault(key, {})
            node[last] = value
    assert slim == {"impact": "high", "urgency": "medium", "subject": "printer jam", "requester": {"tier": "premium"}}
    assert m.classify(slim) == m.classify(full)
