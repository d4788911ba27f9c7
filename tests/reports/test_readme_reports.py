"""The README's reports section is real: its contract parses to the one the credit
tests check by hand, and its Python example runs."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

from test_credits import CONTRACT

from sla_timers.reports import Contract

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
_AT = README.index("\n## Reports\n")
SECTION = README[_AT : README.index("\n## ", _AT + 1)]


def test_contract_example_is_the_one_the_credit_tests_work_out() -> None:
    (toml,) = [b for b in re.findall(r"```toml\n(.*?)```", SECTION, flags=re.DOTALL) if "[[per_breach]]" in b]
    assert Contract.from_toml(toml) == Contract.from_dict(CONTRACT)


def test_python_example_runs_on_its_own() -> None:
    # tests/test_readme.py runs every block in order; this one must not lean on earlier ones.
    (code,) = re.findall(r"```python\n(.*?)```", SECTION, flags=re.DOTALL)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(code, {"__name__": "readme"})  # noqa: S102 (our README)
    assert out.getvalue().splitlines()[0].split()[:3] == ["metric", "period", "priority"]
