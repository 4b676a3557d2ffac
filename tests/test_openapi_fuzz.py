"""The OpenAPI document is the contract: every JSON API operation, fuzzed from the served document
as an administrator and as a provider's system, never answers 5xx and answers as the document
says (status codes, content types, response schemas; schema-violating requests refused); and no
operation takes a value of another JSON type than the document says."""

from __future__ import annotations

import html
import os
import re
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck
from hypothesis import settings as hsettings
from schemathesis.checks import negative_data_rejection, positive_data_acceptance

from joinedup.core.auth import service as auth_service
from joinedup.core.auth.models import AccessLevel, User
from joinedup.core.deps import SESSION_COOKIE
from joinedup.db.tenancy import Scope
from tests.domains.capacity.conftest import SERVICE, api_key_for, approve, update

# In CI the examples are fixed, so a red run is reproducible; locally each run explores anew.
CI = os.environ.get("JOINEDUP_NO_SKIPS") == "1"
# Hundreds of generated requests per operation in all: the slow lane runs them.
EXAMPLES = 100
# Where the document says all there is to say about a valid request, a request it allows must be
# accepted (2xx, or 404 for an id that does not exist). Elsewhere a 422 can be right for a
# schema-valid request: rules beyond JSON Schema (a postcode that is not a real one, an opaque
# cursor this server did not issue, an e-mail domain that cannot receive mail, a rule between
# fields, a record in a state that refuses the step).
ACCEPTS_WHAT_IT_DOCUMENTS = {
    ("GET", "/api/v1/capacity/standard/v1.schema.json"),
    ("GET", "/api/v1/capacity/updates/template.csv"),
    ("GET", "/api/v1/capacity/services/{provider_service_id}"),
    ("PUT", "/api/v1/capacity/services/{provider_service_id}"),
}


@pytest.fixture
def api_schema(app, world):  # type: ignore[no-untyped-def]
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def admin_headers(world, session_factory, settings) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with session_factory() as session:
        session.info["scope"] = Scope.system("fuzz sign-in")
        user = session.get(User, world.users["alice_admin"].id)
        assert user is not None
        membership = auth_service.default_membership(user)
        token, row = auth_service.start_web_session(
            session, settings, user=user, membership_id=membership.id if membership else None
        )
        session.commit()
        return {"Cookie": f"{SESSION_COOKIE}={token}", "X-CSRF-Token": row.csrf_token}


@pytest.fixture
def provider_headers(app, world, session_factory) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A care home's rostering system (read-write API key) with an approved service that has
    reported, so the fuzzer reaches the provider's write paths, not only the refusals."""
    key = api_key_for(session_factory, world, "care_home_a", "pam_provider", AccessLevel.READ_WRITE)
    with TestClient(app, headers={"X-API-Key": key}) as client:
        assert client.put("/api/v1/capacity/services/home-1", json=SERVICE).status_code == 201
        approve(session_factory, world, "home-1")
        assert client.post("/api/v1/capacity/updates", json={"updates": [update("fuzz-1")]}).status_code == 200
    return {"X-API-Key": key}


def _short_stream(case: Any) -> None:
    if case.path == "/api/v1/events":
        # Keep the stream short; leave a deliberately invalid max_seconds alone.
        query = dict(case.query or {})
        value = query.get("max_seconds")
        if value is None or (isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 3600):
            query["max_seconds"] = 0
        case.query = query


def _excluded(case: Any) -> list[Any]:
    excluded = [] if (case.method.upper(), case.path) in ACCEPTS_WHAT_IT_DOCUMENTS else [positive_data_acceptance]
    if case.path == "/api/v1/capacity/updates" and str((case.query or {}).get("per_item")).lower() == "true":
        # per_item=true is documented to store the valid updates of a batch and report each invalid
        # one in `items` (200), so a batch with updates the schema refuses is answered, not refused.
        excluded.append(negative_data_rejection)
    return excluded


@pytest.mark.slow
@schema.parametrize()
@hsettings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=CI)
def test_api_conforms_to_its_openapi_document(case, admin_headers) -> None:  # type: ignore[no-untyped-def]
    _short_stream(case)
    # An administrator acts for the care system's board, which reports no capacity: its writes of
    # capacity are refused whatever the request, so acceptance is checked as a provider (below).
    case.call_and_validate(headers=admin_headers, excluded_checks=[positive_data_acceptance])


@pytest.mark.slow
@schema.include(path_regex="^/api/v1/(capacity|organisations/\\{organisation_id\\}/api-keys)").parametrize()
@hsettings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=CI)
def test_api_conforms_to_its_openapi_document_for_a_provider(case, provider_headers) -> None:  # type: ignore[no-untyped-def]
    case.call_and_validate(headers=provider_headers, excluded_checks=_excluded(case))


# Values of another JSON type than the document says, for each kind the document names.
WRONG_QUERY = {
    "boolean": ["0", "1", "yes", "True"],
    "number": ["false", "0x10", "1_000"],
    "integer": ["false", "1.5", "1e3"],
    "date-time": ["0.5", "1764000000", "2026-11-23"],
    "date": ["0", "1764000000", "23/11/2026"],
}
WRONG_BODY: dict[str, list[Any]] = {
    "boolean": [0, 1, "true"],
    "number": [False, "3"],
    "integer": [False, "3", 3.5],
    "date-time": [0.5, "0.5", 1764000000],
    "date": [0, "0", 20261123],
}


def _kinds(schema: Mapping[str, Any], components: Mapping[str, Any]) -> set[str]:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    found: set[str] = set()
    for alternative in schema.get("anyOf", []) + schema.get("oneOf", []):
        found |= _kinds(alternative, components)
    if schema.get("format") in ("date-time", "date"):
        found.add(schema["format"])
    elif schema.get("type") in ("boolean", "number", "integer"):
        found.add(schema["type"])
    return found


def _probes(document: Mapping[str, Any]) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    """(method, path, field, request arguments) for each wrong-typed value of each parameter
    and top-level body field the document types as boolean, number, integer, date or date-time."""
    components = document["components"]["schemas"]
    for template, operations in document["paths"].items():
        for method, operation in operations.items():
            path = template
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    path = path.replace("{" + parameter["name"] + "}", "x")
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query":
                    for kind in _kinds(parameter.get("schema", {}), components):
                        for value in WRONG_QUERY[kind]:
                            yield method, path, f"query.{parameter['name']}", {"params": {parameter["name"]: value}}
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            if body is None:
                continue
            while "$ref" in body:
                body = components[body["$ref"].rsplit("/", 1)[-1]]
            for name, field in body.get("properties", {}).items():
                for kind in _kinds(field, components):
                    for value in WRONG_BODY[kind]:
                        yield method, path, f"body.{name}", {"json": {name: value}}


@pytest.mark.slow
def test_no_operation_takes_a_value_of_another_type_than_the_document_says(app, admin_headers) -> None:  # type: ignore[no-untyped-def]
    """`0` is not a boolean, `false` not a number, `"0.5"` not a date-time: each is refused with a
    422 naming the field, on every operation of the document, before anything else is looked at."""
    taken = []
    with TestClient(app, raise_server_exceptions=False, headers=admin_headers) as client:
        document = client.get("/api/v1/openapi.json").json()
        probes = list(_probes(document))
        for method, path, field, kwargs in probes:
            params = {**({"max_seconds": "0"} if path.endswith("/events") else {}), **kwargs.get("params", {})}
            r = client.request(method.upper(), path, **{**kwargs, "params": params})
            named = r.status_code == 422 and field in {e["field"] for e in r.json().get("errors", [])}
            if not named and r.status_code != 415:  # (a CSV route refuses a JSON body by its media type)
                taken.append((method, path, field, kwargs, r.status_code))
    assert len(probes) > 100  # the document does type many fields
    assert taken == []


def test_a_pages_link_into_the_api_keeps_to_the_document(client_as) -> None:  # type: ignore[no-untyped-def]
    """The audit log's "Download as CSV" carries the page's filters to the API as the document
    spells them (a flag as true, not Python's True)."""
    alice = client_as("alice_admin")
    page = alice.get("/audit", params={"personal_data": "true"})
    link = re.search(r'href="(/api/v1/audit-events\.csv\?[^"]*)"', page.text)
    assert link is not None and "personal_data=true" in link.group(1)
    assert alice.get(html.unescape(link.group(1))).status_code == 200


def test_a_moment_that_is_not_in_utc_range_is_refused_not_a_server_error(client_as) -> None:  # type: ignore[no-untyped-def]
    """Found by the fuzzer: 0001-01-01T00:00:00+01:00 is year 0 in UTC, which no column can hold."""
    alice = client_as("alice_admin")
    for path in ("/api/v1/audit-events", "/api/v1/audit-events.csv"):
        r = alice.get(path, params={"since": "0001-01-01T00:00:00+01:00"})
        assert r.status_code == 422 and [e["field"] for e in r.json()["errors"]] == ["query.since"], r.text
