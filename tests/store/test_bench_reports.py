"""The reports benchmark's PostgreSQL mode (``bench/reports.py --database``) at a
small size: the fixture it bulk-loads holds the cycles it says, the month's
query leaves October's out, and each report reads the store.

Figures are not checked (benchmarks measure, tests do not time).
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "reports.py"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.pg,
    pytest.mark.skipif("SLA_TEST_DATABASE_URL" not in os.environ, reason="SLA_TEST_DATABASE_URL not set (PostgreSQL)"),
]


def _bench() -> Any:
    spec = importlib.util.spec_from_file_location("bench_reports", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_reports_bench_on_postgresql_small() -> None:
    bench = _bench()
    url = os.environ["SLA_TEST_DATABASE_URL"]
    name = f"sla_bench_{secrets.token_hex(4)}"
    built = bench.build_fixture(url, 400, name=name)
    try:
        # 400 November cycles and 400 // 10 = 40 of October, four metrics a ticket: 110 tickets.
        assert (built["cycles"], built["tickets"]) == (440, 110)
        stream = bench.run_one("stream only", 400, built["url"])
        assert stream["rows"] == 400  # October's 40 are outside the month's query
        from sla_timers.store.engine import make_engine
        from sla_timers.store.report_source import count_timers

        engine = make_engine(built["url"])
        try:
            october = count_timers(engine, start=bench.START - timedelta(days=31), end=bench.START)
        finally:
            engine.dispose()
        assert october == 40
        for report in ("compliance", "service levels", "service credits", "review"):
            assert bench.run_one(report, 400, built["url"])["rows"] > 0, report
    finally:
        bench.drop_fixture(url, name)
