"""The store benchmark (``bench/store.py``) runs end to end at a small size on SQLite.

Its figures are not checked (benchmarks measure, tests do not time); what is
checked is that each case did its work: the due sweep fired one step per due
ticket (the first-response breach: created two days before, a Saturday, so
Monday 09:00-12:00 is 3h past the 1h target, while the resolution's 50 % step
at 4h is not reached yet), and re-dating visited every running timer.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "store.py"


@pytest.mark.slow
def test_store_bench_small_on_sqlite(capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("bench_store", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    assert (
        module.main(["--backends", "sqlite", "--timers", "400", "--events", "100", "--due", "20", "--repeats", "2"])
        == 0
    )
    out = capsys.readouterr().out
    assert "| sweep of 20 due tickets | 400 | 20 steps |" in out
    # 200 tickets x 2 running timers. The 180 not swept wait for a check a year on, after the new
    # holiday, so they can move: 360. The 20 swept ones now have every instant before the holiday
    # (their steps are past due), so they cannot move and are not read.
    assert "| re-dating after a holiday is added | 400 | 360 running timers moved in 1 batches |" in out
