"""JSON request bodies validated from their bytes, for the endpoints that take large ones.

FastAPI parses a body with the standard library's `json.loads` and then validates the Python
objects, both on the event loop. A batch of 1,000 capacity updates is validated faster by
pydantic straight from the bytes (`model_validate_json`), and doing it in the (sync) handler
keeps the event loop free meanwhile. The OpenAPI document still describes the body: the
route names the model with `openapi_extra=json_body(Model)` and `document_json_bodies` adds
the model's schema to the document's components.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from joinedup.core.errors import PROBLEM_RESPONSES, FieldError, ProblemError

T = TypeVar("T")
REF = "#/components/schemas/{model}"
_MODELS: dict[str, type[BaseModel]] = {}


# A 415 as the other problems are documented, for routes that read their body with RawJson.
UNSUPPORTED_MEDIA_TYPE: dict[int | str, dict[str, Any]] = {
    415: PROBLEM_RESPONSES[422] | {"description": "unsupported media type"}
}


def json_body(model: type[BaseModel]) -> dict[str, Any]:
    """`openapi_extra` for a route whose JSON body is `model`, read with `RawJson`."""
    _MODELS[model.__name__] = model
    schema = {"$ref": REF.format(model=model.__name__)}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


# A batch of 1,000 capacity updates is about 1 MiB; every body is also under core.load's limit.
MAX_JSON_BYTES = 4 * 1024 * 1024


async def _raw_json(request: Request) -> bytes:
    media_type = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise ProblemError(
            415, "unsupported-media-type", "Unsupported media type", "Send the body as application/json."
        )
    # Refused before reading when declared too large; reading stops once it streams past the limit.
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_JSON_BYTES:
        raise _too_large()
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_JSON_BYTES:
            raise _too_large()
    return bytes(body)


def _too_large() -> ProblemError:
    message = f"at most {MAX_JSON_BYTES // (1024 * 1024)} MiB of JSON per request"
    return ProblemError(
        413,
        "too_large",
        "Request too large",
        message,
        errors=[FieldError(field="body", message=message, code="too_large")],
    )


# The body's bytes, once the content type is known to be JSON.
RawJson = Annotated[bytes, Depends(_raw_json)]


def parse_json_body(parse: Callable[[bytes], T], body: bytes) -> T:
    """The body parsed by `parse` (e.g. `Model.model_validate_json`); a pydantic
    ValidationError is the same 422 problem as for any other body."""
    try:
        return parse(body)
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", *e["loc"]), "input": None} for e in exc.errors(include_url=False)]
        raise RequestValidationError(errors) from None


def document_json_bodies(app: FastAPI) -> None:
    """Add the schemas of the bodies named by `json_body` to the app's OpenAPI components."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = generate()
        components = document.setdefault("components", {}).setdefault("schemas", {})
        for name, model in sorted(_MODELS.items()):
            schema = model.model_json_schema(ref_template=REF)
            for def_name, definition in schema.pop("$defs", {}).items():
                components.setdefault(def_name, definition)
            components[name] = schema
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
