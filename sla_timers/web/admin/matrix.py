"""The priority matrix page: the impact x urgency grid, business lines, the ordered
rules as sentences with their own form, and a test ticket classified before and
after an unsaved change."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from ...errors import SLAError
from ...rules import Classification, PriorityMatrix
from ...store.models import TicketRow
from ..state import app_state
from . import data
from .forms import (
    FormError,
    check_base,
    instant,
    place,
    split_list,
    ticket_fields,
    ticket_text,
)
from .pages import actor, admin_pages, now
from .reclassify import open_ticket_ids, reclassify_open
from .rule_form import FIELD_OPS, WEEKDAYS, RuleForm
from .sentences import rule_sentence


def compile_matrix(definition: dict[str, Any]) -> PriorityMatrix:
    """Validate a matrix exactly as the store does before storing it.

    :raises RulesError: naming the field at fault.
    """
    store = data.admin_store()
    with store.engine.connect() as connection:
        config = store.config(connection)
    names = set(config.policies.names)
    return PriorityMatrix.from_dict(
        definition, calendars=lambda n: config.calendar_versions(n).versions[-1][2], policies=names or None
    )


def save_matrix(definition: dict[str, Any], form: Any) -> tuple[int, list[str]]:
    """Store a new matrix version (validated first); with ``apply_open`` set, also
    reclassify open tickets now. Returns the version and the tickets that changed.

    :raises SLAError: for an invalid matrix or effective instant; nothing is stored then.
    """
    latest = data.latest("matrix", data.MATRIX_NAME)
    check_base(latest.version if latest else None, form, "The priority matrix")
    store = data.admin_store()
    at = now()
    zone = app_state().settings.host_timezone
    effective = instant(form, zone, at)
    version = store.put_matrix(definition, effective_from=effective, name=data.MATRIX_NAME, actor=actor(), now=at)
    changed: list[str] = []
    if form.get("apply_open") and effective <= at:
        changed = reclassify_open(store, at)
    return version, changed


def _saved_message(version: int, changed: list[str], form: Any) -> str:
    text = f"Saved matrix version {version}."
    if form.get("apply_open"):
        text += f" {len(changed)} open ticket(s) changed priority or policy."
    return text


# -- the page -------------------------------------------------------------------


def _choices() -> dict[str, Any]:
    return {"policy_names": data.policy_names(), "calendar_names": data.calendar_names()}


def _open_tickets(limit: int = 50) -> list[tuple[str, dict[str, Any]]]:
    store = data.admin_store()
    ids = open_ticket_ids(store, limit)
    if not ids:
        return []
    from sqlalchemy import select

    with store.engine.connect() as connection:
        rows = connection.execute(select(TicketRow.host_id, TicketRow.inputs).where(TicketRow.host_id.in_(ids))).all()
    return sorted(((r.host_id, dict(r.inputs or {})) for r in rows), key=lambda r: ids.index(r[0]))


def _render(
    definition: dict[str, Any] | None,
    stored: data.Version | None,
    *,
    error: SLAError | None = None,
    known: tuple[str, ...] = (),
    status: int = 200,
    **extra: Any,
) -> tuple[str, int]:
    anchor = place(error.field if error else None, known)
    rules = definition.get("rules", []) if definition else []
    versions = data.versions("matrix", data.MATRIX_NAME)
    at = now()
    # Versions take over by effective instant: the latest saved may still be waiting for its turn.
    in_force = max(
        (v for v in versions if v.effective_from <= at), key=lambda v: (v.effective_from, v.version), default=None
    )
    return (
        render_template(
            "sla_admin/matrix.html",
            definition=definition,
            stored=stored,
            in_force=in_force,
            scheduled=stored is not None and stored.effective_from > at,
            versions=versions,
            sentences=[rule_sentence(r) for r in rules if isinstance(r, dict)],
            error=error,
            anchor=anchor,
            open_tickets=_open_tickets(),
            **_choices(),
            **extra,
        ),
        status,
    )


def _grid_paths(definition: dict[str, Any]) -> tuple[str, ...]:
    paths = ["priorities", "default_priority", "default_policy", "default_calendar", "business_line_field"]
    grid = definition.get("impact_urgency") or {}
    paths += ["impact_urgency", "impact_urgency.impacts", "impact_urgency.urgencies", "impact_urgency.matrix"]
    for r, row in enumerate(grid.get("matrix", []) or []):
        for c in range(len(row) if isinstance(row, list) else 0):
            paths.append(f"impact_urgency.matrix[{r}][{c}]")
    paths.append("effective_from")
    return tuple(paths)


@admin_pages.get("/")
def index() -> Response:
    """The admin home is the matrix page."""
    return redirect(url_for("sla.admin.matrix"))


@admin_pages.get("/matrix")
def matrix() -> tuple[str, int]:
    """The matrix as stored, and a test ticket classified by it when one is given."""
    definition, stored = data.current_matrix()
    values = request.args
    test: TestResult | None = None
    ticket_source = values.get("ticket_fields", "")
    error: SLAError | None = None
    if definition is not None and (values.get("ticket_fields") or values.get("pick")):
        try:
            ticket, ticket_source = _test_ticket(values)
            test = classify_test("The saved matrix", definition, ticket, _ticket_at(values))
        except FormError as exc:
            error = exc
    return _render(
        definition,
        stored,
        error=error,
        known=("ticket_fields", "ticket_at"),
        test=test,
        ticket_source=ticket_source,
        ticket_at=values.get("ticket_at", ""),
        picked=values.get("pick", ""),
    )


@admin_pages.post("/matrix/grid")
def matrix_grid() -> Response | tuple[str, int]:
    """Save priorities, defaults and the impact x urgency grid as a new version."""
    definition, stored = data.current_matrix()
    draft = copy.deepcopy(definition or {})
    form = request.form
    draft["priorities"] = split_list(form.get("priorities", ""))
    for key in ("default_priority", "default_policy", "default_calendar", "business_line_field"):
        value = form.get(key, "").strip()
        if value or key != "business_line_field":
            draft[key] = value
        else:
            draft.pop(key, None)
    impacts, urgencies = split_list(form.get("impacts", "")), split_list(form.get("urgencies", ""))
    if impacts or urgencies:
        fallback = draft.get("default_priority", "")
        draft["impact_urgency"] = {
            **{k: v for k, v in (draft.get("impact_urgency") or {}).items() if k.endswith("_field")},
            "impacts": impacts,
            "urgencies": urgencies,
            "matrix": [
                [form.get(f"impact_urgency.matrix[{r}][{c}]", fallback) for c in range(len(urgencies))]
                for r in range(len(impacts))
            ],
        }
    else:
        draft.pop("impact_urgency", None)
    try:
        version, changed = save_matrix(draft, form)
    except SLAError as exc:
        return _render(draft, stored, error=exc, known=_grid_paths(draft), status=422)
    flash(_saved_message(version, changed, form))
    return redirect(url_for("sla.admin.matrix"))


@admin_pages.post("/matrix/lines")
def matrix_lines() -> Response | tuple[str, int]:
    """Save the business lines (rename, change, delete, add one) as a new version."""
    definition, stored = data.current_matrix()
    draft = copy.deepcopy(definition or {})
    form = request.form
    lines: dict[str, Any] = {}
    count = form.get("line_count", "0")
    rows = int(count) if count.isdigit() and int(count) < 1000 else 0
    for i in range(rows + 1):
        name = form.get(f"line-{i}-name", "").strip()
        if not name or form.get(f"line-{i}-delete"):
            continue
        line = {k: form.get(f"line-{i}-{k}", "").strip() for k in ("policy", "calendar")}
        lines[name] = {k: v for k, v in line.items() if v}
    draft["business_lines"] = lines
    known = ["business_lines", "effective_from"] + [f"business_lines.{n}" for n in lines]
    known += [f"business_lines.{n}.{k}" for n in lines for k in ("policy", "calendar")]
    try:
        version, changed = save_matrix(draft, form)
    except SLAError as exc:
        return _render(draft, stored, error=exc, known=tuple(known), status=422)
    flash(_saved_message(version, changed, form))
    return redirect(url_for("sla.admin.matrix"))


@admin_pages.post("/matrix/rules/<int:index>/<any(up, down, toggle, delete):action>")
def matrix_rule_action(index: int, action: str) -> Response | tuple[str, int]:
    """Move a rule up or down, switch it on or off, or delete it: a new version each."""
    definition, stored = data.current_matrix()
    draft = copy.deepcopy(definition or {})
    rules = list(draft.get("rules", []))
    if not 0 <= index < len(rules):
        abort(404, f"The matrix has no rule number {index + 1}.")
    if action == "up" and index > 0:
        rules[index - 1], rules[index] = rules[index], rules[index - 1]
    elif action == "down" and index < len(rules) - 1:
        rules[index + 1], rules[index] = rules[index], rules[index + 1]
    elif action == "toggle":
        rule = dict(rules[index])
        if rule.get("enabled", True):
            rule["enabled"] = False
        else:
            rule.pop("enabled", None)
        rules[index] = rule
    elif action == "delete":
        del rules[index]
    draft["rules"] = rules
    try:
        version, changed = save_matrix(draft, request.form)
    except SLAError as exc:
        return _render(definition, stored, error=exc, known=("effective_from",), status=422)
    flash(_saved_message(version, changed, request.form))
    return redirect(url_for("sla.admin.matrix"))


@dataclass
class RuleTrace:
    """What one rule did to the test ticket."""

    number: int
    name: str
    outcome: str
    matched: bool


def rule_traces(matrix: PriorityMatrix, definition: dict[str, Any], result: Classification) -> list[RuleTrace]:
    """Every rule, matched or not, for the test ticket (a rule after a ``stop`` is not reached)."""
    matched = {entry.index: entry for entry in result.trace}
    stopped_at = next((e.index for e in result.trace if e.stopped), None)
    out = []
    for i, rule in enumerate(definition.get("rules", [])):
        name = str(rule.get("name", f"rules[{i}]"))
        if rule.get("enabled", True) is False:
            out.append(RuleTrace(i + 1, name, "switched off", False))
        elif stopped_at is not None and i > stopped_at:
            out.append(RuleTrace(i + 1, name, "not reached (an earlier rule stopped)", False))
        elif i in matched:
            entry = matched[i]
            parts = [
                ("tags +" + ",".join(t for t in c.after if t not in c.before))
                if c.what == "tags"
                else f"{c.what} {c.before} → {c.after}"
                for c in entry.changes
            ]
            if entry.capped:
                parts.append(f"capped at the {entry.capped}")
            text = "matched: " + (", ".join(parts) or "no change") + ("; stop" if entry.stopped else "")
            out.append(RuleTrace(i + 1, name, text, True))
        else:
            out.append(RuleTrace(i + 1, name, "did not match", False))
    return out


@dataclass
class TestResult:
    """The test ticket classified by one matrix."""

    label: str
    result: Classification | None
    traces: list[RuleTrace]
    error: str | None = None


def classify_test(label: str, definition: dict[str, Any] | None, ticket: dict[str, Any], at: datetime) -> TestResult:
    """Classify the test ticket with ``definition``; an invalid matrix is reported, not raised."""
    if not definition:
        return TestResult(label, None, [], "no matrix")
    try:
        compiled = compile_matrix(definition)
        result = compiled.classify(ticket, now=at)
    except SLAError as exc:
        return TestResult(label, None, [], str(exc))
    return TestResult(label, result, rule_traces(compiled, definition, result))


def _ticket_at(values: Any) -> datetime:
    text = values.get("ticket_at", "").strip()
    if not text:
        return now()
    try:
        local = datetime.fromisoformat(text)
    except ValueError:
        raise FormError(
            f'ticket_at: "{text}" is not a date and time; write 2026-12-29T10:00', field="ticket_at"
        ) from None
    return local if local.tzinfo else local.replace(tzinfo=app_state().settings.host_timezone)


def _test_ticket(values: Any) -> tuple[dict[str, Any], str]:
    picked = values.get("pick", "")
    if picked:
        for host_id, inputs in _open_tickets(500):
            if host_id == picked:
                return inputs, ticket_text(inputs)
    text = values.get("ticket_fields", "")
    return ticket_fields(text), text


@admin_pages.route("/matrix/rules/<rule_id>", methods=["GET", "POST"])
def matrix_rule(rule_id: str) -> Response | tuple[str, int]:
    """Edit rule ``rule_id`` (its number from 1, or ``new``): try it on a test ticket, or save it."""
    definition, stored = data.current_matrix()
    if definition is None:
        abort(404, "No priority matrix is configured yet: set SLA_PRIORITY_MATRIX or import one.")
    rules = list(definition.get("rules", []))
    if rule_id == "new":
        index = len(rules)
    elif rule_id.isdigit() and 1 <= int(rule_id) <= len(rules):
        index = int(rule_id) - 1
    else:
        abort(404, f"The matrix has no rule {rule_id!r}.")
    values = request.form if request.method == "POST" else request.args
    form = RuleForm.from_rule(rules[index]) if rule_id != "new" and request.method == "GET" else None
    if form is None:
        form = RuleForm.from_request(values) if request.method == "POST" else RuleForm()
    draft = copy.deepcopy(definition)
    draft_rules = list(rules)
    if request.method == "POST":
        if index < len(draft_rules):
            draft_rules[index] = form.to_rule()
        else:
            draft_rules.append(form.to_rule())
    draft["rules"] = draft_rules
    error: SLAError | None = None
    tests: list[TestResult] = []
    ticket_source = values.get("ticket_fields", "")
    if request.method == "POST" and values.get("do") == "save":
        try:
            version, changed = save_matrix(draft, values)
        except SLAError as exc:
            error = exc
        else:
            flash(_saved_message(version, changed, values))
            return redirect(url_for("sla.admin.matrix"))
    elif request.method == "POST":
        try:
            compile_matrix(draft)
        except SLAError as exc:
            error = exc
        try:
            ticket, ticket_source = _test_ticket(values)
            at = _ticket_at(values)
        except FormError as exc:
            error = error or exc
        else:
            tests = [
                classify_test("Before (saved)", definition, ticket, at),
                classify_test("After (this unsaved change)", draft, ticket, at),
            ]
    anchors = form.anchors(index)
    spot = anchors.get(place(error.field if error else None, anchors), "") if error else ""
    return (
        render_template(
            "sla_admin/rule.html",
            form=form,
            rule_id=rule_id,
            number=index + 1,
            definition=definition,
            stored=stored,
            error=error,
            spot=spot,
            tests=tests,
            ticket_source=ticket_source,
            ticket_at=values.get("ticket_at", ""),
            picked=values.get("pick", ""),
            open_tickets=_open_tickets(),
            weekdays=WEEKDAYS,
            field_ops=FIELD_OPS,
            field_names=_field_names(definition),
            sentence=rule_sentence(form.to_rule()),
            **_choices(),
        ),
        422 if error and values.get("do") == "save" else 200,
    )


def _field_names(definition: dict[str, Any]) -> list[str]:
    try:
        return list(compile_matrix(definition).fields)
    except SLAError:
        return []
