"""The policies pages: targets per priority and metric as a table, statuses, reopen
modes, warnings, each metric's escalation ladder, and "opened now, due when"."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from ...errors import SLAError
from ...timers import Policy, TicketEvent, evaluate
from ...timers.policy import DEFAULT_PAUSES, DEFAULT_REOPEN, METRIC_KINDS
from . import data
from .forms import list_input, list_values, place, split_list
from .history import store_definition
from .pages import admin_pages, now

_STATUS_KEYS = ("statuses", "pause_statuses", "stop_statuses", "first_response_statuses")


def _priorities(definition: dict[str, Any] | None) -> list[str]:
    matrix, _ = data.current_matrix()
    found = list((matrix or {}).get("priorities") or [])
    for priority in (definition or {}).get("targets", {}) or {}:
        if priority not in found:
            found.append(priority)
    return found


def _metrics(definition: dict[str, Any]) -> list[str]:
    found = list((definition.get("metrics") or {}).keys())
    for row in (definition.get("targets") or {}).values():
        for metric in row or {}:
            if metric not in found:
                found.append(metric)
    return found


@dataclass(frozen=True)
class Due:
    """One metric's deadline for a ticket opened now."""

    metric: str
    target: str
    due_at: datetime | None


def due_preview(definition: dict[str, Any], priorities: list[str], at: datetime) -> tuple[str, dict[str, list[Due]]]:
    """For each priority with targets, when each timer of a ticket opened at ``at`` falls due
    (the engine's answer, on the policy's calendar); and the calendar's zone name."""
    policy = Policy.from_dict(definition)
    cal = data.calendar_object(policy.calendar)
    out: dict[str, list[Due]] = {}
    for priority in priorities:
        if priority not in policy.targets:
            continue
        created = TicketEvent("created", at, id="preview", priority=priority, status="new")
        states = evaluate(policy, [created], now=at, calendar=cal)
        rows = []
        for metric in policy.targets[priority]:
            state = states.get(metric)
            due_at = state.due_at.astimezone(cal.zone) if state and state.due_at else None
            rows.append(Due(metric, str(definition["targets"][priority][metric]), due_at))
        out[priority] = rows
    return str(cal.zone), out


def ladder_steps(policy_name: str) -> dict[str, list[dict[str, Any]]]:
    """The escalation ladders in force now for ``policy_name``, by metric (the stored definition)."""
    from ...store.models import LadderRow

    store = data.admin_store()
    from sqlalchemy import select

    with store.engine.connect() as connection:
        row = connection.execute(
            select(LadderRow)
            .where(LadderRow.effective_from <= now())
            .order_by(LadderRow.effective_from.desc(), LadderRow.version.desc())
            .limit(1)
        ).first()
    if row is None:
        return {}
    ladders = (row.definition.get("ladders") or {}).get(policy_name) or {}
    return {metric: list(steps) for metric, steps in ladders.items() if isinstance(steps, list)}


def step_text(step: dict[str, Any]) -> str:
    """``at 50% of the target: notify group service-desk`` and the like."""
    if "at" in step:
        at = step["at"]
        when = f"at {at}" if isinstance(at, str) else f"at {round(float(at) * 100)}% of the target"
        if at in (1, 1.0, "100%"):
            when = "at the breach"
    elif "offset" in step:
        offset = str(step["offset"])
        when = f"{offset.lstrip('-')} before due" if offset.startswith("-") else f"{offset} after due"
    else:
        when = "?"
    actions = []
    for target in step.get("notify", []) or []:
        if isinstance(target, dict):
            actions += [f"notify {k} {v}" for k, v in target.items()]
    if step.get("raise_priority"):
        actions.append(f"raise priority {step['raise_priority']}")
    if step.get("reassign"):
        actions.append(f"reassign to {step['reassign']}")
    if step.get("add_tags"):
        actions.append("tag " + ", ".join(map(str, step["add_tags"])))
    held = " (held to business hours)" if step.get("hold_to_business_hours") else ""
    return f"{when}: {', '.join(actions) or 'record only'}{held}"


@admin_pages.get("/policies")
def policies() -> str:
    """Every policy: stored versions and the host's files."""
    rows = []
    for name in data.policy_names():
        definition, stored = data.current_policy(name)
        rows.append((name, definition or {}, stored))
    return render_template("sla_admin/policies.html", rows=rows)


def _render(
    name: str,
    definition: dict[str, Any],
    stored: data.Version | None,
    *,
    error: SLAError | None = None,
    status: int = 200,
) -> tuple[str, int]:
    priorities = _priorities(definition)
    metrics = _metrics(definition)
    known = ["name", "calendar", "description", "warn_at", "warn_before", "effective_from", "version", "metrics"]
    known += list(_STATUS_KEYS)
    known += [f"metrics.{m}" for m in metrics] + [
        f"metrics.{m}.{k}" for m in metrics for k in ("pauses", "reopen", "time", "kind")
    ]
    known += [f"targets.{p}" for p in priorities] + [f"targets.{p}.{m}" for p in priorities for m in metrics]
    anchor = place(error.field if error else None, known)
    zone, preview, preview_error = "", {}, None
    opened_at = now()
    try:
        zone, preview = due_preview(definition, priorities, opened_at)
    except SLAError as exc:
        preview_error = str(exc)
    return (
        render_template(
            "sla_admin/policy.html",
            name=name,
            definition=definition,
            stored=stored,
            versions=data.versions("policy", name),
            priorities=priorities,
            metrics=metrics,
            kinds=METRIC_KINDS,
            default_pauses=DEFAULT_PAUSES,
            default_reopen=DEFAULT_REOPEN,
            error=error,
            anchor=anchor,
            zone=zone,
            preview=preview,
            preview_error=preview_error,
            opened_at=opened_at,
            ladders=ladder_steps(name),
            step_text=step_text,
            list_input=list_input,
            calendar_names=data.calendar_names(),
        ),
        status,
    )


@admin_pages.get("/policies/<name>")
def policy(name: str) -> tuple[str, int]:
    """One policy's form, preview and ladders."""
    definition, stored = data.current_policy(name)
    if definition is None:
        abort(404, f"No policy is named {name!r}.")
    return _render(name, definition, stored)


def policy_from_form(name: str, base: dict[str, Any], form: Any) -> dict[str, Any]:
    """The policy the form describes (not validated here)."""
    draft: dict[str, Any] = {"name": name, "calendar": form.get("calendar", "").strip()}
    description = form.get("description", "").strip()
    if description:
        draft["description"] = description
    for key in _STATUS_KEYS:
        items = split_list(form.get(key, ""))
        if items or (key != "statuses" and key in base):
            draft[key] = items
    for key in ("warn_at", "warn_before"):
        items = list_values(form.get(key, "")) if key == "warn_at" else split_list(form.get(key, ""))
        if items:
            draft[key] = items
    metrics: dict[str, Any] = {}
    names = [m for m in form.getlist("metric") if m]
    new_name = form.get("new_metric", "").strip()
    if new_name:
        names.append(new_name)
    for metric in names:
        settings: dict[str, Any] = {}
        kind = form.get(f"metrics.{metric}.kind", "").strip() or (metric if metric in METRIC_KINDS else "")
        if metric == new_name:
            kind = form.get("new_metric_kind", "").strip() or kind
        if kind and kind != metric:
            settings["kind"] = kind
        for key in ("pauses", "reopen", "time"):
            value = form.get(f"metrics.{metric}.{key}", "")
            if value:
                settings[key] = {"yes": True, "no": False}.get(value, value)
        metrics[metric] = settings
    draft["metrics"] = metrics
    targets: dict[str, Any] = {}
    for priority in form.getlist("priority"):
        row = {}
        for metric in names:
            value = form.get(f"targets.{priority}.{metric}", "").strip()
            if value:
                row[metric] = value
        if row:
            targets[priority] = row
    draft["targets"] = targets
    return draft


@admin_pages.post("/policies/<name>")
def policy_save(name: str) -> Response | tuple[str, int]:
    """Save the form as the policy's next version, in force for tickets created from the chosen instant."""
    base, stored = data.current_policy(name)
    if base is None:
        abort(404, f"No policy is named {name!r}.")
    draft = policy_from_form(name, base, request.form)
    try:
        message = store_definition("policy", copy.deepcopy(draft), request.form)
    except SLAError as exc:
        return _render(name, draft, stored, error=exc, status=422)
    flash(message)
    return redirect(url_for("sla.admin.policy", name=name))
