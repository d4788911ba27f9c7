"""Report rows as CSV, JSON or an aligned text table. Pure: each helper
returns text; the caller writes it. No I/O here."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from ..validation import require_type
from ._rows import Row
from .periods import Period


def _columns(dicts: Sequence[dict[str, Any]]) -> list[str]:
    names: dict[str, None] = {}
    for row in dicts:
        names.update(dict.fromkeys(row))
    return list(names)


def _rows(rows: Iterable[Row]) -> list[Row]:
    out = list(rows)
    for i, row in enumerate(out):
        require_type(row, Row, f"rows[{i}]", "report row")
    return out


def to_json(rows: Iterable[Row], *, indent: int | None = None) -> str:
    """The rows as a JSON array of :meth:`Row.to_dict` objects."""
    return json.dumps([row.to_dict() for row in _rows(rows)], indent=indent, ensure_ascii=False)


def to_csv(rows: Iterable[Row]) -> str:
    """The rows as CSV with a header line (every column any row has, in order).

    Cells hold :meth:`Row.to_dict` values: durations in seconds, instants in
    ISO 8601 with their offset, money and percentages as exact decimals, None
    as an empty cell; nested lists (a statement's lines) as JSON text.
    """
    dicts = [row.to_dict() for row in _rows(rows)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    columns = _columns(dicts)
    writer.writerow(columns)
    for row in dicts:
        writer.writerow([_csv_cell(row.get(name)) for name in columns])
    return out.getvalue()


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def format_duration(value: timedelta) -> str:
    """A duration for people: ``1h30m``, ``2h05m07s``, ``45s``, ``0s``; a
    negative one with a leading ``-``; fractions of a second are dropped."""
    sign, value = ("-", -value) if value < timedelta(0) else ("", value)
    total = int(value.total_seconds())
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        text = f"{hours}h{minutes:02d}m" + (f"{seconds:02d}s" if seconds else "")
    elif minutes:
        text = f"{minutes}m" + (f"{seconds:02d}s" if seconds else "")
    else:
        text = f"{seconds}s"
    return sign + text


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, timedelta):
        return format_duration(value)
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, (Period, datetime)):
        return value.label if isinstance(value, Period) else value.isoformat()
    if isinstance(value, (list, tuple)):
        return str(len(value))
    return str(value)


def to_table(rows: Iterable[Row], columns: Sequence[str] | None = None) -> str:
    """The rows as an aligned text table: a header, a rule, a line per row.

    Durations read ``1h30m``, None ``-``, nested lists by their length (a
    statement's lines: use :func:`to_table` on ``statement.lines``). ``columns``
    picks and orders columns (default: all). Numbers align right.
    """
    listed = _rows(rows)
    table: list[dict[str, str]] = []
    for row in listed:
        cells: dict[str, str] = {}
        for f in dataclasses.fields(row):  # type: ignore[arg-type]
            value = getattr(row, f.name)
            if f.name == "keys":
                cells.update({name: _cell(v) for name, v in value.items()})
            else:
                cells[f.name] = _cell(value)
        table.append(cells)
    names = list(columns) if columns is not None else _columns(table)
    widths = {name: max([len(name), *(len(r.get(name, "")) for r in table)]) for name in names}
    numeric = {name: all(_is_number(r.get(name, "-")) for r in table) and bool(table) for name in names}

    def line(cells: dict[str, str]) -> str:
        return "  ".join(
            cells.get(n, "").rjust(widths[n]) if numeric[n] else cells.get(n, "").ljust(widths[n]) for n in names
        ).rstrip()

    out = [line({n: n for n in names}), "  ".join("-" * widths[n] for n in names)]
    out.extend(line(r) for r in table)
    return "\n".join(out) + "\n"


def _is_number(text: str) -> bool:
    if text == "-":
        return True
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return True
