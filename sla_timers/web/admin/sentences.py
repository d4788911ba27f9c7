"""Rules of the priority matrix as sentences an admin reads:
``if requester.vip is true: raise 2 levels, continue``.

Works on the definition (the TOML data), not the compiled matrix, so a rule
reads the way it is stored. The text is plain; templates escape it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

_OPS = {
    "eq": "is",
    "ne": "is not",
    "in": "is one of",
    "not_in": "is none of",
    "contains": "contains",
    "gt": "is more than",
    "gte": "is at least",
    "lt": "is less than",
    "lte": "is at most",
    "glob": "matches",
}
_DAYS = {"mon": "Monday", "tue": "Tuesday", "wed": "Wednesday", "thu": "Thursday", "fri": "Friday"}
_DAYS |= {"sat": "Saturday", "sun": "Sunday"}


def value_text(value: Any) -> str:
    """A condition's value as an admin reads it: strings quoted, lists joined."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, (list, tuple)):
        return ", ".join(value_text(v) for v in value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _calendar_suffix(value: Any) -> str:
    if isinstance(value, Mapping) and value.get("calendar"):
        return f" on calendar {value['calendar']}"
    return ""


def _main(value: Any, key: str) -> Any:
    return value.get(key) if isinstance(value, Mapping) else value


def condition_text(when: Mapping[str, Any]) -> str:
    """A ``when`` table in words; its parts are joined by "and"."""
    parts: list[str] = []
    for key, value in when.items():
        if key in ("all", "any"):
            joined = (" and " if key == "all" else " or ").join(
                f"({condition_text(item)})" if isinstance(item, Mapping) else "?" for item in value
            )
            parts.append(joined if key == "all" else f"either {joined}")
        elif key == "not":
            parts.append(f"not ({condition_text(value) if isinstance(value, Mapping) else '?'})")
        elif key == "quarter_end":
            days = _main(value, "last_business_days")
            parts.append(f"the last {days} business days of the quarter{_calendar_suffix(value)}")
        elif key == "business_hours":
            is_open = _main(value, "open")
            parts.append(("within" if is_open else "outside") + f" business hours{_calendar_suffix(value)}")
        elif key == "weekday":
            days = _main(value, "in") or []
            parts.append("on " + " or ".join(_DAYS.get(d, str(d)) for d in days) + _calendar_suffix(value))
        elif key == "date_between":
            if isinstance(value, Mapping):
                first, last = value.get("from"), value.get("to")
            else:
                first, last = (list(value) + [None, None])[:2]
            parts.append(f"between {value_text(first)} and {value_text(last)}{_calendar_suffix(value)}")
        elif isinstance(value, Mapping):
            for op, arg in value.items():
                parts.append(f"{key} {_OPS.get(op, op)} {value_text(arg)}")
        else:
            parts.append(f"{key} is {value_text(value)}")
    return " and ".join(parts) or "always"


def action_text(then: Mapping[str, Any]) -> str:
    """A ``then`` table in words."""
    parts: list[str] = []
    if "priority" in then:
        parts.append(f"priority {then['priority']}")
    for key, verb in (("raise", "raise"), ("lower", "lower")):
        if key in then:
            levels = then[key]
            parts.append(f"{verb} {levels} level{'' if levels == 1 else 's'}")
    if "policy" in then:
        parts.append(f"policy {then['policy']}")
    if "calendar" in then:
        parts.append(f"calendar {then['calendar']}")
    if then.get("add_tags"):
        parts.append("tag " + ", ".join(str(t) for t in then["add_tags"]))
    return ", ".join(parts) or "no action"


def rule_sentence(rule: Mapping[str, Any]) -> str:
    """``if requester.vip is true: raise 2 levels, continue`` (or ``..., stop``)."""
    when = rule.get("when")
    head = f"if {condition_text(when)}" if isinstance(when, Mapping) and when else "always"
    found = rule.get("then")
    then: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    tail = "stop" if rule.get("stop") else "continue"
    return f"{head}: {action_text(then)}, {tail}"
