"""The OpenAPI document is the contract: a value of another JSON type than the document says is
refused with a 422 naming the field, never quietly converted.

pydantic validates request values in its lax mode, in which `0` is a boolean, `false` a number,
`"0.5"` a date-time (seconds since 1970) and `"yes"` a boolean query value. The document says
otherwise, so clients written from it would disagree with the server. `strict_types`, a
dependency of every JSON API router, checks each query value and JSON body against the JSON
Schema of the type the route declares (the schema the document publishes) before the route's
own validation runs:

- boolean: JSON true or false (in a query: the text `true` or `false`);
- number and integer: a JSON number, never a boolean or text (in a query: a number's text);
- string with format date-time, date or time: text in that ISO 8601 form, never a number (and a
  date-time a moment that exists in UTC).

Everything else (lengths, patterns, ranges, rules across fields) stays with pydantic. Routes that
validate their body from its bytes (`json_body.RawJson`) validate it strictly themselves.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel, TypeAdapter

_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")
_INTEGER = re.compile(r"-?(0|[1-9][0-9]*)")
_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_TIME = r"[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?([Zz]|[+-][0-9]{2}:?[0-9]{2})?"
FORMATS = {
    "date-time": re.compile(f"{_DATE}[Tt ]{_TIME}"),
    "date": re.compile(_DATE),
    "time": re.compile(_TIME),
}
MESSAGES = {
    "boolean": "must be true or false",
    "number": "must be a number",
    "integer": "must be a whole number",
    "string": "must be text",
    "array": "must be a list",
    "object": "must be an object with named fields",
    "null": "must be null",
    "date-time": "must be a date and time in ISO 8601 form with its UTC offset, like 2026-11-23T09:00:00Z",
    "date": "must be a date in ISO 8601 form, like 2026-11-23",
    "time": "must be a time in ISO 8601 form, like 09:00",
}


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _fits(value: Any, declared: str) -> bool:
    actual = _json_type(value)
    if declared == "number":
        return actual in ("integer", "number")
    if declared == "integer":
        return actual == "integer" or (actual == "number" and float(value).is_integer())
    return actual == declared


@dataclass(frozen=True)
class _Problem:
    loc: tuple[str | int, ...]
    kind: str


class _Checker:
    """Checks a JSON value against the types and formats of a pydantic-made JSON Schema."""

    def __init__(self, schema: Mapping[str, Any]) -> None:
        self.defs: Mapping[str, Any] = schema.get("$defs", {})
        self.root = schema

    def _resolved(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        while "$ref" in schema:
            schema = self.defs[schema["$ref"].rsplit("/", 1)[-1]]
        return schema

    def _alternatives(self, schema: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
        schema = self._resolved(schema)
        alternatives = schema.get("anyOf") or schema.get("oneOf")
        if alternatives:
            for alternative in alternatives:
                yield from self._alternatives(alternative)
        else:
            yield schema

    def problems(self, value: Any, schema: Mapping[str, Any], loc: tuple[str | int, ...]) -> Iterator[_Problem]:
        options = list(self._alternatives(schema))
        typed = [o for o in options if "type" in o]
        if len(typed) < len(options):  # an alternative of any type: nothing to say here
            typed = []
        fitting = [o for o in typed if _fits(value, o["type"])]
        if typed and not fitting:
            yield _Problem(loc, typed[0].get("format", typed[0]["type"]) if len(typed) == 1 else typed[0]["type"])
            return
        for option in fitting or options:
            fmt = option.get("format")
            if isinstance(value, str) and fmt in FORMATS:
                if not FORMATS[fmt].fullmatch(value) or (fmt == "date-time" and not in_range(value)):
                    yield _Problem(loc, fmt)
            elif isinstance(value, dict):
                properties = option.get("properties", {})
                extra = option.get("additionalProperties")
                for name, item in value.items():
                    if name in properties:
                        yield from self.problems(item, properties[name], (*loc, name))
                    elif isinstance(extra, dict):
                        yield from self.problems(item, extra, (*loc, name))
            elif isinstance(value, list) and isinstance(option.get("items"), dict):
                for i, item in enumerate(value):
                    yield from self.problems(item, option["items"], (*loc, i))
            if fitting:
                return  # the first alternative of the value's type decides, as pydantic's union does


def in_range(text: str) -> bool:
    """Whether a date-time's text names a moment that exists in UTC (0001-01-01T00:00+01:00 does
    not: it is in year 0, which nothing can store or compare)."""
    try:
        datetime.fromisoformat(text).astimezone(UTC)
    except (ValueError, OverflowError):
        return False
    return True


def _query_ok(kind: str) -> Callable[[str], bool]:
    if kind == "boolean":
        return lambda text: text in ("true", "false")
    if kind == "number":
        return lambda text: _NUMBER.fullmatch(text) is not None
    if kind == "integer":
        return lambda text: _INTEGER.fullmatch(text) is not None
    if kind == "date-time":
        return lambda text: FORMATS[kind].fullmatch(text) is not None and in_range(text)
    if kind in FORMATS:
        return lambda text: FORMATS[kind].fullmatch(text) is not None
    return lambda text: True


@dataclass(frozen=True)
class _Plan:
    query: tuple[tuple[str, str, Callable[[str], bool]], ...]  # (name, kind, check)
    body: _Checker | None


def _query_kind(checker: _Checker) -> str | None:
    """The one primitive kind a query parameter's schema asks for (lists: of their items)."""
    kinds = set()
    for option in checker._alternatives(checker.root):
        if option.get("type") == "array" and isinstance(option.get("items"), dict):
            option = checker._resolved(option["items"])
        if option.get("type") == "null":
            continue
        kind = option.get("format") if option.get("format") in FORMATS else option.get("type")
        kinds.add(kind)
    return kinds.pop() if len(kinds) == 1 and None not in kinds else None


def _query_fields(dependant: Dependant) -> Iterator[Any]:
    yield from dependant.query_params
    for sub in dependant.dependencies:
        yield from _query_fields(sub)


def _query_annotations(dependant: Dependant) -> dict[str, Any]:
    """Each query parameter's name and declared type (a model of parameters: each of its fields)."""
    out: dict[str, Any] = {}
    for field in _query_fields(dependant):
        annotation = field.field_info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            out.update({info.alias or name: info.annotation for name, info in annotation.model_fields.items()})
        else:
            out[field.alias] = annotation
    return out


def _plan(route: APIRoute) -> _Plan:
    query = []
    for name, annotation in _query_annotations(route.dependant).items():
        kind = _query_kind(_Checker(TypeAdapter(annotation).json_schema()))
        if kind in ("boolean", "number", "integer", *FORMATS):
            query.append((name, kind, _query_ok(kind)))
    body = None
    declared = route.body_field.field_info.annotation if route.body_field is not None else None
    if declared is not None:
        body = _Checker(TypeAdapter(declared).json_schema())
    return _Plan(query=tuple(query), body=body)


_PLAN = "_joinedup_contract_plan"  # kept on the route object: built once, gone with the app


def _is_json(request: Request) -> bool:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


async def strict_types(request: Request) -> None:
    """Refuse query values and JSON body fields of another type than the document says (422)."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    plan: _Plan | None = getattr(route, _PLAN, None)
    if plan is None:
        plan = _plan(route)
        setattr(route, _PLAN, plan)
    problems = [
        _Problem(("query", name), kind)
        for name, kind, ok in plan.query
        for text in request.query_params.getlist(name)
        if not ok(text)
    ]
    if plan.body is not None and _is_json(request) and await request.body():
        problems += plan.body.problems(await request.json(), plan.body.root, ("body",))
    if problems:
        raise RequestValidationError(
            [
                {"type": f"{p.kind}_type", "loc": p.loc, "msg": MESSAGES.get(p.kind, "is of the wrong type")}
                for p in problems
            ]
        )
