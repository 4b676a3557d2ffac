"""An organisation's API keys on pages, not only through the API: list them, make one (the
secret shown once and never again) and revoke one after a page that says what that does."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.personas import World


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "the page has no form"
    return match.group(1)


def _keys_url(world: World, org: str = "care_home_a") -> str:
    return f"/organisations/{world.org_id(org)}/api-keys"


def test_a_provider_makes_a_key_sees_its_secret_once_and_revokes_it(client_as, anon: TestClient, world: World) -> None:  # type: ignore[no-untyped-def]
    pam = client_as("pam_provider")
    home = pam.get("/")
    assert f'href="{_keys_url(world)}"' in home.text  # linked from the provider's home page
    listing = pam.get(_keys_url(world))
    assert listing.status_code == 200 and "No API keys yet" in listing.text

    made = pam.post(
        _keys_url(world),
        data={"csrf_token": _csrf(listing.text), "name": "Care planning system", "access": "read_write"},
    )
    assert made.status_code == 201, made.text
    key = re.search(r'value="(jup_[A-Za-z0-9_-]+)"', made.text)
    assert key, "the new key is shown"
    assert made.headers["cache-control"] == "no-store"
    assert "You will not see this key again" in made.text

    # The key works, and is never shown again.
    assert anon.get("/api/v1/capacity/search", headers={"X-API-Key": key.group(1)}).status_code == 200
    listing = pam.get(_keys_url(world))
    assert "Care planning system" in listing.text and key.group(1) not in listing.text
    assert "Read and write" in listing.text

    revoke = re.search(r'href="(/organisations/[^"]+/api-keys/[^"]+/revoke)"', listing.text)
    assert revoke, "each live key has a revoke link"
    confirm = pam.get(revoke.group(1))
    assert confirm.status_code == 200
    assert "Revoke the key “Care planning system”?" in confirm.text and "cannot be undone" in confirm.text
    # Opening the confirmation page changed nothing.
    assert anon.get("/api/v1/capacity/search", headers={"X-API-Key": key.group(1)}).status_code == 200

    done = pam.post(revoke.group(1), data={"csrf_token": _csrf(confirm.text)}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].endswith("?done=revoked")
    after = pam.get(done.headers["location"])
    assert "The key was revoked" in after.text and "Revoked" in after.text
    assert anon.get("/api/v1/capacity/search", headers={"X-API-Key": key.group(1)}).status_code == 401


def test_a_key_needs_a_name_and_an_access_level_and_keeps_what_was_typed(client_as, world: World) -> None:  # type: ignore[no-untyped-def]
    pam = client_as("pam_provider")
    page = pam.get(_keys_url(world))
    r = pam.post(_keys_url(world), data={"csrf_token": _csrf(page.text), "name": "  ", "access": ""})
    assert r.status_code == 422
    assert "There is a problem" in r.text and 'href="#name"' in r.text and 'href="#access"' in r.text
    assert "Enter a name for the key" in r.text and "Choose what the key may do" in r.text
    r = pam.post(_keys_url(world), data={"csrf_token": _csrf(page.text), "name": "x" * 201, "access": "read"})
    assert r.status_code == 422 and "200 characters or fewer" in r.text
    assert 'value="' + "x" * 201 + '"' in r.text  # what was typed is kept
    assert "No API keys yet" in pam.get(_keys_url(world)).text


def test_only_the_organisation_and_a_system_administrator_manage_its_keys(client_as, world: World) -> None:  # type: ignore[no-untyped-def]
    # Another provider cannot see the organisation at all; a commissioner's role has no keys to keep.
    assert client_as("bob_provider").get(_keys_url(world)).status_code in (403, 404)
    assert client_as("colin_commissioner").get(_keys_url(world)).status_code == 403
    assert client_as("bob_provider").get(_keys_url(world, "care_home_b")).status_code == 200
    admin = client_as("alice_admin")
    assert admin.get(_keys_url(world)).status_code == 200
    detail = admin.get(f"/organisations/{world.org_id('care_home_a')}")
    assert f'href="{_keys_url(world)}"' in detail.text


def test_a_link_cannot_put_its_own_words_on_the_page(client_as, world: World) -> None:  # type: ignore[no-untyped-def]
    pam = client_as("pam_provider")
    page = pam.get(_keys_url(world), params={"done": "closed"})
    assert page.status_code == 200 and "closed" not in page.text.lower().split("<main")[1]
    page = pam.get(_keys_url(world), params={"done": "Your account is closed"})
    assert "Your account is closed" not in page.text
