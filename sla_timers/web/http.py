"""Request plumbing shared by every JSON route: declaring a route, reading and
parsing the body within its size limit, authorization through the host's
callbacks, and error responses.

A route is declared once with :func:`api_route`; the declaration feeds both the
checks a request goes through and the OpenAPI document (:mod:`.openapi`). Checks
run in this order, each answering with its own code: authorization
(``forbidden``), media type (``unsupported_media_type``), size
(``payload_too_large``), JSON syntax (``malformed_json``), then the schema
(``invalid_request`` / ``invalid_text``). A refused request reaches no handler.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from flask import Response, current_app, jsonify, request
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from ..errors import SLAError
from ..store.delivery import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_signature
from ..validation import MAX_DEPTH
from .blueprint import blueprint
from .errors import (
    DatabaseUnavailable,
    ForbiddenError,
    MalformedJSONError,
    PayloadTooLargeError,
    RequestError,
    UnsupportedMediaTypeError,
    status_of,
)
from .schema import Array, Object, Schema
from .state import app_state

Access = Literal["public", "agent", "admin"]

_log = logging.getLogger("sla_timers.web")
#: Where a request carries "its signature was checked" (the WSGI environ lives as long as the request).
_SIGNED = "sla_timers.signed"

#: Codes every route with a JSON body can answer with.
BODY_ERRORS = ("unsupported_media_type", "payload_too_large", "malformed_json", "invalid_request", "invalid_text")


@dataclass(frozen=True)
class Route:
    """One JSON route as declared: what it takes, who may call it, what it answers."""

    rule: str
    method: str
    endpoint: str
    summary: str
    access: Access
    body: Object | None
    query: Object | None
    response: Schema
    #: Every error code the route can answer with (the common ones included).
    errors: tuple[str, ...]
    #: Status of a success.
    status: int = 200
    #: Whether a body signed with the webhook secret stands in for the callbacks.
    signed: bool = False
    #: A valid request body, shown in the OpenAPI document (and tried first by fuzzers).
    example: Any = None


#: Every JSON route, in declaration order; the OpenAPI document is built from it.
ROUTES: list[Route] = []


def api_route(
    rule: str,
    *,
    method: str,
    summary: str,
    access: Access,
    response: Schema,
    body: Object | None = None,
    query: Object | None = None,
    errors: tuple[str, ...] = (),
    status: int = 200,
    signed: bool = False,
    example: Any = None,
) -> Callable[[Callable[..., Any]], Callable[..., Response]]:
    """Declare a JSON route of the blueprint and wrap its view.

    The view is called as ``view(body=..., query=..., **url_values)`` with the
    checked values (``None`` when the route takes none) and returns a JSON-able
    value (or a finished :class:`Response`); it may raise :class:`SLAError` for
    an error response.

    With ``signed``, a machine caller may instead sign the body with
    ``SLA_WEBHOOK_SECRET`` (headers ``X-SLA-Timestamp`` and ``X-SLA-Signature``, the
    scheme of the store's outgoing webhooks); the view tells by :func:`is_signed`.
    """
    every = (
        (("forbidden",) if access != "public" else ())
        + (BODY_ERRORS if body is not None else ())
        + (("invalid_request",) if query is not None else ())
        + errors
    )
    codes = tuple(dict.fromkeys(every))

    def decorate(view: Callable[..., Any]) -> Callable[..., Response]:
        @functools.wraps(view)
        def handle(**values: Any) -> Response:
            try:
                if signed and SIGNATURE_HEADER in request.headers:
                    raw = read_body()
                    check_signature(raw)
                    request.environ[_SIGNED] = True
                    checked_body = body.check(parse_json(raw), "") if body is not None else None
                else:
                    if not allowed(access):
                        raise ForbiddenError(
                            "this user may not do this "
                            "(the host's authorization callback said no, or none is configured)"
                        )
                    checked_body = body.check(read_json(), "") if body is not None else None
                checked_query = query.check(_query_args(query), "") if query is not None else None
                try:
                    result = view(body=checked_body, query=checked_query, **values)
                except DBAPIError as exc:
                    if method != "GET" or not exc.connection_invalidated:
                        raise
                    # The pooled connection had died (a database restart): SQLAlchemy dropped
                    # it, and a read is safe to run again on a new one.
                    _log.warning("the SLA store's connection was lost; reading again: %s", exc.orig)
                    result = view(body=checked_body, query=checked_query, **values)
            except SLAError as exc:
                return error_response(exc)
            except DBAPIError as exc:
                # The transaction was rolled back by the engine; the client may retry.
                _log.error("the SLA store's database failed: %s", exc)
                return error_response(DatabaseUnavailable("the SLA database is unavailable; try again shortly"))
            if isinstance(result, Response):
                return result
            response = jsonify(result)
            response.status_code = status
            return response

        ROUTES.append(
            Route(rule, method, view.__name__, summary, access, body, query, response, codes, status, signed, example)
        )
        blueprint.add_url_rule(rule, view.__name__, handle, methods=[method])
        return handle

    return decorate


def allowed(access: Access, ticket_id: str | None = None) -> bool:
    """True when the host's callbacks let the current user in at ``access``.

    Admins may do what agents may. With no callback configured, only
    ``public`` is allowed. A callback must return exactly ``True`` to allow.
    """
    if access == "public":
        return True
    state = app_state()
    admin = state.admin_check()
    if access == "agent":
        agent = state.agent_check()
        if agent is not None and agent(ticket_id) is True:
            return True
    return admin is not None and admin() is True


def visible_tickets(ticket_ids: Sequence[str]) -> list[str]:
    """The ids among ``ticket_ids`` the current user may read, in order: as
    :func:`allowed` at ``agent`` for each, with the callbacks looked up once and the
    admin callback asked at most once."""
    state = app_state()
    agent = state.agent_check()
    admin = state.admin_check()
    is_admin: bool | None = None
    out = []
    for ticket_id in ticket_ids:
        if agent is not None and agent(ticket_id) is True:
            out.append(ticket_id)
            continue
        if is_admin is None:
            is_admin = admin is not None and admin() is True
        if is_admin:
            out.append(ticket_id)
    return out


def error_body(code: str, message: str, field: str | None) -> dict[str, Any]:
    """``{"error": {"code", "message", "field"}}``."""
    return {"error": {"code": code, "message": message, "field": field}}


def error_response(exc: SLAError) -> Response:
    """The JSON response for ``exc``, with the status :data:`~.errors.STATUS` gives its code."""
    response = jsonify(error_body(exc.code, exc.message, exc.field))
    response.status_code = status_of(exc.code)
    return response


def http_error_response(exc: HTTPException) -> Response:
    """A werkzeug HTTP error (routing, the host's ``MAX_CONTENT_LENGTH``) as our JSON error."""
    codes = {
        400: "invalid_request",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        413: "payload_too_large",
        415: "unsupported_media_type",
    }
    status = exc.code or 500
    code = codes.get(status, "internal_error" if status >= 500 else "invalid_request")
    message = {404: "no such route", 405: f"method {request.method} is not allowed here"}.get(
        status, exc.description or exc.name
    )
    response = jsonify(error_body(code, message, None))
    response.status_code = status
    if status == 405:
        valid = getattr(exc, "valid_methods", None)
        if valid:
            response.headers["Allow"] = ", ".join(sorted(valid))
    return response


def read_json() -> Any:
    """The request body as one JSON document, within ``SLA_MAX_BODY_BYTES``.

    :raises UnsupportedMediaTypeError: unless the content type is ``application/json``.
    :raises PayloadTooLargeError: when the declared or the actual length passes the limit,
        the smaller of ``SLA_MAX_BODY_BYTES`` and the host's ``MAX_CONTENT_LENGTH`` (the
        body is read no further than one byte past it).
    :raises MalformedJSONError: for anything :func:`parse_json` refuses.
    """
    return parse_json(read_body())


def read_body() -> bytes:
    """The raw request body, checked for its media type and read within the size limit
    (see :func:`read_json` for the errors)."""
    if request.mimetype != "application/json":
        shown = request.mimetype or "none"
        raise UnsupportedMediaTypeError(f"the body must be application/json, got {shown}")
    limit = app_state().settings.max_body_bytes
    host_limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if isinstance(host_limit, int) and host_limit < limit:
        # A host that accepts less than we do keeps its own limit (older Werkzeug
        # does not apply it to a stream read directly).
        limit = host_limit
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLargeError(f"the body is {request.content_length} bytes, over the {limit}-byte limit")
    data: bytes = request.stream.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLargeError(f"the body is over the {limit}-byte limit")
    return data


def check_signature(raw: bytes) -> None:
    """Accept ``raw`` only when signed with ``SLA_WEBHOOK_SECRET`` within the last five minutes.

    :raises ForbiddenError: when no secret is configured, or the signature or timestamp is wrong.
    """
    secret = app_state().settings.webhook_secret
    if secret is None:
        raise ForbiddenError("signed requests are refused: SLA_WEBHOOK_SECRET is not set", field=SIGNATURE_HEADER)
    stamp = request.headers.get(TIMESTAMP_HEADER, "")
    if not verify_signature(secret, stamp, raw, request.headers.get(SIGNATURE_HEADER, "")):
        raise ForbiddenError(
            f"{SIGNATURE_HEADER}: does not match the body signed with SLA_WEBHOOK_SECRET at "
            f"{TIMESTAMP_HEADER} (Unix seconds, within five minutes of now)",
            field=SIGNATURE_HEADER,
        )


def is_signed() -> bool:
    """Whether the current request's body was signed with the webhook secret."""
    return bool(request.environ.get(_SIGNED))


def parse_json(data: bytes) -> Any:
    """One JSON document from UTF-8 ``data``, refusing what ``json`` would let through:
    ``NaN`` and ``Infinity``, duplicate keys, nesting deeper than 32, and numbers
    too long to read (``json`` raises ``RecursionError`` or ``ValueError`` there).

    :raises MalformedJSONError: saying what is wrong.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedJSONError("body: is not UTF-8 text") from None
    if not text.strip():
        raise MalformedJSONError("body: is empty; send a JSON object")
    try:
        value = json.loads(text, parse_constant=_refuse_constant, object_pairs_hook=_unique_keys)
    except MalformedJSONError:
        raise
    except json.JSONDecodeError as exc:
        raise MalformedJSONError(f"body: is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise MalformedJSONError(f"body: is nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:  # an integer past Python's digit limit
        raise MalformedJSONError(f"body: has a number too long to read ({exc})") from None
    _check_depth(value)
    return value


def _refuse_constant(name: str) -> Any:
    raise MalformedJSONError(f"body: {name} is not a JSON number")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                shown = key if len(key) <= 60 else key[:57] + "..."
                raise MalformedJSONError(f"body: key {json.dumps(shown)} appears twice in one object")
            seen.add(key)
    return result


def _check_depth(value: Any) -> None:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > MAX_DEPTH:
                raise MalformedJSONError(f"body: is nested deeper than {MAX_DEPTH} levels")
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)


def _query_args(schema: Object) -> dict[str, Any]:
    """Query parameters: a list for a parameter whose schema is an :class:`Array`
    (``?ticket=1&ticket=2``), else one value, given once."""
    args = request.args
    values: dict[str, Any] = {}
    for key in args:
        prop = schema.props.get(key)
        if prop is not None and isinstance(prop.schema, Array):
            values[key] = args.getlist(key)
            continue
        if len(args.getlist(key)) > 1:
            raise RequestError(f"{key}: is given more than once", field=key)
        values[key] = args[key]
    return values


def under_prefix(path: str) -> bool:
    """True when ``path`` is the blueprint's prefix or below it."""
    prefix = current_app.extensions["sla_timers"].settings.url_prefix
    return path == prefix or path.startswith(prefix + "/")
