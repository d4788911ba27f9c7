"""Which rules can match a ticket: the matrix's index over its rules. No I/O here.

Every rule gets one *selector*, a test of its top-level conjunction that a
ticket must pass for the rule to match, and that can be answered for many rules
at once with one read of the field:

1. ``eq`` / ``in`` on a field: a dict from value to rules (the field with the
   most distinct values across all rules is preferred: it spreads rules thinnest);
2. ``any`` whose every branch has an ``eq`` / ``in`` test: the rule is listed
   under each branch's value;
3. ``gt`` / ``gte`` / ``lt`` / ``lte`` against a number: thresholds kept sorted,
   so one bisection finds every rule whose bound the value passes;
4. a ``*word*`` glob: one case-folded read, then a substring test per rule.

A rule with none of these is evaluated for every ticket. The selector is a
necessary condition only: each candidate's own predicate still runs, in rule
order, and decides.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Mapping
from typing import Any, TypeGuard

from ._compile import getter
from .conditions import MISSING, AllOf, AnyOf, FieldTest, Node, bool_key

Getter = Callable[[Mapping[str, Any]], Any]
_ORDERED = ("gt", "gte", "lt", "lte")


def _conjuncts(node: Node | None) -> tuple[Node, ...]:
    if node is None:
        return ()
    return node.items if isinstance(node, AllOf) else (node,)


def _hashable(test: Node) -> TypeGuard[FieldTest]:
    return isinstance(test, FieldTest) and test.op in ("eq", "in")


def _values(test: FieldTest) -> tuple[Any, ...]:
    return test.value if test.op == "in" else (test.value,)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def substring_needle(test: Node) -> str | None:
    """The case-folded word of a ``*word*`` glob, else None."""
    if not isinstance(test, FieldTest) or test.op != "glob":
        return None
    pattern: str = test.value
    word = pattern[1:-1]
    if len(pattern) > 2 and pattern[0] == pattern[-1] == "*" and not any(ch in word for ch in "*?["):
        return word.casefold()
    return None


class RuleIndex:
    """Candidate rules for a ticket, in rule order. Built once per matrix."""

    __slots__ = ("always", "hashed", "lower", "upper", "substrings", "may_repeat", "_proved")

    def __init__(self, nodes: list[Node | None]) -> None:
        """Choose a selector per rule; :meth:`residual` says what each rule must still check."""
        spread: dict[tuple[str, ...], set[Any]] = {}
        for node in nodes:
            for test in _conjuncts(node):
                if _hashable(test):
                    spread.setdefault(test.path, set()).update(bool_key(v) for v in _values(test))
        hashed: dict[tuple[str, ...], dict[Any, list[int]]] = {}
        lower: dict[tuple[str, ...], list[tuple[tuple[Any, int], int]]] = {}
        upper: dict[tuple[str, ...], list[tuple[tuple[Any, int], int]]] = {}
        substrings: dict[tuple[str, ...], list[tuple[str, int]]] = {}
        self.always: list[int] = []
        self.may_repeat = False
        #: Per rule, the conjunct its selector proves exactly (dropped from its predicate), or None.
        self._proved: list[Node | None] = []

        def put(path: tuple[str, ...], values: tuple[Any, ...], index: int) -> None:
            buckets = hashed.setdefault(path, {})
            for value in values:
                bucket = buckets.setdefault(bool_key(value), [])
                if not bucket or bucket[-1] != index:  # `in = ["a", "a"]` lists it once
                    bucket.append(index)

        for index, node in enumerate(nodes):
            tests = _conjuncts(node)
            proved: Node | None = None
            keyed = [t for t in tests if _hashable(t)]
            any_keyed = [
                t
                for t in tests
                if isinstance(t, AnyOf) and t.items and all(_branch_key(b) is not None for b in t.items)
            ]
            ranged = [t for t in tests if isinstance(t, FieldTest) and t.op in _ORDERED and _is_number(t.value)]
            worded = [t for t in tests if substring_needle(t) is not None]
            if keyed:
                best = max(keyed, key=lambda t: len(spread[t.path]))
                put(best.path, _values(best), index)
                proved = best
            elif any_keyed:
                any_test = any_keyed[0]
                assert isinstance(any_test, AnyOf)
                for branch in any_test.items:
                    key = _branch_key(branch)
                    assert key is not None
                    put(key.path, _values(key), index)
                self.may_repeat = True  # a ticket may pass two branches
            elif ranged:
                test = ranged[0]
                assert isinstance(test, FieldTest)
                # Bounds as (threshold, flag) so one bisection at (value, 0) splits passing from not:
                # lower bounds pass when key <= (value, 0): gte (t, 0), gt (t, 1);
                # upper bounds pass when key > (value, 0): lt (t, 0), lte (t, 1).
                flag = 1 if test.op in ("gt", "lte") else 0
                side = lower if test.op in ("gt", "gte") else upper
                side.setdefault(test.path, []).append(((test.value, flag), index))
                # Kept in the predicate: a value such as NaN or a Decimal makes the bisection a sieve only.
            elif worded:
                test = worded[0]
                assert isinstance(test, FieldTest)
                needle = substring_needle(test)
                assert needle is not None
                substrings.setdefault(test.path, []).append((needle, index))
                proved = test
            else:
                self.always.append(index)
            self._proved.append(proved)

        self.hashed = tuple((getter(path), buckets) for path, buckets in hashed.items())
        self.lower = tuple(_sorted_bounds(path, bounds) for path, bounds in lower.items())
        self.upper = tuple(_sorted_bounds(path, bounds) for path, bounds in upper.items())
        self.substrings = tuple((getter(path), tuple(pairs)) for path, pairs in substrings.items())

    def residual(self, index: int, node: Node | None) -> Node | None:
        """The part of rule ``index``'s condition its selector does not already prove."""
        proved = self._proved[index]
        if proved is None:
            return node
        return AllOf(tuple(t for t in _conjuncts(node) if t is not proved))

    def candidates(self, ticket: Mapping[str, Any]) -> list[int]:
        """Rules that may match ``ticket``, ascending (rule order)."""
        extra: list[int] = []
        for get, buckets in self.hashed:
            value = get(ticket)
            if value is not MISSING:
                try:
                    bucket = buckets.get(bool_key(value))
                except TypeError:  # an unhashable value equals no indexed scalar
                    continue
                if bucket:
                    extra += bucket
        for get, keys, ids in self.lower:
            value = get(ticket)
            if value is not MISSING and value.__class__ is not bool:
                try:
                    extra += ids[: bisect_right(keys, (value, 0))]
                except TypeError:  # not comparable with numbers: passes no bound
                    pass
        for get, keys, ids in self.upper:
            value = get(ticket)
            if value is not MISSING and value.__class__ is not bool:
                try:
                    extra += ids[bisect_right(keys, (value, 0)) :]
                except TypeError:
                    pass
        for get, pairs in self.substrings:
            value = get(ticket)
            if isinstance(value, str):
                folded = value.casefold()
                extra += [i for needle, i in pairs if needle in folded]
        if not extra:
            return self.always
        if self.may_repeat:
            return sorted(set(self.always).union(extra))
        return sorted(self.always + extra)


def _branch_key(branch: Node) -> FieldTest | None:
    """An ``eq`` / ``in`` test every match of ``branch`` passes, if it has one."""
    for test in _conjuncts(branch):
        if _hashable(test):
            return test
    return None


def _sorted_bounds(
    path: tuple[str, ...], bounds: list[tuple[tuple[Any, int], int]]
) -> tuple[Getter, list[tuple[Any, int]], list[int]]:
    bounds.sort()
    return getter(path), [key for key, _ in bounds], [index for _, index in bounds]
