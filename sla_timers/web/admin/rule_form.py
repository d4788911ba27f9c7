"""One matrix rule as its admin form shows it: conditions as rows of ``field op value``,
calendar tests, the action and its options; read from a rule's definition and back,
with anything the form cannot show kept as it is."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .forms import list_input, parse_value, split_list

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FIELD_OPS = ("eq", "ne", "in", "not_in", "contains", "gt", "gte", "lt", "lte", "glob")
#: Blank condition rows a rule form offers beyond the ones in use.
SPARE_ROWS = 2


@dataclass
class Condition:
    """One row of the rule form: ``field op value``."""

    field: str = ""
    op: str = "eq"
    value: str = ""


@dataclass
class RuleForm:
    """A rule as its form shows it. Conditions the form cannot show (``any``, ``not``,
    a calendar test on a named calendar) are kept as they are, in ``kept``."""

    name: str = ""
    conditions: list[Condition] = field(default_factory=list)
    quarter_end: str = ""
    business_hours: str = ""
    weekdays: list[str] = field(default_factory=list)
    move: str = ""
    priority: str = ""
    levels: str = "1"
    policy: str = ""
    calendar: str = ""
    tags: str = ""
    stop: bool = False
    enabled: bool = True
    kept: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_rule(cls, rule: dict[str, Any]) -> RuleForm:
        """The form of a stored rule."""
        form = cls(name=str(rule.get("name", "")), stop=bool(rule.get("stop", False)))
        form.enabled = rule.get("enabled", True) is not False
        found = rule.get("when")
        when: dict[str, Any] = found if isinstance(found, dict) else {}
        for key, value in when.items():
            if key == "quarter_end" and not isinstance(value, dict):
                form.quarter_end = str(value)
            elif key == "business_hours" and isinstance(value, bool):
                form.business_hours = "open" if value else "closed"
            elif key == "weekday" and isinstance(value, list):
                form.weekdays = [str(d) for d in value]
            elif key in ("all", "any", "not", "date_between", "quarter_end", "business_hours", "weekday"):
                form.kept[key] = value
            elif isinstance(value, dict):
                for op, arg in value.items():
                    shown = list_input(arg) if op in ("in", "not_in") and isinstance(arg, list) else _shown(arg)
                    form.conditions.append(Condition(key, op, shown))
            else:
                form.conditions.append(Condition(key, "eq", _shown(value)))
        action = rule.get("then")
        then: dict[str, Any] = action if isinstance(action, dict) else {}
        for move in ("priority", "raise", "lower"):
            if move in then:
                form.move = "set" if move == "priority" else move
                if move == "priority":
                    form.priority = str(then[move])
                else:
                    form.levels = str(then[move])
        form.policy = str(then.get("policy", ""))
        form.calendar = str(then.get("calendar", ""))
        form.tags = ", ".join(str(t) for t in then.get("add_tags", []))
        return form

    @classmethod
    def from_request(cls, values: Any) -> RuleForm:
        """The form as submitted."""
        form = cls(
            name=values.get("name", "").strip(),
            quarter_end=values.get("quarter_end", "").strip(),
            business_hours=values.get("business_hours", ""),
            weekdays=[d for d in values.getlist("weekday") if d in WEEKDAYS],
            move=values.get("move", ""),
            priority=values.get("priority", ""),
            levels=values.get("levels", "1").strip(),
            policy=values.get("policy", "").strip(),
            calendar=values.get("calendar", "").strip(),
            tags=values.get("tags", ""),
            stop=bool(values.get("stop")),
            enabled=bool(values.get("enabled")),
        )
        count = values.get("condition_count", "0")
        for i in range(int(count) if count.isdigit() and int(count) < 100 else 0):
            row = Condition(
                values.get(f"cond-{i}-field", "").strip(),
                values.get(f"cond-{i}-op", "eq"),
                values.get(f"cond-{i}-value", ""),
            )
            if row.field:
                form.conditions.append(row)
        kept = values.get("kept", "")
        if kept:
            import json

            try:
                parsed = json.loads(kept)
            except (ValueError, RecursionError):
                parsed = {}  # not what the page wrote: the rule keeps no extra condition
            form.kept = parsed if isinstance(parsed, dict) else {}
        return form

    def rows(self) -> list[Condition]:
        """The condition rows shown: those in use and a few blank ones."""
        return self.conditions + [Condition() for _ in range(SPARE_ROWS)]

    def to_rule(self) -> dict[str, Any]:
        """The rule as the matrix stores it (not validated here)."""
        when: dict[str, Any] = {}
        for row in self.conditions:
            if row.op in ("in", "not_in"):
                from .forms import list_values

                value: Any = list_values(row.value)
            else:
                value = parse_value(row.value)
            if row.op == "eq" and row.field not in when:
                when[row.field] = value
            else:
                tests = when.get(row.field)
                if not isinstance(tests, dict):
                    tests = {} if row.field not in when else {"eq": when[row.field]}
                tests[row.op] = value
                when[row.field] = tests
        if self.quarter_end:
            when["quarter_end"] = parse_value(self.quarter_end)
        if self.business_hours in ("open", "closed"):
            when["business_hours"] = self.business_hours == "open"
        if self.weekdays:
            when["weekday"] = list(self.weekdays)
        when.update(self.kept)
        then: dict[str, Any] = {}
        if self.move == "set":
            then["priority"] = self.priority
        elif self.move in ("raise", "lower"):
            then[self.move] = parse_value(self.levels)
        if self.policy:
            then["policy"] = self.policy
        if self.calendar:
            then["calendar"] = self.calendar
        tags = split_list(self.tags)
        if tags:
            then["add_tags"] = tags
        rule: dict[str, Any] = {}
        if self.name:
            rule["name"] = self.name
        if when:
            rule["when"] = when
        rule["then"] = then
        if self.stop:
            rule["stop"] = True
        if not self.enabled:
            rule["enabled"] = False
        return rule

    def anchors(self, index: int) -> dict[str, str]:
        """Error paths of this rule -> the id of the input that shows them."""
        base = f"rules[{index}]"
        found = {
            base: "rule",
            f"{base}.name": "name",
            f"{base}.when": "conditions",
            f"{base}.then": "then",
            f"{base}.stop": "stop",
            f"{base}.enabled": "enabled",
            f"{base}.when.quarter_end": "quarter_end",
            f"{base}.when.business_hours": "business_hours",
            f"{base}.when.weekday": "weekday",
            "effective_from": "effective_from",
            "ticket_fields": "ticket_fields",
            "ticket_at": "ticket_at",
        }
        for move in ("priority", "raise", "lower"):
            found[f"{base}.then.{move}"] = "priority" if move == "priority" else "levels"
        for key in ("policy", "calendar", "add_tags"):
            found[f"{base}.then.{key}"] = key
        for i, row in enumerate(self.conditions):
            found.setdefault(f"{base}.when.{row.field}", f"cond-{i}")
            found[f"{base}.when.{row.field}.{row.op}"] = f"cond-{i}"
        return found


def _shown(value: Any) -> str:
    from .forms import value_input

    return value_input(value)
