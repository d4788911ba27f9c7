"""Versions and the audit log; import and export of each object as the TOML the files use."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from ...errors import SLAError
from ...validation import load_toml
from ..state import app_state
from . import data
from .forms import FormError, check_base, instant, to_toml
from .pages import actor, admin_pages, now

KINDS = ("matrix", "policy", "calendar", "ladders")
#: Largest TOML an import reads (a matrix of thousands of rules is far smaller).
MAX_IMPORT_BYTES = 1_048_576


def _definition_of(kind: str, name: str, version: int | None) -> dict[str, Any] | None:
    if version is not None:
        for found in data.versions(kind, name):
            if found.version == version:
                return found.definition
        return None
    if kind == "matrix":
        return data.current_matrix()[0]
    if kind == "policy":
        return data.current_policy(name)[0]
    if kind == "ladders":
        return data.current_ladders()[0]
    return data.current_calendar(name)[0]


def store_definition(kind: str, definition: dict[str, Any] | str, form: Mapping[str, str]) -> str:
    """Store ``definition`` as a new version of its object, in force from the form's
    instant; returns a sentence saying what was stored.

    A policy gets the next version number (whatever the text says) and the form's
    instant as its ``effective_from``; a calendar may not start in the past.

    :raises SLAError: for TOML that does not parse or a definition that does not
        validate, naming the field; nothing is stored then.
    """
    if isinstance(definition, str):
        # The project's TOML reader: syntax errors and absurd nesting are both errors, never a crash.
        definition = load_toml(definition, error=FormError, source="toml", field="toml")
    key = {"matrix": data.MATRIX_NAME, "ladders": data.LADDERS_NAME}.get(kind) or str(definition.get("name", ""))
    latest = data.latest(kind, key) if key else None
    check_base(latest.version if latest else None, form, f"The {kind} {key}")
    store = data.admin_store()
    at = now()
    effective = instant(form, app_state().settings.host_timezone, at)
    if kind == "matrix":
        version = store.put_matrix(definition, effective_from=effective, name=data.MATRIX_NAME, actor=actor(), now=at)
        return f"Stored matrix version {version}."
    if kind == "ladders":
        version = store.put_ladders(definition, effective_from=effective, name=data.LADDERS_NAME, actor=actor(), now=at)
        return f"Stored escalation ladders version {version}."
    if kind == "policy":
        name = definition.get("name")
        if not isinstance(name, str) or not name:
            raise FormError("name: a policy needs a name", field="name")
        calendar = definition.get("calendar")
        if isinstance(calendar, str) and calendar not in data.calendar_names():
            # The registry's refusal, with its suggestions: a policy on a calendar nobody
            # has would be stored, and fail at its first ticket.
            app_state().registry.calendar(calendar)
        policy = store.put_policy(
            {**definition, "version": data.next_policy_version(name), "effective_from": effective.isoformat()},
            actor=actor(),
            now=at,
        )
        return f"Stored policy {policy.name} version {policy.version}."
    version = store.put_calendar(definition, effective_from=max(effective, at), actor=actor(), now=at)
    return f"Stored calendar {definition.get('name')} version {version}."


def _back(kind: str, name: str) -> str:
    if kind == "matrix":
        return url_for("sla.admin.matrix")
    if kind == "policy":
        return url_for("sla.admin.policy", name=name)
    if kind == "ladders":
        return url_for("sla.admin.policies")
    return url_for("sla.admin.calendar", name=name)


@admin_pages.get("/export/<any(matrix, policy, calendar, ladders):kind>/<name>")
def export(kind: str, name: str) -> Response:
    """The object as TOML (``?version=N`` for a stored version), downloaded as a file."""
    version_text = request.args.get("version")
    version = int(version_text) if version_text and version_text.isdigit() else None
    definition = _definition_of(kind, name, version)
    if definition is None:
        abort(404, f"No {kind} {name!r}{f' version {version}' if version else ''} to export.")
    text = to_toml(definition)
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name)[:80] or kind
    response = Response(text, mimetype="application/toml")
    response.headers["Content-Disposition"] = f'attachment; filename="{kind}-{safe}.toml"'
    return response


@admin_pages.post("/import/<any(matrix, policy, calendar, ladders):kind>")
def import_object(kind: str) -> Response | tuple[str, int]:
    """Store an uploaded or pasted TOML definition as a new version."""
    upload = request.files.get("file")
    text = request.form.get("toml", "")
    if upload is not None and upload.filename:
        raw = upload.read(MAX_IMPORT_BYTES + 1)
        if len(raw) > MAX_IMPORT_BYTES:
            return _import_failed(kind, FormError(f"file: larger than {MAX_IMPORT_BYTES} bytes", field="file"), text)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return _import_failed(kind, FormError("file: not UTF-8 text", field="file"), "")
    if not text.strip():
        return _import_failed(kind, FormError("toml: paste TOML or choose a file", field="toml"), text)
    try:
        message = store_definition(kind, text, request.form)
    except SLAError as exc:
        return _import_failed(kind, exc, text)
    flash(message)
    name = load_toml(text, error=FormError).get("name", "")  # parsed once already: it does not fail here
    return redirect(_back(kind, str(name)))


def _import_failed(kind: str, error: SLAError, text: str) -> tuple[str, int]:
    return render_template("sla_admin/import_failed.html", kind=kind, error=error, text=text), 422


@admin_pages.post("/restore/<any(matrix, policy, calendar, ladders):kind>/<name>/<int:version>")
def restore(kind: str, name: str, version: int) -> Response | tuple[str, int]:
    """Store an old version's definition again as a new version."""
    definition = _definition_of(kind, name, version)
    if definition is None:
        abort(404, f"No {kind} {name!r} version {version}.")
    try:
        message = store_definition(kind, definition, request.form)
    except SLAError as exc:
        return _import_failed(kind, exc, to_toml(definition))
    flash(f"Restored version {version}. {message}")
    return redirect(url_for("sla.admin.history", kind=kind))


@admin_pages.get("/history")
def history() -> str:
    """Every stored version of every object, and the audit log."""
    kind = request.args.get("kind", "")
    page = request.args.get("page", "1")
    number = int(page) if page.isdigit() and int(page) > 0 else 1
    per_page = 50
    rows = data.audit_rows(per_page + 1, (number - 1) * per_page)
    return render_template(
        "sla_admin/history.html",
        kinds=[k for k in KINDS if not kind or k == kind],
        versions={k: data.versions(k) for k in KINDS if not kind or k == kind},
        audit=rows[:per_page],
        page=number,
        more=len(rows) > per_page,
        kind=kind,
    )


@admin_pages.get("/versions/<any(matrix, policy, calendar, ladders):kind>/<name>/<int:version>")
def version(kind: str, name: str, version: int) -> str:
    """One stored version, read-only, as TOML."""
    definition = _definition_of(kind, name, version)
    if definition is None:
        abort(404, f"No {kind} {name!r} version {version}.")
    found = next(v for v in data.versions(kind, name) if v.version == version)
    return render_template("sla_admin/version.html", found=found, text=to_toml(definition))


@dataclass(frozen=True)
class DiffLine:
    """One changed value of an audit row: its path, before and after (None: absent)."""

    path: str
    before: str | None
    after: str | None


def flatten(value: Any, prefix: str = "") -> dict[str, str]:
    """A definition as ``path -> value text`` (``rules[2].then.priority -> "urgent"``)."""
    out: dict[str, str] = {}
    if isinstance(value, Mapping):
        for key, inner in value.items():
            out.update(flatten(inner, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(value, list) and any(isinstance(v, (Mapping, list)) for v in value):
        for i, inner in enumerate(value):
            out.update(flatten(inner, f"{prefix}[{i}]"))
    else:
        out[prefix] = to_toml({"v": value})[4:].strip() if value is not None else "null"
    return out


def diff(before: Any, after: Any) -> list[DiffLine]:
    """What changed between two definitions, path by path, in path order."""
    old, new = flatten(before or {}), flatten(after or {})
    return [
        DiffLine(path, old.get(path), new.get(path))
        for path in sorted(set(old) | set(new))
        if old.get(path) != new.get(path)
    ]


@admin_pages.get("/audit/<int:row_id>")
def audit_entry(row_id: int) -> str:
    """One audit row: who, when, what, and the before/after diff."""
    row = data.audit_row(row_id)
    if row is None:
        abort(404, f"No audit entry {row_id}.")
    return render_template("sla_admin/audit.html", row=row, lines=diff(row.before, row.after))
