"""Sign-in, sessions, lockout, CSRF, API keys and OAuth2 client-credentials tokens."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from joinedup.core.auth.models import ApiKey, LoginThrottle, OAuthClient
from joinedup.core.auth.secrets import hash_password, verify_password
from joinedup.core.auth.service import LAST_USED_RESOLUTION
from joinedup.core.clock import utcnow
from joinedup.db.tenancy import Scope
from tests.personas import PASSWORD


def _csrf(client: TestClient) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert match
    return match.group(1)


def _sign_in(client: TestClient, email: str, password: str) -> int:
    r = client.post(
        "/login", data={"email": email, "password": password, "csrf_token": _csrf(client)}, follow_redirects=False
    )
    return int(r.status_code)


def test_passwords_are_hashed_with_argon2id() -> None:
    hashed = hash_password("a long enough password")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "a long enough password")
    assert not verify_password(hashed, "wrong password!!")
    assert not verify_password(None, "a long enough password")


def test_sign_in_sets_a_secure_session_cookie_and_shows_the_home_page(anon, world) -> None:
    r = anon.post(
        "/login",
        data={"email": "pam_provider@example.test", "password": PASSWORD, "csrf_token": _csrf(anon)},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith("jup_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    assert "Your services and capacity" in anon.get("/").text


def test_session_cookie_is_secure_over_https(app, world) -> None:
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as client:
        r = client.post(
            "/login",
            data={"email": "pam_provider@example.test", "password": PASSWORD, "csrf_token": _csrf(client)},
            follow_redirects=False,
        )
        cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith("jup_session="))
        assert "Secure" in cookie


def test_sign_in_without_csrf_token_is_refused(anon, world) -> None:
    anon.get("/login")
    r = anon.post("/login", data={"email": "pam_provider@example.test", "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 403
    assert "jup_session" not in anon.cookies


def test_failed_sign_in_says_the_same_for_known_and_unknown_accounts(anon, world) -> None:
    known = anon.post(
        "/login",
        data={"email": "pam_provider@example.test", "password": "wrong password here", "csrf_token": _csrf(anon)},
    )
    unknown = anon.post(
        "/login", data={"email": "nobody@example.test", "password": "wrong password here", "csrf_token": _csrf(anon)}
    )
    assert known.status_code == unknown.status_code == 401

    def message(html: str) -> str:
        return re.sub(r'value="[^"]*"', "", html)

    assert message(known.text) == message(unknown.text).replace("nobody@example.test", "pam_provider@example.test")


def test_account_locks_after_repeated_failures_even_with_the_right_password(anon, world, settings) -> None:
    for _ in range(settings.login_max_failures):
        assert _sign_in(anon, "bob_provider@example.test", "not the password") == 401
    assert _sign_in(anon, "bob_provider@example.test", PASSWORD) == 401
    # Another account from the same address is unaffected.
    assert _sign_in(anon, "pam_provider@example.test", PASSWORD) == 303


def test_unknown_accounts_lock_out_exactly_like_real_ones(anon, world, settings, session_factory) -> None:
    for email in ("bob_provider@example.test", "ghost@example.test"):
        for _ in range(settings.login_max_failures):
            _sign_in(anon, email, "not the password")
    with session_factory() as s:
        s.info["scope"] = Scope.system("test")
        rows = s.scalars(select(LoginThrottle).where(LoginThrottle.locked_until.is_not(None))).all()
    assert len(rows) == 2


def test_too_many_failures_from_one_address_are_rate_limited(app, world, settings) -> None:
    settings.login_ip_limit = 3
    with TestClient(app, raise_server_exceptions=False) as client:
        for i in range(3):
            _sign_in(client, f"someone{i}@example.test", "not the password")
        assert _sign_in(client, "pam_provider@example.test", PASSWORD) == 401


def test_sign_out_revokes_the_session(client_as) -> None:
    pam = client_as("pam_provider")
    assert pam.get("/api/v1/me").status_code == 200
    token = pam.headers["X-CSRF-Token"]
    assert pam.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    assert pam.get("/api/v1/me").status_code == 401


def test_cookie_session_must_echo_csrf_header_on_api_writes(client_as, world) -> None:
    admin = client_as("alice_admin")
    body = {"name": "New Home", "type": "care_home_provider"}
    r = admin.post("/api/v1/organisations", json=body, headers={"X-CSRF-Token": "forged"})
    assert r.status_code == 403 and r.json()["type"].endswith("/csrf")
    assert admin.post("/api/v1/organisations", json=body).status_code == 201


def _api_key(client_as, world, access: str) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    pam = client_as("pam_provider")
    r = pam.post(
        f"/api/v1/organisations/{world.org_id('care_home_a')}/api-keys", json={"name": "DSCR", "access": access}
    )
    assert r.status_code == 201, r.text
    return r.json()["key"], r.json()["id"]


def test_api_key_is_stored_hashed_and_records_last_use(app, client_as, world, session_factory) -> None:
    key, key_id = _api_key(client_as, world, "read")
    with session_factory() as s:
        s.info["scope"] = Scope.system("test")
        row = s.get(ApiKey, key_id)
        assert row is not None and key not in (row.secret_hash, row.prefix) and row.last_used_at is None
    with TestClient(app) as machine:
        r = machine.get("/api/v1/organisations", headers={"Authorization": f"Bearer {key}"})
        assert r.status_code == 200
        assert {o["id"] for o in r.json()["items"]} == {world.org_id("care_home_a")}
    with session_factory() as s:
        s.info["scope"] = Scope.system("test")
        row = s.get(ApiKey, key_id)
        assert row is not None and row.last_used_at is not None
        first_use = row.last_used_at

    def last_use_after_a_call() -> Any:
        with TestClient(app) as machine:
            assert machine.get("/api/v1/organisations", headers={"X-API-Key": key}).status_code == 200
        with session_factory() as s:
            s.info["scope"] = Scope.system("test")
            row = s.get(ApiKey, key_id)
            assert row is not None
            return row.last_used_at

    # Kept to the minute: a call soon after does not rewrite it; one a minute later does.
    assert last_use_after_a_call() == first_use
    with session_factory() as s:
        s.info["scope"] = Scope.system("test")
        row = s.get(ApiKey, key_id)
        assert row is not None
        row.last_used_at = first_use - LAST_USED_RESOLUTION
        s.commit()
    assert last_use_after_a_call() > first_use


def test_read_only_key_cannot_write_and_revoked_key_stops_working(app, client_as, world) -> None:
    key, key_id = _api_key(client_as, world, "read")
    with TestClient(app, raise_server_exceptions=False, headers={"X-API-Key": key}) as machine:
        r = machine.post(f"/api/v1/organisations/{world.org_id('care_home_a')}/api-keys", json={"name": "x"})
        assert r.status_code == 403
        assert (
            client_as("pam_provider")
            .delete(f"/api/v1/organisations/{world.org_id('care_home_a')}/api-keys/{key_id}")
            .status_code
            == 200
        )
        assert machine.get("/api/v1/organisations").status_code == 401


def test_provider_cannot_make_keys_for_another_provider(client_as, world) -> None:
    r = client_as("pam_provider").post(
        f"/api/v1/organisations/{world.org_id('care_home_b')}/api-keys", json={"name": "x"}
    )
    assert r.status_code == 403


def _oauth_client(client_as, world, access: str = "read_write") -> dict[str, str]:  # type: ignore[no-untyped-def]
    r = client_as("pam_provider").post(
        f"/api/v1/organisations/{world.org_id('care_home_a')}/oauth-clients",
        json={"name": "Rostering system", "access": access},
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_client_credentials_token_grants_short_lived_access(app, client_as, world, settings) -> None:
    oc = _oauth_client(client_as, world)
    with TestClient(app, raise_server_exceptions=False) as machine:
        r = machine.post(
            "/api/v1/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": oc["client_id"],
                "client_secret": oc["client_secret"],
            },
        )
        assert r.status_code == 200, r.text
        token = r.json()["access_token"]
        assert r.json()["expires_in"] == int(settings.access_token_minutes * 60)
        claims = jwt.decode(token, options={"verify_signature": False})
        assert claims["exp"] - claims["iat"] <= 3600
        me = machine.get("/api/v1/organisations", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200
        wrong = machine.post(
            "/api/v1/oauth/token",
            data={"grant_type": "client_credentials", "client_id": oc["client_id"], "client_secret": "nope"},
        )
        assert wrong.status_code == 401


def test_expired_forged_and_revoked_tokens_are_refused(app, client_as, world, settings) -> None:
    oc = _oauth_client(client_as, world)
    now = utcnow()
    claims = {
        "iss": "joinedup",
        "aud": "joinedup-api",
        "sub": oc["id"],
        "org": world.org_id("care_home_a"),
        "scope": "read",
        "iat": now - timedelta(hours=2),
        "exp": now - timedelta(hours=1),
    }
    expired = jwt.encode(claims, settings.secret_key, algorithm="HS256")
    forged = jwt.encode({**claims, "exp": now + timedelta(hours=1)}, "x" * 48, algorithm="HS256")
    with TestClient(app, raise_server_exceptions=False) as machine:
        for token in (expired, forged, "not-a-jwt"):
            assert machine.get("/api/v1/organisations", headers={"Authorization": f"Bearer {token}"}).status_code == 401
        good = machine.post(
            "/api/v1/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": oc["client_id"],
                "client_secret": oc["client_secret"],
            },
        ).json()["access_token"]
        client_as("pam_provider").delete(
            f"/api/v1/organisations/{world.org_id('care_home_a')}/oauth-clients/{oc['id']}"
        )
        assert machine.get("/api/v1/organisations", headers={"Authorization": f"Bearer {good}"}).status_code == 401


@pytest.mark.parametrize("grant", ["password", "authorization_code", ""])
def test_only_client_credentials_grant_is_supported(anon, grant: str) -> None:
    r = anon.post("/api/v1/oauth/token", data={"grant_type": grant, "client_id": "x", "client_secret": "y"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "body.grant_type"


def test_oauth_client_secret_is_stored_hashed(client_as, world, session_factory) -> None:
    oc = _oauth_client(client_as, world)
    with session_factory() as s:
        s.info["scope"] = Scope.system("test")
        row = s.get(OAuthClient, oc["id"])
        assert row is not None and row.secret_hash != oc["client_secret"] and len(row.secret_hash) == 64
