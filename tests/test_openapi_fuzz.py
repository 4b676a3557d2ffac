"""Every JSON API operation, fuzzed from the served OpenAPI document: never a 5xx, and every
answer matches the document (status codes, content types, response schemas)."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings as hsettings
from schemathesis.checks import positive_data_acceptance

from joinedup.core.auth import service as auth_service
from joinedup.core.auth.models import User
from joinedup.core.deps import SESSION_COOKIE
from joinedup.db.tenancy import Scope

# Hundreds of generated requests: the slow lane runs them, the fast lane does not.
pytestmark = pytest.mark.slow


@pytest.fixture
def api_schema(app, world):  # type: ignore[no-untyped-def]
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")
# In CI the examples are fixed, so a red run is reproducible; locally each run explores anew.
CI = os.environ.get("JOINEDUP_NO_SKIPS") == "1"


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


@schema.parametrize()
@hsettings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=CI)
def test_api_conforms_to_its_openapi_document(case, admin_headers) -> None:  # type: ignore[no-untyped-def]
    if case.path == "/api/v1/events":
        # Keep the stream short; leave a deliberately invalid max_seconds alone.
        query = dict(case.query or {})
        value = query.get("max_seconds")
        if value is None or (isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 3600):
            query["max_seconds"] = 0
        case.query = query
    # positive_data_acceptance is left out: some rules are beyond JSON Schema (a postcode's
    # shape, e-mail domains that cannot receive mail, opaque cursors), and their 422s are right.
    case.call_and_validate(headers=admin_headers, excluded_checks=[positive_data_acceptance])
