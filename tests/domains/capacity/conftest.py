"""Capacity fixtures: a provider system's API client and update builders."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from joinedup.core.auth import service as auth_service
from joinedup.core.auth.models import AccessLevel, User
from joinedup.core.auth.principal import Principal
from joinedup.core.permissions import Role
from joinedup.db.tenancy import Scope
from joinedup.domains.capacity import service as capacity_service
from joinedup.domains.organisations import schemas
from joinedup.domains.organisations.service import credentials

NOW = datetime.now(UTC).replace(microsecond=0)


def iso(moment: datetime) -> str:
    return moment.isoformat()


def beds(**overrides: Any) -> dict[str, Any]:
    row = {
        "bed_type": "nursing",
        "physical": 40,
        "staffed": 36,
        "occupied": 30,
        "reserved": 1,
        "vacant": 6,
        "accepting_admissions": 4,
    }
    row.update(overrides)
    return row


def update(update_id: str, *, service: str = "home-1", minutes_ago: float = 10, **sections: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "update_id": update_id,
        "provider_service_id": service,
        "as_of": iso(NOW - timedelta(minutes=minutes_ago)),
        "source_system": "TestRoster 1.0",
    }
    if not set(sections) & {"status", "beds", "homecare", "reablement", "admission_rules"}:
        sections = {"status": "accepting", "beds": [beds()], **sections}
    body.update(sections)
    return body


SERVICE = {"name": "Home One", "kind": "care_home", "postcode": "M41 5BU"}


def api_key_for(session_factory: Any, world: Any, org_key: str, persona: str, access: AccessLevel) -> str:
    with session_factory() as session:
        session.info["scope"] = Scope.system("test setup")
        org_id = world.org_id(org_key)
        actor = Principal(
            kind="user",
            actor_id=world.users[persona].id,
            role=Role.PROVIDER_MANAGER,
            organisation_id=org_id,
            system_id=world.system_id,
            visible_organisation_ids=frozenset({org_id}),
        )
        _, key = credentials.create_api_key(
            session, actor=actor, organisation_id=org_id, data=schemas.CredentialIn(name="roster", access=access)
        )
        session.commit()
    return key


def principal(session: Session, world: Any, persona: str) -> Principal:
    """The persona as it signs in (its default membership), read in a system scope."""
    held = session.info.get("scope")
    session.info["scope"] = Scope.system("test sign-in")
    try:
        user = session.get(User, world.users[persona].id)
        assert user is not None
        return auth_service.principal_for_membership(session, user, auth_service.default_membership(user))
    finally:
        session.info["scope"] = held


def approve(session_factory: Any, world: Any, provider_service_id: str, org_key: str = "care_home_a") -> None:
    """The care system's administrator approves a service's identity (as the approvals page does)."""
    other = world.orgs[org_key].system_id == world.other_system_id
    with session_factory() as session:
        actor = principal(session, world, "otto_other_admin" if other else "alice_admin")
        session.info["scope"] = actor.scope
        found = capacity_service.service_by_identifier(
            session, provider_service_id=provider_service_id, organisation_id=world.org_id(org_key)
        )
        capacity_service.decide_identity(session, actor=actor, service_id=found.id, approve=True)
        session.commit()


@pytest.fixture
def provider_system(app, world, session_factory) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    """Care home A's rostering software, with a read-write API key and its service registered
    (and approved by the care system's administrator)."""
    from fastapi.testclient import TestClient

    key = api_key_for(session_factory, world, "care_home_a", "pam_provider", AccessLevel.READ_WRITE)
    with TestClient(app, raise_server_exceptions=False, headers={"X-API-Key": key}) as client:
        assert client.put("/api/v1/capacity/services/home-1", json=SERVICE).status_code == 201
        approve(session_factory, world, "home-1")
        yield client
