"""Charts of the admin report page, drawn on the server as SVG by matplotlib.

matplotlib is an optional dependency (``pip install 'sla_timers[reports]'``);
:func:`charts_available` says whether it can be imported, and the page shows
its tables and a note without it. Figures are built with
:class:`matplotlib.figure.Figure` and never through ``pyplot``, so no global
figure state is shared between requests or threads, and the SVG backend needs no
display. Text is written as SVG ``<text>`` (``svg.fonttype = none``), escaped by
matplotlib's SVG writer; labels from the data have ``$`` escaped so a customer's
name is never read as mathtext. Output is deterministic (fixed ids, no date).
"""

from __future__ import annotations

import io
import threading
from collections.abc import Mapping, Sequence
from typing import Any
from xml.sax.saxutils import escape

__all__ = ["MISSING_MESSAGE", "bar_chart", "charts_available", "line_chart"]

#: Shown on the page when matplotlib is not installed.
MISSING_MESSAGE = "Charts need matplotlib: pip install 'sla_timers[reports]'. The figures are in the tables below."

#: matplotlib's text layout keeps caches that are not safe to fill from two threads at once.
_lock = threading.Lock()
_COLOURS = ("#1f5fa8", "#c2571a", "#2e7d32", "#8e24aa", "#6d4c41", "#00838f", "#ad1457", "#546e7a")
_RC: Any = {
    "svg.fonttype": "none",
    "svg.hashsalt": "sla-timers",
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def charts_available() -> bool:
    """True when matplotlib can be imported."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def _label(text: object) -> str:
    # A "$" pair would switch matplotlib to mathtext (and bad TeX raises): keep it literal.
    return str(text).replace("\\", "\\\\").replace("$", r"\$")


def _svg(figure: Any, title: str) -> str:
    # The page's heading names the chart, so the figure draws no title of its own; the
    # SVG carries it as its <title>, the name assistive technology reads.
    out = io.StringIO()
    figure.savefig(out, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches="tight")
    text = out.getvalue()
    text = text[text.index("<svg") :]
    head = text.index(">") + 1
    return f"{text[:head]}\n <title>{escape(title)}</title>{text[head:]}"


def _figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=96, layout="constrained")


def line_chart(
    title: str,
    categories: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    *,
    y_label: str,
    y_max: float | None = None,
    goal: float | None = None,
) -> str:
    """An SVG line chart: one line per series over ``categories`` (None: no point).

    ``goal`` draws a dashed reference line. Returns the ``<svg>`` element's text.
    """
    import matplotlib

    with _lock, matplotlib.rc_context(_RC):
        figure = _figure(7.5, 3.4)
        axes = figure.add_subplot()
        x = list(range(len(categories)))
        for i, (name, values) in enumerate(series.items()):
            points = [(xi, v) for xi, v in zip(x, values, strict=True) if v is not None]
            axes.plot(
                [p[0] for p in points],
                [p[1] for p in points],
                marker="o",
                color=_COLOURS[i % len(_COLOURS)],
                label=_label(name),
            )
        if goal is not None:
            axes.axhline(goal, color="#555555", linestyle="--", linewidth=1, label=_label(f"goal {goal:g}%"))
        axes.set_xticks(x, [_label(c) for c in categories])
        axes.set_ylabel(_label(y_label))
        if y_max is not None:
            axes.set_ylim(0, y_max)
        axes.grid(axis="y", color="#dddddd")
        if series:
            axes.legend(loc="lower left", frameon=False)
        return _svg(figure, title)


def bar_chart(
    title: str,
    categories: Sequence[str],
    series: Mapping[str, Sequence[float]],
    *,
    value_label: str,
    horizontal: bool = False,
    stacked: bool = True,
) -> str:
    """An SVG bar chart: bars per category, stacked by series (or side by side).

    Horizontal bars suit long category names (customers). Returns the ``<svg>`` text.
    """
    import matplotlib

    with _lock, matplotlib.rc_context(_RC):
        height = max(2.6, 0.45 * len(categories) + 1.4) if horizontal else 3.4
        figure = _figure(7.5, height)
        axes = figure.add_subplot()
        positions = list(range(len(categories)))
        base = [0.0] * len(categories)
        count = max(len(series), 1)
        width = 0.7 if stacked else 0.7 / count
        for i, (name, values) in enumerate(series.items()):
            offset = 0.0 if stacked else (i - (count - 1) / 2) * width
            at = [p + offset for p in positions]
            colour = _COLOURS[i % len(_COLOURS)]
            if horizontal:
                axes.barh(at, values, height=width, left=base if stacked else None, color=colour, label=_label(name))
            else:
                axes.bar(at, values, width=width, bottom=base if stacked else None, color=colour, label=_label(name))
            if stacked:
                base = [b + v for b, v in zip(base, values, strict=True)]
        labels = [_label(c) for c in categories]
        if horizontal:
            axes.set_yticks(positions, labels)
            axes.invert_yaxis()
            axes.set_xlabel(_label(value_label))
            axes.grid(axis="x", color="#dddddd")
        else:
            axes.set_xticks(positions, labels)
            axes.set_ylabel(_label(value_label))
            axes.grid(axis="y", color="#dddddd")
        axes.set_axisbelow(True)
        if len(series) > 1:
            axes.legend(frameon=False)
        return _svg(figure, title)
