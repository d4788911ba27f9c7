"""Peer rule engines for ``bench/rules.py``: one priority matrix, translated into each engine's language.

A matrix here is the plain dict that :meth:`PriorityMatrix.from_dict` reads
(priorities, impact x urgency table, business lines, ordered rules). Each
peer gets it translated, once, into its own rule language, and classifies a
ticket the way an admin would drive it: the base priority and the business
line's policy first, then every rule in order, applying the actions of each
one that matches with the matrix's semantics (set priority, raise or lower
capped at the ends, policy, tags added once in first-added order, stop).
That action loop is plain Python and the same for every peer; only the
conditions run in the peer.

- **rule-engine** (PyPI ``rule-engine``): each condition is a ``Rule``, parsed
  and type-checked once; the impact x urgency table and the business lines are
  two ``Chain`` objects (first matching rule gives the value, else the
  default). Dotted paths become item access (``requester['tier']``), globs
  become ``=~`` against the ``fnmatch`` regex with ``(?i)``.
- **JsonLogic** (PyPI ``panzi-json-logic``): conditions are JsonLogic trees,
  interpreted on every call (the library has no compile step); the table and
  the lines are ``if`` chains. JsonLogic has no case folding, so globs use one
  custom operation, ``casefold``, under the standard ``in`` / ``substr``.

Neither engine knows business days, so the calendar test ``quarter_end`` is a
host function bound to the classification instant: ``$quarter_end(n)`` in
rule-engine (a custom builtin) and ``{"quarter_end": [n]}`` in JsonLogic (a
custom operation). It counts business days on the same shipped calendar,
written here on its own rather than calling the matrix's code. Anything else
neither engine can express raises :class:`Unsupported`.

Libraries are imported only when a peer is built, so importing this module
needs none of them.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bench._machine import version

__all__ = ["PEERS", "Outcome", "Peer", "PeerMatrix", "QuarterEnd", "Unsupported"]

#: What is compared between engines: priority name, policy name, tags in first-added order.
Outcome = tuple[str, str, tuple[str, ...]]

#: A compiled condition: ticket in, match out.
Test = Callable[[Mapping[str, Any]], bool]

#: One rule, ready to apply: its test, then the level it sets (or None), the levels it
#: raises by (negative: lowers), the policy it sets (or None), its tags, and whether it stops.
_Step = tuple[Test, int | None, int, str | None, tuple[str, ...], bool]

_CALENDAR_TESTS = ("business_hours", "weekday", "date_between", "quarter_end")


class Unsupported(Exception):
    """The peer cannot express this part of the matrix; ``str()`` says what and where."""


class QuarterEnd:
    """Host function for ``quarter_end``: is the instant within the last ``count`` business days of its quarter?

    Bound to one instant and a calendar loader; the local date is read in the
    calendar's zone, and the first of those days is cached per calendar,
    year, quarter and count.
    """

    def __init__(self, load: Callable[[str], Any], default_calendar: str, now: datetime) -> None:
        self._load = load
        self._default = default_calendar
        self._now = now
        self._calendars: dict[str, Any] = {}
        self._starts: dict[tuple[str, int, int, int], date] = {}

    def __call__(self, count: Any, calendar: str | None = None) -> bool:
        """True when the instant's local date is on or after the first of the quarter's last ``count`` business days."""
        name = calendar or self._default
        cal = self._calendars.get(name)
        if cal is None:
            cal = self._calendars[name] = self._load(name)
        day = self._now.astimezone(cal.zone).date()
        key = (name, day.year, (day.month - 1) // 3, int(count))
        start = self._starts.get(key)
        if start is None:
            start = self._starts[key] = self._first_of_last(cal, day.year, key[2], key[3])
        return day >= start

    @staticmethod
    def _first_of_last(cal: Any, year: int, quarter: int, count: int) -> date:
        """Walk back from the quarter's last date; a quarter with fewer business days starts on its first date."""
        first = date(year, quarter * 3 + 1, 1)
        after = date(year + 1, 1, 1) if quarter == 3 else date(year, quarter * 3 + 4, 1)
        seen = 0
        for ordinal in range(after.toordinal() - 1, first.toordinal() - 1, -1):
            day = date.fromordinal(ordinal)
            if cal.is_business_day(day):
                seen += 1
                if seen == count:
                    return day
        return first


class PeerMatrix:
    """A matrix run by a peer engine: base priority and policy, then every rule in order."""

    def __init__(
        self,
        levels: Sequence[str],
        base_level: Callable[[Mapping[str, Any]], int],
        base_policy: Callable[[Mapping[str, Any]], str],
        steps: Sequence[_Step],
    ) -> None:
        self._levels = tuple(levels)
        self._base_level = base_level
        self._base_policy = base_policy
        self._steps = tuple(steps)

    def classify(self, ticket: Mapping[str, Any]) -> tuple[Outcome, int]:
        """The ticket's (priority, policy, tags), and how many rules matched (up to and including a stop)."""
        level = self._base_level(ticket)
        policy = self._base_policy(ticket)
        top = len(self._levels) - 1
        tags: list[str] = []
        matched = 0
        for test, set_level, shift, new_policy, add_tags, stop in self._steps:
            if not test(ticket):
                continue
            matched += 1
            if set_level is not None:
                level = set_level
            elif shift:
                level = min(max(level - shift, 0), top)
            if new_policy is not None:
                policy = new_policy
            for tag in add_tags:
                if tag not in tags:
                    tags.append(tag)
            if stop:
                break
        return (self._levels[level], policy, tuple(tags)), matched


@dataclass(frozen=True)
class Peer:
    """A peer engine: its label, the distribution it comes from, and how it builds a matrix."""

    #: Short name, shown in tables.
    label: str
    #: PyPI distribution name (for the version and the install hint).
    distribution: str
    #: ``build(config, now, load_calendar)``; raises :class:`Unsupported` or ImportError.
    build: Callable[[Mapping[str, Any], datetime, Callable[[str], Any]], PeerMatrix]

    @property
    def version(self) -> str:
        """Installed version, or ``"not installed"``."""
        return version(self.distribution)


# -- the parts every peer shares ---------------------------------------------


def _actions(
    rule: Mapping[str, Any], level: Mapping[str, int], where: str
) -> tuple[int | None, int, str | None, tuple[str, ...], bool]:
    """A rule's ``then`` and ``stop`` as (set level, shift, policy, tags, stop)."""
    then = rule["then"]
    if "calendar" in then:
        raise Unsupported(f"{where}.then.calendar: calendar actions are not translated")
    set_level = level[then["priority"]] if "priority" in then else None
    shift = int(then.get("raise", 0)) - int(then.get("lower", 0))
    return set_level, shift, then.get("policy"), tuple(then.get("add_tags", ())), bool(rule.get("stop", False))


def _check_config(config: Mapping[str, Any]) -> None:
    for name, line in config.get("business_lines", {}).items():
        if "calendar" in line:
            raise Unsupported(f"business_lines.{name}.calendar: calendar choice is not translated")


def _cells(config: Mapping[str, Any]) -> list[tuple[str, str, str, str, str]]:
    """(impact field, urgency field, impact, urgency, priority) for every cell, row by row."""
    table = config.get("impact_urgency")
    if table is None:
        return []
    impact_field = table.get("impact_field", "impact")
    urgency_field = table.get("urgency_field", "urgency")
    return [
        (impact_field, urgency_field, impact, urgency, cell)
        for impact, row in zip(table["impacts"], table["matrix"])
        for urgency, cell in zip(table["urgencies"], row)
    ]


def _field_ops(value: Any) -> list[tuple[str, Any]]:
    """``"x" = 1`` is ``{eq = 1}``; a table lists its operators."""
    if isinstance(value, Mapping):
        return list(value.items())
    return [("eq", value)]


def _glob_shape(pattern: str) -> tuple[str, str] | None:
    """("contains" | "prefix" | "suffix" | "equal", casefolded core) for the plain shapes, else None."""
    core = pattern.strip("*")
    if not core or any(ch in core for ch in "*?[") or pattern.count("*") != len(pattern) - len(core):
        return None
    lead, trail = pattern.startswith("*"), pattern.endswith("*")
    kind = "contains" if lead and trail else "prefix" if trail else "suffix" if lead else "equal"
    return kind, core.casefold()


# -- rule-engine ------------------------------------------------------------


def _re_literal(value: Any, where: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        if "'" in value or "\\" in value:
            raise Unsupported(f"{where}: string {value!r} needs escaping this translation does not do")
        return f"'{value}'"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_re_literal(v, where) for v in value) + "]"
    raise Unsupported(f"{where}: no rule-engine literal for {type(value).__name__} {value!r}")


def _re_path(key: str, where: str) -> str:
    head, *rest = key.split(".")
    if not head.isidentifier():
        raise Unsupported(f"{where}: field {head!r} is not a rule-engine symbol")
    return head + "".join(f"[{_re_literal(part, where)}]" for part in rest)


def _re_condition(when: Mapping[str, Any], where: str) -> str:
    """A ``when`` table as rule-engine text; several keys all must hold."""
    parts = []
    for key, value in when.items():
        at = f"{where}.{key}"
        if key in ("all", "any"):
            items = [_re_condition(item, f"{at}[{i}]") for i, item in enumerate(value)]
            if not items:
                parts.append("true" if key == "all" else "false")
            else:
                parts.append("(" + f" {'and' if key == 'all' else 'or'} ".join(items) + ")")
        elif key == "not":
            parts.append(f"not ({_re_condition(value, at)})")
        elif key == "quarter_end":
            if isinstance(value, Mapping):
                calendar = f", {_re_literal(value['calendar'], at)}" if "calendar" in value else ""
                parts.append(f"$quarter_end({int(value['last_business_days'])}{calendar})")
            else:
                parts.append(f"$quarter_end({int(value)})")
        elif key in _CALENDAR_TESTS:
            raise Unsupported(f"{at}: calendar test {key!r} is not translated")
        else:
            path = _re_path(key, at)
            for op, arg in _field_ops(value):
                parts.append(_re_field(path, op, arg, f"{at}.{op}"))
    return parts[0] if len(parts) == 1 else "(" + " and ".join(parts) + ")"


def _re_field(path: str, op: str, arg: Any, where: str) -> str:
    simple = {"eq": "==", "ne": "!=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
    if op in simple:
        return f"{path} {simple[op]} {_re_literal(arg, where)}"
    if op == "in":
        return f"{path} in {_re_literal(arg, where)}"
    if op == "not_in":
        return f"{path} not in {_re_literal(arg, where)}"
    if op == "glob":
        regex = "(?i)" + fnmatch.translate(arg)
        if "'" in regex:
            raise Unsupported(f"{where}: glob {arg!r} holds a quote")
        return f"{path} =~ r'{regex}'"
    raise Unsupported(f"{where}: operator {op!r} is not translated")


def rule_engine_texts(config: Mapping[str, Any]) -> list[str]:
    """Each rule's condition as rule-engine text, in rule order (for reading and debugging)."""
    return [
        _re_condition(rule["when"], f"rules[{i}].when") if "when" in rule else "true"
        for i, rule in enumerate(config.get("rules", []))
    ]


def build_rule_engine(config: Mapping[str, Any], now: datetime, load_calendar: Callable[[str], Any]) -> PeerMatrix:
    """The matrix as rule-engine ``Rule`` objects and two ``Chain`` objects, all parsed once."""
    import rule_engine
    from rule_engine.builtins import Builtins
    from rule_engine.types import DataType

    _check_config(config)
    context = rule_engine.Context(default_value=None, mapping_attribute_lookup=False)
    quarter_end = QuarterEnd(load_calendar, config["default_calendar"], now)
    context.builtins = Builtins.from_defaults(
        values={"quarter_end": quarter_end},
        value_types={
            "quarter_end": DataType.FUNCTION(
                "quarter_end",
                return_type=DataType.BOOLEAN,
                argument_types=(DataType.FLOAT, DataType.STRING),
                minimum_arguments=1,
            )
        },
        timezone=context.default_timezone,
    )
    levels = list(config["priorities"])
    level = {name: i for i, name in enumerate(levels)}

    cells = [
        (
            (
                f"{_re_path(fi, 'impact_field')} == {_re_literal(imp, 'impacts')} and "
                f"{_re_path(fu, 'urgency_field')} == {_re_literal(urg, 'urgencies')}"
            ),
            level[cell],
        )
        for fi, fu, imp, urg, cell in _cells(config)
    ]
    base = rule_engine.Chain(cells, default_value=level[config["default_priority"]], context=context)
    line_path = _re_path(config.get("business_line_field", "business_line"), "business_line_field")
    lines = [
        (f"{line_path} == {_re_literal(name, 'business_lines')}", spec["policy"])
        for name, spec in config.get("business_lines", {}).items()
        if "policy" in spec
    ]
    policy = rule_engine.Chain(lines, default_value=config["default_policy"], context=context)

    steps: list[_Step] = []
    for i, (rule, text) in enumerate(zip(config.get("rules", []), rule_engine_texts(config))):
        steps.append((rule_engine.Rule(text, context=context).matches, *_actions(rule, level, f"rules[{i}]")))
    return PeerMatrix(levels, base.evaluate, policy.evaluate, steps)


# -- JsonLogic ----------------------------------------------------------------


def _casefold(data: Any = None, value: Any = None, *_ignored: Any) -> str:
    """JsonLogic operation ``casefold``: the string case-folded; anything else is ``""`` (no glob matches it)."""
    return value.casefold() if isinstance(value, str) else ""


def _jl_condition(when: Mapping[str, Any], where: str) -> Any:
    """A ``when`` table as a JsonLogic tree; several keys all must hold."""
    parts: list[Any] = []
    for key, value in when.items():
        at = f"{where}.{key}"
        if key in ("all", "any"):
            items = [_jl_condition(item, f"{at}[{i}]") for i, item in enumerate(value)]
            # JsonLogic's empty "and" is null (false); the matrix's empty "all" holds.
            parts.append({"and" if key == "all" else "or": items} if items else key == "all")
        elif key == "not":
            parts.append({"!": [_jl_condition(value, at)]})
        elif key == "quarter_end":
            if isinstance(value, Mapping):
                args = [int(value["last_business_days"])] + ([value["calendar"]] if "calendar" in value else [])
            else:
                args = [int(value)]
            parts.append({"quarter_end": args})
        elif key in _CALENDAR_TESTS:
            raise Unsupported(f"{at}: calendar test {key!r} is not translated")
        else:
            var = {"var": key}
            for op, arg in _field_ops(value):
                parts.append(_jl_field(var, op, arg, f"{at}.{op}"))
    return parts[0] if len(parts) == 1 else {"and": parts}


def _jl_field(var: Mapping[str, Any], op: str, arg: Any, where: str) -> Any:
    # Strict (===) equality: JsonLogic's == coerces ("1" == 1), the matrix's eq does not.
    simple = {"eq": "===", "ne": "!==", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
    if op in simple:
        return {simple[op]: [var, arg]}
    if op == "in":
        return {"in": [var, list(arg)]}
    if op == "not_in":
        return {"!": [{"in": [var, list(arg)]}]}
    if op == "glob":
        shape = _glob_shape(arg)
        if shape is None:
            raise Unsupported(f"{where}: glob {arg!r} needs wildcards JsonLogic has no operation for")
        kind, core = shape
        folded = {"casefold": [var]}
        if kind == "contains":
            return {"in": [core, folded]}
        if kind == "prefix":
            return {"===": [{"substr": [folded, 0, len(core)]}, core]}
        if kind == "suffix":
            return {"===": [{"substr": [folded, -len(core)]}, core]}
        return {"===": [folded, core]}
    raise Unsupported(f"{where}: operator {op!r} is not translated")


def json_logic_trees(config: Mapping[str, Any]) -> list[Any]:
    """Each rule's condition as a JsonLogic tree, in rule order."""
    return [
        _jl_condition(rule["when"], f"rules[{i}].when") if "when" in rule else True
        for i, rule in enumerate(config.get("rules", []))
    ]


def build_json_logic(config: Mapping[str, Any], now: datetime, load_calendar: Callable[[str], Any]) -> PeerMatrix:
    """The matrix as JsonLogic trees: ``if`` chains for the base, one tree per rule."""
    from json_logic import jsonLogic
    from json_logic.builtins import BUILTINS, to_bool

    _check_config(config)
    quarter_end = QuarterEnd(load_calendar, config["default_calendar"], now)
    operations = {
        **BUILTINS,
        "casefold": _casefold,
        "quarter_end": lambda data=None, count=None, calendar=None, *_: quarter_end(count, calendar),
    }
    levels = list(config["priorities"])
    level = {name: i for i, name in enumerate(levels)}

    base_if: list[Any] = []
    for fi, fu, imp, urg, cell in _cells(config):
        base_if += [{"and": [{"===": [{"var": fi}, imp]}, {"===": [{"var": fu}, urg]}]}, level[cell]]
    base_tree = {"if": base_if + [level[config["default_priority"]]]}
    line_var = {"var": config.get("business_line_field", "business_line")}
    policy_if: list[Any] = []
    for name, spec in config.get("business_lines", {}).items():
        if "policy" in spec:
            policy_if += [{"===": [line_var, name]}, spec["policy"]]
    policy_tree = {"if": policy_if + [config["default_policy"]]}

    def base_level(ticket: Mapping[str, Any]) -> int:
        return jsonLogic(base_tree, ticket, operations)  # type: ignore[no-any-return]

    def base_policy(ticket: Mapping[str, Any]) -> str:
        return jsonLogic(policy_tree, ticket, operations)  # type: ignore[no-any-return]

    def test_of(tree: Any) -> Test:
        return lambda ticket: to_bool(jsonLogic(tree, ticket, operations))

    steps: list[_Step] = []
    for i, (rule, tree) in enumerate(zip(config.get("rules", []), json_logic_trees(config))):
        steps.append((test_of(tree), *_actions(rule, level, f"rules[{i}]")))
    return PeerMatrix(levels, base_level, base_policy, steps)


#: The peers, in table order.
PEERS: tuple[Peer, ...] = (
    Peer("rule-engine", "rule-engine", build_rule_engine),
    Peer("JsonLogic", "panzi-json-logic", build_json_logic),
)
