"""RFC 9457 problem details for every JSON API error, naming the offending field."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field, ValidationError
from pydantic_core import PydanticCustomError
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from joinedup.logs import get_logger

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://joinedup.org.uk/problems/"
log = get_logger(__name__)


class FieldError(BaseModel):
    field: str = Field(description="Dotted path of the offending field, e.g. body.ods_code")
    message: str
    code: str = Field(description="Machine-readable error code, e.g. missing, string_too_long")


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field(description="URI identifying the problem type")
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] = Field(default_factory=list)


class ProblemError(Exception):
    """Raise from services or routes to answer with a problem document."""

    def __init__(
        self,
        status: int,
        code: str,
        title: str,
        detail: str | None = None,
        *,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail
        self.errors = errors or []
        self.headers = headers or {}


def not_found(record_type: str, record_id: str) -> ProblemError:
    return ProblemError(404, "not-found", "Not found", f"No {record_type} {record_id!r} that you can see.")


def conflict(detail: str, field: str | None = None) -> ProblemError:
    errors = [FieldError(field=field, message=detail, code="conflict")] if field else []
    return ProblemError(409, "conflict", "Conflict", detail, errors=errors)


def forbidden(field: str, message: str, detail: str | None = None) -> ProblemError:
    return ProblemError(
        403,
        "forbidden",
        "Forbidden",
        detail or message,
        errors=[FieldError(field=field, message=message, code="forbidden")],
    )


def invalid(field: str, message: str, code: str = "invalid") -> ProblemError:
    return ProblemError(
        422,
        "validation",
        "Invalid request",
        message,
        errors=[FieldError(field=field, message=message, code=code)],
    )


STATUS_CODES = {
    400: "bad-request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "conflict",
    413: "too-large",
    415: "unsupported-media-type",
    422: "validation",
    429: "too-many-requests",
}


FHIR_ISSUE_CODES = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    409: "conflict",
    413: "too-costly",
    415: "not-supported",
    422: "invalid",
    429: "throttled",
}


def operation_outcome(problem: Problem) -> dict[str, Any]:
    """The FHIR form of a problem: one issue per offending field (FHIRPath-like expression)."""
    code = FHIR_ISSUE_CODES.get(problem.status, "exception")
    issues = [
        {"severity": "error", "code": code, "diagnostics": e.message, "expression": [e.field]} for e in problem.errors
    ] or [{"severity": "error", "code": code, "diagnostics": problem.detail or problem.title}]
    return {"resourceType": "OperationOutcome", "issue": issues}


def problem_response(request: Request, problem: Problem, headers: dict[str, str] | None = None) -> Response:
    problem.instance = problem.instance or request.url.path
    if request.url.path.startswith("/fhir/"):
        return JSONResponse(
            operation_outcome(problem), status_code=problem.status, media_type="application/fhir+json", headers=headers
        )
    return JSONResponse(
        problem.model_dump(exclude_none=True),
        status_code=problem.status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def rule_error(field: str, message: str) -> PydanticCustomError:
    """A cross-field rule broken, raised from a validator: the error names `field`, so the
    problem (and a page's form) points at it rather than at the whole model."""
    return PydanticCustomError("rule", "{field}: {message}", {"field": field, "message": message})


def error_loc(err: Mapping[str, Any]) -> tuple[str | int, ...]:
    """A pydantic error's location, ending with the field a rule error names."""
    loc = tuple(err.get("loc", ()))
    named = (err.get("ctx") or {}).get("field") if err.get("type") == "rule" else None
    return (*loc, named) if named else loc


def error_message(err: Mapping[str, Any]) -> str:
    """A pydantic error's message; for a rule error, without its leading "field: "."""
    message = str(err.get("msg", "invalid"))
    return message.split(": ", 1)[-1] if err.get("type") == "rule" else message


def _field_path(loc: Sequence[Any]) -> str:
    return ".".join(str(part) for part in loc)


def field_errors(errors: Sequence[Any], *prefix: str) -> list[FieldError]:
    """Pydantic errors as FieldErrors whose `field` is the dotted path, under `prefix`."""
    return [
        FieldError(
            field=_field_path((*prefix, *error_loc(err))),
            message=err.get("msg", "invalid"),
            code=err.get("type", "invalid"),
        )
        for err in errors
    ]


def validation_error(exc: ValidationError, *prefix: str, detail: str | None = None) -> ProblemError:
    """A 422 problem naming every field pydantic refused, under `prefix` (e.g. "body")."""
    errors = field_errors(exc.errors(), *prefix)
    return ProblemError(422, "validation", "Invalid request", detail or errors[0].message, errors=errors)


def form_errors(exc: ValidationError, *, sep: str = "-") -> dict[str, str]:
    """For a page: each refused field's message, keyed by its path joined with `sep` ("form"
    when the error is about the whole form)."""
    return {sep.join(str(p) for p in error_loc(err)) or "form": error_message(err) for err in exc.errors()}


def validation_problem(exc: RequestValidationError) -> Problem:
    errors = field_errors(exc.errors())
    fields = ", ".join(e.field for e in errors[:5])
    return Problem(
        type=PROBLEM_BASE + "validation",
        title="Invalid request",
        status=422,
        detail=f"{len(errors)} field(s) are invalid: {fields}",
        errors=errors,
    )


def install_problem_handlers(
    app: FastAPI, *, html_handler: Any = None, allowed_methods: Callable[[str], list[str]] | None = None
) -> None:
    """JSON problems for /api and /fhir; pages may render their own HTML error."""

    def wants_html(request: Request) -> bool:
        path = request.url.path
        return html_handler is not None and not path.startswith(("/api/", "/fhir/"))

    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> Response:
        problem = Problem(
            type=PROBLEM_BASE + exc.code,
            title=exc.title,
            status=exc.status,
            detail=exc.detail,
            errors=exc.errors,
        )
        if wants_html(request):
            return await html_handler(request, problem, exc.headers)  # type: ignore[no-any-return]
        return problem_response(request, problem, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        problem = validation_problem(exc)
        if wants_html(request):
            return await html_handler(request, problem, None)  # type: ignore[no-any-return]
        return problem_response(request, problem)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code = STATUS_CODES.get(exc.status_code, "error")
        title = code.replace("-", " ").capitalize()
        detail = exc.detail if isinstance(exc.detail, str) else None
        problem = Problem(type=PROBLEM_BASE + code, title=title, status=exc.status_code, detail=detail)
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405 and allowed_methods is not None:
            # One path may be served by several routes (GET and PATCH); list them all.
            headers["Allow"] = ", ".join(allowed_methods(request.url.path))
        if wants_html(request):
            return await html_handler(request, problem, headers)  # type: ignore[no-any-return]
        return problem_response(request, problem, headers)

    @app.exception_handler(DataError)
    async def _data_error(request: Request, exc: DataError) -> Response:
        # The database refused a value the schema let through (e.g. a NUL character, a number
        # past 64 bits): bad input, so a 422; the transaction was rolled back.
        log.info("data_error", error_type=type(exc.orig).__name__, path=request.url.path)
        problem = Problem(
            type=PROBLEM_BASE + "validation",
            title="Invalid request",
            status=422,
            detail="A value cannot be stored (for example it contains a NUL character or is out of range).",
        )
        if wants_html(request):
            return await html_handler(request, problem, None)  # type: ignore[no-any-return]
        return problem_response(request, problem)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        # Log the type only: exception text can carry personal data from a row.
        log.error("unhandled_error", error_type=type(exc).__name__, path=request.url.path)
        problem = Problem(
            type=PROBLEM_BASE + "internal",
            title="Internal error",
            status=500,
            detail="Something went wrong on our side; nothing was stored.",
        )
        if wants_html(request):
            return await html_handler(request, problem, None)  # type: ignore[no-any-return]
        return problem_response(request, problem)


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": {PROBLEM_JSON: {}}, "description": code.replace("-", " ")}
    for status, code in STATUS_CODES.items()
    if status in (400, 401, 403, 404, 409, 422, 429)
}
