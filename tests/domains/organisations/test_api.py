"""Organisations, sites and users through the JSON API and the admin pages."""

from __future__ import annotations

import re

from joinedup.core.events import Event


def test_admin_creates_an_organisation_with_a_site_and_reads_it_back(client_as) -> None:
    admin = client_as("alice_admin")
    body = {
        "name": "Brook House",
        "type": "care_home_provider",
        "cqc_location_id": "1-123456789",
        "sites": [{"name": "Brook House", "postcode": "m41 5bu", "latitude": 53.4, "longitude": -2.3}],
    }
    r = admin.post("/api/v1/organisations", json=body)
    assert r.status_code == 201, r.text
    org = r.json()
    assert org["sites"][0]["postcode"] == "M41 5BU" and org["synthetic"] is False
    assert admin.get(f"/api/v1/organisations/{org['id']}").json() == org


def test_duplicate_identifiers_conflict_and_change_nothing(client_as, world) -> None:
    admin = client_as("alice_admin")
    r = admin.post("/api/v1/organisations", json={"name": "Copy", "type": "acute_trust", "ods_code": "RTT"})
    assert r.status_code == 409
    names = [o["name"] for o in admin.get("/api/v1/organisations", params={"q": "copy"}).json()["items"]]
    assert names == []


def test_site_coordinates_outside_the_uk_name_the_field(client_as, world) -> None:
    r = client_as("alice_admin").post(
        f"/api/v1/organisations/{world.org_id('trust')}/sites",
        json={"name": "Moon base", "latitude": 0, "longitude": 10},
    )
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"body.latitude", "body.longitude"}


def test_creating_a_user_shows_them_with_their_role_and_never_their_password(client_as, world) -> None:
    admin = client_as("alice_admin")
    r = admin.post(
        "/api/v1/users",
        json={
            "email": "Sam.Nurse@nhs.net",
            "display_name": "Sam Nurse",
            "password": "a long enough password",
            "memberships": [{"organisation_id": world.org_id("trust"), "role": "clinician"}],
        },
    )
    assert r.status_code == 201, r.text
    user = r.json()
    assert user["email"] == "sam.nurse@nhs.net" and "password" not in user and "password_hash" not in user
    assert [m["role"] for m in user["memberships"]] == ["clinician"]
    dup = admin.post(
        "/api/v1/users",
        json={
            "email": "sam.nurse@nhs.net",
            "display_name": "Again",
            "password": "a long enough password",
            "memberships": [{"organisation_id": world.org_id("trust"), "role": "clinician"}],
        },
    )
    assert dup.status_code == 409 and dup.json()["errors"][0]["field"] == "body.email"


def test_disabled_user_cannot_use_their_session(client_as, world) -> None:
    pam = client_as("pam_provider")
    assert pam.get("/api/v1/me").status_code == 200
    r = client_as("alice_admin").patch(f"/api/v1/users/{world.users['pam_provider'].id}", json={"active": False})
    assert r.status_code == 200 and r.json()["active"] is False
    assert pam.get("/api/v1/me").status_code == 401


def test_changes_are_published_to_subscribers_after_commit(app, client_as) -> None:
    received: list[Event] = []
    app.state.joinedup.bus.on(received.append)
    r = client_as("alice_admin").post("/api/v1/organisations", json={"name": "Evented", "type": "council"})
    assert [(e.topic, e.record_id) for e in received] == [("organisation.created", r.json()["id"])]


def test_admin_adds_a_user_through_the_form_with_error_summary(client_as, world) -> None:
    admin = client_as("alice_admin")
    form = admin.get("/users/new").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token and 'for="email"' in form
    bad = admin.post(
        "/users/new",
        data={
            "csrf_token": token.group(1),
            "display_name": "Tess",
            "email": "not-an-email",
            "password": "short",
            "organisation_id": world.org_id("trust"),
            "role": "clinician",
        },
    )
    assert bad.status_code == 422
    assert "There is a problem" in bad.text and 'href="#email"' in bad.text and 'href="#password"' in bad.text
    good = admin.post(
        "/users/new",
        data={
            "csrf_token": token.group(1),
            "display_name": "Tess Tester",
            "email": "tess@nhs.net",
            "password": "a long enough password",
            "organisation_id": world.org_id("trust"),
            "role": "clinician",
        },
        follow_redirects=False,
    )
    assert good.status_code == 303
    assert "tess@nhs.net" in admin.get("/users").text
