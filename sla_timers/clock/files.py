"""Calendar files: shipped ones by name, others by path when host code allows it.

The only module in the clock that reads files (no other I/O here).

Shipped calendars live in ``calendars/`` at the repository root, installed as
the package ``sla_timers.calendars``, and are read through
:mod:`importlib.resources`, never through the working directory.
"""

from __future__ import annotations

import difflib
import os
import re
import stat
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
#: The largest calendar file read (shipped ones are under 2 KiB).
MAX_FILE_BYTES = 1 << 20


def load_calendar_spec(name_or_path: str | os.PathLike[str], *, allow_path: bool = False) -> CalendarSpec:
    """Load a shipped calendar by name (``"us-ny-9x5"``), or a ``.toml`` file by path.

    By default only shipped names are accepted: a name may come from data a
    client sent (a policy switch in a ticket event), and a path there would let
    it make the server read any ``.toml`` file it can reach. A name with a path
    separator, ``..``, a NUL or a ``.toml`` suffix, or a :class:`os.PathLike`,
    is refused. Host code passes ``allow_path=True`` to read its own files
    (relative paths from the working directory). A shipped file's ``name`` must
    equal its file name.

    :raises CalendarNotFound: no shipped calendar or file by that name.
    :raises CalendarError: a path where only names are allowed, a NUL in the
        name, a file that is not a regular file or is over 1 MiB, a file that is
        not UTF-8 TOML (with line and column), or an invalid definition (any
        :class:`CalendarError` subclass from
        :func:`~sla_timers.clock.schema.parse_calendar`, its message prefixed
        with the file).
    """
    if isinstance(name_or_path, os.PathLike):
        path = Path(name_or_path)
        if not allow_path:
            raise _path_refused(str(path))
        return _load_path(path)
    if not isinstance(name_or_path, str):
        raise TypeError(f"name_or_path must be a str or a path, got {type(name_or_path).__name__}")
    if "\x00" in name_or_path:
        raise CalendarError(
            f"calendar {name_or_path!r}: a calendar name or path cannot contain a NUL character",
            field="calendar",
        )
    if _SHIPPED_NAME.fullmatch(name_or_path):
        return _load_shipped(name_or_path)
    if _looks_like_path(name_or_path):
        if not allow_path:
            raise _path_refused(name_or_path)
        return _load_path(Path(name_or_path))
    raise CalendarNotFound(
        f"calendar {name_or_path!r}: neither a shipped calendar name (lower-case letters, "
        "digits and '-') nor a path to a .toml file",
        field="calendar",
    )


def _looks_like_path(text: str) -> bool:
    separators = {"/", os.sep} | ({os.altsep} if os.altsep else set())
    return text.endswith(".toml") or ".." in text or any(sep in text for sep in separators)


def _path_refused(text: str) -> CalendarError:
    return CalendarError(
        f"calendar {text!r}: only shipped calendar names are accepted here "
        f"({', '.join(list_shipped_calendars())}), not a file path; host code reads "
        "its own files with BusinessCalendar.load(path, allow_path=True)",
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
            f"calendar {name!r}: no shipped calendar has that name (shipped: {', '.join(shipped)}){hint}",
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
    return _parse(_read_regular_file(path), str(path))


def _read_regular_file(path: Path) -> bytes:
    """The bytes of a regular file of at most :data:`MAX_FILE_BYTES`.

    A FIFO, device or directory is refused before it is opened: opening a FIFO
    blocks until a writer comes, and reading a device may never end. The file
    is opened non-blocking and checked again after the open, in case it was
    swapped for another kind between the two looks.
    """
    try:
        before = os.stat(path)
        if not stat.S_ISREG(before.st_mode):
            raise _not_regular(path)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError as exc:
        raise CalendarNotFound(f"{path}: no such calendar file", field="calendar") from exc
    except OSError as exc:
        raise CalendarNotFound(
            f"{path}: cannot read the calendar file ({exc.strerror or exc})", field="calendar"
        ) from exc
    with os.fdopen(fd, "rb") as handle:
        after = os.fstat(handle.fileno())
        if not stat.S_ISREG(after.st_mode):
            raise _not_regular(path)
        if after.st_size > MAX_FILE_BYTES:
            raise _too_big(path)
        try:
            raw = handle.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise CalendarNotFound(
                f"{path}: cannot read the calendar file ({exc.strerror or exc})", field="calendar"
            ) from exc
    if len(raw) > MAX_FILE_BYTES:  # grew after the size check
        raise _too_big(path)
    return raw


def _not_regular(path: Path) -> CalendarError:
    return CalendarError(
        f"{path}: not a regular file (a FIFO, device or directory); a calendar is a .toml file",
        field="calendar",
    )


def _too_big(path: Path) -> CalendarError:
    return CalendarError(
        f"{path}: larger than {MAX_FILE_BYTES:,} bytes; a calendar file is a few kilobytes",
        field="calendar",
    )


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
