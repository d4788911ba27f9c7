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
from .forms import FormError, list_input, list_values, parse_value, place, split_list
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
    #: Why there is no due time yet (a metric a later event starts), else "".
    note: str = ""


#: What starts each kind of metric that does not start with the ticket.
_STARTS = {
    "next_response": "starts at a customer reply after the first answer",
    "periodic_update": "starts at the first public reply",
}


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
            kind = policy.metrics[metric].kind if metric in policy.metrics else metric
            note = "" if due_at else _STARTS.get(kind, "no due time")
            rows.append(Due(metric, str(definition["targets"][priority][metric]), due_at, note))
        out[priority] = rows
    return str(cal.zone), out


def ladder_steps(policy_name: str) -> dict[str, list[dict[str, Any]]]:
    """The latest stored escalation ladders of ``policy_name``, by metric (the stored definition)."""
    definition, _ = data.current_ladders()
    ladders = (definition.get("ladders") or {}).get(policy_name) or {}
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
    ladder_form: Any = None,
) -> tuple[str, int]:
    priorities = _priorities(definition)
    metrics = _metrics(definition)
    known = ["name", "calendar", "description", "warn_at", "warn_before", "effective_from", "version", "metrics"]
    known += list(_STATUS_KEYS)
    known += [f"metrics.{m}" for m in metrics] + [
        f"metrics.{m}.{k}" for m in metrics for k in ("pauses", "reopen", "time", "kind")
    ]
    known += [f"targets.{p}" for p in priorities] + [f"targets.{p}.{m}" for p in priorities for m in metrics]
    ladders = ladder_steps(name)
    rows = _ladder_rows(metrics, ladders, ladder_form)
    known += [f"ladders.{name}.{m}" for m in metrics]
    known += [f"ladders.{name}.{m}[{j}]" for m in metrics for j in range(len(ladders.get(m, [])) + 1)]
    anchor = place(error.field if error else None, known)
    zone, preview_error = "", None
    preview: dict[str, list[Due]] = {}
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
            ladders=ladders,
            ladders_stored=data.current_ladders()[1],
            ladder_rows=rows,
            step_text=step_text,
            when_input=when_input,
            notify_input=notify_input,
            list_input=list_input,
            calendar_names=data.calendar_names(),
        ),
        status,
    )


@admin_pages.post("/policies")
def policy_new() -> Response | tuple[str, int]:
    """A new policy: a copy of an existing one under a new name, stored as its version 1."""
    name = request.form.get("name", "").strip()
    source = request.form.get("copy_of", "")
    base, _ = data.current_policy(source)
    try:
        if not name:
            raise FormError("name: give the new policy a name", field="name")
        if name in data.policy_names():
            raise FormError(f"name: a policy named {name!r} exists already; edit it instead", field="name")
        if base is None:
            raise FormError(f"copy_of: no policy is named {source!r}", field="copy_of")
        definition = {k: v for k, v in base.items() if k not in ("version", "effective_from")}
        message = store_definition("policy", {**definition, "name": name}, request.form)
    except SLAError as exc:
        rows = [(n, *data.current_policy(n)) for n in data.policy_names()]
        return render_template("sla_admin/policies.html", rows=rows, error=exc, new_name=name), 422
    flash(message)
    return redirect(url_for("sla.admin.policy", name=name))


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


def _ladder_rows(
    metrics: list[str], ladders: dict[str, list[dict[str, Any]]], form: Any
) -> dict[str, list[dict[str, str]]]:
    """Each metric's step rows as the form shows them: as submitted, else as stored; plus a blank one."""
    rows: dict[str, list[dict[str, str]]] = {}
    fields = ("id", "when", "notify", "raise", "reassign", "tags", "hold")
    for metric in metrics:
        if form is not None:
            count = form.get(f"ladder-{metric}-count", "0")
            found = [
                {k: form.get(f"ladder-{metric}-{j}-{k}", "") for k in fields}
                for j in range(int(count) if count.isdigit() and int(count) < 200 else 0)
            ]
        else:
            found = [
                {
                    "id": str(step.get("id", "")),
                    "when": when_input(step),
                    "notify": notify_input(step),
                    "raise": str(step.get("raise_priority", "")),
                    "reassign": str(step.get("reassign", "")),
                    "tags": ", ".join(map(str, step.get("add_tags", []) or [])),
                    "hold": "1" if step.get("hold_to_business_hours") else "",
                }
                for step in ladders.get(metric, [])
            ]
        rows[metric] = [*found, dict.fromkeys(fields, "")]
    return rows


def _when(text: str) -> dict[str, Any]:
    """A step's moment as typed: ``50%`` or ``0.5`` (a fraction of the target), ``-30m`` or ``1h`` (from due)."""
    text = text.strip()
    if not text:
        return {}
    if text.endswith("%"):
        return {"at": text}
    try:
        return {"at": float(text)}
    except ValueError:
        return {"offset": text}


def when_input(step: dict[str, Any]) -> str:
    """The text :func:`_when` reads back as the step's moment."""
    if "at" in step:
        return str(step["at"])
    return str(step.get("offset", ""))


def _notify(text: str, path: str) -> list[dict[str, str]]:
    found = []
    for item in split_list(text):
        kind, sep, name = item.partition(":")
        if not sep:
            raise FormError(
                f"{path}: write each recipient as kind:name (user, group, role, webhook), e.g. group:service-desk",
                field=path,
            )
        found.append({kind.strip(): name.strip()})
    return found


def notify_input(step: dict[str, Any]) -> str:
    """The ``kind:name, ...`` text of a step's recipients."""
    return ", ".join(f"{k}:{v}" for item in step.get("notify", []) or [] for k, v in item.items())


def ladders_from_form(name: str, metrics: list[str], base: dict[str, Any], form: Any) -> dict[str, Any]:
    """The ladders with this policy's replaced by the form's rows (not validated here).

    :raises FormError: for a recipient not written ``kind:name``.
    """
    draft = copy.deepcopy(base)
    all_ladders = dict(draft.get("ladders") or {})
    mine: dict[str, list[dict[str, Any]]] = {}
    for metric in metrics:
        count = form.get(f"ladder-{metric}-count", "0")
        steps: list[dict[str, Any]] = []
        for j in range(int(count) + 1 if count.isdigit() and int(count) < 200 else 0):
            key = f"ladder-{metric}-{j}"
            if form.get(f"{key}-delete") or not form.get(f"{key}-id", "").strip():
                continue
            path = f"ladders.{name}.{metric}[{len(steps)}]"
            step: dict[str, Any] = {"id": form.get(f"{key}-id", "").strip(), **_when(form.get(f"{key}-when", ""))}
            notify = _notify(form.get(f"{key}-notify", ""), f"{path}.notify")
            if notify:
                step["notify"] = notify
            if form.get(f"{key}-hold"):
                step["hold_to_business_hours"] = True
            raise_by = form.get(f"{key}-raise", "").strip()
            if raise_by:
                step["raise_priority"] = parse_value(raise_by)
            reassign = form.get(f"{key}-reassign", "").strip()
            if reassign:
                step["reassign"] = reassign
            tags = split_list(form.get(f"{key}-tags", ""))
            if tags:
                step["add_tags"] = tags
            steps.append(step)
        if steps:
            mine[metric] = steps
    if mine:
        all_ladders[name] = mine
    else:
        all_ladders.pop(name, None)
    draft["ladders"] = all_ladders
    return draft


@admin_pages.post("/policies/<name>/ladders")
def policy_ladders(name: str) -> Response | tuple[str, int]:
    """Save this policy's escalation ladders (every metric's steps) as a new ladders version."""
    definition, stored = data.current_policy(name)
    if definition is None:
        abort(404, f"No policy is named {name!r}.")
    base, _ = data.current_ladders()
    metrics = _metrics(definition)
    try:
        draft = ladders_from_form(name, metrics, base, request.form)
        message = store_definition("ladders", draft, request.form)
    except SLAError as exc:
        return _render(name, definition, stored, error=exc, status=422, ladder_form=request.form)
    flash(message)
    return redirect(url_for("sla.admin.policy", name=name))
