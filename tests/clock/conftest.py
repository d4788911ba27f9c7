"""Clock tests: the brute-force reference of ``bench/_reference.py`` is importable here.

One minute-stepping reference serves both the tests and the benchmark, so the
repository root goes on ``sys.path`` for ``from bench._reference import ...``.
"""

from __future__ import annotations

import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)
