"""One small schema layer: each schema checks a decoded JSON value and states itself
as JSON Schema (OpenAPI 3.1 uses JSON Schema 2020-12), so the document a client
reads and the checks a handler runs come from the same objects.

:meth:`Schema.check` returns the Python value (an aware datetime for
:class:`DateTime`) or raises :class:`~.errors.RequestError` (``invalid_request``)
or :class:`~.errors.InvalidTextError` (``invalid_text``) naming the field by its
path (``ticket.requester.tier``, ``metrics[2]``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..validation import quote, suggest, type_name
from .errors import InvalidTextError, RequestError

# NUL: PostgreSQL's text type cannot store it. Lone surrogates: no UTF-8 encoding exists.
_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _fail(path: str, problem: str) -> RequestError:
    return RequestError(f"{path or 'body'}: {problem}", field=path or None)


class Schema:
    """A JSON value's shape. Subclasses implement :meth:`check` and :meth:`json_schema`."""

    #: Shown in the OpenAPI document.
    description: str = ""

    def check(self, value: Any, path: str) -> Any:
        """The checked (and converted) value.

        :raises RequestError: naming ``path`` when the value does not fit.
        """
        raise NotImplementedError

    def json_schema(self) -> dict[str, Any]:
        """This schema as JSON Schema 2020-12."""
        raise NotImplementedError

    def _described(self, schema: dict[str, Any]) -> dict[str, Any]:
        if self.description:
            schema["description"] = self.description
        return schema


@dataclass
class Str(Schema):
    """A string of 1 to ``max_length`` characters (no NUL, no lone surrogate), maybe one of ``enum``."""

    max_length: int = 200
    enum: Sequence[str] | None = None
    description: str = ""

    def check(self, value: Any, path: str) -> str:
        """The string itself."""
        if not isinstance(value, str):
            raise _fail(path, f"must be a string, got {type_name(value)}")
        if _BAD_TEXT.search(value):
            raise InvalidTextError(f"{path}: text may not hold NUL characters or lone surrogates", field=path)
        if not value:
            raise _fail(path, "must not be empty")
        if len(value) > self.max_length:
            raise _fail(path, f"is longer than {self.max_length} characters")
        if self.enum is not None and value not in self.enum:
            raise _fail(path, f"{quote(value)} is not one of {', '.join(map(quote, self.enum))}")
        return value

    def json_schema(self) -> dict[str, Any]:
        """``{"type": "string", ...}``."""
        schema: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": self.max_length}
        if self.enum is not None:
            schema["enum"] = list(self.enum)
        return self._described(schema)


@dataclass
class Int(Schema):
    """An integer (not a boolean) between ``minimum`` and ``maximum``."""

    minimum: int = 0
    maximum: int = 2**31 - 1
    description: str = ""

    def check(self, value: Any, path: str) -> int:
        """The integer itself."""
        if isinstance(value, bool) or not isinstance(value, int):
            raise _fail(path, f"must be an integer, got {type_name(value)}")
        if not self.minimum <= value <= self.maximum:
            raise _fail(path, f"must be between {self.minimum} and {self.maximum}")
        return value

    def json_schema(self) -> dict[str, Any]:
        """``{"type": "integer", ...}``."""
        return self._described({"type": "integer", "minimum": self.minimum, "maximum": self.maximum})


@dataclass
class Number(Schema):
    """A finite JSON number (integer or not; not a boolean), such as a duration in seconds."""

    description: str = ""

    def check(self, value: Any, path: str) -> int | float:
        """The number itself."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _fail(path, f"must be a number, got {type_name(value)}")
        if isinstance(value, float) and not math.isfinite(value):
            raise _fail(path, "must be a finite number")
        return value

    def json_schema(self) -> dict[str, Any]:
        """``{"type": "number"}``."""
        return self._described({"type": "number"})


@dataclass
class Bool(Schema):
    """``true`` or ``false``."""

    description: str = ""

    def check(self, value: Any, path: str) -> bool:
        """The boolean itself."""
        if not isinstance(value, bool):
            raise _fail(path, f"must be true or false, got {type_name(value)}")
        return value

    def json_schema(self) -> dict[str, Any]:
        """``{"type": "boolean"}``."""
        return self._described({"type": "boolean"})


@dataclass
class DateTime(Schema):
    """An RFC 3339 date-time with its offset (``2026-11-25T16:30:00-05:00`` or ``...Z``); read as aware UTC."""

    description: str = ""

    def check(self, value: Any, path: str) -> datetime:
        """The instant, in UTC."""
        if not isinstance(value, str):
            raise _fail(path, f"must be a date-time string, got {type_name(value)}")
        if len(value) > 40 or not re.fullmatch(
            r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9:.]+([Zz]|[+-][0-9:]+)", value, re.ASCII
        ):
            raise _fail(path, f"{quote(value)} is not a date-time with an offset, such as 2026-11-25T16:30:00-05:00")
        try:
            parsed = datetime.fromisoformat(value.replace("z", "Z"))
        except ValueError:
            raise _fail(path, f"{quote(value)} is not a valid date-time") from None
        if parsed.tzinfo is None:  # the pattern asks for an offset; kept as a guard
            raise _fail(path, f"{quote(value)} has no UTC offset")
        try:
            return parsed.astimezone(UTC)
        except OverflowError:
            raise _fail(path, f"{quote(value)} is outside years 1 to 9999 in UTC") from None

    def json_schema(self) -> dict[str, Any]:
        """``{"type": "string", "format": "date-time"}``."""
        return self._described({"type": "string", "format": "date-time"})


@dataclass
class JSONValue(Schema):
    """Any JSON value (a ticket's own fields). Depth is bounded by the body parser; text is checked."""

    description: str = ""

    def check(self, value: Any, path: str) -> Any:
        """The value, with every string in it checked for NUL and lone surrogates."""
        stack: list[tuple[Any, str]] = [(value, path)]
        while stack:
            item, where = stack.pop()
            if isinstance(item, str) and _BAD_TEXT.search(item):
                raise InvalidTextError(f"{where}: text may not hold NUL characters or lone surrogates", field=where)
            if isinstance(item, float) and not math.isfinite(item):
                raise _fail(where, "must be a finite number")
            if isinstance(item, Mapping):
                for key, child in item.items():
                    if _BAD_TEXT.search(key):
                        raise InvalidTextError(f"{where}: a key holds NUL or a lone surrogate", field=where)
                    stack.append((child, _join(where, key)))
            elif isinstance(item, list):
                stack.extend((child, _join(where, i)) for i, child in enumerate(item))
        return value

    def json_schema(self) -> dict[str, Any]:
        """``{}``: any value."""
        return self._described({})


@dataclass
class Array(Schema):
    """A list of ``items``, ``min_items`` to ``max_items`` long."""

    items: Schema
    min_items: int = 0
    max_items: int = 100
    unique: bool = False
    description: str = ""

    def check(self, value: Any, path: str) -> list[Any]:
        """A list of the checked items."""
        if not isinstance(value, list):
            raise _fail(path, f"must be an array, got {type_name(value)}")
        if not self.min_items <= len(value) <= self.max_items:
            raise _fail(path, f"must have {self.min_items} to {self.max_items} items, has {len(value)}")
        checked = [self.items.check(item, _join(path, i)) for i, item in enumerate(value)]
        if self.unique and len(set(map(repr, checked))) != len(checked):
            raise _fail(path, "must not repeat an item")
        return checked

    def json_schema(self) -> dict[str, Any]:
        """``{"type": "array", ...}``."""
        schema = {
            "type": "array",
            "items": self.items.json_schema(),
            "minItems": self.min_items,
            "maxItems": self.max_items,
        }
        if self.unique:
            schema["uniqueItems"] = True
        return self._described(schema)


@dataclass
class Prop:
    """One property of an :class:`Object`."""

    schema: Schema
    required: bool = False
    #: Given to the handler when the property is absent (never checked).
    default: Any = None


@dataclass
class Object(Schema):
    """A JSON object with the named properties; any other key is refused (``extra`` allows any value)."""

    props: dict[str, Prop] = field(default_factory=dict)
    extra: Schema | None = None
    max_properties: int = 200
    description: str = ""
    #: Name in the OpenAPI document's components (None: inlined).
    name: str | None = None
    #: False: an absent optional property stays absent (``null`` given and absent differ).
    fill_defaults: bool = True

    def check(self, value: Any, path: str) -> dict[str, Any]:
        """A dict with every property (absent optional ones at their default, unless ``fill_defaults`` is off)."""
        if not isinstance(value, Mapping):
            raise _fail(path, f"must be an object, got {type_name(value)}")
        if len(value) > self.max_properties:
            raise _fail(path, f"has more than {self.max_properties} properties")
        out: dict[str, Any] = {}
        for key, item in value.items():
            prop = self.props.get(key)
            if prop is not None:
                out[key] = prop.schema.check(item, _join(path, key))
            elif self.extra is not None:
                out[key] = self.extra.check(item, _join(path, key))
            else:
                shown = key if len(key) <= 60 else key[:57] + "..."
                raise _fail(_join(path, shown), f"unknown property{suggest(key, self.props)}")
        for key, prop in self.props.items():
            if key not in out:
                if prop.required:
                    raise _fail(_join(path, key), "is required")
                if self.fill_defaults:
                    out[key] = prop.default
        return out

    def json_schema(self) -> dict[str, Any]:
        """``{"type": "object", ...}`` with ``additionalProperties``."""
        schema: dict[str, Any] = {
            "type": "object",
            "properties": {key: prop.schema.json_schema() for key, prop in self.props.items()},
            "additionalProperties": self.extra.json_schema() if self.extra is not None else False,
            "maxProperties": self.max_properties,
        }
        required = [key for key, prop in self.props.items() if prop.required]
        if required:
            schema["required"] = required
        return self._described(schema)


@dataclass
class Nullable(Schema):
    """``inner`` or JSON ``null``."""

    inner: Schema
    description: str = ""

    def check(self, value: Any, path: str) -> Any:
        """None, or the inner schema's value."""
        return None if value is None else self.inner.check(value, path)

    def json_schema(self) -> dict[str, Any]:
        """``{"anyOf": [inner, {"type": "null"}]}``."""
        return self._described({"anyOf": [self.inner.json_schema(), {"type": "null"}]})
