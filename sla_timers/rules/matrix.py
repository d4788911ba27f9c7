"""The priority matrix: a ticket's priority, policy, calendar and tags, with the reasons. No I/O here.

A matrix is data (a dict, or TOML text): ordered priority levels, an impact x
urgency table, business lines with their own policy and calendar, and ordered
rules. :meth:`PriorityMatrix.from_dict` validates it once and compiles it:
rules are indexed by a discriminating test each (``eq`` / ``in``, a numeric
bound, a ``*word*`` glob; see :mod:`._index`) so a ticket only evaluates the
rules that can match it, in rule order. The answer's types live in
:mod:`.classification`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from ..errors import ArgumentTypeError, RulesError
from ..validation import load_toml, require_aware
from ..validation import python_type_name as type_name
from . import _schema as s
from ._compile import compile_condition, getter
from ._index import RuleIndex
from .classification import Base, Change, Classification, RawMatch, TraceEntry
from .conditions import (
    MISSING,
    AnyOf,
    Calendar,
    Node,
    Predicate,
    calendars_named,
    fields_named,
    parse,
    plain,
    plain_data,
)

#: How a caller supplies calendars: a mapping by name, or a loader such as ``BusinessCalendar.load``.
CalendarSource = Mapping[str, Calendar] | Callable[[str], Calendar]

_TOP_KEYS = (
    "priorities",
    "default_priority",
    "default_policy",
    "default_calendar",
    "impact_urgency",
    "business_line_field",
    "business_lines",
    "rules",
)
_ACTIONS = ("priority", "raise", "lower", "policy", "calendar", "add_tags")
#: The index entry of a switched-off rule: ``any`` of nothing holds for no ticket.
_NEVER = AnyOf(())


def _never(ticket: Mapping[str, Any], context: Any) -> bool:
    return False


# The answer's types moved to .classification; they are still importable from here.
__all__ = ["Base", "CalendarSource", "Change", "Classification", "PriorityMatrix", "TraceEntry"]


@dataclass(slots=True)
class _Rule:
    index: int
    name: str
    predicate: Predicate
    set_priority: int | None
    shift: int  # levels toward the top (raise) when positive; capped at the ends
    policy: str | None
    calendar: str | None
    add_tags: tuple[str, ...]
    stop: bool
    #: False for a rule kept (and validated) but switched off: it never matches.
    enabled: bool = True


@dataclass(slots=True)
class _State:
    """What conditions read besides the ticket (a :class:`~.conditions.Context`): the instant,
    and the calendar chosen so far, which calendar tests without a named calendar use."""

    now: datetime | None
    calendar: str


@dataclass(frozen=True, slots=True)
class _Line:
    policy: str | None
    calendar: str | None


class PriorityMatrix:
    """A validated, compiled priority matrix. Build it with :meth:`from_dict` or :meth:`from_toml`."""

    __slots__ = (
        "priorities",
        "default_priority",
        "default_policy",
        "default_calendar",
        "_level",
        "_impact",
        "_urgency",
        "_impacts",
        "_urgencies",
        "_cells",
        "_line_get",
        "_lines",
        "_rules",
        "_index",
        "_needs_now",
        "_bases",
        "_fields",
    )

    #: Priority names, highest first.
    priorities: tuple[str, ...]
    #: Names used when nothing more specific applies.
    default_priority: str
    default_policy: str
    default_calendar: str

    # Set by from_dict (and its helpers), the only way to build a matrix.
    _level: dict[str, int]  # priority name -> rank, 0 the highest
    _impact: Callable[[Mapping[str, Any]], Any] | None  # None: no impact_urgency table
    _urgency: Callable[[Mapping[str, Any]], Any] | None
    _impacts: tuple[str, ...]
    _urgencies: tuple[str, ...]
    _cells: dict[tuple[Any, Any], str]  # (impact, urgency) -> priority name
    _line_get: Callable[[Mapping[str, Any]], Any]
    _lines: dict[str, _Line]
    _rules: tuple[_Rule, ...]
    _index: RuleIndex
    _needs_now: bool  # some rule tests the calendar, so classify needs an instant
    _bases: dict[tuple[Any, Any, Any], Base]  # cache of _base by (line, impact, urgency)
    _fields: dict[str, None]  # dotted paths classify reads, in the order first named

    def __init__(self) -> None:
        raise TypeError("build a PriorityMatrix with PriorityMatrix.from_dict(...) or .from_toml(...)")

    @classmethod
    def from_toml(
        cls, text: str, *, calendars: CalendarSource | None = None, policies: Collection[str] | None = None
    ) -> PriorityMatrix:
        """Parse TOML text (not a path: this package reads no files) and validate it like :meth:`from_dict`.

        :raises RulesError: on TOML syntax errors too (``field`` is None then).
        """
        data = load_toml(text, error=RulesError)
        return cls.from_dict(data, calendars=calendars, policies=policies)

    @classmethod
    def from_dict(
        cls,
        data: Mapping[str, Any],
        *,
        calendars: CalendarSource | None = None,
        policies: Collection[str] | None = None,
    ) -> PriorityMatrix:
        """Validate and compile a matrix.

        ``calendars`` resolves the calendar names the matrix uses: a mapping by
        name, or a loader; None means :meth:`BusinessCalendar.load` (the clock
        reads its own shipped files; names only, never paths). Every name is
        resolved here, so an unknown calendar is an error now, not at the first
        ticket. ``policies``, when given, are the policy names that exist; a
        matrix naming another is refused the same way.

        Names and values given as ``str`` subclasses (``enum.StrEnum`` members)
        are read as their plain ``str`` value.

        :raises RulesError: naming the bad part's path, e.g.
            ``rules[3].when.requester.tier: unknown operator "in_"; did you mean "in"?``;
            also for ``all`` / ``any`` / ``not`` nested more than
            :data:`~.conditions.MAX_DEPTH` (32) levels deep.
        :raises ArgumentTypeError: if ``calendars`` is neither a mapping nor a
            callable, or ``policies`` is a single string rather than a collection.
        """
        if calendars is not None and not isinstance(calendars, Mapping) and not callable(calendars):
            raise ArgumentTypeError(
                f"calendars must be a mapping of calendars by name or a loader such as "
                f"BusinessCalendar.load, got {type_name(calendars)}",
                field="calendars",
            )
        if policies is not None and (isinstance(policies, str) or not isinstance(policies, Collection)):
            raise ArgumentTypeError(
                f"policies must be a collection of policy names, got {type_name(policies)}", field="policies"
            )
        self = object.__new__(cls)
        top = s.table(plain_data(data), "")
        s.check_keys(top, "", _TOP_KEYS)
        for key in ("priorities", "default_priority", "default_policy", "default_calendar"):
            if key not in top:
                s.fail(key, "is required")
        self.priorities = s.strings(top["priorities"], "priorities")
        self._level = {name: i for i, name in enumerate(self.priorities)}
        self.default_priority = s.name_in(top["default_priority"], "default_priority", self.priorities, "priority")
        self.default_policy = s.string(top["default_policy"], "default_policy")
        self.default_calendar = s.string(top["default_calendar"], "default_calendar")
        used_calendars: dict[str, str] = {self.default_calendar: "default_calendar"}

        self._fields = {}
        self._parse_impact_urgency(top.get("impact_urgency"))
        self._line_get = self._field_getter(top, "business_line_field", "business_line", "")
        self._lines = {}
        for name, spec in s.table(top.get("business_lines", {}), "business_lines").items():
            where = s.join("business_lines", name)
            line = s.table(spec, where)
            s.check_keys(line, where, ("policy", "calendar"))
            policy = s.optional_string(line, "policy", where)
            calendar = s.optional_string(line, "calendar", where)
            if calendar is not None:
                used_calendars.setdefault(calendar, s.join(where, "calendar"))
            self._lines[name] = _Line(policy, calendar)

        parsed: list[tuple[_Rule, Node | None]] = []
        names_in_tests: dict[str | None, str] = {}
        for i, spec in enumerate(s.array(top.get("rules", []), "rules", non_empty=False)):
            rule, node = self._parse_rule(i, spec)
            if node is not None:
                self._fields.update(dict.fromkeys(fields_named(node)))
            if rule.calendar is not None:
                used_calendars.setdefault(rule.calendar, f"rules[{i}].then.calendar")
            if node is not None:
                for tested_name, where in calendars_named(node).items():
                    names_in_tests.setdefault(tested_name, where)
            parsed.append((rule, node))
        if policies is not None:
            self._check_policies([rule for rule, _ in parsed], policies)
        self._needs_now = bool(names_in_tests)
        self._bases = {}
        # Each name is reported where it is first used, actions and defaults before tests.
        tested = {n: w for n, w in names_in_tests.items() if n is not None}
        resolved = _resolve_calendars(calendars, {**tested, **used_calendars})
        self._compile(parsed, resolved)
        return self

    # -- parsing ------------------------------------------------------------

    def _check_policies(self, rules: list[_Rule], policies: Collection[str]) -> None:
        """Every policy the matrix names must be one of ``policies``."""
        named = [("default_policy", self.default_policy)]
        named += [
            (f"business_lines.{name}.policy", line.policy)
            for name, line in self._lines.items()
            if line.policy is not None
        ]
        named += [(f"rules[{rule.index}].then.policy", rule.policy) for rule in rules if rule.policy is not None]
        known = sorted(policies)
        for where, name in named:
            s.name_in(name, where, known, "policy")

    def _field_getter(
        self, table: Mapping[str, Any], key: str, default: str, where: str
    ) -> Callable[[Mapping[str, Any]], Any]:
        """The reader of the dotted path ``table[key]`` names (``default`` when absent); notes the path read."""
        at = s.join(where, key)
        path = s.dotted_path(s.string(table.get(key, default), at), at)
        self._fields[".".join(path)] = None
        return getter(path)

    def _parse_impact_urgency(self, spec: object) -> None:
        self._cells = {}
        self._impacts = ()
        self._urgencies = ()
        if spec is None:
            self._impact = self._urgency = None
            return
        where = "impact_urgency"
        table = s.table(spec, where)
        s.check_keys(table, where, ("impact_field", "urgency_field", "impacts", "urgencies", "matrix"))
        for key in ("impacts", "urgencies", "matrix"):
            if key not in table:
                s.fail(s.join(where, key), "is required")
        self._impact = self._field_getter(table, "impact_field", "impact", where)
        self._urgency = self._field_getter(table, "urgency_field", "urgency", where)
        self._impacts = s.strings(table["impacts"], s.join(where, "impacts"))
        self._urgencies = s.strings(table["urgencies"], s.join(where, "urgencies"))
        rows = s.array(table["matrix"], s.join(where, "matrix"))
        if len(rows) != len(self._impacts):
            s.fail(s.join(where, "matrix"), f"has {len(rows)} rows; expected one per impact ({len(self._impacts)})")
        for r, (impact, row) in enumerate(zip(self._impacts, rows)):
            row_at = s.join(s.join(where, "matrix"), r)
            cells = s.array(row, row_at)
            if len(cells) != len(self._urgencies):
                s.fail(row_at, f"has {len(cells)} cells; expected one per urgency ({len(self._urgencies)})")
            for c, (urgency, cell) in enumerate(zip(self._urgencies, cells)):
                self._cells[(impact, urgency)] = s.name_in(cell, s.join(row_at, c), self.priorities, "priority")

    def _parse_rule(self, i: int, spec: object) -> tuple[_Rule, Node | None]:
        where = f"rules[{i}]"
        rule = s.table(spec, where)
        s.check_keys(rule, where, ("name", "when", "then", "stop", "enabled"))
        name = s.string(rule["name"], s.join(where, "name")) if "name" in rule else where
        node = parse(rule["when"], s.join(where, "when")) if "when" in rule else None
        then_at = s.join(where, "then")
        if "then" not in rule:
            s.fail(then_at, f"a rule needs at least one action ({', '.join(_ACTIONS)})")
        then = s.table(rule["then"], then_at)
        if not then:
            s.fail(then_at, f"a rule needs at least one action ({', '.join(_ACTIONS)})")
        s.check_keys(then, then_at, _ACTIONS)
        moves = [k for k in ("priority", "raise", "lower") if k in then]
        if len(moves) > 1:
            s.fail(
                s.join(then_at, moves[1]), f'cannot be combined with "{moves[0]}" in one rule; split it into two rules'
            )
        set_priority = None
        if "priority" in then:
            set_priority = self._level[
                s.name_in(then["priority"], s.join(then_at, "priority"), self.priorities, "priority")
            ]
        shift = 0
        if "raise" in then:
            shift = s.positive_int(then["raise"], s.join(then_at, "raise"))
        if "lower" in then:
            shift = -s.positive_int(then["lower"], s.join(then_at, "lower"))
        policy = s.optional_string(then, "policy", then_at)
        calendar = s.optional_string(then, "calendar", then_at)
        tags = s.strings(then["add_tags"], s.join(then_at, "add_tags")) if "add_tags" in then else ()
        stop = s.boolean(rule["stop"], s.join(where, "stop")) if "stop" in rule else False
        enabled = s.boolean(rule["enabled"], s.join(where, "enabled")) if "enabled" in rule else True
        predicate = compile_condition(None, {})
        return _Rule(i, name, predicate, set_priority, shift, policy, calendar, tags, stop, enabled), node

    # -- compiling ----------------------------------------------------------

    def _compile(self, parsed: list[tuple[_Rule, Node | None]], calendars: Mapping[str, Calendar]) -> None:
        """Index the rules (see :mod:`._index`) and compile what each must still check."""
        # A switched-off rule is left out of the index (so it is never a candidate) by
        # giving it a condition no ticket meets; its own condition was still validated.
        index = RuleIndex([node if rule.enabled else _NEVER for rule, node in parsed])
        for rule, node in parsed:
            if rule.enabled:
                rule.predicate = compile_condition(index.residual(rule.index, node), calendars)
            else:
                rule.predicate = _never
        self._rules = tuple(rule for rule, _ in parsed)
        self._index = index

    # -- classifying --------------------------------------------------------

    def classify(self, ticket: Mapping[str, Any], *, now: datetime | None = None) -> Classification:
        """Priority, policy, calendar and tags for ``ticket``, with the trace of why.

        ``ticket`` is a plain mapping; conditions read it by dotted path
        (``requester.tier`` is ``ticket["requester"]["tier"]``). ``now`` is the
        instant calendar tests look at (inside business hours, quarter end...);
        when None they use the current time. Matching rules apply in order, a
        later one overriding what an earlier one set, until one says ``stop``.

        Field values that are ``str`` subclasses (``enum.StrEnum`` members) are
        read as their plain ``str`` value.

        :raises ArgumentTypeError: if ``ticket`` is not a mapping or ``now`` is not a datetime.
        :raises NaiveDatetimeError: if ``now`` has no time zone.
        :raises DurationOutOfRangeError: (field ``now``) when a calendar test
            would read ``now`` outside the years 1 to 9999 in its calendar's zone.
        """
        if ticket.__class__ is not dict and not isinstance(ticket, Mapping):
            raise ArgumentTypeError(
                f"ticket must be a mapping of the ticket's fields, got {type_name(ticket)}", field="ticket"
            )
        if now is not None:
            require_aware(now, "now")
        elif self._needs_now:
            now = datetime.now(UTC)
        base = self._base(ticket)
        priorities = self.priorities
        level = self._level[base.priority]
        line = self._lines.get(base.business_line) if base.business_line is not None else None
        policy = (line and line.policy) or self.default_policy
        state = _State(now, (line and line.calendar) or self.default_calendar)

        candidates = self._index.candidates(ticket)

        raw: list[RawMatch] = []
        tags: list[str] = []
        rules = self._rules
        top = len(priorities) - 1
        for i in candidates:
            rule = rules[i]
            if not rule.predicate(ticket, state):
                continue
            raw.append((i, level, policy, state.calendar, len(tags)))
            if rule.set_priority is not None:
                level = rule.set_priority
            elif rule.shift:
                level = min(max(level - rule.shift, 0), top)
            if rule.policy is not None:
                policy = rule.policy
            if rule.calendar is not None:
                state.calendar = rule.calendar
            for tag in rule.add_tags:
                if tag not in tags:
                    tags.append(tag)
            if rule.stop:
                break
        return Classification(priorities[level], policy, state.calendar, tuple(tags), base, tuple(raw), self)

    def _trace(self, result: Classification) -> tuple[TraceEntry, ...]:
        """Rebuild what each matched rule changed: its "after" is the next one's "before"."""
        raw = result._raw
        final = (self._level[result.priority], result.policy, result.calendar, len(result.tags))
        entries = []
        for k, (i, level, policy, calendar, ntags) in enumerate(raw):
            after = raw[k + 1][1:] if k + 1 < len(raw) else final
            changes = []
            if after[0] != level:
                changes.append(Change("priority", self.priorities[level], self.priorities[after[0]]))
            if after[1] != policy:
                changes.append(Change("policy", policy, after[1]))
            if after[2] != calendar:
                changes.append(Change("calendar", calendar, after[2]))
            if after[3] != ntags:
                changes.append(Change("tags", result.tags[:ntags], result.tags[: after[3]]))
            rule = self._rules[i]
            capped: Literal["top", "bottom"] | None = None
            if rule.shift:
                wanted = level - rule.shift  # rank 0 is the top
                capped = "top" if wanted < 0 else "bottom" if wanted > len(self.priorities) - 1 else None
            entries.append(TraceEntry(i, rule.name, tuple(changes), rule.stop, capped))
        return tuple(entries)

    def _base(self, ticket: Mapping[str, Any]) -> Base:
        line_name = plain(self._line_get(ticket))
        impact = plain(self._impact(ticket)) if self._impact is not None else MISSING
        urgency = plain(self._urgency(ticket)) if self._urgency is not None else MISSING
        key = (line_name, impact, urgency)
        try:
            base = self._bases.get(key)
        except TypeError:  # an unhashable field value: no caching
            return self._compute_base(line_name, impact, urgency)
        if base is None:
            base = self._compute_base(line_name, impact, urgency)
            # Cache only string keys: they equal nothing but themselves (True == 1, 1 == 1.0
            # would share an entry and show the other value), and a bounded number of them.
            if len(self._bases) < 4096 and all(v is MISSING or v.__class__ is str for v in key):
                self._bases[key] = base
        return base

    def _compute_base(self, line_name: Any, impact: Any, urgency: Any) -> Base:
        try:
            line = line_name if line_name is not MISSING and line_name in self._lines else None
        except TypeError:
            line = None
        if self._impact is None or self._urgency is None:
            return Base("default", self.default_priority, business_line=line)
        try:
            cell = self._cells.get((impact, urgency))
        except TypeError:
            cell = None
        shown_impact = None if impact is MISSING else impact
        shown_urgency = None if urgency is MISSING else urgency
        if cell is not None:
            return Base("impact_urgency", cell, shown_impact, shown_urgency, line)
        problems = []
        for label, value, known in (("impact", impact, self._impacts), ("urgency", urgency, self._urgencies)):
            if value is MISSING:
                problems.append(f"no {label}")
            elif value not in known:
                problems.append(f"{label} {value!r} is not in the table")
        return Base("default", self.default_priority, shown_impact, shown_urgency, line, "; ".join(problems))

    @property
    def fields(self) -> tuple[str, ...]:
        """The ticket fields :meth:`classify` reads, as dotted paths, each once.

        The impact and urgency fields (when the matrix has an ``impact_urgency``
        table), the business line field, then every field a rule's ``when``
        tests, in the order the matrix names them: ``("impact", "urgency",
        "fields.business_line", "requester.role", "category", ...)``. A host
        builds the mapping it passes to :meth:`classify` with these keys
        (``requester.role`` is ``ticket["requester"]["role"]``); a field it
        leaves out reads as missing, which fails every test but ``ne`` and
        ``not_in``.
        """
        return tuple(self._fields)

    def level(self, priority: str) -> int:
        """Rank of a priority name, 0 the highest.

        :raises RulesError: for a name not in :attr:`priorities`.
        """
        return self._level[s.name_in(priority, "priority", self.priorities, "priority")]


_SHIPPED_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")


def _shipped_calendar(name: str) -> Calendar:
    """A shipped calendar by name, never a file path: matrices come from admins, paths from hosts."""
    from ..clock import BusinessCalendar

    if not _SHIPPED_NAME.fullmatch(name):
        raise LookupError(
            "not a shipped calendar name (lower-case letters, digits and '-'); pass calendars= to use other calendars"
        )
    return BusinessCalendar.load(name)


def _resolve_calendars(source: CalendarSource | None, names: Mapping[str, str]) -> dict[str, Calendar]:
    """Look up every calendar name once; an unknown one fails at the first place it is named."""
    if source is None:
        source = _shipped_calendar
    resolved: dict[str, Calendar] = {}
    for name, where in names.items():
        if isinstance(source, Mapping):
            if name not in source:
                known = ", ".join(f'"{n}"' for n in source)
                s.fail(where, f'unknown calendar "{name}"{s.suggest(name, list(source))} (known: {known})')
            resolved[name] = source[name]
        else:
            try:
                resolved[name] = source(name)
            except LookupError as exc:  # CalendarNotFound
                s.fail(where, f'unknown calendar "{name}": {exc}')
    return resolved
