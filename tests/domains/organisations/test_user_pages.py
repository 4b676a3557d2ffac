"""Users are managed on pages, not only through the API: an administrator changes a person's
name, email address and roles (within their own authority), deactivates an account after a page
that says what that stops (signing in, open sessions, the API keys the person made) and can
reactivate it; a person with several roles chooses which one they act in."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from joinedup.core.audit import AuditEvent
from joinedup.core.auth.models import AccessLevel, ApiKey, Membership, User, WebSession
from joinedup.core.auth.principal import Principal
from joinedup.core.event_access import as_heard_by
from joinedup.core.events import Event
from joinedup.core.permissions import Role
from joinedup.db.tenancy import Scope
from joinedup.domains.organisations import schemas
from joinedup.domains.organisations.models import Organisation
from joinedup.domains.organisations.service import credentials
from joinedup.web.words import audit_action
from tests.page_walk import Seen, read_page
from tests.personas import PASSWORD, World
from tests.test_page_words import developer_words


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "the page has no form"
    return match.group(1)


def _user(session_factory: Any, user_id: str) -> tuple[User, list[tuple[str, Role]]]:
    with session_factory() as s:
        s.info["scope"] = Scope.system("test")
        user = s.get(User, user_id)
        assert user is not None
        roles = [
            (m.organisation_id, m.role) for m in s.scalars(select(Membership).where(Membership.user_id == user_id))
        ]
        s.expunge(user)
        return user, sorted(roles)


def _audit(session_factory: Any, action: str) -> list[AuditEvent]:
    with session_factory() as s:
        s.info["scope"] = Scope.system("test")
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def _sign_in(app: Any, email: str, password: str = PASSWORD) -> tuple[TestClient, int]:
    client = TestClient(app, raise_server_exceptions=False)
    token = _csrf(client.get("/login").text)
    r = client.post("/login", data={"email": email, "password": password, "csrf_token": token}, follow_redirects=False)
    return client, r.status_code


def _edit_url(world: World, persona: str) -> str:
    return f"/users/{world.users[persona].id}/edit"


def test_the_users_list_links_each_person_to_a_page_to_change_them(client_as, world: World) -> None:  # type: ignore[no-untyped-def]
    listing = client_as("alice_admin").get("/users")
    assert listing.status_code == 200
    assert f'href="{_edit_url(world, "pam_provider")}"' in listing.text


def test_an_administrator_changes_a_name_and_email_address(client_as, world: World, session_factory, app) -> None:  # type: ignore[no-untyped-def]
    alice = client_as("alice_admin")
    received: list[Event] = []
    app.state.joinedup.bus.on(received.append)
    form = alice.get(_edit_url(world, "pam_provider"))
    assert form.status_code == 200
    assert 'value="Pam Provider"' in form.text and 'value="pam_provider@example.test"' in form.text
    done = alice.post(
        _edit_url(world, "pam_provider"),
        data={"csrf_token": _csrf(form.text), "display_name": "Pam Provider-Jones", "email": " Pam.Jones@Example.ORG "},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    after = alice.get(done.headers["location"])
    assert "Changes saved" in after.text and "Pam Provider-Jones" in after.text
    user, roles = _user(session_factory, world.users["pam_provider"].id)
    assert (user.display_name, user.email) == ("Pam Provider-Jones", "pam.jones@example.org")
    assert roles == [(world.org_id("care_home_a"), Role.PROVIDER_MANAGER)]  # roles untouched
    (row,) = _audit(session_factory, "user.update")
    assert row.record_id == user.id and row.detail["fields"] == ["display_name", "email"]
    assert "Pam" not in str(row.detail)  # the audit row names the fields, not what they hold
    assert [e.topic for e in received] == ["user.updated"]
    # The person signs in with the new address.
    assert _sign_in(app, "pam.jones@example.org")[1] == 303


def test_saving_nothing_new_says_so_and_records_nothing(client_as, world: World, session_factory) -> None:  # type: ignore[no-untyped-def]
    alice = client_as("alice_admin")
    form = alice.get(_edit_url(world, "pam_provider"))
    done = alice.post(
        _edit_url(world, "pam_provider"),
        data={"csrf_token": _csrf(form.text), "display_name": "Pam Provider", "email": "pam_provider@example.test"},
    )
    assert done.status_code == 200 and "No changes were made" in done.text and "Changes saved" not in done.text
    assert _audit(session_factory, "user.update") == []


def test_a_refused_change_names_each_field_and_keeps_what_was_typed(client_as, world: World, session_factory) -> None:  # type: ignore[no-untyped-def]
    alice = client_as("alice_admin")
    form = alice.get(_edit_url(world, "pam_provider"))
    bad = alice.post(
        _edit_url(world, "pam_provider"),
        data={"csrf_token": _csrf(form.text), "display_name": "  ", "email": "pam at home"},
    )
    assert bad.status_code == 422
    assert "There is a problem" in bad.text and 'href="#display_name"' in bad.text and 'href="#email"' in bad.text
    assert "Enter the person&#39;s full name" in bad.text and "Enter an email address in the correct format" in bad.text
    assert 'value="pam at home"' in bad.text
    made = alice.post(
        "/api/v1/users",
        json={
            "email": "taken@example.org",
            "display_name": "Someone Else",
            "password": "a long enough password",
            "memberships": [{"organisation_id": world.org_id("care_home_b"), "role": "care_worker"}],
        },
    )
    assert made.status_code == 201, made.text
    taken = alice.post(
        _edit_url(world, "pam_provider"),
        data={"csrf_token": _csrf(form.text), "display_name": "Pam", "email": "TAKEN@example.org"},
    )
    assert taken.status_code == 422 and "Someone else already uses this email address" in taken.text
    user, _ = _user(session_factory, world.users["pam_provider"].id)
    assert (user.display_name, user.email) == ("Pam Provider", "pam_provider@example.test")
    assert "value" not in str(re.findall(r"pydantic|String should|value_error", bad.text + taken.text))


def test_roles_are_added_and_removed_within_the_administrators_authority(
    client_as, world: World, session_factory
) -> None:  # type: ignore[no-untyped-def]
    alice = client_as("alice_admin")
    url = _edit_url(world, "dan_discharge")
    form = alice.get(url)
    base = {"csrf_token": _csrf(form.text), "display_name": "Dan Discharge", "email": "dan_discharge@example.test"}
    # A role only where it belongs: not a system administrator at a care home.
    wrong = alice.post(
        url, data={**base, "add_organisation": world.org_id("care_home_a"), "add_role": "system_administrator"}
    )
    assert wrong.status_code == 422 and 'href="#add_role"' in wrong.text
    assert "integrated care board" in wrong.text.lower()
    half = alice.post(url, data={**base, "add_organisation": world.org_id("trust")})
    assert half.status_code == 422 and "Select the role to add" in half.text
    assert _user(session_factory, world.users["dan_discharge"].id)[1] == [
        (world.org_id("trust"), Role.DISCHARGE_COORDINATOR)
    ]
    # A clinician's role at the same trust, then the coordinator's role removed.
    added = alice.post(
        url, data={**base, "add_organisation": world.org_id("trust"), "add_role": "clinician"}, follow_redirects=False
    )
    assert added.status_code == 303, added.text
    assert _user(session_factory, world.users["dan_discharge"].id)[1] == sorted(
        [(world.org_id("trust"), Role.DISCHARGE_COORDINATOR), (world.org_id("trust"), Role.CLINICIAN)]
    )
    page = alice.get(url).text
    coordinator = re.search(r'name="remove" type="checkbox" value="([^"]+)"[^>]*>\s*<label[^>]*>\s*Discharge', page)
    assert coordinator, page
    removed = alice.post(url, data={**base, "remove": coordinator.group(1)}, follow_redirects=False)
    assert removed.status_code == 303
    assert _user(session_factory, world.users["dan_discharge"].id)[1] == [(world.org_id("trust"), Role.CLINICIAN)]
    # Every role removed: refused, with what to do instead.
    page = alice.get(url).text
    only = re.search(r'name="remove" type="checkbox" value="([^"]+)"', page)
    assert only
    none_left = alice.post(url, data={**base, "remove": only.group(1)})
    assert none_left.status_code == 422 and "deactivate their account instead" in none_left.text
    rows = _audit(session_factory, "user.update")
    assert [r.detail.get("roles_added") for r in rows] == [["clinician"], None]
    assert [r.detail.get("roles_removed") for r in rows] == [None, ["discharge_coordinator"]]


def test_removing_a_role_ends_the_sessions_acting_in_it(client_as, world: World, session_factory) -> None:  # type: ignore[no-untyped-def]
    dan = client_as("dan_discharge")
    assert dan.get("/api/v1/me").json()["role"] == "discharge_coordinator"
    alice = client_as("alice_admin")
    r = alice.patch(
        f"/api/v1/users/{world.users['dan_discharge'].id}",
        json={"memberships": [{"organisation_id": world.org_id("trust"), "role": "clinician"}]},
    )
    assert r.status_code == 200, r.text
    assert [m["role"] for m in r.json()["memberships"]] == ["clinician"]
    assert dan.get("/api/v1/me").status_code == 401  # signed out: that role is gone
    assert client_as("dan_discharge").get("/api/v1/me").json()["role"] == "clinician"


def test_an_administrator_of_another_system_cannot_open_or_change_a_person(client_as, world: World) -> None:  # type: ignore[no-untyped-def]
    otto = client_as("otto_other_admin")
    assert otto.get(_edit_url(world, "pam_provider")).status_code == 404
    assert otto.get(f"/users/{world.users['pam_provider'].id}/deactivate").status_code == 404
    r = otto.patch(f"/api/v1/users/{world.users['pam_provider'].id}", json={"display_name": "Taken over"})
    assert r.status_code == 404
    assert client_as("colin_commissioner").get(_edit_url(world, "pam_provider")).status_code == 403


def test_a_person_with_a_role_beyond_the_administrators_reach_is_refused_before_any_form(
    client_as, world: World, session_factory
) -> None:  # type: ignore[no-untyped-def]
    _two_roles(session_factory, world, "pam_provider", "other_care_home", Role.PROVIDER_MANAGER)
    alice = client_as("alice_admin")
    page = alice.get(_edit_url(world, "pam_provider"))
    assert page.status_code == 403 and "beyond your authority" in page.text
    assert alice.get(f"/users/{world.users['pam_provider'].id}/deactivate").status_code == 403


def test_the_api_changes_email_and_roles_only_within_authority(client_as, world: World, session_factory) -> None:  # type: ignore[no-untyped-def]
    alice = client_as("alice_admin")
    url = f"/api/v1/users/{world.users['pam_provider'].id}"
    r = alice.patch(
        url, json={"memberships": [{"organisation_id": world.org_id("care_home_a"), "role": "system_administrator"}]}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.memberships.0.role"
    r = alice.patch(
        url, json={"memberships": [{"organisation_id": world.org_id("other_care_home"), "role": "provider_manager"}]}
    )
    assert r.status_code == 403 and r.json()["errors"][0]["field"] == "body.memberships.0.organisation_id"
    held = {"organisation_id": world.org_id("care_home_a"), "role": "provider_manager"}
    r = alice.patch(url, json={"memberships": [held, held, held]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.memberships.1.role"
    r = alice.patch(url, json={"memberships": []})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.memberships"
    made = alice.post(
        "/api/v1/users",
        json={
            "email": "taken@example.org",
            "display_name": "Someone Else",
            "password": "a long enough password",
            "memberships": [{"organisation_id": world.org_id("care_home_b"), "role": "care_worker"}],
        },
    )
    assert made.status_code == 201, made.text
    r = alice.patch(url, json={"email": "Taken@example.org"})
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "body.email"
    assert _user(session_factory, world.users["pam_provider"].id)[1] == [
        (world.org_id("care_home_a"), Role.PROVIDER_MANAGER)
    ]
    r = alice.patch(url, json={"email": "Pam@Example.org", "memberships": [held]})
    assert r.status_code == 200 and r.json()["email"] == "pam@example.org"


def _make_key(session_factory: Any, world: World, persona: str, org: str) -> str:
    with session_factory() as s:
        s.info["scope"] = Scope.system("test")
        actor = Principal(
            kind="user",
            actor_id=world.users[persona].id,
            role=Role.PROVIDER_MANAGER,
            organisation_id=world.org_id(org),
            system_id=world.system_id,
            visible_organisation_ids=frozenset({world.org_id(org)}),
        )
        _, key = credentials.create_api_key(
            s,
            actor=actor,
            organisation_id=world.org_id(org),
            data=schemas.CredentialIn(name="Care planning system", access=AccessLevel.READ_WRITE),
        )
        s.commit()
    return key


def test_deactivating_asks_first_then_stops_sign_in_sessions_and_keys(
    client_as, world: World, session_factory, app, anon: TestClient
) -> None:  # type: ignore[no-untyped-def]
    key = _make_key(session_factory, world, "pam_provider", "care_home_a")
    other_key = _make_key(session_factory, world, "bob_provider", "care_home_b")
    pam = client_as("pam_provider")
    assert pam.get("/api/v1/me").status_code == 200
    alice = client_as("alice_admin")
    edit = alice.get(_edit_url(world, "pam_provider")).text
    url = f"/users/{world.users['pam_provider'].id}/deactivate"
    assert f'href="{url}"' in edit
    confirm = alice.get(url)
    assert confirm.status_code == 200
    assert "<h1>Deactivate Pam Provider\u2019s account?</h1>" in confirm.text
    assert "Care planning system" in confirm.text and "Care Home A" in confirm.text  # the key that will stop
    # Opening the page changed nothing.
    assert pam.get("/api/v1/me").status_code == 200
    assert anon.get("/api/v1/capacity/search", headers={"X-API-Key": key}).status_code == 200

    done = alice.post(url, data={"csrf_token": _csrf(confirm.text)}, follow_redirects=False)
    assert done.status_code == 303
    listing = alice.get(done.headers["location"])
    assert "Account deactivated" in listing.text and "Deactivated" in listing.text
    assert pam.get("/api/v1/me").status_code == 401
    assert pam.get("/", follow_redirects=False).status_code == 303  # back to sign-in
    assert _sign_in(app, "pam_provider@example.test")[1] == 401
    assert anon.get("/api/v1/capacity/search", headers={"X-API-Key": key}).status_code == 401
    assert anon.get("/api/v1/capacity/search", headers={"X-API-Key": other_key}).status_code == 200
    with session_factory() as s:
        s.info["scope"] = Scope.system("test")
        live = s.scalars(
            select(WebSession).where(
                WebSession.user_id == world.users["pam_provider"].id, WebSession.revoked_at.is_(None)
            )
        ).all()
        assert live == []
        revoked = s.scalars(select(ApiKey).where(ApiKey.created_by_user_id == world.users["pam_provider"].id)).one()
        assert revoked.revoked_at is not None
    (row,) = _audit(session_factory, "user.deactivate")
    assert row.record_id == world.users["pam_provider"].id and row.detail == {
        "sessions_ended": 1,
        "credentials_revoked": 1,
    }
    assert len(_audit(session_factory, "api_key.revoke")) == 1

    # Reactivated: the person signs in again; a revoked key stays revoked.
    edit = alice.get(_edit_url(world, "pam_provider")).text
    assert "This account is deactivated" in edit
    back = alice.post(
        f"/users/{world.users['pam_provider'].id}/reactivate", data={"csrf_token": _csrf(edit)}, follow_redirects=False
    )
    assert back.status_code == 303
    assert "Account reactivated" in alice.get(back.headers["location"]).text
    assert _sign_in(app, "pam_provider@example.test")[1] == 303
    assert anon.get("/api/v1/capacity/search", headers={"X-API-Key": key}).status_code == 401
    assert len(_audit(session_factory, "user.reactivate")) == 1


def test_an_administrator_cannot_deactivate_themselves(client_as, world: World, session_factory) -> None:  # type: ignore[no-untyped-def]
    alice = client_as("alice_admin")
    edit = alice.get(_edit_url(world, "alice_admin"))
    assert edit.status_code == 200
    url = f"/users/{world.users['alice_admin'].id}/deactivate"
    assert f'href="{url}"' not in edit.text and "You cannot deactivate your own account" in edit.text
    r = alice.post(url, data={"csrf_token": _csrf(edit.text)})
    assert r.status_code == 409 and "You cannot deactivate your own account" in r.text
    r = alice.patch(f"/api/v1/users/{world.users['alice_admin'].id}", json={"active": False})
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "body.active"
    # Nor take away the role they are using now.
    r = alice.patch(
        f"/api/v1/users/{world.users['alice_admin'].id}",
        json={"memberships": [{"organisation_id": world.org_id("icb"), "role": "commissioner"}]},
    )
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "body.memberships"
    _two_roles(session_factory, world, "alice_admin", "icb", Role.COMMISSIONER)
    edit = alice.get(_edit_url(world, "alice_admin")).text
    own = re.search(r'name="remove" type="checkbox" value="([^"]+)"[^>]*>\s*<label[^>]*>\s*System', edit)
    assert own
    form = {"display_name": "Alice Admin", "email": "alice_admin@example.test", "remove": own.group(1)}
    r = alice.post(_edit_url(world, "alice_admin"), data={"csrf_token": _csrf(edit), **form})
    assert r.status_code == 422 and "You cannot remove the role you are using now" in r.text
    assert alice.get("/api/v1/me").status_code == 200


def test_user_events_reach_only_those_who_may_read_users(client_as, world: World, app) -> None:  # type: ignore[no-untyped-def]
    received: list[Event] = []
    app.state.joinedup.bus.on(received.append)
    r = client_as("alice_admin").patch(f"/api/v1/users/{world.users['pam_provider'].id}", json={"active": False})
    assert r.status_code == 200
    (event,) = [e for e in received if e.topic.startswith("user.")]
    assert event.topic == "user.deactivated"

    def who(role: Role, org: str) -> Principal:
        return Principal(
            kind="user",
            actor_id="x",
            role=role,
            organisation_id=world.org_id(org),
            system_id=world.system_id,
            visible_organisation_ids=frozenset({world.org_id(org), world.org_id("care_home_a")}),
        )

    assert as_heard_by(who(Role.SYSTEM_ADMINISTRATOR, "icb"), event) is not None
    assert as_heard_by(who(Role.DISCHARGE_COORDINATOR, "trust"), event) is None
    assert as_heard_by(who(Role.PROVIDER_MANAGER, "care_home_a"), event) is None


def _two_roles(session_factory: Any, world: World, persona: str, org: str, role: Role) -> None:
    with session_factory() as s:
        s.info["scope"] = Scope.system("test")
        where = world.orgs[org]
        s.add(
            Membership(user_id=world.users[persona].id, organisation_id=where.id, system_id=where.system_id, role=role)
        )
        s.commit()


def test_a_person_with_two_roles_switches_between_them(client_as, world: World, session_factory) -> None:  # type: ignore[no-untyped-def]
    _two_roles(session_factory, world, "dan_discharge", "community", Role.CLINICIAN)
    dan = client_as("dan_discharge")
    home = dan.get("/")
    assert 'href="/account/roles"' in home.text  # linked from the header on every page
    roles = dan.get("/account/roles")
    assert roles.status_code == 200
    assert "Discharge coordinator" in roles.text and "Clinician" in roles.text and "Community" in roles.text
    old_token = _csrf(roles.text)
    choice = re.search(r'type="radio" value="([^"]+)"[^>]*>\s*<label[^>]*>\s*Clinician', roles.text)
    assert choice, roles.text
    switched = dan.post(
        "/account/roles", data={"csrf_token": old_token, "role": choice.group(1)}, follow_redirects=False
    )
    assert switched.status_code == 303 and switched.headers["location"] == "/"
    me = dan.get("/api/v1/me").json()
    assert (me["role"], me["organisation_id"]) == ("clinician", world.org_id("community"))
    # The form token changed with the role: a form from before the switch is refused.
    page = dan.get("/account/roles").text
    assert _csrf(page) != old_token
    assert dan.post("/account/roles", data={"csrf_token": old_token, "role": choice.group(1)}).status_code == 403
    (row,) = _audit(session_factory, "auth.switch_role")
    assert row.actor_role == "clinician" and row.organisation_id == world.org_id("community")
    assert row.detail == {"from_role": "discharge_coordinator", "to_role": "clinician"}


def test_a_person_cannot_switch_to_a_role_that_is_not_theirs(client_as, world: World, session_factory) -> None:  # type: ignore[no-untyped-def]
    dan = client_as("dan_discharge")
    with session_factory() as s:
        s.info["scope"] = Scope.system("test")
        alices = s.scalars(select(Membership).where(Membership.user_id == world.users["alice_admin"].id)).one()
    page = dan.get("/account/roles")
    assert page.status_code == 200 and "You have one role" in page.text
    r = dan.post("/account/roles", data={"csrf_token": _csrf(page.text), "role": alices.id})
    assert r.status_code == 422 and "Select one of your roles" in r.text
    r = dan.post("/account/roles", data={"csrf_token": _csrf(page.text)})
    assert r.status_code == 422
    assert dan.get("/api/v1/me").json()["role"] == "discharge_coordinator"
    assert _audit(session_factory, "auth.switch_role") == []
    # A carer, with no organisation, has a roles page too.
    carer = client_as("nora_nobody").get("/account/roles")
    assert carer.status_code == 200 and "Unpaid carer" in carer.text


def test_the_audit_log_words_each_new_action() -> None:
    assert audit_action("user.deactivate") == "User deactivated"
    assert audit_action("user.reactivate") == "User reactivated"
    assert audit_action("auth.switch_role") == "Account switched to another role"


_TYPED = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=60)


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    typed=st.fixed_dictionaries(
        {},
        optional={
            "display_name": _TYPED,
            "email": st.one_of(_TYPED, st.emails()),
            "remove": st.one_of(_TYPED, st.lists(_TYPED, max_size=3)),
            "add_organisation": _TYPED,
            "add_role": st.one_of(_TYPED, st.sampled_from([r.value for r in Role])),
        },
    )
)
def test_whatever_is_typed_into_the_change_form_is_refused_plainly_or_stored_clean(
    client_as, world: World, session_factory, typed: dict[str, Any]
) -> None:  # type: ignore[no-untyped-def]
    alice = client_as("alice_admin")
    url = _edit_url(world, "cleo_clinician")
    before = _user(session_factory, world.users["cleo_clinician"].id)
    r = alice.post(url, data={"csrf_token": _csrf(alice.get(url).text), **typed}, follow_redirects=False)
    assert r.status_code in (303, 403, 422), r.text[:300]
    after = _user(session_factory, world.users["cleo_clinician"].id)
    if r.status_code != 303:
        assert (after[0].display_name, after[0].email, after[1]) == (before[0].display_name, before[0].email, before[1])
    if r.status_code == 422:
        assert "There is a problem" in r.text and not re.search(r"String should|value_error|pydantic", r.text)
    assert not re.search(r"[\x00-\x1f\x7f\ufffd]", after[0].display_name + after[0].email)
    assert after[1], "a person always keeps a role"


def test_the_user_pages_speak_plainly(client_as, world: World, session_factory) -> None:  # type: ignore[no-untyped-def]
    """No codes, ids or developer words on any of these pages, refused forms included."""
    with session_factory() as s:  # the test world names its boards "Icb", as no board is named
        s.info["scope"] = Scope.system("test")
        for key, name in (("icb", "Test ICB"), ("other_icb", "Other ICB")):
            org = s.get(Organisation, world.org_id(key))
            assert org is not None
            org.name = name
        s.commit()
    _make_key(session_factory, world, "pam_provider", "care_home_a")
    _two_roles(session_factory, world, "dan_discharge", "community", Role.CLINICIAN)
    alice = client_as("alice_admin")
    edit = _edit_url(world, "pam_provider")
    token = _csrf(alice.get(edit).text)
    pages: dict[str, str] = {
        "/users": alice.get("/users").text,
        edit: alice.get(edit).text,
        f"{edit} (refused)": alice.post(
            edit, data={"csrf_token": token, "display_name": "", "email": "x", "add_role": "clinician"}
        ).text,
        "/users/new (refused)": alice.post("/users/new", data={"csrf_token": token}).text,
        "deactivate": alice.get(f"/users/{world.users['pam_provider'].id}/deactivate").text,
        "own account": alice.post(
            f"/users/{world.users['alice_admin'].id}/deactivate", data={"csrf_token": token}
        ).text,
        "roles, two": client_as("dan_discharge").get("/account/roles").text,
        "roles, carer": client_as("nora_nobody").get("/account/roles").text,
    }
    dan = client_as("dan_discharge")
    pages["roles, refused"] = dan.post("/account/roles", data={"csrf_token": _csrf(pages["roles, two"])}).text
    problems = []
    for where, html in pages.items():
        page = read_page(html)
        # The test world's addresses are persona names ("pam_provider@..."), not codes.
        words, values = (re.sub(r"\S+@example\.test", "an address", "\n".join(t)) for t in (page.words, page.values))
        seen = Seen(where, 200, words, "\n".join(page.choices), values, page.links)
        problems += developer_words(seen)
    assert problems == []
