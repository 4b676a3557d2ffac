"""The FHIR facade's own OpenAPI document (served at /fhir/R4/openapi.json): its routes only,
with FHIR JSON bodies and OperationOutcome errors, so it can be read and fuzzed like the API."""

from __future__ import annotations

from typing import Any

from fastapi.openapi.utils import get_openapi
from starlette.routing import BaseRoute

from joinedup import __version__
from joinedup.domains.capacity.fhir.mapping import FHIR_JSON

OPERATION_OUTCOME: dict[str, Any] = {
    "type": "object",
    "required": ["resourceType", "issue"],
    "properties": {
        "resourceType": {"type": "string", "enum": ["OperationOutcome"]},
        "issue": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["severity", "code"],
                "properties": {
                    "severity": {"type": "string"},
                    "code": {"type": "string"},
                    "diagnostics": {"type": "string"},
                    "expression": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
    },
}
ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"description": text, "content": {FHIR_JSON: {"schema": OPERATION_OUTCOME}}}
    for status, text in (
        (400, "Bad request"),
        (401, "Not signed in"),
        (403, "Forbidden"),
        (404, "Not found"),
        (409, "Conflict"),
        (422, "Invalid resource"),
        (429, "Too many requests"),
    )
}


def resource_schema(*types: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["resourceType"],
        "properties": {"resourceType": {"type": "string", "enum": list(types)}},
    }


def answers(*types: str, status: int = 200, also: int | None = None) -> dict[int | str, dict[str, Any]]:
    """`responses` for a route answering a resource of one of `types` (and `also`, e.g. 201)."""
    ok = {"description": "OK", "content": {FHIR_JSON: {"schema": resource_schema(*types)}}}
    out: dict[int | str, dict[str, Any]] = {status: ok, **ERRORS}
    if also is not None:
        out[also] = ok
    return out


_CODING = {"type": "object", "properties": {"system": {"type": "string"}, "code": {"type": "string"}}}
_EXTENSION: dict[str, Any] = {
    "type": "object",
    "required": ["url"],
    "properties": {
        "url": {"type": "string"},
        "valueString": {"type": "string"},
        "valueDateTime": {"type": "string"},
        "valueCodeableConcept": {"type": "object", "properties": {"coding": {"type": "array", "items": _CODING}}},
    },
}
HEALTHCARE_SERVICE: dict[str, Any] = {
    "type": "object",
    "required": ["resourceType"],
    "properties": {
        "resourceType": {"type": "string", "enum": ["HealthcareService"]},
        "id": {"type": "string"},
        "identifier": {
            "type": "array",
            "items": {"type": "object", "properties": {"system": {"type": "string"}, "value": {"type": "string"}}},
        },
        "active": {"type": "boolean"},
        "name": {"type": "string"},
        "type": {
            "type": "array",
            "items": {"type": "object", "properties": {"coding": {"type": "array", "items": _CODING}}},
        },
        "extension": {
            "type": "array",
            "items": {
                **_EXTENSION,
                "properties": {**_EXTENSION["properties"], "extension": {"type": "array", "items": _EXTENSION}},
            },
        },
    },
}
MEASURE_REPORT: dict[str, Any] = {
    "type": "object",
    "required": ["resourceType"],
    "properties": {
        "resourceType": {"type": "string", "enum": ["MeasureReport"]},
        "status": {"type": "string"},
        "type": {"type": "string"},
        "measure": {"type": "string"},
        "date": {"type": "string"},
        "identifier": {"type": "array", "items": {"type": "object", "properties": {"value": {"type": "string"}}}},
        "subject": {"type": "object", "properties": {"reference": {"type": "string"}}},
        "period": {"type": "object", "properties": {"start": {"type": "string"}, "end": {"type": "string"}}},
        "group": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "code": {"type": "object", "properties": {"coding": {"type": "array", "items": _CODING}}},
                    "population": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "code": {
                                    "type": "object",
                                    "properties": {"coding": {"type": "array", "items": _CODING}},
                                },
                                "count": {"type": "integer"},
                            },
                        },
                    },
                },
            },
        },
        "extension": {"type": "array", "items": _EXTENSION},
    },
}


def body(schema: dict[str, Any]) -> dict[str, Any]:
    """`openapi_extra` for a route reading a FHIR resource from its body."""
    return {"requestBody": {"required": True, "content": {FHIR_JSON: {"schema": schema}}}}


def document(routes: list[BaseRoute]) -> dict[str, Any]:
    return get_openapi(
        title="joinedup FHIR R4 facade",
        version=__version__,
        description="Capacity as FHIR R4: HealthcareService (with a capacity-status extension) and "
        "SANER-style MeasureReport bed counts. Errors are OperationOutcome resources.",
        routes=routes,
    )
