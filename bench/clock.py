"""Benchmark: sla_timers' business clock against its peers, speed and correctness, in one run.

Every library gets the same calendar (Mon-Fri 09:00-17:00 in America/New_York,
with the US federal holidays of 2025-2050 as concrete dates), the same seeded
start instants over 2026-2027 (half inside business hours, half outside) and the
same spans: ``add`` of 1 h to 40,000 h and ``elapsed`` over a day to five years.
Inputs are converted to each library's native form before timing; each cell is
warmed up on every input (so what a library builds or caches on first use is
built before timing, whatever the order of the inputs), then timed as the best
of several repeats over the same inputs, in CPU time of this process
(``time.process_time``: other processes on a shared machine do not count),
garbage collected before and off while timing, in this one process pinned to
one CPU. A cell that raises shows the error; one whose single call outlives the
cell's time budget shows a timeout.

The correctness tables run the scenarios of :mod:`bench._cases` through every
library and compare with the brute-force reference of :mod:`bench._reference`.

Usage::

    .venv/bin/python bench/clock.py            # full run, a few minutes
    .venv/bin/python bench/clock.py --quick    # fewer, shorter repeats, under a minute

Prints Markdown to stdout. It measures and reports; it never fails on a figure.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import shlex
import signal
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    # Run as a script (``python bench/clock.py``): make ``bench`` importable.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._cases import CASES, GROUPS, Case, us_federal_holidays
from bench._machine import cpu_model, version
from bench._peers import ADAPTERS, Adapter, BenchCalendar, Clock, Unsupported, utc
from bench._reference import reference_add, reference_elapsed

__all__ = ["main", "run_correctness", "run_timing", "CorrectnessResult", "Settings"]

#: Seed of the start instants.
SEED = 20261123
#: Number of start instants (half inside business hours, half outside).
STARTS = 256
#: ``add`` spans, in business hours.
ADD_HOURS = (1, 8, 40, 400, 4_000, 40_000)
#: ``elapsed`` spans, in real time.
ELAPSED_SPANS = (
    ("1 day", timedelta(days=1)),
    ("1 week", timedelta(days=7)),
    ("1 month", timedelta(days=30)),
    ("1 year", timedelta(days=365)),
    ("5 years", timedelta(days=1826)),
)
#: Starts per span whose answers are compared across libraries (untimed).
CHECKED = 32
#: Holiday years given to every library: 40,000 h from 2027 reaches about 2047.
HOLIDAY_YEARS = (2025, 2050)


@dataclass(frozen=True)
class Settings:
    """How long each timing cell runs."""

    #: Timed repeats per cell; the best one counts.
    repeats: int
    #: Wall time aimed at per repeat, in seconds.
    per_repeat: float
    #: Wall time of warm-up, in seconds.
    warmup: float
    #: Hard budget per cell, in seconds; a single call longer than this is a timeout.
    cap: float


QUICK = Settings(repeats=3, per_repeat=0.04, warmup=0.02, cap=2.0)
FULL = Settings(repeats=7, per_repeat=0.25, warmup=0.1, cap=12.0)


# --- time budget --------------------------------------------------------------


class BudgetExceeded(Exception):
    """A cell ran past its time budget."""


@contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Raise :class:`BudgetExceeded` inside the block after ``seconds`` (main thread only).

    Python code is interrupted where it runs; a call into native code is
    interrupted when it returns.
    """
    if seconds <= 0 or not hasattr(signal, "setitimer"):
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise BudgetExceeded

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# --- workload -----------------------------------------------------------------


def bench_calendar() -> BenchCalendar:
    """The timed calendar: Mon-Fri 09:00-17:00 New York, US federal holidays as dates."""
    return BenchCalendar.weekly(
        "NY 9-5 + US federal",
        "America/New_York",
        {d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
        us_federal_holidays(*HOLIDAY_YEARS),
    )


def start_instants(calendar: BenchCalendar, count: int = STARTS, seed: int = SEED) -> list[datetime]:
    """``count`` aware start times over 2026-2027 in the calendar's zone, alternating inside and outside hours.

    Whole seconds, shuffled, so any prefix mixes both kinds.
    """
    rng = random.Random(seed)
    zone = calendar.zone
    first = datetime(2026, 1, 1, tzinfo=UTC)
    seconds = int((datetime(2028, 1, 1, tzinfo=UTC) - first).total_seconds())
    inside: list[datetime] = []
    outside: list[datetime] = []
    while len(inside) < count // 2 or len(outside) < count - count // 2:
        t = (first + timedelta(seconds=rng.randrange(seconds))).astimezone(zone)
        local = t.replace(tzinfo=None)
        is_inside = local.date() not in calendar.closed_dates and any(
            w.start <= local.time() < w.end for w in calendar.hours[local.weekday()]
        )
        bucket, limit = (inside, count // 2) if is_inside else (outside, count - count // 2)
        if len(bucket) < limit:
            bucket.append(t)
    starts = inside + outside
    rng.shuffle(starts)
    return starts


# --- timing -------------------------------------------------------------------


@dataclass(frozen=True)
class Measurement:
    """One timed cell."""

    ops_per_s: float
    #: Distinct start instants used (fewer than :data:`STARTS` when the budget ran out).
    inputs: int
    repeats: int


#: A cell: a measurement, or the text to show instead (``"n/a: ..."``, ``"error: ..."``, ``"timeout ..."``).
Cell = Measurement | str


def measure(run: Callable[[int, int], None], n_inputs: int, settings: Settings) -> Cell:
    """Time ``run(count, loops)`` (the first ``count`` inputs, ``loops`` times over).

    Warm-up first runs every input once (a library that builds something per
    input region on first use, as a business clock builds a year, would
    otherwise pay for it inside whichever timed repeat first meets that input,
    and the figure would follow the inputs' order and the luck of the repeats),
    then repeats that until it has lasted ``settings.warmup``. Each timed repeat
    runs all the inputs ``loops`` times, aiming at ``settings.per_repeat``
    seconds; ops/s comes from the fastest repeat. Times are CPU time of this
    process, so a busy machine slows the run but not the figures.
    """
    clock = time.process_time
    wall = time.perf_counter
    deadline = wall() + settings.cap
    best: float | None = None  # seconds per op
    repeats = inputs = 0
    gc_was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        with time_budget(settings.cap):
            # Warm-up: grow from one input to all of them, then go on until it has lasted long enough.
            count, warmed = 1, 0.0
            while True:
                t0 = clock()
                run(count, 1)
                spent = clock() - t0
                warmed += spent
                per_op = spent / count
                if count > inputs:  # a figure over fewer inputs does not compare
                    inputs, best = count, per_op
                else:
                    best = min(best, per_op) if best is not None else per_op
                if count == n_inputs and warmed >= settings.warmup:
                    break
                count = min(n_inputs, count * 4)
            assert best is not None
            loops = max(1, int(settings.per_repeat / (best * n_inputs)))
            for _ in range(settings.repeats):
                if wall() + best * n_inputs * loops > deadline:
                    break
                t0 = clock()
                run(n_inputs, loops)
                best = min(best, (clock() - t0) / (n_inputs * loops))
                repeats += 1
    except BudgetExceeded:
        if best is None:
            return f"timeout: one call > {settings.cap:g} s"
    except Exception as error:  # noqa: BLE001 - a peer failing is a result to show
        return f"error: {type(error).__name__}"
    finally:
        if gc_was_enabled:
            gc.enable()
    if best is None:
        return f"timeout: one call > {settings.cap:g} s"
    return Measurement(1 / best if best > 0 else float("inf"), inputs, repeats)


@dataclass
class TimingRow:
    """One workload and span, a cell per library."""

    workload: str
    span: str
    cells: dict[str, Cell] = field(default_factory=dict)
    #: First error message per library, for the notes.
    errors: dict[str, str] = field(default_factory=dict)
    #: Answers (UTC instants or durations) on the first :data:`CHECKED` starts, per library.
    answers: dict[str, list[Any]] = field(default_factory=dict)


def run_timing(adapters: Sequence[Adapter], settings: Settings, progress: Callable[[str], None]) -> list[TimingRow]:
    """Time every library on every workload span."""
    calendar = bench_calendar()
    starts = start_instants(calendar)
    rows = [TimingRow("add", f"{h:,} h") for h in ADD_HOURS] + [TimingRow("elapsed", s) for s, _ in ELAPSED_SPANS]
    for adapter in adapters:
        try:
            clock = adapter.build(calendar)
        except Exception as error:  # noqa: BLE001
            for row in rows:
                row.cells[adapter.name] = f"error: {type(error).__name__}"
                row.errors[adapter.name] = f"{type(error).__name__}: {error}"
            continue
        xs = [clock.native(t) for t in starts]
        for row, hours in zip(rows, ADD_HOURS):
            progress(f"{adapter.name} add {hours} h")
            row.cells[adapter.name] = _time_add(clock, xs, timedelta(hours=hours), settings, row, adapter.name)
        for row, (_, span) in zip(rows[len(ADD_HOURS) :], ELAPSED_SPANS):
            progress(f"{adapter.name} elapsed {span.days} d")
            ends = [clock.native((t.astimezone(UTC) + span).astimezone(t.tzinfo)) for t in starts]
            row.cells[adapter.name] = _time_elapsed(clock, list(zip(xs, ends)), settings, row, adapter.name)
    return rows


def _time_add(clock: Clock, xs: list[Any], amount: timedelta, settings: Settings, row: TimingRow, name: str) -> Cell:
    try:
        call = clock.adder(amount)
    except Unsupported as reason:
        return str(reason)

    def run(count: int, loops: int) -> None:
        batch = xs[:count]
        for _ in range(loops):
            for x in batch:
                call(x)

    cell = _note_error(measure(run, len(xs), settings), lambda: call(xs[0]), row, name)
    row.answers[name] = _answers(lambda x: utc(clock.instant(call(x))), xs[:CHECKED], settings.cap)
    return cell


def _time_elapsed(clock: Clock, pairs: list[tuple[Any, Any]], settings: Settings, row: TimingRow, name: str) -> Cell:
    try:
        call = clock.elapser()
    except Unsupported as reason:
        return str(reason)

    def run(count: int, loops: int) -> None:
        batch = pairs[:count]
        for _ in range(loops):
            for a, b in batch:
                call(a, b)

    cell = _note_error(measure(run, len(pairs), settings), lambda: call(*pairs[0]), row, name)
    row.answers[name] = _answers(lambda p: clock.duration(call(*p)), pairs[:CHECKED], settings.cap)
    return cell


def _answers(call: Callable[[Any], Any], inputs: Sequence[Any], budget: float) -> list[Any]:
    """``call`` on each input, in order, until one raises or the budget runs out."""
    found: list[Any] = []
    try:
        with time_budget(budget):
            for item in inputs:
                found.append(call(item))
    except Exception:  # noqa: BLE001 - BudgetExceeded or the library's own error: stop there
        pass
    return found


def _note_error(cell: Cell, again: Callable[[], object], row: TimingRow, name: str) -> Cell:
    """Keep the message of an error cell (by calling once more) for the notes under the table."""
    if isinstance(cell, str) and cell.startswith("error"):
        try:
            with time_budget(5):
                again()
        except BudgetExceeded:
            pass
        except Exception as error:  # noqa: BLE001
            row.errors[name] = f"{type(error).__name__}: {error}"
    return cell


# --- correctness --------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """One case on one library: ``status`` is ``ok``, ``wrong``, ``raised``, ``timeout`` or ``n/a``."""

    status: str
    #: What the library answered (or raised), for the disagreement list; the reason for n/a.
    detail: str = ""


@dataclass
class CorrectnessResult:
    """Every case on every library, with the reference's answers."""

    libraries: list[str]
    cases: tuple[Case, ...]
    expected: dict[str, datetime | timedelta]
    outcomes: dict[tuple[str, str], Outcome]

    def agreed(self, library: str, group: str | None = None) -> tuple[int, int]:
        """``(cases agreed, cases run)`` for a library, optionally within one group; n/a is not run."""
        run = agreed = 0
        for case in self.cases:
            if group is not None and case.group != group:
                continue
            outcome = self.outcomes[(case.id, library)]
            if outcome.status == "n/a":
                continue
            run += 1
            agreed += outcome.status == "ok"
        return agreed, run

    def disagreements(self, library: str) -> list[Case]:
        """Cases where the library ran and did not give the reference's answer."""
        return [c for c in self.cases if self.outcomes[(c.id, library)].status not in ("ok", "n/a")]


def expected_answers(cases: Sequence[Case] = CASES) -> dict[str, datetime | timedelta]:
    """The reference's answer per case id.

    :raises AssertionError: if the reference disagrees with a case's hand-worked answer
        (the reference would be wrong, and every comparison with it meaningless).
    """
    answers: dict[str, datetime | timedelta] = {}
    for case in cases:
        if case.op == "add":
            assert isinstance(case.arg, timedelta)
            got: datetime | timedelta = reference_add(case.calendar, case.start, case.arg)
            hand_ok = utc(got) == utc(case.by_hand)  # type: ignore[arg-type]
        else:
            assert isinstance(case.arg, datetime)
            got = reference_elapsed(case.calendar, case.start, case.arg)
            hand_ok = got == case.by_hand
        if not hand_ok:
            raise AssertionError(f"reference gives {got} for {case.id}, worked by hand: {case.by_hand}")
        answers[case.id] = got
    return answers


def run_correctness(
    adapters: Sequence[Adapter], cases: Sequence[Case] = CASES, budget: float = 10.0
) -> CorrectnessResult:
    """Run every case through every library and compare with the reference."""
    expected = expected_answers(cases)
    outcomes: dict[tuple[str, str], Outcome] = {}
    for adapter in adapters:
        clocks: dict[int, Clock | Exception] = {}
        for case in cases:
            outcomes[(case.id, adapter.name)] = _run_case(adapter, case, expected[case.id], clocks, budget)
    return CorrectnessResult([a.name for a in adapters], tuple(cases), expected, outcomes)


def _run_case(
    adapter: Adapter, case: Case, expected: datetime | timedelta, clocks: dict[int, Clock | Exception], budget: float
) -> Outcome:
    if adapter.wall_time_only and case.real_time_dst:
        return Outcome("n/a", "n/a: no time zones")
    key = id(case.calendar)
    if key not in clocks:
        try:
            clocks[key] = adapter.build(case.calendar)
        except Exception as error:  # noqa: BLE001 - Unsupported or a real failure
            clocks[key] = error
    clock = clocks[key]
    if isinstance(clock, Unsupported):
        return Outcome("n/a", str(clock))
    if isinstance(clock, Exception):
        return Outcome("raised", f"raised {type(clock).__name__}: {clock}")
    try:
        with time_budget(budget):
            if case.op == "add":
                assert isinstance(case.arg, timedelta)
                call = clock.adder(case.arg)
                got: datetime | timedelta = clock.instant(call(clock.native(case.start)))
                same = utc(got) == utc(expected)  # type: ignore[arg-type]
            else:
                assert isinstance(case.arg, datetime)
                between = clock.elapser()
                got = clock.duration(between(clock.native(case.start), clock.native(case.arg)))
                same = got == expected
    except Unsupported as reason:
        return Outcome("n/a", str(reason))
    except BudgetExceeded:
        return Outcome("timeout", f"no answer within {budget:g} s")
    except Exception as error:  # noqa: BLE001
        return Outcome("raised", f"raised {type(error).__name__}: {_short(str(error))}")
    return Outcome("ok" if same else "wrong", _show(got, case))


def _show(value: datetime | timedelta, case: Case) -> str:
    if isinstance(value, datetime):
        return value.astimezone(case.calendar.zone).isoformat(timespec="minutes")
    return _show_duration(value)


def _show_duration(value: timedelta) -> str:
    minutes = int(value / timedelta(minutes=1))
    sign, minutes = ("-" if minutes < 0 else ""), abs(minutes)
    return f"{sign}{minutes // 60}h{minutes % 60:02d}"


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- output -------------------------------------------------------------------


def machine_line(adapters: Sequence[Adapter], nproc: int, cpu: int | None) -> str:
    """nproc, CPU model, Python and library versions."""
    names = [a.distribution for a in adapters] + ["holidays", "tzdata"]
    versions = ", ".join(f"{name} {version(name)}" for name in names)
    pinned = f", this run pinned to CPU {cpu}" if cpu is not None else ""
    return f"Machine: nproc {nproc}, {cpu_model()}{pinned}; Python {platform.python_version()}; {versions}."


def _fmt_rate(value: float) -> str:
    if value >= 100:
        return f"{float(f'{value:.3g}'):,.0f}"
    return f"{value:.3g}"


def _fmt_ratio(ours: Cell, theirs: Cell) -> str:
    if not (isinstance(ours, Measurement) and isinstance(theirs, Measurement)):
        return "–"
    ratio = ours.ops_per_s / theirs.ops_per_s
    if ratio >= 100:
        return f"{ratio:,.0f}×"
    if ratio >= 10:
        return f"{ratio:.0f}×"
    return f"{ratio:.2f}×"


def _fmt_cell(cell: Cell) -> str:
    if isinstance(cell, str):
        return cell
    mark = "" if cell.inputs == STARTS else f" ({cell.inputs} of {STARTS} starts)"
    return _fmt_rate(cell.ops_per_s) + mark


def timing_table(rows: list[TimingRow], libraries: Sequence[str]) -> list[str]:
    """The ops/s table, ratios ours / theirs."""
    ours, peers = libraries[0], libraries[1:]
    head = ["workload", "span", f"{ours} ops/s"] + [h for p in peers for h in (f"{p} ops/s", "ratio")]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] * 2 + ["---:"] * (len(head) - 2)) + "|"]
    for row in rows:
        cells = [row.workload, row.span, _fmt_cell(row.cells[ours])]
        for peer in peers:
            cells += [_fmt_cell(row.cells[peer]), _fmt_ratio(row.cells[ours], row.cells[peer])]
        lines.append("| " + " | ".join(cells) + " |")
    notes = [
        f"- {lib}, {row.workload} {row.span}: {_short(msg, 160)}" for row in rows for lib, msg in row.errors.items()
    ]
    if notes:
        lines += ["", "Errors:"] + notes
    lines += [
        "",
        f"Answers on the timed workload compared with those of {ours} (first {CHECKED} starts of each span, "
        "as many as the budget allowed):",
    ]
    for peer in peers:
        same = total = 0
        differing = []
        for row in rows:
            mine, theirs = row.answers.get(ours, []), row.answers.get(peer, [])
            n = min(len(mine), len(theirs))
            agree = sum(a == b for a, b in zip(mine[:n], theirs[:n]))
            same, total = same + agree, total + n
            if agree < n:
                differing.append(f"{row.workload} {row.span} {n - agree}/{n}")
        detail = f"; differ at {', '.join(differing)}" if differing else ""
        lines.append(f"- {peer}: {same} / {total} agree{detail}")
    return lines


def correctness_tables(result: CorrectnessResult) -> list[str]:
    """Per group and per case agreement with the reference, then each disagreement."""
    libs = result.libraries
    lines = ["| scenario | " + " | ".join(libs) + " |", "|---|" + "---|" * len(libs)]
    for group in GROUPS:
        cells = []
        for lib in libs:
            agreed, run = result.agreed(lib, group)
            cells.append(f"{agreed} / {run}" if run else _na_reason(result, lib, group))
        lines.append(f"| {group} | " + " | ".join(cells) + " |")
    totals = [f"**{a} / {r}**" for a, r in (result.agreed(lib) for lib in libs)]
    lines.append("| **agreed / run** | " + " | ".join(totals) + " |")
    lines += ["", "| case | scenario | " + " | ".join(libs) + " |", "|---|---|" + "---|" * len(libs)]
    for case in result.cases:
        cells = []
        for lib in libs:
            outcome = result.outcomes[(case.id, lib)]
            cells.append(
                {"ok": "ok", "wrong": "**wrong**", "raised": "**raised**", "timeout": "**timeout**"}.get(
                    outcome.status, outcome.detail
                )
            )
        lines.append(f"| {case.id} | {case.group} | " + " | ".join(cells) + " |")
    lines += ["", "Disagreements with the reference (query: expected / got):"]
    any_found = False
    for lib in libs:
        for case in result.disagreements(lib):
            any_found = True
            outcome = result.outcomes[(case.id, lib)]
            lines.append(
                f"- {lib}, {case.id}: {_describe(case)} on {case.calendar.name}: "
                f"expected {_show(result.expected[case.id], case)} / got {outcome.detail}"
            )
    if not any_found:
        lines.append("- none")
    return lines


def _na_reason(result: CorrectnessResult, lib: str, group: str) -> str:
    reasons = {result.outcomes[(c.id, lib)].detail for c in result.cases if c.group == group}
    return "; ".join(sorted(reasons))


def _describe(case: Case) -> str:
    start = case.start.astimezone(case.calendar.zone).strftime("%a %Y-%m-%d %H:%M")
    if case.op == "add":
        assert isinstance(case.arg, timedelta)
        return f"add({start}, {_show_duration(case.arg)})"
    assert isinstance(case.arg, datetime)
    return f"elapsed({start}, {case.arg.astimezone(case.calendar.zone).strftime('%a %Y-%m-%d %H:%M')})"


def goals(rows: list[TimingRow], result: CorrectnessResult, ours: str) -> list[str]:
    """The clock's speed and correctness goals, each with its figures: reported, never asserted."""

    def rate(workload: str, span: str, lib: str) -> Cell:
        row = next(r for r in rows if r.workload == workload and r.span == span)
        return row.cells.get(lib, "not run")

    lines = []
    for workload in ("add", "elapsed"):
        cells = [(r.span, r.cells[ours]) for r in rows if r.workload == workload]
        measured = [(span, c.ops_per_s) for span, c in cells if isinstance(c, Measurement)]
        if len(measured) < len(cells):
            lines.append(f"- {ours} ≥ 150,000 {workload}/s at every span: not measured everywhere")
            continue
        span, low = min(measured, key=lambda x: x[1])
        lines.append(
            f"- {ours} ≥ 150,000 {workload}/s at every span: {'met' if low >= 150_000 else 'MISSED'} "
            f"(slowest {_fmt_rate(low)}/s at {span})"
        )
    for workload, span, factor in (
        ("add", "1 h", 1),
        ("elapsed", "1 day", 1),
        ("add", "40,000 h", 50),
        ("elapsed", "5 years", 50),
    ):
        a, b = rate(workload, span, ours), rate(workload, span, "workclock")
        want = "as fast as" if factor == 1 else f"{factor}× faster than"
        if isinstance(a, Measurement) and isinstance(b, Measurement):
            ratio = a.ops_per_s / b.ops_per_s
            verdict = "met" if ratio >= factor else "MISSED"
            lines.append(f"- {want} workclock at {workload} {span}: {verdict} ({ratio:,.1f}×)")
        else:
            lines.append(f"- {want} workclock at {workload} {span}: not measured ({a} / {b})")
    if ours in result.libraries:
        agreed, run = result.agreed(ours)
        lines.append(
            f"- zero disagreements with the reference: {'met' if agreed == run else 'MISSED'} ({agreed} / {run})"
        )
    return lines


# --- main ---------------------------------------------------------------------


def _pin_one_cpu() -> int | None:
    """Pin this process to one CPU (the last one it may use); return it, or None where unsupported."""
    try:
        cpu = max(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
    except (AttributeError, OSError):
        return None
    return cpu


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print its Markdown report; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter repeats (under a minute)")
    parser.add_argument(
        "--libraries",
        default=",".join(a.name for a in ADAPTERS),
        help="comma-separated subset of: " + ", ".join(a.name for a in ADAPTERS) + " (sla_timers always runs)",
    )
    args = parser.parse_args(argv)
    wanted = {name.strip() for name in args.libraries.split(",")} | {ADAPTERS[0].name}
    unknown = wanted - {a.name for a in ADAPTERS}
    if unknown:
        parser.error(f"unknown libraries: {', '.join(sorted(unknown))}")
    adapters = [a for a in ADAPTERS if a.name in wanted]
    settings = QUICK if args.quick else FULL
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    cpu = _pin_one_cpu()
    started = time.perf_counter()

    def progress(message: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f} s] {message}", file=sys.stderr, flush=True)

    progress("correctness")
    result = run_correctness(adapters)
    rows = run_timing(adapters, settings, progress)
    calendar = bench_calendar()
    command = shlex.join([sys.executable, *(sys.argv if argv is None else ["bench/clock.py", *argv])])
    out = [
        f"## Business clock benchmark ({'quick' if args.quick else 'full'} run)",
        "",
        machine_line(adapters, nproc, cpu),
        "",
        f"Command: `{command}`",
        "",
        f"Calendar: {calendar.name} (Mon-Fri 09:00-17:00 America/New_York, {len(calendar.closed_dates)} "
        f"holiday dates {HOLIDAY_YEARS[0]}-{HOLIDAY_YEARS[1]} from the holidays package, given to every library "
        f"as concrete dates). {STARTS} seeded start instants over 2026-2027, half inside hours (seed {SEED}); "
        f"elapsed ends are start + span in real time (month 30 days, year 365, five years 1,826). Ops/s per single call in CPU time of this process, best of {settings.repeats} repeats "
        f"after a warm-up over every start, garbage collection off while timing, one process, one thread; ratio = sla_timers / peer. "
        f'"(N of {STARTS} starts)": the cell\'s time budget ({settings.cap:g} s) allowed only the first N start instants.',
        "",
        *timing_table(rows, [a.name for a in adapters]),
        "",
        "How each library is called (inputs converted to its native form before timing):",
        *(f"- {a.name}: {a.how}" for a in adapters),
        "",
        f"### Correctness against a brute-force minute-stepping reference ({len(result.cases)} cases)",
        "",
        *correctness_tables(result),
        "",
        "### Goals",
        "",
        *goals(rows, result, adapters[0].name),
    ]
    print("\n".join(out))
    progress("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
