"""The admin report page, ``<prefix>/admin/reports``: compliance per month,
breaches per priority and credit per customer, each as a chart drawn on the
server (:mod:`.report_charts`) and as a table of the same figures.

Only admins see it (the host's admin callback; denied without one). Query
parameters ``from`` and ``to`` (dates, ``to`` not counted) and ``zone`` choose
the months; by default the six months up to the current one, in UTC. Every
value from the data reaches the page through Jinja's autoescaping; the charts
are SVG images (``data:`` URIs), which browsers never run scripts in.
"""

from __future__ import annotations

import base64
from collections import defaultdict
from datetime import UTC, date, datetime, tzinfo
from decimal import ROUND_DOWN, Decimal
from typing import Any

from flask import Blueprint, Response, render_template, request
from werkzeug.exceptions import HTTPException

from ..errors import SLAError
from ..reports import compliance, service_credits
from ..reports.periods import check_zone
from .admin.pages import NAV as ADMIN_NAV
from .api_reports import _instant, report_engine, report_settings
from .blueprint import blueprint
from .errors import ForbiddenError, RequestError
from .report_charts import MISSING_MESSAGE, bar_chart, charts_available, line_chart
from .state import app_state

#: Nested in the ``sla`` blueprint: endpoints ``sla.admin_reports.*``.
report_pages = Blueprint("admin_reports", __name__)

#: Months shown by default, the current one included.
DEFAULT_MONTHS = 6


@report_pages.after_request
def _headers(response: Response) -> Response:
    # Figures of the agreement: never cached or framed; no script runs on the page.
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'none'; style-src 'self'; img-src data:; frame-ancestors 'none'; form-action 'self'",
    )
    return response


@report_pages.context_processor
def _shared() -> dict[str, Any]:
    return {"admin_nav": ADMIN_NAV}


@report_pages.route("", methods=["GET"])
def page() -> tuple[str, int]:
    """The report page for the months asked (see the module's docs)."""
    check = app_state().admin_check()
    if check is None or check() is not True:
        return _error(
            ForbiddenError("Only SLA administrators may see the reports (the host's admin callback said no).")
        )
    try:
        zone, start, end = _range()
        return render_template("sla_reports.html", **_figures(zone, start, end)), 200
    except SLAError as exc:
        return _error(exc)


def _error(exc: SLAError) -> tuple[str, int]:
    from .errors import status_of

    return render_template("sla_reports.html", error=exc, figures=None), status_of(exc.code)


@report_pages.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> tuple[str, int]:
    error = RequestError(exc.description or exc.name)
    return render_template("sla_reports.html", error=error, figures=None), exc.code or 500


def _range() -> tuple[tzinfo, datetime, datetime]:
    args = request.args
    for key in args:
        if key not in ("from", "to", "zone"):
            raise RequestError(f"{key}: unknown parameter; the page takes from, to and zone", field=key)
        if len(args.getlist(key)) > 1 or len(args[key]) > 64:
            raise RequestError(f"{key}: give one value of at most 64 characters", field=key)
    zone = check_zone(args.get("zone") or "UTC", "zone")
    today = datetime.now(zone).date()
    month_after = date(today.year + today.month // 12, today.month % 12 + 1, 1)
    total = today.year * 12 + today.month - 1 - (DEFAULT_MONTHS - 1)
    first = date(total // 12, total % 12 + 1, 1)
    start = _instant(args.get("from") or first.isoformat(), zone, "from")
    end = _instant(args.get("to") or month_after.isoformat(), zone, "to")
    if end <= start:
        raise RequestError(f"to: {args.get('to')} is not after from {args.get('from')}", field="to")
    if (end - start).days > 5 * 366:
        raise RequestError("to: the page shows at most five years; narrow from and to", field="to")
    return zone, start, end


def _figures(zone: tzinfo, start: datetime, end: datetime) -> dict[str, Any]:
    from ..store.report_source import stream_timers

    engine = report_engine()
    # One pass gives both charts: cycles per metric, month and priority, summed either way.
    rows = compliance(
        stream_timers(engine, start=start, end=end),
        group_by=["priority"],
        period="month",
        zone=zone,
        start=start,
        end=end,
    )
    settings = report_settings()
    statements = (
        service_credits(
            settings.contracts,
            stream_timers(engine, start=start, end=end, organisations=[c.customer for c in settings.contracts]),
            start=start,
            end=end,
        )
        if settings.contracts
        else []
    )

    months = sorted({str(r.keys["period"]) for r in rows})
    metrics = sorted({r.metric for r in rows})
    priorities = sorted({_name(r.keys["priority"]) for r in rows})
    verdicts: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    breaches: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        counts = verdicts[row.metric][str(row.keys["period"])]
        counts[0] += row.met
        counts[1] += row.met + row.breached
        breaches[row.metric][_name(row.keys["priority"])] += row.breached
    percent = {
        metric: {month: _percent(met, judged) for month, (met, judged) in by_month.items()}
        for metric, by_month in verdicts.items()
    }
    credit: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for statement in statements:
        credit[statement.customer, statement.currency] += statement.credit
    customers = sorted(credit, key=lambda k: (-credit[k], k))

    figures: dict[str, Any] = {
        "months": months,
        "metrics": metrics,
        "percent": percent,
        "priorities": priorities,
        "breaches": breaches,
        "credits": [(customer, currency, credit[customer, currency]) for customer, currency in customers],
        "contracts": len(settings.contracts),
    }
    charts: dict[str, str | None] = {"compliance": None, "breaches": None, "credits": None}
    if charts_available():
        if months:
            charts["compliance"] = _image(
                line_chart(
                    "Compliance per month (% met)",
                    months,
                    {m: [_float(percent[m].get(month)) for month in months] for m in metrics if m in percent},
                    y_label="% met",
                    y_max=100,
                )
            )
        if priorities:
            charts["breaches"] = _image(
                bar_chart(
                    "Breaches per priority",
                    priorities,
                    {m: [float(breaches[m].get(p, 0)) for p in priorities] for m in metrics if m in breaches},
                    value_label="breaches",
                )
            )
        if customers:
            currencies = sorted({currency for _, currency in customers})
            charts["credits"] = _image(
                bar_chart(
                    "Credit per customer",
                    [customer for customer, _ in customers],
                    {c: [float(credit[k]) if k[1] == c else 0.0 for k in customers] for c in currencies},
                    value_label="credit (" + ", ".join(currencies) + ")",
                    horizontal=True,
                )
            )
    return {
        "figures": figures,
        "charts": charts,
        "charts_missing": None if charts_available() else MISSING_MESSAGE,
        "start": start,
        "end": end,
        "zone": getattr(zone, "key", str(zone)),
        "start_text": start.astimezone(zone).date().isoformat(),
        "end_text": end.astimezone(zone).date().isoformat(),
        "generated_at": datetime.now(UTC),
        "error": None,
    }


def _name(value: object) -> str:
    return "(none)" if value is None else str(value)


def _percent(met: int, judged: int) -> Decimal | None:
    """``100 * met / judged`` rounded down to 0.01, as the reports show percentages; None for nothing judged."""
    if not judged:
        return None
    return (Decimal(100 * met) / Decimal(judged)).quantize(Decimal("0.01"), rounding=ROUND_DOWN)


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _image(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


blueprint.register_blueprint(report_pages, url_prefix="/admin/reports")
ADMIN_NAV.append(("sla.admin_reports.page", "Reports"))
