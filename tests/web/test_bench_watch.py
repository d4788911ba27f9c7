"""The watch benchmark (``bench/watch.py``) runs end to end at a small size.

Its figures are not checked (benchmarks measure, tests do not time); what is
checked is that each variant did every commit: three per ticket.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "watch.py"


@pytest.mark.slow
def test_watch_bench_small(capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("bench_watch", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    assert module.main(["--tickets", "3"]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| ") and "variant" not in line]
    assert [row.split(" | ")[0].lstrip("| ") for row in rows] == ["no watch", "watch", "watch, store down"]
    assert all(row.split(" | ")[1] == "9" for row in rows)  # 3 tickets x 3 commits
