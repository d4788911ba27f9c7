"""A hook for fault tests: stop a process exactly between two statements.

``checkpoint(name)`` does nothing unless ``$SLA_TESTING_CHECKPOINTS`` (a comma
separated list) names the point. Then the first arrival writes
``<name>.<pid>.arrived`` in ``$SLA_TESTING_CHECKPOINT_DIR`` and waits there
until the test kills the process, cuts its connection, or writes
``<name>.release`` in that folder; later arrivals pass. With the variable unset
the cost is one lookup.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

__all__ = ["checkpoint"]

_passed: set[str] = set()


def checkpoint(name: str) -> None:
    """Wait at ``name`` when a fault test asked for it (see the module's docstring)."""
    wanted = os.environ.get("SLA_TESTING_CHECKPOINTS")
    if not wanted or name in _passed or name not in wanted.split(","):
        return
    _passed.add(name)
    folder = Path(os.environ.get("SLA_TESTING_CHECKPOINT_DIR", "."))
    (folder / f"{name}.{os.getpid()}.arrived").write_text(str(time.time()))
    release = folder / f"{name}.release"
    deadline = time.monotonic() + 600  # a test that forgets us must not leave a process behind forever
    while not release.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
