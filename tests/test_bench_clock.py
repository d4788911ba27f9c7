"""Smoke test of the clock benchmark (``bench/clock.py``): its correctness part only, no timing.

The benchmark's scenarios (closing time, overnight windows, real-time DST, a
holiday closing its date's windows, queries past the last listed holiday) run
through sla_timers and are compared with the benchmark's brute-force reference,
whose answers are themselves checked against the hand-worked ones in
``bench/_cases.py``.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench" / "clock.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_clock", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_reference_matches_the_hand_worked_answers(bench: ModuleType) -> None:
    # expected_answers raises when the reference and a case's by_hand answer differ.
    answers = bench.expected_answers()
    assert set(answers) == {case.id for case in bench.CASES}


def test_sla_timers_agrees_with_the_reference_on_every_case(bench: ModuleType) -> None:
    ours = [a for a in bench.ADAPTERS if a.name == "sla_timers"]
    result = bench.run_correctness(ours)
    problems = [
        f"{case.id}: expected {result.expected[case.id]}, got {result.outcomes[(case.id, 'sla_timers')].detail}"
        for case in result.disagreements("sla_timers")
    ]
    assert problems == []
    agreed, run = result.agreed("sla_timers")
    assert run == len(bench.CASES) and agreed == run
