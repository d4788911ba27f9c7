"""A rule may be kept but switched off (``enabled = false``): validated, never matching."""

from __future__ import annotations

from typing import Any

import pytest

from sla_timers.errors import RulesError
from sla_timers.rules import PriorityMatrix


def matrix(enabled: Any = None, **extra: Any) -> PriorityMatrix:
    rule: dict[str, Any] = {"name": "VIP", "when": {"requester.vip": True}, "then": {"raise": 2}}
    if enabled is not None:
        rule["enabled"] = enabled
    rule.update(extra)
    return PriorityMatrix.from_dict(
        {
            "priorities": ["urgent", "high", "normal", "low"],
            "default_priority": "normal",
            "default_policy": "standard",
            "default_calendar": "24x7",
            "rules": [rule, {"name": "Tag all", "then": {"add_tags": ["seen"]}}],
        }
    )


VIP = {"requester": {"vip": True}}


def test_an_enabled_rule_matches() -> None:
    # normal raised 2 levels -> urgent.
    assert matrix().classify(VIP).priority == "urgent"
    assert matrix(True).classify(VIP).priority == "urgent"


def test_a_switched_off_rule_never_matches_and_later_rules_still_apply() -> None:
    found = matrix(False).classify(VIP)
    assert found.priority == "normal"
    assert [entry.index for entry in found.trace] == [1]
    assert found.tags == ("seen",)


def test_a_switched_off_rule_is_still_validated() -> None:
    with pytest.raises(RulesError) as caught:
        matrix(False, then={"priority": "asap"})
    assert caught.value.field == "rules[0].then.priority"


def test_enabled_must_be_a_boolean() -> None:
    with pytest.raises(RulesError) as caught:
        matrix("no")
    assert caught.value.field == "rules[0].enabled"
