"""A provider cannot pass itself off as another care home: CQC locations are its own or refused,
one service per CQC location, and a new or changed identity counts nowhere until approved."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from joinedup.core.audit import AuditEvent
from joinedup.core.auth.models import AccessLevel
from joinedup.core.errors import ProblemError
from joinedup.db.tenancy import Scope
from joinedup.domains.capacity import schemas as capacity_schemas
from joinedup.domains.capacity import service as capacity
from joinedup.domains.capacity.models import CapacityService
from joinedup.domains.organisations import schemas as org_schemas
from joinedup.domains.organisations import service as organisations
from tests.domains.capacity.conftest import SERVICE, api_key_for, approve, beds, principal, update

URL = "/api/v1/capacity/services"


def _client(app: Any, session_factory: Any, world: Any, org: str, persona: str) -> TestClient:
    key = api_key_for(session_factory, world, org, persona, AccessLevel.READ_WRITE)
    return TestClient(app, raise_server_exceptions=False, headers={"X-API-Key": key})


def _fifty_free(service_id: str) -> dict[str, Any]:
    return update(
        f"{service_id}-u1",
        service=service_id,
        status="accepting",
        beds=[
            beds(
                bed_type="nursing", physical=50, staffed=50, occupied=0, reserved=0, vacant=50, accepting_admissions=50
            ),
            beds(
                bed_type="residential",
                physical=50,
                staffed=50,
                occupied=0,
                reserved=0,
                vacant=50,
                accepting_admissions=50,
            ),
        ],
    )


def _offered(session_factory: Any, world: Any) -> set[str]:
    """Names of the services matching offers a nursing bed to, and the system's free nursing beds."""
    with session_factory() as s:
        s.info["scope"] = Scope.system("test")
        found = capacity.candidate_services(s, system_id=world.system_id, care_type="nursing", kinds={"care_home"})
        return {c.name for c in found.services if c.accepting}


def _free_nursing(session_factory: Any) -> float:
    with session_factory() as s:
        s.info["scope"] = Scope.system("test")
        figures = capacity.read_service_figures(s)
    return sum(f.free.get("nursing", 0.0) for f in figures)


def _searched(client: TestClient) -> dict[str, str]:
    r = client.get("/api/v1/capacity/search", params={"care_type": "nursing"})
    assert r.status_code == 200, r.text
    return {item["service"]["name"]: item["service"]["identity_status"] for item in r.json()["items"]}


def test_a_provider_cannot_pass_itself_off_as_another_home(app, world, session_factory, client_as) -> None:  # type: ignore[no-untyped-def]
    """The reported attack: Bob's key creates a service under Care Home A's name, CQC location id
    and postcode, pushes 50 free nursing and 50 residential beds, and is offered to patients."""
    victim = world.orgs["care_home_a"]
    before = _free_nursing(session_factory)
    with _client(app, session_factory, world, "care_home_b", "bob_provider") as bob:
        fake = {
            "name": victim.name,
            "kind": "care_home",
            "postcode": "M41 5BU",
            "cqc_location_id": victim.cqc_location_id,
        }
        r = bob.put(f"{URL}/anything", json=fake)
        assert r.status_code == 409, r.text
        assert [e["field"] for e in r.json()["errors"]] == ["body.cqc_location_id"]
        # Without the CQC id it is a new identity: stored, flagged, and counted nowhere.
        r = bob.put(f"{URL}/anything", json={k: v for k, v in fake.items() if k != "cqc_location_id"})
        assert r.status_code == 201, r.text
        assert r.json()["identity_status"] == "unverified"
        pushed = bob.post("/api/v1/capacity/updates", json={"updates": [_fifty_free("anything")]})
        assert pushed.status_code == 200, pushed.text
        assert _searched(bob) == {victim.name: "unverified"}  # its provider sees it, flagged
    assert victim.name not in _offered(session_factory, world)
    assert _free_nursing(session_factory) == before
    assert victim.name not in _searched(client_as("dan_discharge"))
    assert _searched(client_as("alice_admin")) == {victim.name: "unverified"}


def test_a_cqc_location_must_be_registered_to_the_provider(app, world, session_factory) -> None:  # type: ignore[no-untyped-def]
    with _client(app, session_factory, world, "care_home_b", "bob_provider") as bob:
        r = bob.put(f"{URL}/new", json={**SERVICE, "cqc_location_id": "1-999999999"})
        assert r.status_code == 403, r.text
        assert [e["field"] for e in r.json()["errors"]] == ["body.cqc_location_id"]
    with session_factory() as s:
        s.info["scope"] = Scope.system("test")
        assert s.scalar(select(func.count()).select_from(CapacityService)) == 0


def test_a_cqc_location_is_one_service(app, world, session_factory) -> None:  # type: ignore[no-untyped-def]
    own = world.orgs["care_home_a"].cqc_location_id
    with _client(app, session_factory, world, "care_home_a", "pam_provider") as pam:
        assert pam.put(f"{URL}/home-1", json={**SERVICE, "cqc_location_id": own}).status_code == 201
        r = pam.put(f"{URL}/home-2", json={**SERVICE, "cqc_location_id": own})
        assert r.status_code == 409, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert [e["field"] for e in r.json()["errors"]] == ["body.cqc_location_id"]
    with session_factory() as s:  # and the database says so too, whoever writes
        s.info["scope"] = Scope.system("test")
        first = s.scalars(select(CapacityService)).one()
        s.add(
            CapacityService(
                organisation_id=first.organisation_id,
                system_id=first.system_id,
                provider_service_id="home-3",
                name="Copy",
                kind="care_home",
                cqc_location_id=own,
            )
        )
        with pytest.raises(IntegrityError):
            s.flush()


def test_an_approved_service_counts_and_the_approval_is_audited(app, world, session_factory) -> None:  # type: ignore[no-untyped-def]
    before = _free_nursing(session_factory)
    with _client(app, session_factory, world, "care_home_b", "bob_provider") as bob:
        assert bob.put(f"{URL}/wing", json={**SERVICE, "name": "New wing"}).status_code == 201
        assert bob.post("/api/v1/capacity/updates", json={"updates": [_fifty_free("wing")]}).status_code == 200
    assert "New wing" not in _offered(session_factory, world)
    approve(session_factory, world, "wing", org_key="care_home_b")
    assert "New wing" in _offered(session_factory, world)
    assert _free_nursing(session_factory) == before + 50
    with session_factory() as s:
        s.info["scope"] = Scope.system("test")
        audit = s.scalars(select(AuditEvent).where(AuditEvent.action == "capacity_service.approve")).one()
        assert audit.actor_id == world.users["alice_admin"].id
        assert audit.detail["from"] == "unverified" and audit.detail["to"] == "verified"


def test_a_changed_identity_needs_approval_again(app, world, session_factory, provider_system) -> None:  # type: ignore[no-untyped-def]
    provider_system.post("/api/v1/capacity/updates", json={"updates": [update("u1")]})
    assert "Home One" in _offered(session_factory, world)
    same = provider_system.put(f"{URL}/home-1", json=SERVICE)
    assert same.status_code == 200 and same.json()["identity_status"] == "verified"
    moved = provider_system.put(f"{URL}/home-1", json={**SERVICE, "name": "Grand Home"})
    assert moved.status_code == 200 and moved.json()["identity_status"] == "unverified"
    assert "Grand Home" not in _offered(session_factory, world)
    with session_factory() as s:  # an administrator's own change is approved as it is made
        actor = principal(s, world, "alice_admin")
        s.info["scope"] = actor.scope
        out, _ = capacity.upsert_service(
            s,
            actor=actor,
            provider_service_id="home-1",
            data=capacity_schemas.ServiceIn(name="Home One", kind="care_home", postcode="M41 5BU"),
            organisation_id=world.org_id("care_home_a"),
        )
        s.commit()
    assert out.identity_status == "verified"
    assert "Home One" in _offered(session_factory, world)


def test_a_location_registered_by_the_administrator_may_be_used(app, world, session_factory) -> None:  # type: ignore[no-untyped-def]
    with session_factory() as s:
        actor = principal(s, world, "alice_admin")
        s.info["scope"] = actor.scope
        organisations.register_location(
            s,
            actor=actor,
            organisation_id=world.org_id("care_home_b"),
            data=org_schemas.LocationIn(cqc_location_id="1-555555555", name="Elm Annexe", postcode="m41 5bu"),
        )
        s.commit()
        taken = org_schemas.LocationIn(cqc_location_id="1-555555555", name="Again")
        with pytest.raises(ProblemError) as refused:
            organisations.register_location(s, actor=actor, organisation_id=world.org_id("care_home_a"), data=taken)
        assert refused.value.status == 409
    with _client(app, session_factory, world, "care_home_b", "bob_provider") as bob:
        r = bob.put(f"{URL}/annexe", json={**SERVICE, "name": "Elm Annexe", "cqc_location_id": "1-555555555"})
        assert r.status_code == 201 and r.json()["identity_status"] == "unverified"
    with _client(app, session_factory, world, "care_home_a", "pam_provider") as pam:
        r = pam.put(f"{URL}/annexe", json={**SERVICE, "cqc_location_id": "1-555555555"})
        assert r.status_code == 409, r.text


def test_only_an_administrator_of_the_system_approves(app, world, session_factory, provider_system) -> None:  # type: ignore[no-untyped-def]
    renamed = provider_system.put(f"{URL}/home-1", json={**SERVICE, "name": "Renamed"}).json()
    for persona in ("pam_provider", "dan_discharge"):
        with session_factory() as s:
            actor = principal(s, world, persona)
            s.info["scope"] = actor.scope
            with pytest.raises(ProblemError) as refused:
                capacity.decide_identity(s, actor=actor, service_id=renamed["id"], approve=True)
            assert refused.value.status in (403, 404)
    with session_factory() as s:  # another system's administrator cannot even see it
        actor = principal(s, world, "otto_other_admin")
        s.info["scope"] = actor.scope
        with pytest.raises(ProblemError) as refused:
            capacity.decide_identity(s, actor=actor, service_id=renamed["id"], approve=True)
        assert refused.value.status == 404


def test_the_fhir_facade_finds_and_flags_as_the_api_does(app, world, session_factory, client_as) -> None:  # type: ignore[no-untyped-def]
    with _client(app, session_factory, world, "care_home_b", "bob_provider") as bob:
        assert bob.put(f"{URL}/wing", json={**SERVICE, "name": "New wing"}).status_code == 201
        own = bob.get("/fhir/R4/HealthcareService", params={"identifier": "wing"}).json()
        [entry] = own["entry"]
        assert entry["resource"]["meta"]["tag"][0]["code"] == "unverified"
    assert (
        client_as("dan_discharge").get("/fhir/R4/HealthcareService", params={"identifier": "wing"}).json()["total"] == 0
    )
    approve(session_factory, world, "wing", org_key="care_home_b")
    found = client_as("dan_discharge").get("/fhir/R4/HealthcareService", params={"identifier": "wing"}).json()
    assert found["total"] == 1 and found["entry"][0]["resource"]["meta"]["tag"][0]["code"] == "verified"
