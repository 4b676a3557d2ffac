"""The FHIR facade, fuzzed from its own OpenAPI document (/fhir/R4/openapi.json): never a 5xx,
and every answer matches the document (status codes, FHIR JSON content, resource shapes)."""

from __future__ import annotations

import os

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck
from hypothesis import settings as hsettings
from schemathesis.checks import positive_data_acceptance

from joinedup.core.auth.models import AccessLevel
from tests.domains.capacity.conftest import SERVICE, api_key_for, approve, update


@pytest.fixture
def fhir_schema(app, world):  # type: ignore[no-untyped-def]
    return schemathesis.openapi.from_asgi("/fhir/R4/openapi.json", app)


schema = schemathesis.pytest.from_fixture("fhir_schema")
CI = os.environ.get("JOINEDUP_NO_SKIPS") == "1"
EXAMPLES = 100  # per operation, in the slow lane (derandomised in CI)


@pytest.fixture
def provider_headers(app, world, session_factory) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A care home's rostering system (read-write API key) with one approved service that has
    reported, so the fuzzer reaches the write paths, not only the refusals."""
    key = api_key_for(session_factory, world, "care_home_a", "pam_provider", AccessLevel.READ_WRITE)
    with TestClient(app, headers={"X-API-Key": key}) as client:
        assert client.put("/api/v1/capacity/services/home-1", json=SERVICE).status_code == 201
        approve(session_factory, world, "home-1")
        assert client.post("/api/v1/capacity/updates", json={"updates": [update("fuzz-1")]}).status_code == 200
    return {"X-API-Key": key}


def test_the_fhir_document_lists_only_the_facade(app) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app) as client:
        fhir = client.get("/fhir/R4/openapi.json").json()
        api = client.get("/api/v1/openapi.json").json()
    assert fhir["paths"] and all(p.startswith("/fhir/R4/") for p in fhir["paths"])
    assert "/fhir/R4/openapi.json" not in fhir["paths"]
    assert not any(p.startswith("/fhir/") for p in api["paths"])


@pytest.mark.slow
@schema.parametrize()
@hsettings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=CI)
def test_fhir_conforms_to_its_openapi_document(case, provider_headers) -> None:  # type: ignore[no-untyped-def]
    # As for the JSON API: some rules are beyond JSON Schema (a FHIR dateTime's shape, references
    # to ids the server issued), and their 4xx answers are right.
    case.call_and_validate(headers=provider_headers, excluded_checks=[positive_data_acceptance])
