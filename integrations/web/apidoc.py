"""Declaring API routes once: the Flask view and its OpenAPI 3.1 description come from the same call."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint

PROBLEM = {"$ref": "#/components/schemas/Problem"}


@dataclass
class RouteDoc:
    rule: str
    method: str
    summary: str
    tag: str
    body: dict[str, Any] | None
    response: dict[str, Any] | None
    status: int
    public: bool
    query: list[dict[str, Any]] = field(default_factory=list)


class ApiRegistry:
    """A blueprint plus the documentation of each route registered through :meth:`route`."""

    def __init__(self, blueprint: Blueprint, prefix: str) -> None:
        self.blueprint = blueprint
        self.prefix = prefix
        self.routes: list[RouteDoc] = []
        self.schemas: dict[str, Any] = {}

    def route(self, rule: str, method: str, *, summary: str, tag: str, body: dict[str, Any] | None = None,
              response: dict[str, Any] | None = None, status: int = 200, public: bool = False,
              query: list[dict[str, Any]] | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def register(view: Callable[..., Any]) -> Callable[..., Any]:
            endpoint = f"{view.__name__}_{method.lower()}"
            self.blueprint.add_url_rule(rule, endpoint=endpoint, view_func=view, methods=[method])
            self.routes.append(RouteDoc(rule, method, summary, tag, body, response, status, public, query or []))
            return view

        return register

    def openapi(self, title: str, version: str) -> dict[str, Any]:
        paths: dict[str, Any] = {}
        for route in self.routes:
            path = self.prefix + _openapi_path(route.rule)
            operation: dict[str, Any] = {
                "summary": route.summary,
                "tags": [route.tag],
                "operationId": route.method.lower() + "_" + _operation_suffix(path),
                "parameters": [
                    {"name": name, "in": "path", "required": True, "schema": {"type": kind}}
                    for name, kind in _path_params(route.rule)
                ] + [{"in": "query", **q} for q in route.query],
                "responses": {
                    str(route.status): {"description": "OK", "content": {"application/json": {
                        "schema": route.response or {"type": "object"}}}},
                    "default": {"description": "An error", "content": {"application/problem+json": {
                        "schema": PROBLEM}}},
                },
            }
            if route.body is not None:
                operation["requestBody"] = {"required": True,
                                            "content": {"application/json": {"schema": route.body}}}
            if route.public:
                operation["security"] = []
            paths.setdefault(path, {})[route.method.lower()] = operation
        return {
            "openapi": "3.1.0",
            "info": {"title": title, "version": version},
            "paths": paths,
            "components": {
                "securitySchemes": {
                    "token": {"type": "http", "scheme": "bearer", "description": "An API token (mf_…)"},
                    "session": {"type": "apiKey", "in": "cookie", "name": "session"},
                },
                "schemas": {"Problem": {
                    "type": "object", "required": ["title", "status"],
                    "properties": {"type": {"type": "string"}, "title": {"type": "string"},
                                   "status": {"type": "integer"}, "detail": {"type": "string"},
                                   "errors": {"type": "array", "items": {"type": "object"}}}},
                    **self.schemas},
            },
            "security": [{"token": []}, {"session": []}],
        }


def _path_params(rule: str) -> list[tuple[str, str]]:
    out = []
    for part in rule.split("/"):
        if part.startswith("<") and part.endswith(">"):
            converter, _, name = part[1:-1].rpartition(":")
            out.append((name, "integer" if converter == "int" else "string"))
    return out


def _openapi_path(rule: str) -> str:
    parts = []
    for part in rule.split("/"):
        if part.startswith("<") and part.endswith(">"):
            parts.append("{" + part[1:-1].rpartition(":")[2] + "}")
        else:
            parts.append(part)
    return "/".join(parts)


def _operation_suffix(path: str) -> str:
    return path.strip("/").replace("/", "_").replace("{", "").replace("}", "")
