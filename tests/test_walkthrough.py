"""The end-to-end walkthrough (examples/walkthrough.py): the example configuration
classifies, times and escalates its three tickets as worked out here by hand.

Calendar: us-ny-9x5 (America/New_York, Mon-Fri 09:00-17:00, New York State
holidays). New York is on EST (UTC-5) all through: 09:00 EST = 14:00Z.
Thu 2026-11-26 is Thanksgiving (closed); 2026-12-05/06 and 11-28/29 are weekends.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from datetime import datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from sla_timers.rules import StepKey

ROOT = Path(__file__).resolve().parent.parent
NY = ZoneInfo("America/New_York")
UTC = ZoneInfo("UTC")
H = timedelta(hours=1)


def _load_walkthrough() -> ModuleType:
    spec = importlib.util.spec_from_file_location("walkthrough", ROOT / "examples" / "walkthrough.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["walkthrough"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


wt = _load_walkthrough()


def ny(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=NY)


@pytest.fixture(scope="module")
def runs() -> dict[str, Any]:
    config = wt.load_config()
    return {story.id: wt.play(config, story) for story in wt.stories()}


def moment(run, at: datetime):
    found = [m for m in run.moments if m.at == at]
    assert len(found) == 1, f"no single moment at {at}"
    return found[0]


def fired_at(run, at: datetime) -> list[str]:
    return [step.key.step for step in moment(run, at).steps]


# -- configuration ---------------------------------------------------------------


def test_every_policy_the_matrix_names_has_a_file() -> None:
    # The matrix names standard (default), sales, finance, internal (business lines),
    # executive and premium (rules); load_config passes these names to the matrix,
    # which refuses a name with no policy.
    config = wt.load_config()
    assert config.policies.names == ("executive", "finance", "internal", "premium", "sales", "standard")
    # Internal IT runs in London: the policy's calendar is the one its business line names.
    internal = config.policies.select("internal", ny(12, 1, 9))
    assert internal is not None and internal.calendar == "gb-eng-9x5"


# -- classification ----------------------------------------------------------------


def test_classifications(runs) -> None:
    # CEO's printer: department x degraded = normal; "The CEO's printer" sets urgent,
    # executive, +ceo and stops (so "Premium members" never applies to the CEO).
    ceo = runs["T-1001"].classification
    assert (ceo.priority, ceo.policy, ceo.calendar, ceo.tags) == ("urgent", "executive", "us-ny-9x5", ("ceo",))
    # Premium member: person x blocking = normal; "Premium members" raises one level -> high,
    # +premium; no business line, so the default policy standard.
    premium = runs["T-1002"].classification
    assert (premium.base.priority, premium.priority, premium.policy, premium.tags) == (
        "normal",
        "high",
        "standard",
        ("premium",),
    )
    # Sales booking, created Mon 2026-12-28 10:00: normal -> high (premium) -> urgent
    # (quarter end: Q4's last five business days are Thu 12-24, Mon 28, Tue 29, Wed 30,
    # Thu 31, Fri 12-25 being Christmas) -> +key-account (2,500 seats); policy from the line.
    sales = runs["T-1003"].classification
    assert (sales.priority, sales.policy, sales.calendar) == ("urgent", "sales", "us-ny-9x5")
    assert sales.tags == ("premium", "quarter-end", "key-account")


# -- due dates across closed days ------------------------------------------------------


def test_ceo_resolution_due_crosses_thanksgiving(runs) -> None:
    # executive, urgent: resolution 4h from Wed 11-25 16:00 EST: 1h Wed (16:00-17:00),
    # Thu 11-26 Thanksgiving closed, 3h Fri from 09:00 -> Fri 11-27 12:00 EST = 17:00Z.
    created = moment(runs["T-1001"], ny(11, 25, 16)).states
    assert created["resolution"].due_at == datetime(2026, 11, 27, 17, tzinfo=UTC)
    # first_response 15m -> 16:15, met by the reply at 16:10.
    assert created["first_response"].due_at == ny(11, 25, 16, 15)
    assert moment(runs["T-1001"], ny(11, 25, 16, 10)).states["first_response"].status == "met"


def test_premium_periodic_update_due_crosses_the_weekend(runs) -> None:
    # standard, high: periodic_update 8h restarts at the reply Fri 12-04 14:00 (cycle 2):
    # 3h Fri (14:00-17:00), Sat/Sun closed, 5h Mon from 09:00 -> Mon 12-07 14:00 EST = 19:00Z.
    update = moment(runs["T-1002"], ny(12, 4, 14)).states["periodic_update"]
    assert (update.cycle, update.due_at) == (2, datetime(2026, 12, 7, 19, tzinfo=UTC))


def test_pending_pauses_and_the_resume_sets_the_due(runs) -> None:
    # resolution 8h from Thu 12-03 09:00; pending at 13:00 after 4h: paused, 4h left, no due.
    paused = moment(runs["T-1002"], ny(12, 3, 13)).states["resolution"]
    assert (paused.status, paused.due_at, paused.remaining) == ("paused", None, 4 * H)
    # Open again Fri 12-04 13:00: 4h left -> Fri 17:00 EST = 22:00Z.
    resumed = moment(runs["T-1002"], ny(12, 4, 13)).states["resolution"]
    assert (resumed.status, resumed.due_at) == ("running", datetime(2026, 12, 4, 22, tzinfo=UTC))


def test_sales_ticket_reopened_resumes_its_resolution(runs) -> None:
    # sales, urgent: resolution 4h from Mon 12-28 10:00. Ran 10:00-11:00 (1h), pending to 13:00,
    # ran 13:00-15:00 (2h), solved: met with 1h left. Reopened Tue 12-29 09:30 (resume):
    # 1h left -> Tue 10:30 EST = 15:30Z; solved at 10:15, met.
    run = runs["T-1003"]
    reopened = moment(run, ny(12, 29, 9, 30)).states["resolution"]
    assert (reopened.status, reopened.cycle, reopened.due_at) == (
        "running",
        1,
        datetime(2026, 12, 29, 15, 30, tzinfo=UTC),
    )
    final = moment(run, ny(12, 29, 10, 15)).states["resolution"]
    assert (final.status, final.elapsed) == ("met", 1 * H + 2 * H + 45 * timedelta(minutes=1))
    assert run.fired == set()  # the sales policy has no ladder


# -- escalation ------------------------------------------------------------------------


def test_warning_step_fires_once_across_sweeps(runs) -> None:
    # executive ladder, resolution warn-half at 0.5 of 4h = 2h elapsed: 1h Wed + 1h Fri
    # -> Fri 11-27 10:00 EST = 15:00Z. Sweeps at 09:30 (not yet), 10:30 (fires), 11:00 (not again).
    run = runs["T-1001"]
    assert fired_at(run, ny(11, 27, 9, 30)) == []
    assert moment(run, ny(11, 27, 9, 30)).next_step_at == datetime(2026, 11, 27, 15, tzinfo=UTC)
    assert fired_at(run, ny(11, 27, 10, 30)) == ["warn-half"]
    step = moment(run, ny(11, 27, 10, 30)).steps[0]
    assert step.key == StepKey("T-1001", "resolution", 1, "warn-half")
    assert step.due_at == datetime(2026, 11, 27, 15, tzinfo=UTC)
    assert step.notify_at == datetime(2026, 11, 27, 15, tzinfo=UTC)  # not held: at the due, 10:00 EST
    assert fired_at(run, ny(11, 27, 11)) == []
    # Solved at 11:30, before the 12:00 breach: the breach step never fires.
    assert run.fired == {StepKey("T-1001", "resolution", 1, "warn-half")}
    assert moment(run, ny(11, 27, 11, 30)).states["resolution"].status == "met"


def test_standard_ladder_steps_fire_once_each(runs) -> None:
    # standard, high: resolution 8h, 4h used Thu, 4h more from Fri 12-04 13:00 -> due 17:00.
    # warn-75 at 6h elapsed = Fri 15:00; due-soon 30m before due = 16:30; breach at 17:00.
    run = runs["T-1002"]
    assert fired_at(run, ny(12, 4, 15, 30)) == ["warn-75"]
    assert moment(run, ny(12, 4, 15, 30)).steps[0].due_at == ny(12, 4, 15)
    assert fired_at(run, ny(12, 4, 16)) == []
    assert fired_at(run, ny(12, 4, 16, 45)) == ["due-soon"]
    assert moment(run, ny(12, 4, 16, 45)).steps[0].due_at == ny(12, 4, 16, 30)
    later = [m.at for m in run.moments if m.at > ny(12, 4, 17)]
    assert later and all(fired_at(run, at) == [] for at in later)


def test_a_step_due_before_an_event_fires_though_the_event_stops_its_timer(runs) -> None:
    # T-1002, standard, high: first_response 1h from Thu 12-03 09:00, so warn-half (50%) fell
    # due at 09:30. No sweep ran at 09:30; the reply at 09:40 meets first_response. The sweep
    # at the reply's instant, before the reply is applied, still finds the step, dated 09:30.
    at_reply = moment(runs["T-1002"], ny(12, 3, 9, 40))
    assert [(s.key, s.due_at) for s in at_reply.steps] == [
        (StepKey("T-1002", "first_response", 1, "warn-half"), datetime(2026, 12, 3, 14, 30, tzinfo=UTC))
    ]
    assert at_reply.states["first_response"].status == "met"


def test_breach_recorded_at_the_breach_and_notified_at_the_next_opening(runs) -> None:
    # Breach Fri 12-04 17:00 EST = 22:00Z, the closing time: recorded then, but the
    # notification (hold_to_business_hours) waits for Mon 12-07 09:00 EST = 14:00Z.
    breach = next(s for s in moment(runs["T-1002"], ny(12, 4, 17)).steps if s.key.step == "breach")
    assert breach.due_at == datetime(2026, 12, 4, 22, tzinfo=UTC)
    assert breach.notify_at == datetime(2026, 12, 7, 14, tzinfo=UTC)
    resolution = moment(runs["T-1002"], ny(12, 4, 17)).states["resolution"]
    assert resolution.breached_at == datetime(2026, 12, 4, 22, tzinfo=UTC)


def test_priority_raise_moves_the_deadline_and_never_fires_again(runs) -> None:
    run = runs["T-1002"]
    at_breach = moment(run, ny(12, 4, 17))
    breach = next(s for s in at_breach.steps if s.key.step == "breach")
    # raise_priority = 1: high -> urgent, as an event at the breach with an id from the key.
    assert breach.priority == "urgent"
    assert [(e.kind, e.at, e.data["priority"], e.id) for e in breach.events] == [
        ("priority", datetime(2026, 12, 4, 22, tzinfo=UTC), "urgent", "escalation/T-1002/resolution/1/breach")
    ]
    assert sum(1 for e in run.log if e.kind == "priority") == 1
    # periodic_update cycle 2 (from Fri 14:00) had 3h of its 8h at 17:00; urgent's 4h leaves
    # 1h -> Mon 12-07 10:00 EST = 15:00Z (it was Mon 14:00 EST at high).
    assert at_breach.states["periodic_update"].due_at == datetime(2026, 12, 7, 15, tzinfo=UTC)
    assert at_breach.states["periodic_update"].target == 4 * H
    assert at_breach.priority == "urgent"
    # The reply Mon 09:30 starts cycle 3 at urgent: 4h -> 13:30 EST = 18:30Z.
    assert moment(run, ny(12, 7, 9, 30)).states["periodic_update"].due_at == datetime(2026, 12, 7, 18, 30, tzinfo=UTC)
    # Keyed by (ticket, metric, cycle, step): later sweeps see it in fired and skip it.
    assert StepKey("T-1002", "resolution", 1, "breach") in run.fired


def test_step_after_the_due_is_not_dated_before_the_breach(runs) -> None:
    # an-hour-late (offset 1h) is crossed at the raise: urgent's 4h target against 8h elapsed
    # puts the timer 4h over, so the second sweep at Fri 17:00 finds it. Counted back along
    # the new target it would be Fri 14:00 (17:00 - 3h); it is dated at the raise, since which
    # the resolution runs under 4h (its running_since): the breach, 17:00 EST = 22:00Z.
    at_breach = moment(runs["T-1002"], ny(12, 4, 17))
    assert at_breach.states["resolution"].running_since == datetime(2026, 12, 4, 22, tzinfo=UTC)
    late = next(s for s in at_breach.steps if s.key.step == "an-hour-late")
    assert late.due_at == datetime(2026, 12, 4, 22, tzinfo=UTC)
    assert late.step.reassign == "tier-2" and late.notify_at is None


# -- the printed timeline ----------------------------------------------------------------


def test_timeline_lines_show_instants_with_offsets(runs) -> None:
    lines = wt.timeline(runs["T-1001"])
    assert lines[1] == "  classified: priority urgent, policy executive, calendar us-ny-9x5, tags ceo"
    assert (
        "  Fri 2026-11-27 10:30 -05:00  sweep; resolution warning 0.5; step resolution/warn-half "
        "(fell due Fri 11-27 10:00): notify user exec-assistant, webhook pager" in lines
    )
    breach = [line for line in wt.timeline(runs["T-1002"]) if line.startswith("  Fri 2026-12-04 17:00 -05:00")]
    assert len(breach) == 1 and "held to Mon 12-07 09:00; priority -> urgent" in breach[0]


def test_readme_quick_tour_opens_the_example_policy() -> None:
    # The tour opens a policy file relative to the repository root and reads a high
    # ticket's resolution as 8h (1h ran, 7h frozen): the standard policy says so.
    from sla_timers import Policy

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    tour = readme.split("## Quick tour", 1)[1].split("\n## ", 1)[0]
    (path,) = re.findall(r'Path\("([^"]+)"\)', tour)
    policy = Policy.from_toml((ROOT / path).read_text(encoding="utf-8"))
    assert (policy.name, policy.target("high", "resolution")) == ("standard", 8 * H)


def test_readme_end_to_end_lines_are_real_output(runs, capsys: pytest.CaptureFixture[str]) -> None:
    wt.main()
    output = capsys.readouterr().out.splitlines()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## End to end", 1)[1].split("\n## ", 1)[0]
    block = section.split("```text\n", 1)[1].split("```", 1)[0]
    quoted = [line for line in block.splitlines() if line.strip() and line.strip() != "..."]
    assert quoted and all(line in output for line in quoted)
