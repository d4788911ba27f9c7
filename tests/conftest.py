"""Shared test configuration: hypothesis profiles.

Pick one with ``--hypothesis-profile``: ``ci`` (the default: derandomized, no
deadline) or ``deep`` (more examples, random seeds) for a longer local run.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    max_examples=200,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "deep",
    deadline=None,
    max_examples=2000,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("SLA_HYPOTHESIS_PROFILE", "ci"))
