"""The README's examples are real: its TOML blocks parse, its quick tour runs."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sla_timers import BusinessCalendar, Policy, TicketEvent, evaluate

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
TOML_BLOCKS = re.findall(r"```toml\n(.*?)```", README, flags=re.S)
NY = ZoneInfo("America/New_York")


def _block(marker: str) -> str:
    found = [block for block in TOML_BLOCKS if marker in block]
    assert len(found) == 1, f"expected one README toml block containing {marker!r}"
    return found[0]


def test_calendar_example_parses_and_means_what_it_says() -> None:
    import tomllib

    cal = BusinessCalendar.from_dict(tomllib.loads(_block("[hours]")))
    # Monday 2026-11-23: 09:00-12:00 + 13:00-17:00 = 7 h of the 24.
    monday = datetime(2026, 11, 23, tzinfo=NY)
    assert cal.elapsed(monday, monday + timedelta(days=1)) == timedelta(hours=7)
    # Friday's 22:00-06:00 belongs to Friday and runs into Saturday morning.
    assert cal.is_open(datetime(2026, 11, 28, 5, 59, tzinfo=NY))
    # The opening on Saturday 2026-11-28 10:00-14:00.
    assert cal.is_open(datetime(2026, 11, 28, 10, tzinfo=NY))
    assert not cal.is_open(datetime(2026, 11, 28, 14, tzinfo=NY))


def test_policy_example_parses() -> None:
    policy = Policy.from_toml(_block("[targets.high]"))
    assert policy.name == "standard"
    assert policy.target("high", "resolution") == timedelta(hours=8)
    assert policy.target("urgent", "first_response") == timedelta(minutes=30)


def test_quick_tour_numbers() -> None:
    cal = BusinessCalendar.load("us-ny-9x5")
    # Wed 16:30 + 30 min -> 17:00; Thu 11-26 Thanksgiving closed; Fri 09:00 + 3h30 -> 12:30 EST.
    due = cal.add(datetime(2026, 11, 25, 16, 30, tzinfo=NY), timedelta(hours=4))
    assert due == datetime(2026, 11, 27, 17, 30, tzinfo=ZoneInfo("UTC"))
    assert "2026-11-27 12:30-05:00" in README

    policy = Policy.from_toml(_block("[targets.high]"))
    states = evaluate(
        policy,
        [
            TicketEvent("created", datetime(2026, 11, 23, 9, tzinfo=NY), id="e1", priority="high", status="new"),
            TicketEvent("status", datetime(2026, 11, 23, 10, tzinfo=NY), id="e2", status="pending"),
        ],
        now=datetime(2026, 11, 23, 11, tzinfo=NY),
        calendar=cal,
    )
    resolution = states["resolution"]
    assert resolution.status == "paused"
    assert resolution.due_at is None
    # 09:00-10:00 ran: 1 h of the 8 h target used, 7 h left, frozen while paused.
    assert resolution.remaining == timedelta(hours=7)


def test_ci_runs_the_readmes_test_command() -> None:
    # CI must run exactly the test command a new user is told to run.
    ci = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    command = ci[ci.index("# The README's test command:") + 1]
    assert f"```sh\n{command}\n```" in README


ROOT = Path(__file__).resolve().parent.parent
PYTHON_BLOCKS = [
    (README[: m.start(1)].count("\n"), m.group(1)) for m in re.finditer(r"```python\n(.*?)```", README, flags=re.S)
]


def test_readme_python_blocks_run_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    # The README is the integration guide: its Python blocks run top to bottom as one
    # script from the repository root (later blocks use what earlier ones defined), and
    # their asserts state the answers. Each block compiles at its README line, so a
    # failure's traceback points into README.md.
    assert len(PYTHON_BLOCKS) >= 6, "the quick tour and the integration guide's blocks"
    monkeypatch.chdir(ROOT)
    namespace: dict[str, object] = {"__name__": "readme"}
    for line, block in PYTHON_BLOCKS:
        exec(compile("\n" * line + block, str(ROOT / "README.md"), "exec"), namespace)  # noqa: S102
