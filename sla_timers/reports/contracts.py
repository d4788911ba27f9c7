"""Service contracts: the monthly fee, the share of it at risk, the cap on
credits, tiers on compliance or availability and per-breach credits,
validated from a dict or TOML text. No I/O here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import tzinfo
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Literal

from ..errors import ReportError
from ..validation import (
    check_depth,
    check_keys,
    describe,
    fail,
    join,
    load_toml,
    quote,
    require_list,
    require_str,
    require_table,
)
from .periods import check_zone
from .service_levels import parse_percent

_KEYS = ("customer", "currency", "monthly_fee", "at_risk", "cap", "timezone", "tiers", "per_breach")
_TIER_KEYS = ("measure", "service", "metric", "priority", "below", "credit")
_BREACH_KEYS = ("metric", "priority", "credit")
_MEASURES = ("compliance", "availability")


@dataclass(frozen=True, slots=True)
class Tier:
    """A credit of ``credit`` percent of the monthly fee when the measure falls below ``below`` percent.

    Tiers of one scope (the same measure and service, or metric and priority)
    form a ladder: only the deepest tier reached applies (below 99.5% -> 5%,
    below 99% -> 10%: 98.7% earns 10%, not 15%). "Below" is strict: exactly
    99.5% earns nothing from a "below 99.5" tier.
    """

    measure: Literal["compliance", "availability"]
    #: For ``availability``: the service.
    service: str | None
    #: For ``compliance``: the metric, and the priority (None: every priority).
    metric: str | None
    priority: str | None
    below: Decimal
    credit: Decimal

    @property
    def scope(self) -> str:
        """What the tier measures, as lines show it: ``availability of email``,
        ``compliance of resolution (urgent)``."""
        if self.measure == "availability":
            return f"availability of {self.service}"
        return f"compliance of {self.metric}" + (f" ({self.priority})" if self.priority else "")


@dataclass(frozen=True, slots=True)
class BreachCredit:
    """A fixed amount credited for each breach of ``metric`` (of ``priority``, if set)
    that counts against the provider."""

    metric: str
    priority: str | None
    amount: Decimal

    @property
    def scope(self) -> str:
        """``breaches of resolution (urgent)``."""
        return f"breaches of {self.metric}" + (f" ({self.priority})" if self.priority else "")


@dataclass(frozen=True, slots=True)
class Contract:
    """A customer's agreement. Build with :meth:`from_dict` or :meth:`from_toml`.

    Credits are per calendar month in ``timezone``, at most ``cap`` percent of
    the fee at risk (``at_risk`` percent of ``monthly_fee``).
    """

    #: Matches the records' ``organisation``.
    customer: str
    monthly_fee: Decimal
    currency: str = ""
    #: Percent of the monthly fee at risk (default 100).
    at_risk: Decimal = Decimal(100)
    #: Percent of the fee at risk that credits may reach (default 100).
    cap: Decimal = Decimal(100)
    timezone: tzinfo | None = None
    tiers: tuple[Tier, ...] = ()
    per_breach: tuple[BreachCredit, ...] = ()

    @property
    def fee_at_risk(self) -> Decimal:
        """``monthly_fee * at_risk / 100``, to the cent."""
        return cents(self.monthly_fee * self.at_risk / 100)

    @property
    def cap_amount(self) -> Decimal:
        """The most a month's credits may reach: ``fee_at_risk * cap / 100``, to the cent."""
        return cents(self.monthly_fee * self.at_risk * self.cap / 10_000)

    @classmethod
    def from_dict(cls, data: object, *, path: str = "") -> Contract:
        """Validate a contract::

            {"customer": "acme", "monthly_fee": "12000.00", "at_risk": "15%", "cap": "100%",
             "timezone": "Europe/Berlin",
             "tiers": [{"measure": "availability", "service": "email", "below": 99.5, "credit": "5%"},
                       {"measure": "compliance", "metric": "resolution", "priority": "urgent",
                        "below": 95, "credit": "10%"}],
             "per_breach": [{"metric": "resolution", "priority": "urgent", "credit": "250.00"}]}

        Money is text or a whole number (``"12000.00"``, ``12000``), kept exact.

        :raises ReportError: naming the field (``tiers[1].below``).
        """
        check_depth(data, error=ReportError, path=path)
        table = require_table(data, path, error=ReportError, what="a contract table")
        check_keys(table, path, _KEYS, error=ReportError, required=("customer", "monthly_fee"))
        zone = None
        if "timezone" in table:
            zone = check_zone(
                require_str(table["timezone"], join(path, "timezone"), error=ReportError), join(path, "timezone")
            )
        tiers = []
        for i, item in enumerate(require_list(table.get("tiers", []), join(path, "tiers"), error=ReportError)):
            tiers.append(_tier(item, join(join(path, "tiers"), i)))
        seen: set[tuple[str, str | None, str | None, str | None, Decimal]] = set()
        for i, tier in enumerate(tiers):
            ident = (tier.measure, tier.service, tier.metric, tier.priority, tier.below)
            if ident in seen:
                fail(ReportError, join(join(path, "tiers"), i), f"a second tier below {tier.below}% of {tier.scope}")
            seen.add(ident)
        breaches = []
        for i, item in enumerate(
            require_list(table.get("per_breach", []), join(path, "per_breach"), error=ReportError)
        ):
            where = join(join(path, "per_breach"), i)
            rule = require_table(item, where, error=ReportError)
            check_keys(rule, where, _BREACH_KEYS, error=ReportError, required=("metric", "credit"))
            breaches.append(
                BreachCredit(
                    require_str(rule["metric"], join(where, "metric"), error=ReportError, non_empty=True),
                    _optional_str(rule, "priority", where),
                    parse_money(rule["credit"], join(where, "credit")),
                )
            )
        return cls(
            customer=require_str(table["customer"], join(path, "customer"), error=ReportError, non_empty=True),
            monthly_fee=parse_money(table["monthly_fee"], join(path, "monthly_fee")),
            currency=require_str(table.get("currency", ""), join(path, "currency"), error=ReportError),
            at_risk=parse_percent(table.get("at_risk", 100), join(path, "at_risk")),
            cap=parse_percent(table.get("cap", 100), join(path, "cap")),
            timezone=zone,
            tiers=tuple(tiers),
            per_breach=tuple(breaches),
        )

    @classmethod
    def from_toml(cls, text: object) -> Contract:
        """:meth:`from_dict` of TOML text (``[[tiers]]`` and ``[[per_breach]]`` arrays of tables)."""
        return cls.from_dict(load_toml(text, error=ReportError))


def _optional_str(table: Mapping[str, Any], key: str, path: str) -> str | None:
    if key not in table:
        return None
    return require_str(table[key], join(path, key), error=ReportError, non_empty=True)


def _tier(item: object, where: str) -> Tier:
    tier = require_table(item, where, error=ReportError)
    check_keys(tier, where, _TIER_KEYS, error=ReportError, required=("measure", "below", "credit"))
    measure = tier["measure"]
    if measure not in _MEASURES:
        fail(
            ReportError,
            join(where, "measure"),
            f'{quote(measure)} is not a measure; write "compliance" or "availability"',
        )
    if measure == "availability":
        for key in ("metric", "priority"):
            if key in tier:
                fail(ReportError, join(where, key), f"an availability tier names a service, not a {key}")
        if "service" not in tier:
            fail(ReportError, join(where, "service"), "is required for an availability tier")
    else:
        if "service" in tier:
            fail(ReportError, join(where, "service"), "a compliance tier names a metric (and priority), not a service")
        if "metric" not in tier:
            fail(ReportError, join(where, "metric"), "is required for a compliance tier")
    return Tier(
        measure,
        _optional_str(tier, "service", where),
        _optional_str(tier, "metric", where),
        _optional_str(tier, "priority", where),
        parse_percent(tier["below"], join(where, "below")),
        parse_percent(tier["credit"], join(where, "credit")),
    )


def parse_money(value: object, path: str) -> Decimal:
    """An amount of money, exact: text (``"12000.00"``), a whole number or a Decimal, zero or more.

    A float is refused: binary floats cannot hold most cent amounts exactly.

    :raises ReportError: naming ``path``.
    """
    if isinstance(value, float):
        fail(ReportError, path, f'{quote(value)}: write money as text so it stays exact, e.g. "{value:.2f}"')
    if isinstance(value, bool) or not isinstance(value, (int, str, Decimal)):
        fail(ReportError, path, f'expected an amount such as "250.00", got {describe(value)}')
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        fail(ReportError, path, f'{quote(value)} is not an amount; write e.g. "250.00"')
    if not amount.is_finite() or amount < 0:
        fail(ReportError, path, f"{quote(value)} must be a finite amount of zero or more")
    return amount


def cents(amount: Decimal) -> Decimal:
    """``amount`` rounded to the cent, halves away from zero (as invoices round)."""
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
