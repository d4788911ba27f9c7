"""Smoke test of the web benchmark (``bench/web.py``) at a tiny size on SQLite: the
fixture is built, waitress serves the app in its own process, every load runs and
every answer is a 200. It asserts nothing about speed (the benchmark reports that)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("waitress", reason="waitress is in the bench extra")

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent


def test_the_benchmark_runs_and_every_request_succeeds(tmp_path: Path) -> None:
    command = [
        sys.executable,
        "bench/web.py",
        "--url",
        f"sqlite:///{tmp_path / 'bench.db'}",
        "--tickets",
        "120",
        "--seconds",
        "1",
        "--rates",
        "10",
        "--clients",
        "2",
        "--threads",
        "2",
    ]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=True)
    rows = [line for line in done.stdout.splitlines() if line.startswith("| open loop") or line.startswith("| closed")]
    assert len(rows) == 2, done.stdout
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        requests, errors = int(cells[1].replace(",", "")), int(cells[7])
        assert requests > 0 and errors == 0, row
    assert re.search(r"120 open tickets", done.stdout)
