"""``SLA_`` configuration keys, read once in ``init_app`` into a frozen :class:`Settings`.

Each key, its type and its default is listed in :data:`DEFAULTS` (and the
README's table). A wrong type or value is a :class:`~.errors.ConfigError`
naming the key, raised before the extension registers anything.
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..validation import quote, type_name
from .errors import ConfigError

#: Who may read SLA data: called with the ticket id (a string), or None for
#: reads not about one ticket (dry runs, calendar previews); True allows.
AgentCheck = Callable[[str | None], bool]
#: Who may change SLA configuration: called with no argument; True allows.
AdminCheck = Callable[[], bool]

#: Every key with its default. ``SLA_DATABASE_URL``'s default (a SQLite file in
#: the app's instance folder) is computed per app in ``init_app``.
DEFAULTS: dict[str, Any] = {
    "SLA_DATABASE_URL": None,  # str; None: sqlite:///<instance folder>/sla.db
    "SLA_ENGINE": None,  # the host's SQLAlchemy Engine, used instead of SLA_DATABASE_URL
    "SLA_ENGINE_OPTIONS": {},  # create_engine keywords for SLA_DATABASE_URL (pool_size, max_overflow, ...)
    "SLA_AUTO_UPGRADE": True,  # upgrade the sla_ tables to the latest migration on first use
    "SLA_URL_PREFIX": "/sla",
    "SLA_AGENT_AUTHORIZER": None,  # callable(ticket_id | None) -> bool, or "module:function"
    "SLA_ADMIN_AUTHORIZER": None,  # callable() -> bool, or "module:function"
    "SLA_WEBHOOK_SECRET": None,  # str of at least 16 characters, for signed event posts
    "SLA_HOST_TIMEZONE": "UTC",  # IANA zone of the host's naive timestamps
    "SLA_MAX_BODY_BYTES": 1_048_576,
    "SLA_INJECT_BADGES": False,
    "SLA_BADGE_SELECTOR": "[data-sla-ticket]",
    "SLA_BADGE_ID_SOURCE": "attribute:data-sla-ticket",  # or "text", or "url"
    "SLA_BADGE_ID_PATTERN": r"([A-Za-z0-9_.:-]+)",
    "SLA_BADGE_REFRESH_SECONDS": 30,
    "SLA_CALENDARS": {},  # name -> BusinessCalendar, dict definition or .toml path
    "SLA_POLICIES": (),  # Policy objects, dicts or .toml paths, or one directory of .toml files
    "SLA_PRIORITY_MATRIX": None,  # PriorityMatrix, dict or .toml path
}

#: Largest body size a host may configure (100 MiB): a typo's guard, not a limit on use.
MAX_BODY_LIMIT = 100 * 1_048_576
_PREFIX = re.compile(r"(/[A-Za-z0-9._~-]+)+")
_SOURCE = re.compile(r"attribute:[A-Za-z_:][A-Za-z0-9_.:-]*|text|url")


@dataclass(frozen=True, slots=True)
class Settings:
    """The validated ``SLA_`` keys of one app. Build with :meth:`from_config`."""

    #: Database URL for the plugin's tables (ignored when ``engine`` is set).
    database_url: str
    #: The host's own SQLAlchemy engine, or None.
    engine: Any
    #: Keywords for ``create_engine`` when the plugin makes its engine from ``database_url``.
    engine_options: Mapping[str, Any]
    #: Upgrade the ``sla_`` tables on first use (off: run ``flask sla db upgrade`` in deploys).
    auto_upgrade: bool
    #: Where the blueprint is mounted: ``/sla`` (a path, no trailing slash).
    url_prefix: str
    agent_authorizer: AgentCheck | None
    admin_authorizer: AdminCheck | None
    webhook_secret: str | None
    #: Zone of the host's naive timestamps.
    host_timezone: ZoneInfo
    max_body_bytes: int
    inject_badges: bool
    badge_selector: str
    badge_id_source: str
    badge_id_pattern: str
    badge_refresh_seconds: int
    calendars: Mapping[str, Any]
    policies: tuple[Any, ...]
    priority_matrix: Any

    @classmethod
    def from_config(cls, config: Mapping[str, Any], *, instance_path: str = ".") -> Settings:
        """Read and check every ``SLA_`` key of a Flask ``config`` (absent keys take their defaults).

        :raises ConfigError: naming the first key with a wrong type or value.
        """
        value = {key: config.get(key, default) for key, default in DEFAULTS.items()}
        unknown = sorted(key for key in config if key.startswith("SLA_") and key not in DEFAULTS)
        if unknown:
            raise ConfigError(f"{unknown[0]}: unknown key (known: {', '.join(DEFAULTS)})", field=unknown[0])
        url = value["SLA_DATABASE_URL"]
        if url is None:
            url = f"sqlite:///{Path(instance_path, 'sla.db')}"
        prefix = _text(value, "SLA_URL_PREFIX")
        if not _PREFIX.fullmatch(prefix):
            raise ConfigError(
                f'SLA_URL_PREFIX: {quote(prefix)} is not a path such as "/sla" '
                "(starts with /, no trailing slash, letters, digits, . _ ~ -)",
                field="SLA_URL_PREFIX",
            )
        secret = value["SLA_WEBHOOK_SECRET"]
        if secret is not None and (not isinstance(secret, str) or len(secret) < 16):
            raise ConfigError(
                "SLA_WEBHOOK_SECRET: must be a string of at least 16 characters "
                f"(got {type_name(secret) if not isinstance(secret, str) else f'{len(secret)} characters'})",
                field="SLA_WEBHOOK_SECRET",
            )
        zone_name = _text(value, "SLA_HOST_TIMEZONE")
        try:
            zone = ZoneInfo(zone_name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(
                f"SLA_HOST_TIMEZONE: {quote(zone_name)} is not a known IANA zone", field="SLA_HOST_TIMEZONE"
            ) from None
        source = _text(value, "SLA_BADGE_ID_SOURCE")
        if not _SOURCE.fullmatch(source):
            raise ConfigError(
                f'SLA_BADGE_ID_SOURCE: {quote(source)} is not "attribute:<name>", "text" or "url"',
                field="SLA_BADGE_ID_SOURCE",
            )
        pattern = _text(value, "SLA_BADGE_ID_PATTERN")
        try:
            groups = re.compile(pattern).groups
        except re.error as exc:
            raise ConfigError(
                f"SLA_BADGE_ID_PATTERN: {quote(pattern)} is not a regular expression: {exc}",
                field="SLA_BADGE_ID_PATTERN",
            ) from None
        if groups != 1:
            raise ConfigError(
                f"SLA_BADGE_ID_PATTERN: {quote(pattern)} must have exactly one group (the ticket id), has {groups}",
                field="SLA_BADGE_ID_PATTERN",
            )
        calendars = value["SLA_CALENDARS"]
        if not isinstance(calendars, Mapping):
            raise ConfigError(
                f"SLA_CALENDARS: must be a mapping of calendars by name, got {type_name(calendars)}",
                field="SLA_CALENDARS",
            )
        policies = value["SLA_POLICIES"]
        if isinstance(policies, (str, os.PathLike)):
            policies = (policies,)
        if isinstance(policies, Mapping) or not isinstance(policies, (list, tuple, set, frozenset)):
            raise ConfigError(
                f"SLA_POLICIES: must be a list of policies, dicts or paths, or a directory, got {type_name(policies)}",
                field="SLA_POLICIES",
            )
        return cls(
            database_url=_str(url, "SLA_DATABASE_URL"),
            engine=value["SLA_ENGINE"],
            engine_options=_engine_options(value, url),
            auto_upgrade=_bool(value, "SLA_AUTO_UPGRADE"),
            url_prefix=prefix,
            agent_authorizer=_callback(value["SLA_AGENT_AUTHORIZER"], "SLA_AGENT_AUTHORIZER"),
            admin_authorizer=_callback(value["SLA_ADMIN_AUTHORIZER"], "SLA_ADMIN_AUTHORIZER"),
            webhook_secret=secret,
            host_timezone=zone,
            max_body_bytes=_int(value, "SLA_MAX_BODY_BYTES", 1, MAX_BODY_LIMIT),
            inject_badges=_bool(value, "SLA_INJECT_BADGES"),
            badge_selector=_text(value, "SLA_BADGE_SELECTOR"),
            badge_id_source=source,
            badge_id_pattern=pattern,
            badge_refresh_seconds=_int(value, "SLA_BADGE_REFRESH_SECONDS", 1, 86_400),
            calendars=dict(calendars),
            policies=tuple(policies),
            priority_matrix=value["SLA_PRIORITY_MATRIX"],
        )


def _engine_options(values: Mapping[str, Any], url: object) -> dict[str, Any]:
    options = values["SLA_ENGINE_OPTIONS"]
    key = "SLA_ENGINE_OPTIONS"
    if not isinstance(options, Mapping):
        raise ConfigError(f"{key}: must be a dict of create_engine keywords, got {type_name(options)}", field=key)
    for name in options:
        if not isinstance(name, str) or not name.isidentifier():
            raise ConfigError(f"{key}: {quote(str(name))} is not a keyword name", field=key)
    if options and values["SLA_ENGINE"] is not None:
        raise ConfigError(f"{key}: not used with SLA_ENGINE (configure the host's engine itself)", field=key)
    if options and isinstance(url, str):
        # create_engine checks its keywords without connecting: a misspelt one fails here, at init_app.
        from sqlalchemy import create_engine
        from sqlalchemy.exc import ArgumentError

        try:
            create_engine(url, **options).dispose()
        except (TypeError, ArgumentError) as exc:
            raise ConfigError(f"{key}: {exc}", field=key) from None
    return dict(options)


def _str(value: object, key: str) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{key}: must be a string, got {type_name(value)}", field=key)
    return value


def _text(values: Mapping[str, Any], key: str) -> str:
    text = _str(values[key], key)
    if not text.strip():
        raise ConfigError(f"{key}: must not be empty", field=key)
    return text


def _bool(values: Mapping[str, Any], key: str) -> bool:
    value = values[key]
    if not isinstance(value, bool):
        raise ConfigError(f"{key}: must be true or false, got {type_name(value)}", field=key)
    return value


def _int(values: Mapping[str, Any], key: str, low: int, high: int) -> int:
    value = values[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{key}: must be an integer, got {type_name(value)}", field=key)
    if not low <= value <= high:
        raise ConfigError(f"{key}: {value} is outside {low} to {high}", field=key)
    return value


def _callback(value: object, key: str) -> Callable[..., bool] | None:
    """A callable, or one named ``"package.module:function"`` (imported now, so a typo fails at start)."""
    if value is None or callable(value):
        return value
    if not isinstance(value, str) or value.count(":") != 1:
        raise ConfigError(f'{key}: must be a callable or "module:function", got {quote(value)}', field=key)
    module_name, _, attribute = value.partition(":")
    try:
        found = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"{key}: cannot import {quote(value)}: {exc}", field=key) from None
    if not callable(found):
        raise ConfigError(f"{key}: {quote(value)} is not callable", field=key)
    return found  # type: ignore[no-any-return]
