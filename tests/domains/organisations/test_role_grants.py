"""Roles are granted only within the grantor's authority, and a role's reach follows the
organisation it is held in: a system administrator of the ICB cannot make a care-home user a
system administrator who then sees every organisation, user and audit row."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, select

from joinedup.core.auth import service as auth_service
from joinedup.core.auth.models import Membership, User
from joinedup.core.permissions import STAFF_ROLES, Role
from joinedup.db.tenancy import Scope
from joinedup.domains.organisations.models import Organisation
from joinedup.domains.organisations.schemas import OrganisationType as T
from joinedup.domains.organisations.service.users import grant_problem

# Where each staff role may be held (by organisation type), written out by hand.
EXPECTED_PLACES: dict[Role, set[T]] = {
    Role.SYSTEM_ADMINISTRATOR: {T.ICB},
    Role.COMMISSIONER: {T.ICB, T.COUNCIL},
    Role.DISCHARGE_COORDINATOR: {T.ACUTE_TRUST, T.COMMUNITY_TRUST},
    Role.CLINICIAN: {T.ACUTE_TRUST, T.COMMUNITY_TRUST, T.GP_PRACTICE},
    Role.PROVIDER_MANAGER: {T.CARE_HOME_PROVIDER, T.HOMECARE_PROVIDER, T.REABLEMENT_SERVICE},
    Role.CARE_WORKER: {T.CARE_HOME_PROVIDER, T.HOMECARE_PROVIDER, T.REABLEMENT_SERVICE, T.VOLUNTARY_SECTOR},
    Role.INSPECTOR: {T.REGULATOR},
}
_n = 0


def _new_user(*memberships: tuple[str, str]) -> dict[str, Any]:
    global _n
    _n += 1
    return {
        "email": f"person{_n}@example.org",
        "display_name": f"Person {_n}",
        "password": "a long enough password",
        "memberships": [{"organisation_id": org, "role": role} for org, role in memberships],
    }


def _users(session_factory) -> int:  # type: ignore[no-untyped-def]
    with session_factory() as s:
        s.info["scope"] = Scope.system("test")
        return int(s.scalar(select(func.count()).select_from(User)) or 0)


def test_the_icb_administrator_cannot_make_a_care_home_user_a_system_administrator(
    client_as, world, session_factory
) -> None:
    alice = client_as("alice_admin")
    before = _users(session_factory)
    r = alice.post("/api/v1/users", json=_new_user((world.org_id("care_home_a"), "system_administrator")))
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["errors"][0]["field"] == "body.memberships.0.role"
    assert "integrated care board" in problem["errors"][0]["message"].lower()
    assert _users(session_factory) == before  # nothing stored
    made = alice.post("/api/v1/users", json=_new_user((world.org_id("icb"), "system_administrator")))
    assert made.status_code == 201, made.text


@pytest.mark.parametrize(
    ("org", "role", "status", "field"),
    [
        ("trust", "provider_manager", 422, "role"),
        ("care_home_a", "discharge_coordinator", 422, "role"),
        ("council", "inspector", 422, "role"),
        ("care_home_a", "provider_manager", 201, None),
        ("trust", "discharge_coordinator", 201, None),
        ("other_icb", "system_administrator", 403, "organisation_id"),  # another care system's ICB
        ("other_care_home", "provider_manager", 403, "organisation_id"),
    ],
)
def test_a_role_is_granted_only_where_it_belongs_and_within_the_grantors_system(
    client_as, world, org: str, role: str, status: int, field: str | None
) -> None:
    r = client_as("alice_admin").post("/api/v1/users", json=_new_user((world.org_id(org), role)))
    assert r.status_code == status, r.text
    if field:
        assert r.json()["errors"][0]["field"] == f"body.memberships.0.{field}"


def test_every_staff_role_at_every_kind_of_organisation(session_factory, world) -> None:
    """The grant rule, for each role and organisation type, against the table above."""
    with session_factory() as s:
        s.info["scope"] = Scope.system("test")
        rows = s.execute(select(Organisation.type, Organisation.id).where(Organisation.system_id == world.system_id))
        types = {org_type: org_id for org_type, org_id in rows}
        for org_type in set(T) - set(types):
            org = Organisation(system_id=world.system_id, name=f"A {org_type.value}", type=org_type)
            s.add(org)
            s.flush()
            types[org_type] = org.id
        alice = s.get(User, world.users["alice_admin"].id)
        assert alice is not None
        actor = auth_service.principal_for_membership(s, alice, auth_service.default_membership(alice))
        s.info["scope"] = actor.scope
        for org_type, org_id in types.items():
            for role in sorted(STAFF_ROLES):
                problem = grant_problem(s, actor=actor, organisation_id=org_id, role=role, field="m")
                assert (problem is None) == (org_type in EXPECTED_PLACES[role]), (role, org_type, problem)
        s.rollback()


def test_a_role_held_in_the_wrong_kind_of_organisation_reaches_only_that_organisation(
    client_as, world, session_factory
) -> None:
    """A system administrator membership at a care home (made before the rule) sees its own home
    only: not every organisation, user or audit row of the care system."""
    with session_factory() as s:
        s.info["scope"] = Scope.system("test")
        pam = s.get(User, world.users["pam_provider"].id)
        assert pam is not None
        s.query(Membership).filter(Membership.user_id == pam.id).update({"role": Role.SYSTEM_ADMINISTRATOR})
        s.commit()
    pam_client = client_as("pam_provider")
    orgs = pam_client.get("/api/v1/organisations").json()["items"]
    assert [o["id"] for o in orgs] == [world.org_id("care_home_a")]
    users = pam_client.get("/api/v1/users").json()["items"]
    assert {u["email"] for u in users} == {"pam_provider@example.test"}
    assert all(
        e["organisation_id"] == world.org_id("care_home_a")
        for e in pam_client.get("/api/v1/audit-events").json()["items"]
    )
    # ... and cannot grant itself (or anyone) the reach it lacks.
    r = pam_client.post("/api/v1/users", json=_new_user((world.org_id("icb"), "system_administrator")))
    assert r.status_code == 403 and r.json()["errors"][0]["field"] == "body.memberships.0.organisation_id"
    r = pam_client.post("/api/v1/users", json=_new_user((world.org_id("care_home_a"), "system_administrator")))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.memberships.0.role"


def test_the_same_membership_listed_again_is_named_not_a_server_error(client_as, world, session_factory) -> None:
    before = _users(session_factory)
    home = world.org_id("care_home_a")
    body = _new_user((home, "provider_manager"), (home, "provider_manager"), (home, "provider_manager"))
    r = client_as("alice_admin").post("/api/v1/users", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "body.memberships.1"
    assert _users(session_factory) == before


def test_an_administrator_cannot_change_a_user_who_also_holds_a_role_beyond_their_reach(
    client_as, world, session_factory
) -> None:
    """Otto (another care system) shares no authority over Bob, even if Bob also held a role there."""
    with session_factory() as s:
        s.info["scope"] = Scope.system("test")
        other = s.get(Organisation, world.org_id("other_care_home"))
        assert other is not None
        s.add(
            Membership(
                user_id=world.users["bob_provider"].id,
                organisation_id=other.id,
                system_id=other.system_id,
                role=Role.PROVIDER_MANAGER,
            )
        )
        s.commit()
    r = client_as("otto_other_admin").patch(f"/api/v1/users/{world.users['bob_provider'].id}", json={"active": False})
    assert r.status_code == 403, r.text
    assert client_as("bob_provider").get("/api/v1/me").status_code == 200


def test_the_add_user_page_shows_the_role_error_by_the_role_field(client_as, world) -> None:
    alice = client_as("alice_admin")
    page = alice.get("/users/new").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf
    r = alice.post(
        "/users/new",
        data={
            "csrf_token": csrf.group(1),
            "display_name": "Care Home Person",
            "email": "carehome.person@example.org",
            "password": "a long enough password",
            "organisation_id": world.org_id("care_home_a"),
            "role": "system_administrator",
        },
    )
    assert r.status_code == 422
    assert 'href="#role"' in r.text and "integrated care board" in r.text.lower()
    assert 'value="carehome.person@example.org"' in r.text  # what was typed is kept
