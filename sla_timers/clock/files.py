"""Calendar files: shipped ones by name, others by path.

The only module in the clock that reads files (no other I/O here).

Shipped calendars live in ``calendars/`` at the repository root, installed as
the package ``sla_timers.calendars``, and are read through
:mod:`importlib.resources`, never through the working directory.
"""

from __future__ import annotations

import difflib
import os
import re
from functools import lru_cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from ..errors import CalendarError, CalendarNotFound
from ..validation import load_toml
from .schema import parse_calendar
from .spec import CalendarSpec

__all__ = ["load_calendar_spec", "list_shipped_calendars"]

_PACKAGE = "sla_timers.calendars"
_SHIPPED_NAME = re.compile(r"[a-z0-9-]{1,64}", re.ASCII)


def load_calendar_spec(name_or_path: str | os.PathLike[str]) -> CalendarSpec:
    """Load a shipped calendar by name (``"us-ny-9x5"``) or a ``.toml`` file by path.

    A string of ``[a-z0-9-]`` is a shipped name; anything with a path separator
    or a ``.toml`` suffix, or a :class:`os.PathLike`, is a path (relative ones
    from the working directory). A shipped file's ``name`` must equal its file name.

    :raises CalendarNotFound: no shipped calendar or file by that name.
    :raises CalendarError: the file is not UTF-8 TOML (with line and column), or
        the definition is invalid (any :class:`CalendarError` subclass from
        :func:`~sla_timers.clock.schema.parse_calendar`, its message prefixed
        with the file).
    """
    if isinstance(name_or_path, os.PathLike):
        return _load_path(Path(name_or_path))
    if not isinstance(name_or_path, str):
        raise TypeError(f"name_or_path must be a str or a path, got {type(name_or_path).__name__}")
    if _SHIPPED_NAME.fullmatch(name_or_path):
        return _load_shipped(name_or_path)
    if name_or_path.endswith(".toml") or "/" in name_or_path or os.sep in name_or_path:
        return _load_path(Path(name_or_path))
    raise CalendarNotFound(
        f"calendar {name_or_path!r}: neither a shipped calendar name (lower-case letters, "
        "digits and '-') nor a path to a .toml file",
        field="calendar",
    )


def list_shipped_calendars() -> list[str]:
    """Names of the shipped calendars, sorted (``["24x7", "au-nsw-9x5", ...]``)."""
    return sorted(
        entry.name.removesuffix(".toml")
        for entry in files(_PACKAGE).iterdir()
        if entry.name.endswith(".toml") and entry.is_file()
    )


@lru_cache(maxsize=64)  # shipped files are package data: they do not change while we run
def _load_shipped(name: str) -> CalendarSpec:
    resource: Traversable = files(_PACKAGE).joinpath(f"{name}.toml")
    if not resource.is_file():
        shipped = list_shipped_calendars()
        close = difflib.get_close_matches(name, shipped, n=3)
        hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
        raise CalendarNotFound(
            f"calendar {name!r}: no shipped calendar has that name "
            f"(shipped: {', '.join(shipped)}){hint}",
            field="calendar",
        )
    spec = _parse(resource.read_bytes(), f"calendars/{name}.toml")
    if spec.name != name:
        raise CalendarError(
            f"calendars/{name}.toml: name {spec.name!r} does not match the file name {name!r}",
            field="name",
        )
    return spec


def _load_path(path: Path) -> CalendarSpec:
    if path.suffix != ".toml":
        raise CalendarError(f"{path}: expected a .toml calendar file", field="calendar")
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise CalendarNotFound(f"{path}: no such calendar file", field="calendar") from exc
    except OSError as exc:
        raise CalendarNotFound(
            f"{path}: cannot read the calendar file ({exc.strerror or exc})", field="calendar"
        ) from exc
    return _parse(raw, str(path))


def _parse(raw: bytes, source: str) -> CalendarSpec:
    """Decode, parse TOML and validate; every error names ``source``."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CalendarError(
            f"{source}: not UTF-8 text (byte {exc.start}); save the file as UTF-8",
            field="calendar",
        ) from exc
    # Syntax errors say where ("... (at line 3, column 9)"); nesting too deep to parse is refused too.
    data = load_toml(text, error=CalendarError, source=source, field="calendar")
    try:
        return parse_calendar(data)
    except CalendarError as exc:
        # Same class and field; the message gains the file it came from.
        raise type(exc)(f"{source}: {exc.message}", field=exc.field) from exc
