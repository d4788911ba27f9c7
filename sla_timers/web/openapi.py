"""The OpenAPI 3.1 document, built from the route declarations in :data:`.http.ROUTES`.

Request bodies, query parameters and responses come from the same schema
objects the routes check requests with; each route lists every error code it
can answer with, grouped by HTTP status.
"""

from __future__ import annotations

import re
from typing import Any

from .errors import status_of
from .http import ROUTES

_ERROR = {
    "type": "object",
    "required": ["error"],
    "additionalProperties": False,
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "field"],
            "additionalProperties": False,
            "properties": {
                "code": {"type": "string", "description": "stable machine-readable code"},
                "message": {"type": "string"},
                "field": {"type": ["string", "null"], "description": "the input at fault, as a path"},
            },
        }
    },
}

_ACCESS = {
    "public": "Open to anyone.",
    "agent": "Needs the host's agent callback (SLA_AGENT_AUTHORIZER) or admin callback to allow the user.",
    "admin": "Needs the host's admin callback (SLA_ADMIN_AUTHORIZER) to allow the user.",
}


def openapi_document(prefix: str) -> dict[str, Any]:
    """The document for the blueprint mounted at ``prefix``."""
    paths: dict[str, dict[str, Any]] = {}
    for route in ROUTES:
        path = prefix + re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", route.rule)
        operation: dict[str, Any] = {
            "operationId": route.endpoint,
            "summary": route.summary,
            "description": _ACCESS[route.access],
            "x-sla-access": route.access,
            "responses": {
                str(route.status): {
                    "description": "success",
                    "content": {"application/json": {"schema": route.response.json_schema()}},
                }
            },
        }
        parameters = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in re.findall(r"<(?:[a-z]+:)?([a-z_]+)>", route.rule)
        ]
        if route.query is not None:
            for name, prop in route.query.props.items():
                parameter = {
                    "name": name,
                    "in": "query",
                    "required": prop.required,
                    "schema": prop.schema.json_schema(),
                }
                if prop.schema.description:
                    parameter["description"] = prop.schema.description
                parameters.append(parameter)
        if parameters:
            operation["parameters"] = parameters
        if route.body is not None:
            content: dict[str, Any] = {"schema": route.body.json_schema()}
            if route.example is not None:
                content["example"] = route.example
            operation["requestBody"] = {"required": True, "content": {"application/json": content}}
        by_status: dict[int, list[str]] = {}
        for code in route.errors:
            by_status.setdefault(status_of(code), []).append(code)
        for status, codes in sorted(by_status.items()):
            operation["responses"][str(status)] = {
                "description": "error: " + ", ".join(codes),
                "x-sla-error-codes": codes,
                "content": {"application/json": {"schema": _ERROR}},
            }
        paths.setdefault(path, {})[route.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "sla_timers",
            "version": "1",
            "description": "SLA timers for a helpdesk: dry runs, calendars, timers and badges. "
            'Errors are JSON: {"error": {"code", "message", "field"}}.',
        },
        "paths": paths,
    }
