"""Benchmark: priority matrix classifications per second, at 10 and 200 rules.

The rules are a seeded, realistic mix of what helpdesk admins write: a rule per
category (``category = "printer"`` and friends), rules per customer
organisation, premium and elite tiers per product area, business lines with
their own policy, subject globs, seat counts, VIP-or-CEO requesters, and sales
at quarter end (a calendar test on the shipped ``us-ny-9x5``). About a fifth of
them cannot be indexed (globs, comparisons, ``any``, ``not`` at the top) and are
evaluated for every ticket. Tickets are drawn from the same vocabulary, so
rules match at realistic rates.

Each row classifies the same tickets: best of several repeats, garbage
collection off, ``time.perf_counter``. The "unindexed" rows wrap every
condition in ``any`` so no rule can be indexed: the cost of evaluating every
rule in order, for comparison.

Usage::

    .venv/bin/python bench/rules.py            # 20,000 tickets, 5 repeats
    .venv/bin/python bench/rules.py --quick    # 5,000 tickets, 3 repeats

Prints Markdown to stdout. It measures and reports; it never fails on a figure.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import shlex
import sys
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sla_timers.rules import PriorityMatrix

GOAL = 50_000  # tickets per second with 200 rules (issue 4)
NOW = datetime(2026, 12, 28, 10, 30, tzinfo=ZoneInfo("America/New_York"))  # inside Q4's last week
LEVELS = ["P1", "P2", "P3", "P4"]
CATEGORIES = [f"cat-{i}" for i in range(60)] + ["printer", "vpn", "email", "booking", "laptop", "payroll"]
LINES = ["sales", "finance", "internal_it", "hr", "legal", "support"]
TIERS = ["basic", "premium", "elite"]
ROLES = ["staff", "manager", "director", "ceo"]
ORGS = [f"org-{i}" for i in range(300)]
PRODUCTS = [f"prod-{i}" for i in range(40)]
#: Subject vocabulary: a few telling words among many ordinary ones.
WORDS = ["outage", "down", "slow", "urgent", "broken", "invoice", "password", "jam", "refund", "crash",
         "error", "locked", "printer", "vpn", "email", "license", "renewal", "quote", "booking", "payroll"] + \
        [f"word{i}" for i in range(180)]


def make_rules(count: int, rng: random.Random) -> list[dict[str, Any]]:
    """``count`` rules in the mix the module docstring describes (weights in ``kinds``)."""
    kinds = [("category", 30), ("org", 15), ("tier", 12), ("line", 12), ("glob", 8), ("seats", 5),
             ("vip", 4), ("quarter", 4), ("not", 5), ("role", 5)]
    names, weights = zip(*kinds)
    rules = []
    for i in range(count):
        kind = rng.choices(names, weights)[0]
        then: dict[str, Any] = rng.choice([{"raise": 1}, {"lower": 1}, {"priority": rng.choice(LEVELS)},
                                           {"add_tags": [f"tag-{i}"]}, {"raise": 2, "add_tags": ["hot"]}])
        when: dict[str, Any]
        if kind == "category":
            when = {"category": rng.choice(CATEGORIES)}
            if rng.random() < 0.3:
                when["requester.vip"] = True
        elif kind == "org":
            when = {"requester.org": rng.choice(ORGS)}
        elif kind == "tier":
            when = {"requester.tier": {"in": rng.sample(TIERS[1:], rng.randint(1, 2))},
                    "fields.product": {"in": rng.sample(PRODUCTS, 3)}}
        elif kind == "line":
            when = {"fields.business_line": {"in": rng.sample(LINES, 2)}, "category": rng.choice(CATEGORIES)}
            then = {"policy": f"policy-{rng.randint(1, 5)}"}
        elif kind == "glob":
            when = {"subject": {"glob": f"*{rng.choice(WORDS[:20])}*"}}
        elif kind == "seats":
            when = {"requester.seats": {"gte": rng.choice([500, 1000, 5000])}}
        elif kind == "vip":
            when = {"any": [{"requester.vip": True}, {"requester.role": "ceo"}]}
        elif kind == "quarter":
            when = {"fields.business_line": "sales", "category": "booking", "quarter_end": 5}
            then = {"priority": "P1", "add_tags": ["quarter-end"]}
        elif kind == "not":
            when = {"not": {"requester.tier": {"in": ["premium", "elite"]}}, "impact": "low",
                    "category": rng.choice(CATEGORIES)}
        else:
            when = {"requester.role": {"in": ["director", "ceo"]}, "category": rng.choice(CATEGORIES)}
        rules.append({"name": f"{kind}-{i}", "when": when, "then": then, "stop": rng.random() < 0.05})
    return rules


def make_matrix(rules: list[dict[str, Any]], *, indexed: bool = True) -> PriorityMatrix:
    """The matrix around ``rules``; ``indexed=False`` hides every test from the index."""
    if not indexed:
        rules = [{**r, "when": {"any": [r["when"]]}} for r in rules]
    return PriorityMatrix.from_dict({
        "priorities": LEVELS, "default_priority": "P3", "default_policy": "standard",
        "default_calendar": "us-ny-9x5", "business_line_field": "fields.business_line",
        "business_lines": {line: {"policy": f"{line}-policy"} for line in LINES},
        "impact_urgency": {"impacts": ["high", "medium", "low"], "urgencies": ["high", "medium", "low"],
                           "matrix": [["P1", "P2", "P3"], ["P2", "P3", "P4"], ["P3", "P4", "P4"]]},
        "rules": rules,
    })


def make_tickets(count: int, rng: random.Random) -> list[dict[str, Any]]:
    """Tickets shaped like a host's: nested requester and custom fields."""
    return [{
        "id": f"T{i}",
        "subject": " ".join(rng.sample(WORDS, 6)),
        "category": rng.choice(CATEGORIES),
        "impact": rng.choice(["high", "medium", "low"]),
        "urgency": rng.choice(["high", "medium", "low"]),
        "requester": {"tier": rng.choices(TIERS, [70, 20, 10])[0], "vip": rng.random() < 0.02,
                      "role": rng.choices(ROLES, [85, 10, 4, 1])[0], "org": rng.choice(ORGS),
                      "seats": rng.choices([5, 20, 50, 200, 800, 2000, 10000], [30, 25, 20, 12, 7, 5, 1])[0]},
        "fields": {"business_line": rng.choice(LINES), "product": rng.choice(PRODUCTS)},
    } for i in range(count)]


def time_classify(matrix: PriorityMatrix, tickets: list[dict[str, Any]], repeats: int) -> tuple[float, float]:
    """Best seconds for one pass over ``tickets``, and the mean number of rules matched."""
    classify = matrix.classify
    matched = sum(len(classify(t, now=NOW).trace) for t in tickets) / len(tickets)  # also warms up
    best = float("inf")
    gc.disable()
    try:
        for _ in range(repeats):
            start = time.perf_counter()
            for ticket in tickets:
                classify(ticket, now=NOW)
            best = min(best, time.perf_counter() - start)
    finally:
        gc.enable()
    return best, matched


def machine() -> str:
    """CPU model, core count and Python version, for the record."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, nproc {os.cpu_count()}; Python {platform.python_version()} ({platform.system()})"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="5,000 tickets, 3 repeats")
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args(argv)
    tickets_n, repeats = (5_000, 3) if args.quick else (20_000, 5)
    rng = random.Random(args.seed)
    tickets = make_tickets(tickets_n, rng)
    rules_200 = make_rules(200, rng)
    rows = []
    for count in (10, 200):
        for indexed in (True, False):
            matrix = make_matrix(rules_200[:count], indexed=indexed)
            seconds, matched = time_classify(matrix, tickets, repeats)
            rows.append((count, indexed, len(tickets) / seconds, seconds / len(tickets) * 1e6, matched))
    command = shlex.join([sys.executable, *(sys.argv if argv is None else ["bench/rules.py", *argv])])
    print("## Priority matrix: classifications per second\n")
    print(f"Command: `{command}`  ")
    print(f"Machine: {machine()}  ")
    print(f"{len(tickets):,} tickets, best of {repeats}, seed {args.seed}; goal {GOAL:,}/s at 200 rules.\n")
    print("| rules | compiled | tickets/s | µs/ticket | rules matched/ticket |")
    print("|---:|---|---:|---:|---:|")
    for count, indexed, rate, micros, matched in rows:
        print(f"| {count} | {'indexed' if indexed else 'unindexed'} | {rate:,.0f} | {micros:.1f} | {matched:.2f} |")
    best_200 = next(r for r in rows if r[0] == 200 and r[1])
    verdict = "met" if best_200[2] >= GOAL else "missed"
    print(f"\nGoal {verdict}: {best_200[2]:,.0f} tickets/s at 200 rules (indexed).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
