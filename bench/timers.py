"""Benchmark: timer evaluations per second for tickets of 5, 50 and 500 events.

Each ticket runs under a four-metric policy (first response, next response,
periodic update, resolution; warnings at 50/75/90 % and 30 minutes before due)
on the shipped ``us-ny-9x5`` calendar, holidays included. Its log is a seeded,
realistic conversation: customer messages, public replies and internal notes,
pending and open again, an occasional priority change, solved and reopened,
spread over business days. ``now`` is after the last event, so every event counts.

Columns: microseconds per :func:`evaluate` call with the events already built
(as a sweep holding them would call it), in wall time and in CPU time of the
process (``time.process_time``, which other processes on a shared machine
stretch less); and microseconds when the events are built from dicts first (as
after reading them from the store). Best of several repeats, garbage collection
off. Each checkout is measured in its own process.

``--against DIR`` measures another checkout of the project (a previous commit:
``git worktree add /tmp/before HEAD~3``, or ``git archive``) on the same
workload in the same run, alternating the two processes round by round so a
change in the machine's load reaches both, and prints the gain.
``--instructions`` adds the CPU instructions per evaluation counted by
``valgrind --tool=callgrind`` (when valgrind is installed): a count that load
on the machine does not change at all.

Usage::

    python bench/timers.py                          # this checkout, 5 rounds
    python bench/timers.py --quick                  # 3 rounds, fewer loops
    python bench/timers.py --against /tmp/before --instructions

Prints Markdown to stdout. It measures and reports; it never fails on a figure.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
COUNTS = (5, 50, 500)
#: Goals in CPU µs per evaluation, per ticket size.
GOALS_US = {50: 100.0, 500: 1000.0}
NY = ZoneInfo("America/New_York")
POLICY_DATA: dict[str, Any] = {
    "name": "bench",
    "calendar": "us-ny-9x5",
    "warn_at": [0.5, 0.75, 0.9],
    "warn_before": ["30m"],
    "metrics": {"first_response": {}, "next_response": {}, "periodic_update": {}, "resolution": {}},
    "targets": {
        "urgent": {"first_response": "30m", "next_response": "1h", "periodic_update": "2h", "resolution": "4h"},
        "high": {"first_response": "1h", "next_response": "2h", "periodic_update": "4h", "resolution": "8h"},
        "normal": {"first_response": "4h", "next_response": "8h", "periodic_update": "eod", "resolution": "eod+3"},
    },
}


def make_log(count: int, rng: random.Random) -> list[dict[str, Any]]:
    """``count`` events of one ticket as dicts, in time order, starting Mon 2026-11-02."""
    t = datetime(2026, 11, 2, 9, tzinfo=NY) + timedelta(minutes=rng.randrange(0, 480))
    log: list[dict[str, Any]] = [{"kind": "created", "at": t, "id": "e0", "priority": rng.choice(["high", "normal"])}]
    status = "new"
    while len(log) < count:
        t += timedelta(minutes=rng.choice([3, 10, 25, 45, 90, 240, 900]))
        roll = rng.random()
        event: dict[str, Any]
        if roll < 0.30:
            event = {"kind": "customer_reply", "channel": rng.choice(["email", "chat", "web"])}
        elif roll < 0.60:
            event = {"kind": "agent_reply", "public": rng.random() < 0.8}
        elif roll < 0.90:
            choices = {
                "new": ["open"],
                "open": ["pending", "solved", "awaiting_vendor"],
                "pending": ["open"],
                "awaiting_vendor": ["open"],
                "solved": ["open", "closed"],
                "closed": ["open"],
            }[status]
            status = rng.choice(choices)
            event = {"kind": "status", "status": status}
        else:
            event = {"kind": "priority", "priority": rng.choice(["urgent", "high", "normal"])}
        event.update(at=t, id=f"e{len(log)}")
        log.append(event)
    return log


def logs() -> dict[int, list[dict[str, Any]]]:
    """The seeded logs, the same in every process."""
    rng = random.Random(20261123)
    return {count: make_log(count, rng) for count in COUNTS}


def best_of(
    repeats: int, loops: int, call: Callable[[], object], clock: Callable[[], float] = time.perf_counter
) -> float:
    """Best seconds per call over ``repeats`` runs of ``loops`` calls, timed by ``clock``."""
    best = float("inf")
    gc.disable()
    try:
        for _ in range(repeats):
            start = clock()
            for _ in range(loops):
                call()
            best = min(best, (clock() - start) / loops)
    finally:
        gc.enable()
    return best


def _load(root: Path) -> tuple[Any, Any, Any, Any]:
    """``(BusinessCalendar, Policy, TicketEvent, evaluate)`` of the checkout at ``root``."""
    sys.path.insert(0, str(root))
    from sla_timers import BusinessCalendar
    from sla_timers.timers import Policy, TicketEvent, evaluate

    loaded = Path(sys.modules["sla_timers"].__file__ or "").resolve()
    if root.resolve() not in loaded.parents:
        raise SystemExit(f"sla_timers was imported from {loaded}, not from {root}")
    return BusinessCalendar, Policy, TicketEvent, evaluate


def measure(root: Path, quick: bool) -> dict[str, dict[str, float]]:
    """One round in this process: seconds per evaluation for each ticket size."""
    BusinessCalendar, Policy, TicketEvent, evaluate = _load(root)
    calendar = BusinessCalendar.load("us-ny-9x5")
    policy = Policy.from_dict(POLICY_DATA)
    out: dict[str, dict[str, float]] = {}
    for count, raw in logs().items():
        events = [TicketEvent.from_dict(e) for e in raw]
        now = events[-1].at + timedelta(hours=1)

        def run(events: list[Any] = events, now: datetime = now) -> object:
            return evaluate(policy, events, now=now, calendar=calendar)

        def fresh(raw: list[dict[str, Any]] = raw, now: datetime = now) -> object:
            return evaluate(policy, [TicketEvent.from_dict(e) for e in raw], now=now, calendar=calendar)

        run()  # warm the calendar's caches
        loops = max(20, (5_000 if quick else 20_000) // count)
        out[str(count)] = {
            "wall": best_of(3, loops, run),
            # CPU time too: on a shared machine other processes stretch the wall clock.
            "cpu": best_of(3, loops, run, time.process_time),
            "fresh": best_of(3, max(10, loops // 2), fresh),
        }
    return out


_CALLGRIND_SCRIPT = """
import sys
from datetime import timedelta
from functools import reduce
sys.path.insert(0, {bench!r})
import timers as bench
_, Policy, TicketEvent, evaluate = bench._load(__import__("pathlib").Path({root!r}))
from sla_timers import BusinessCalendar
calendar = BusinessCalendar.load("us-ny-9x5")
policy = Policy.from_dict(bench.POLICY_DATA)
events = [TicketEvent.from_dict(e) for e in bench.logs()[{count}]]
now = events[-1].at + timedelta(hours=1)
evaluate(policy, events, now=now, calendar=calendar)
evaluate(policy, events, now=now, calendar=calendar)
# Only what runs inside reduce() is counted (--toggle-collect): the evaluations.
reduce(lambda acc, _: evaluate(policy, events, now=now, calendar=calendar), range({loops}), None)
"""


def instructions(root: Path, count: int) -> float | None:
    """CPU instructions per evaluation of the ``count``-event ticket, by callgrind; None without valgrind."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        return None
    loops = max(2, 400 // count)
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp, "count.py")
        script.write_text(
            _CALLGRIND_SCRIPT.format(
                bench=str(Path(__file__).resolve().parent), root=str(root), count=count, loops=loops
            )
        )
        result = subprocess.run(
            [
                valgrind,
                "--tool=callgrind",
                "--collect-atstart=no",
                "--toggle-collect=functools_reduce",
                f"--callgrind-out-file={Path(tmp, 'callgrind.out')}",
                sys.executable,
                str(script),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    for line in result.stderr.splitlines():
        if "Collected :" in line:
            return int(line.rsplit(":", 1)[1]) / loops
    return None


def _child(root: Path, quick: bool) -> dict[str, dict[str, float]]:
    result = subprocess.run(
        [sys.executable, __file__, "--measure", str(root)] + (["--quick"] if quick else []),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 rounds and fewer loops")
    parser.add_argument("--against", type=Path, metavar="DIR", help="another checkout to measure in the same run")
    parser.add_argument("--instructions", action="store_true", help="count instructions with valgrind too")
    parser.add_argument("--measure", type=Path, metavar="ROOT", help=argparse.SUPPRESS)  # one round, as JSON
    args = parser.parse_args(argv)
    if args.measure is not None:
        print(json.dumps(measure(args.measure, args.quick)))
        return 0
    roots = {"this": ROOT}
    if args.against is not None:
        roots["against"] = args.against.resolve()
    rounds = 3 if args.quick else 5
    print(f"Command: `{shlex.join(['python', os.path.relpath(__file__), *sys.argv[1:]])}`  ")
    print(
        f"Machine: {os.cpu_count()} CPUs (nproc), Python {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}, load average {os.getloadavg()[0]:.2f} at start "
        "(a machine shared with other work: compare CPU time and instructions)  "
    )
    print(
        f"Policy: 4 metrics, 4 warnings, calendar us-ny-9x5; {rounds} rounds of one process per checkout"
        + (" (alternating)" if len(roots) > 1 else "")
        + ", best of 3 repeats in each, gc off  "
    )
    for name, root in roots.items():
        print(f"{name}: `{root}`  ")
    print()
    best: dict[str, dict[str, dict[str, float]]] = {}
    for _ in range(rounds):
        for name, root in roots.items():
            for count, cells in _child(root, args.quick).items():
                kept = best.setdefault(name, {}).setdefault(count, dict(cells))
                for key, value in cells.items():
                    kept[key] = min(kept[key], value)
    counted: dict[str, dict[str, float | None]] = {}
    if args.instructions:
        for name, root in roots.items():
            counted[name] = {str(count): instructions(root, count) for count in COUNTS}
    header = ["events", "µs per evaluation", "CPU µs per evaluation", "µs incl. building events"]
    if "against" in roots:
        header += ["against: CPU µs", "CPU speed-up"]
    if counted:
        header += ["instructions per evaluation"]
        if "against" in roots:
            header += ["against: instructions", "fewer instructions"]
    header += ["goal (CPU µs)"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---:|" * (len(header) - 1) + "---|")
    for count in COUNTS:
        cells = best["this"][str(count)]
        row = [str(count), f"{cells['wall'] * 1e6:,.1f}", f"{cells['cpu'] * 1e6:,.1f}", f"{cells['fresh'] * 1e6:,.1f}"]
        if "against" in roots:
            other = best["against"][str(count)]
            row += [f"{other['cpu'] * 1e6:,.1f}", f"{other['cpu'] / cells['cpu']:.2f}×"]
        if counted:
            mine = counted["this"][str(count)]
            row += ["n/a: no valgrind" if mine is None else f"{mine:,.0f}"]
            if "against" in roots:
                theirs = counted["against"][str(count)]
                row += ["n/a" if theirs is None else f"{theirs:,.0f}"]
                row += ["n/a" if mine is None or theirs is None else f"{theirs / mine:.2f}×"]
        goal = GOALS_US.get(count)
        if goal is None:
            row.append("")
        else:
            row.append(f"< {goal:,.0f}: {'met' if cells['cpu'] * 1e6 < goal else 'missed'}")
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
