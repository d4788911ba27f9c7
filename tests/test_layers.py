"""The pure engine stays pure: importing it loads no database or web framework,
so a host can use the clock, timers and rules without either installed."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    "package", ["sla_timers", "sla_timers.clock", "sla_timers.timers", "sla_timers.rules", "sla_timers.reports"]
)
def test_pure_packages_import_neither_sqlalchemy_nor_flask(package: str) -> None:
    # A fresh interpreter: in this one the test run may already have imported both.
    code = (
        f"import sys, {package}\n"
        "loaded = sorted(m for m in ('sqlalchemy', 'flask', 'werkzeug', 'alembic') if m in sys.modules)\n"
        "print(','.join(loaded))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"{package} loads {out.stdout.strip()}"


def test_python_dash_m_runs_the_command_line() -> None:
    # 2026-11-25 is a Wednesday; 16:30 + 30m to the 17:00 close, then Thanksgiving (Thu 11-26)
    # is closed, so the remaining 3h30m run Fri 09:00 -> 12:30 EST (17:30Z).
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "sla_timers",
            "due",
            "--calendar",
            "us-ny-9x5",
            "--from",
            "2026-11-25T16:30",
            "--in",
            "4h",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.splitlines()[0] == "2026-11-27T12:30:00-05:00"
