"""The clock and timer suites again under server time zones far from UTC.

An instant must give the same answer under any server ``TZ``: a helpdesk's
server may run in any local zone, and a deadline must not move with it. ``TZ`` is read when a process starts, so each run is a fresh
pytest process with ``TZ`` set; it runs the same tests as the main run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
# A bound on a hang, not on speed: a loaded machine may take minutes, and on a
# timeout subprocess.run kills the child pytest before the failure is raised.
@pytest.mark.timeout(1800)
@pytest.mark.parametrize(
    ("zone", "suites"),
    [
        pytest.param("Pacific/Chatham", ["tests/clock", "tests/timers"], id="Pacific/Chatham"),
        pytest.param("Asia/Kolkata", ["tests/timers", "tests/rules"], id="Asia/Kolkata"),
    ],
)
def test_suites_pass_under_server_timezone(zone: str, suites: list[str], tmp_path: Path) -> None:
    env = {**os.environ, "TZ": zone}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-m", "not slow", *suites],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, f"under TZ={zone}:\n{result.stdout[-4000:]}\n{result.stderr[-2000:]}"
