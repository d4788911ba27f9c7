"""The package ships ``py.typed``: it must pass ``mypy --strict`` (the ``[mypy]`` section of setup.cfg)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_package_passes_mypy_strict() -> None:
    if importlib.util.find_spec("mypy") is None:
        pytest.skip("mypy is not installed; install the test extra: pip install -e .[test]")
    # The interpreter running the tests, so mypy sees the same installed packages and stubs.
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", "setup.cfg"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"mypy failed (exit {result.returncode}):\n{result.stdout}{result.stderr}"
