"""Form fields to definitions and back, and where an error belongs on a page.

Nothing here validates: the definitions built from a form go to the same
loaders as files and the API, and their errors (``rules[3].then.priority: ...``)
are placed next to the input whose path is the longest prefix of the error's
``field``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import tomli_w

from ...errors import SLAError


class FormError(SLAError, ValueError):
    """A form value the page itself cannot read (a date that is not a date)."""

    code = "invalid_form"


class StaleFormError(FormError):
    """The object was saved by someone else since the form was loaded."""

    code = "stale_form"


def check_base(found: int | None, form: Mapping[str, str], what: str) -> None:
    """Refuse a form loaded from another version than the latest stored one (``found``).

    Forms carry ``base_version`` (empty when nothing was stored); a form without it
    (an import) is not checked. Without this, a second admin's save would silently
    undo the first's, and a rule moved by number would move the wrong rule.

    :raises StaleFormError: naming the version now stored.
    """
    if "base_version" not in form:
        return
    sent = form.get("base_version", "")
    if sent != ("" if found is None else str(found)):
        raise StaleFormError(
            f"{what} was saved by someone else since this page was loaded (now version {found}); "
            "nothing was changed: reload the page and make the change again"
        )


def parse_value(text: str) -> Any:
    """A typed value: TOML's reading of it (``5``, ``true``, ``"5"``, ``2026-01-01``), else the text itself."""
    text = text.strip()
    if not text:
        return ""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except (tomllib.TOMLDecodeError, RecursionError):
        # Not a TOML value (or one nested past the parser's limit): the text as typed.
        return text


def value_input(value: Any) -> str:
    """The text that :func:`parse_value` reads back as ``value``."""
    if isinstance(value, str) and parse_value(value) == value and value == value.strip():
        return value
    return tomli_w.dumps({"v": value}).strip()[len("v = ") :]


def split_list(text: str) -> list[str]:
    """``"a, b,,c"`` -> ``["a", "b", "c"]``."""
    return [part.strip() for part in text.split(",") if part.strip()]


def list_values(text: str) -> list[Any]:
    """A typed list: a TOML array as written, else comma-separated values each typed."""
    parsed = parse_value(text)
    if isinstance(parsed, list):
        return parsed
    return [parse_value(part) for part in split_list(text)]


def list_input(values: Iterable[Any] | None) -> str:
    """The comma-separated text of a list."""
    return ", ".join(value_input(v) for v in values or ())


def place(field: str | None, known: Iterable[str]) -> str:
    """The longest path in ``known`` that is ``field`` or a prefix of it ending at a
    ``.`` or ``[``; ``""`` (the top of the form) when none is."""
    if not field:
        return ""
    best = ""
    for path in known:
        if field == path or (field.startswith(path) and field[len(path)] in ".["):
            if len(path) > len(best):
                best = path
    return best


def instant(form: Mapping[str, str], zone: ZoneInfo, now: datetime) -> datetime:
    """The form's effective instant: now, or ``effective_at`` (local time in ``zone``).

    :raises FormError: for a time that does not parse, naming ``effective_from``.
    """
    if form.get("effective", "now") != "later":
        return now
    text = form.get("effective_at", "").strip()
    try:
        local = datetime.fromisoformat(text)
    except ValueError:
        raise FormError(
            f'effective_from: "{text}" is not a date and time; write 2026-12-01T09:00', field="effective_from"
        ) from None
    if local.tzinfo is None:
        local = local.replace(tzinfo=zone)
    return local.astimezone(UTC)


def ticket_fields(text: str) -> dict[str, Any]:
    """A test ticket typed as ``path = value`` lines (``requester.role = ceo``), as nested tables.

    :raises FormError: for a line without ``=``, naming the line.
    """
    ticket: dict[str, Any] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.strip().startswith("#"):
            continue
        key, sep, value = line.partition("=")
        parts = [p.strip() for p in key.strip().split(".")]
        if not sep or not all(parts):
            raise FormError(
                f"ticket line {number}: write field = value, e.g. requester.role = ceo", field="ticket_fields"
            )
        target = ticket
        for part in parts[:-1]:
            inner = target.get(part)
            if not isinstance(inner, dict):
                inner = target[part] = {}
            target = inner
        target[parts[-1]] = parse_value(value)
    return ticket


def ticket_text(ticket: Mapping[str, Any], prefix: str = "") -> str:
    """The ``path = value`` lines of a ticket's fields (the inverse of :func:`ticket_fields`)."""
    lines = []
    for key, value in ticket.items():
        if isinstance(value, Mapping):
            inner = ticket_text(value, f"{prefix}{key}.")
            if inner:
                lines.append(inner)
        else:
            lines.append(f"{prefix}{key} = {value_input(value)}")
    return "\n".join(lines)


def to_toml(data: Mapping[str, Any]) -> str:
    """A definition as TOML text, the format of the files."""
    return tomli_w.dumps(_tomlable(data))


def _tomlable(value: Any) -> Any:
    # Stored definitions keep dates as ISO text; TOML has no null, so None keys are left out.
    if isinstance(value, Mapping):
        return {str(k): _tomlable(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [_tomlable(v) for v in value]
    return value
