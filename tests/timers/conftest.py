"""Fixtures for timer tests: the NY95 calendar and small builders.

NY95 = America/New_York, Mon-Fri 09:00-17:00, no holidays, so every expected
value below can be worked out by hand from the weekday alone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from timer_helpers import weekly

from sla_timers import BusinessCalendar
from sla_timers.timers import Policy


@pytest.fixture(scope="session")
def ny95() -> BusinessCalendar:
    return weekly("NY95", "09:00-17:00")


@pytest.fixture(scope="session")
def always() -> BusinessCalendar:
    return BusinessCalendar.always_open()


@pytest.fixture
def make_policy() -> Callable[..., Policy]:
    """``make_policy(targets, **extra)``: a NY95 policy, four metrics with defaults."""

    def build(targets: dict[str, dict[str, Any]], **extra: Any) -> Policy:
        data: dict[str, Any] = {"name": "standard", "version": 1, "calendar": "NY95", "targets": targets}
        data.update(extra)
        return Policy.from_dict(data)

    return build
