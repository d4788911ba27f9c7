"""The README's reports section is real: its contract parses to the one the credit
tests check by hand, and its Python example runs."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

from report_helpers import MIN, ny, record
from test_credits import CONTRACT

from sla_timers.reports import Contract

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
_AT = README.index("\n## Reports\n")
SECTION = README[_AT:README.index("\n## ", _AT + 1)]


def test_contract_example_is_the_one_the_credit_tests_work_out() -> None:
    (toml,) = [b for b in re.findall(r"```toml\n(.*?)```", SECTION, flags=re.DOTALL) if "[[per_breach]]" in b]
    assert Contract.from_toml(toml) == Contract.from_dict(CONTRACT)


def test_python_example_runs() -> None:
    (code,) = re.findall(r"```python\n(.*?)```", SECTION, flags=re.DOTALL)
    records = [record("a", elapsed=5 * MIN), record("b", elapsed=20 * MIN)]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(code, {"records": records, "start": ny(2026, 11, 1), "end": ny(2026, 12, 1)})  # noqa: S102 (our README)
    printed = out.getvalue().splitlines()
    # 5m and 20m: 1 of 2 within 10 minutes (50%, missed), 2 of 2 within 300 (kept).
    assert printed[-2:] == ["90/10 50.00 False -40.00", "99/300 100.00 True 1.00"]
    assert printed[0].split()[:3] == ["metric", "period", "priority"]
