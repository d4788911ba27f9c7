"""The badge script's countdown, run in Node with a stub page: business time
between now and the due time over the intervals the server sent.

Calendar: New York 9-to-5 (EST, UTC-5 in late November). Intervals as sent for
Mon 2026-11-23 and Tue 11-24: 14:00-22:00Z each day.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "sla_timers" / "web" / "static" / "sla-badges.js"
NODE = shutil.which("node")

pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed (the badge script is tested in Node)")

# A page with nothing on it: enough for the script to start and export its functions.
STUB = """
var window = globalThis; globalThis.window = window;
globalThis.document = {
  currentScript: {getAttribute: function () { return null; }},
  readyState: "complete", hidden: false,
  querySelectorAll: function () { return []; },
  getElementById: function () { return {}; },
  createElement: function () { return {}; },
  head: {appendChild: function () {}},
  addEventListener: function () {}
};
globalThis.setInterval = function () {};
"""

INTERVALS = [
    ["2026-11-23T14:00:00Z", "2026-11-23T22:00:00Z"],
    ["2026-11-24T14:00:00Z", "2026-11-24T22:00:00Z"],
]


def _run(calls: list[tuple[str, list[Any]]]) -> list[Any]:
    """Each call is (function, args) on window.slaBadges; instants given as ISO text become ms."""
    program = (
        STUB
        + SCRIPT.read_text()
        + """
var calls = CALLS, out = [];
var intervals = INTERVALS.map(function (p) { return [Date.parse(p[0]), Date.parse(p[1])]; });
calls.forEach(function (c) {
  var f = c[0], a = c[1];
  if (f === "business") { out.push(window.slaBadges.business(intervals, Date.parse(a[0]), Date.parse(a[1])) / 1000); }
  else {
    var calendar = {intervals: intervals};
    if (a[2]) { calendar.from = Date.parse(a[2]); }
    var d = window.slaBadges.describe(a[0], calendar, Date.parse(a[1])); out.push([d.state, d.text]);
  }
});
process.stdout.write(JSON.stringify(out));
""".replace("CALLS", json.dumps(calls)).replace("INTERVALS", json.dumps(INTERVALS))
    )
    result = subprocess.run([NODE or "node", "-e", program], capture_output=True, text=True, timeout=60, check=True)
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def _timer(**fields: Any) -> dict[str, Any]:
    base = {
        "metric": "resolution",
        "label": "Resolution",
        "status": "running",
        "clock": "business",
        "due_at": "2026-11-24T15:00:00Z",
        "remaining_seconds": None,
        "breached_at": None,
        "stopped_at": None,
        "stop_reason": None,
        "paused_since": None,
        "warning_level": None,
        "next_warning_at": None,
    }
    return base | fields


def test_business_seconds_between_instants() -> None:
    assert _run(
        [
            ("business", ["2026-11-23T21:00:00Z", "2026-11-24T15:00:00Z"]),  # Mon 16:00 -> Tue 10:00 EST: 1h + 1h
            ("business", ["2026-11-24T01:00:00Z", "2026-11-24T13:00:00Z"]),  # Mon 20:00 -> Tue 08:00 EST: closed
            ("business", ["2026-11-24T15:00:00Z", "2026-11-23T21:00:00Z"]),  # reversed: negative
        ]
    ) == [7200, 0, -7200]


def test_a_running_badge_counts_in_open_hours_and_stands_still_at_night() -> None:
    due_tue_1000 = _timer()  # due Tue 10:00 EST = 15:00Z
    assert _run(
        [
            ("describe", [due_tue_1000, "2026-11-23T21:00:00Z"]),  # Mon 16:00 EST: 1h today + 1h tomorrow
            ("describe", [due_tue_1000, "2026-11-23T21:30:00Z"]),  # Mon 16:30: 30m + 1h
            ("describe", [due_tue_1000, "2026-11-24T01:00:00Z"]),  # Mon 20:00: closed since 17:00, still 1h
            ("describe", [due_tue_1000, "2026-11-24T13:59:00Z"]),  # Tue 08:59: still 1h
            ("describe", [due_tue_1000, "2026-11-24T14:30:00Z"]),  # Tue 09:30: 30m
            ("describe", [due_tue_1000, "2026-11-24T15:12:00Z"]),  # Tue 10:12: 12m past due
            ("describe", [due_tue_1000, "2026-11-24T14:59:30Z"]),  # Tue 09:59:30: under a minute
        ]
    ) == [
        ["running", "Resolution: 2h left"],
        ["running", "Resolution: 1h 30m left"],
        ["running", "Resolution: 1h left"],
        ["running", "Resolution: 1h left"],
        ["running", "Resolution: 30m left"],
        ["breached", "Resolution: overdue 12m"],
        ["running", "Resolution: <1m left"],
    ]


def test_a_badge_counts_from_the_start_of_its_intervals() -> None:
    # The server says: 7h overdue at Tue 00:00Z (the intervals' start). Tue 14:30Z is 30m
    # into Tuesday's open hours, so 7h30m overdue; at Tue 03:00Z (night) still 7h.
    overdue = _timer(due_at="2026-11-23T15:00:00Z", status="breached", remaining_at_from=-7 * 3600)
    # Due Tue 15:00Z, 1h of business time after the start: at 14:30Z, 30m left.
    ahead = _timer(remaining_at_from=3600)
    assert _run(
        [
            ("describe", [overdue, "2026-11-24T14:30:00Z", "2026-11-24T00:00:00Z"]),
            ("describe", [overdue, "2026-11-24T03:00:00Z", "2026-11-24T00:00:00Z"]),
            ("describe", [ahead, "2026-11-24T14:30:00Z", "2026-11-24T00:00:00Z"]),
        ]
    ) == [
        ["breached", "Resolution: overdue 7h 30m"],
        ["breached", "Resolution: overdue 7h"],
        ["running", "Resolution: 30m left"],
    ]


def test_other_states() -> None:
    assert _run(
        [
            (
                "describe",
                [
                    _timer(
                        status="paused",
                        paused_since="2026-11-23T15:00:00Z",
                        remaining_seconds=7 * 3600,
                        due_at=None,
                        status_reason="pending",
                    ),
                    "2026-11-23T21:00:00Z",
                ],
            ),
            (
                "describe",
                [
                    _timer(
                        metric="first_response",
                        label="First response",
                        status="met",
                        stopped_at="2026-11-23T14:20:00Z",
                        remaining_seconds=2400,
                    ),
                    "2026-11-23T21:00:00Z",
                ],
            ),
            (
                "describe",
                [
                    _timer(status="breached", stopped_at="2026-11-24T17:00:00Z", remaining_seconds=-7200),
                    "2026-11-24T18:00:00Z",
                ],
            ),
            ("describe", [_timer(warning_level=0.75), "2026-11-24T14:30:00Z"]),
            ("describe", [_timer(next_warning_at="2026-11-24T14:00:00Z"), "2026-11-24T14:30:00Z"]),
            ("describe", [_timer(clock="wall", due_at="2026-11-24T15:00:00Z"), "2026-11-24T13:00:00Z"]),
        ]
    ) == [
        ["paused", "Resolution: paused (pending), 7h left"],
        ["met", "First response: met"],
        ["breached", "Resolution: missed by 2h"],
        ["warning", "Resolution: 30m left, warning"],
        ["warning", "Resolution: 30m left, warning"],
        ["running", "Resolution: 2h left"],  # a wall-clock metric counts the night too
    ]


# A page with one badge placeholder for ticket T-1 and a fetch that answers from a
# queue, recording the If-None-Match header of each request.
REFRESH_PAGE = """
function Element(attrs) { this.attrs = attrs || {}; this.textContent = ""; this.className = ""; this.children = []; }
Element.prototype.getAttribute = function (n) { return n in this.attrs ? this.attrs[n] : null; };
Element.prototype.setAttribute = function (n, v) { this.attrs[n] = String(v); };
Element.prototype.appendChild = function (c) { this.children.push(c); };
Element.prototype.querySelector = function () { return null; };
var badge = new Element({"data-sla-badge": "T-1", "data-sla-mode": "nearest"});
var window = globalThis; globalThis.window = window;
globalThis.document = {
  currentScript: {getAttribute: function () { return null; }},
  readyState: "complete", hidden: false,
  querySelectorAll: function (s) { return s === "[data-sla-badge]" ? [badge] : []; },
  getElementById: function () { return {}; },
  createElement: function () { return new Element(); },
  head: {appendChild: function () {}},
  addEventListener: function () {}
};
globalThis.setInterval = function () {};
var answers = ANSWERS, sent = [];
globalThis.fetch = function (url, options) {
  sent.push(options.headers["If-None-Match"] || null);
  var a = answers.shift() || {status: 304, etag: null, body: null};
  return Promise.resolve({
    status: a.status, ok: a.status === 200,
    headers: {get: function (n) { return n === "ETag" ? a.etag : null; }},
    json: function () { return Promise.resolve(a.body); }
  });
};
"""


def _badges_body(status: str, timer: dict[str, Any]) -> dict[str, Any]:
    # Intervals reaching far ahead, so the script never asks again because they ran out.
    intervals = [*INTERVALS, ["2999-01-01T14:00:00Z", "2999-01-01T22:00:00Z"]]
    return {
        "calendars": {"ny": {"timezone": "America/New_York", "from": INTERVALS[0][0], "intervals": intervals}},
        "tickets": {"T-1": {"calendar": "ny", "status": status, "timers": [timer]}},
        "missing": [],
    }


def test_the_script_polls_with_if_none_match_and_redraws_only_on_a_change() -> None:
    running = _timer(due_at="2999-01-01T20:00:00Z", remaining_at_from=None)  # 6h into the far interval
    paused = _timer(status="paused", due_at=None, paused_since="2026-11-23T15:10:00Z", remaining_seconds=13_800)
    answers = [
        {"status": 200, "etag": '"A"', "body": _badges_body("open", running)},  # the first load
        {"status": 304, "etag": None, "body": None},  # nothing changed
        {"status": 200, "etag": '"B"', "body": _badges_body("pending", paused)},  # an event changed it
        {"status": 304, "etag": None, "body": None},
    ]
    program = (
        REFRESH_PAGE.replace("ANSWERS", json.dumps(answers))
        + SCRIPT.read_text()
        + """
function settle() { return new Promise(function (r) { setTimeout(r, 0); }); }
(async function () {
  var seen = [];
  await settle(); seen.push(badge.attrs["data-sla-state"]);
  for (var i = 0; i < 3; i++) { window.slaBadges.refresh(); await settle(); seen.push(badge.attrs["data-sla-state"]); }
  process.stdout.write(JSON.stringify({sent: sent, seen: seen, text: badge.textContent}));
})();
"""
    )
    result = subprocess.run([NODE or "node", "-e", program], capture_output=True, text=True, timeout=60, check=True)
    out = json.loads(result.stdout)
    # The first request has no tag; each later one sends the last tag the server gave.
    assert out["sent"] == [None, '"A"', '"A"', '"B"']
    # Running after the load, unchanged on a 304, paused once the server sent the change.
    assert out["seen"] == ["running", "running", "paused", "paused"]
    # 13,800 s = 3h 50m left, frozen while pending.
    assert out["text"] == "Resolution: paused (pending), 3h 50m left"
