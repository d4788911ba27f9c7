"""What :meth:`PriorityMatrix.classify` answers: the priority, policy, calendar and
tags of a ticket, where they started and which rules changed them. No I/O here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from .matrix import PriorityMatrix


@dataclass(frozen=True, slots=True)
class Base:
    """Where a classification started, before any rule."""

    #: ``"impact_urgency"`` (a cell of the table) or ``"default"`` (``default_priority``).
    source: str
    #: The starting priority.
    priority: str
    #: The ticket's impact and urgency as read (None when absent).
    impact: Any = None
    urgency: Any = None
    #: Business line read from the ticket, when it names a configured one.
    business_line: str | None = None
    #: Why the table was not used, when it exists but did not apply.
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Change:
    """One thing a rule changed: ``what`` (priority, policy, calendar, tags) went from ``before`` to ``after``."""

    what: str
    before: Any
    after: Any


@dataclass(frozen=True, slots=True)
class TraceEntry:
    """A rule that matched, what it changed (empty when it changed nothing), and whether it stopped."""

    index: int
    name: str
    changes: tuple[Change, ...]
    stopped: bool
    #: ``"top"`` or ``"bottom"`` when the rule's ``raise`` or ``lower`` went past that end of
    #: the priorities and stopped there (a VIP raise on a ticket already at the top: its
    #: ``changes`` may then be empty although the rule did act); else None.
    capped: Literal["top", "bottom"] | None = None


#: One matched rule as classify records it: (rule index, then the level, policy,
#: calendar and tag count just before the rule applied). The trace is built from
#: these only when asked for, so classifying pays for no objects it may not need.
RawMatch = tuple[int, int, str, str, int]


class Classification:
    """The answer of :meth:`PriorityMatrix.classify`. Read-only; compares by value."""

    # Read-only through properties over private slots: a frozen dataclass's
    # object.__setattr__ per field would cost more than classifying with few rules.
    __slots__ = ("_priority", "_policy", "_calendar", "_tags", "_base", "_raw", "_matrix", "_trace")

    def __init__(
        self,
        priority: str,
        policy: str,
        calendar: str,
        tags: tuple[str, ...],
        base: Base,
        raw: tuple[RawMatch, ...] = (),
        matrix: PriorityMatrix | None = None,
    ) -> None:
        self._priority = priority
        self._policy = policy
        self._calendar = calendar
        self._tags = tags
        self._base = base
        self._raw = raw
        self._matrix = matrix
        self._trace: tuple[TraceEntry, ...] | None = None if raw else ()

    @property
    def priority(self) -> str:
        """The priority name."""
        return self._priority

    @property
    def policy(self) -> str:
        """The policy name."""
        return self._policy

    @property
    def calendar(self) -> str:
        """The calendar name (resolve it with the same source given to the matrix)."""
        return self._calendar

    @property
    def tags(self) -> tuple[str, ...]:
        """Tags added by rules, in the order first added, without repeats."""
        return self._tags

    @property
    def base(self) -> Base:
        """Where the classification started, before any rule."""
        return self._base

    @property
    def trace(self) -> tuple[TraceEntry, ...]:
        """Every rule that matched, in order, with what it changed."""
        if self._trace is None:
            assert self._matrix is not None
            self._trace = self._matrix._trace(self)
        return self._trace

    def _key(self) -> tuple[Any, ...]:
        return (self.priority, self.policy, self.calendar, self.tags, self.base, self.trace)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Classification) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (
            f"Classification(priority={self.priority!r}, policy={self.policy!r}, calendar={self.calendar!r}, "
            f"tags={self.tags!r}, base={self.base!r}, trace={self.trace!r})"
        )

    def explain(self) -> str:
        """The classification and its reasons as plain text, one line per step, for admins."""
        base = self.base
        if base.source == "impact_urgency":
            lines = [f"base: {base.priority} (impact {base.impact!r} x urgency {base.urgency!r})"]
        else:
            lines = [f"base: {base.priority} (default_priority{'; ' + base.note if base.note else ''})"]
        if base.business_line is not None:
            lines.append(f"business line: {base.business_line}")
        for entry in self.trace:
            parts = [_describe(c) for c in entry.changes]
            if entry.capped is not None:
                assert self._matrix is not None  # a trace comes from a matrix
                parts = [_describe_capped(entry, self._matrix)] + [
                    p for c, p in zip(entry.changes, parts) if c.what != "priority"
                ]
            done = ", ".join(parts) or "no change"
            stop = "; stop" if entry.stopped else ""
            lines.append(f"rules[{entry.index}] {entry.name!r}: {done}{stop}")
        lines.append(
            f"=> priority {self.priority}, policy {self.policy}, calendar {self.calendar}, tags {list(self.tags)}"
        )
        return "\n".join(lines)


def _describe(change: Change) -> str:
    if change.what == "tags":
        return "tags +" + ",".join(t for t in change.after if t not in change.before)
    return f"{change.what} {change.before} -> {change.after}"


def _describe_capped(entry: TraceEntry, matrix: PriorityMatrix) -> str:
    """``raise 2 levels: urgent, capped at the top``, or ``raise 2 levels: high -> urgent, capped
    at the top`` when it moved part of the way."""
    shift = matrix._rules[entry.index].shift
    levels = abs(shift)
    move = f"{'raise' if shift > 0 else 'lower'} {levels} level{'s' if levels != 1 else ''}"
    moved = [c for c in entry.changes if c.what == "priority"]
    if moved:
        where = f"{moved[0].before} -> {moved[0].after}"
    else:
        # Capped without moving: the ticket already stood at that end.
        where = matrix.priorities[0] if entry.capped == "top" else matrix.priorities[-1]
    return f"{move}: {where}, capped at the {entry.capped}"
