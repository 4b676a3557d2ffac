"""The client's address comes from the connection, and from X-Forwarded-For only when the
connection is from a configured proxy: the audit log and the sign-in limiter see the real peer."""

from __future__ import annotations

import re
import threading
import time

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import select

from joinedup.config import Settings
from joinedup.core.audit import AuditEvent
from joinedup.db.tenancy import Scope
from tests.live_server import free_port
from tests.personas import PASSWORD

PROXY = "10.0.0.5"


def _sign_in(client: TestClient, email: str, password: str, forwarded: str | None = None) -> int:
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert csrf
    headers = {"X-Forwarded-For": forwarded, "X-Forwarded-Proto": "https"} if forwarded else {}
    data = {"email": email, "password": password, "csrf_token": csrf.group(1)}
    return int(client.post("/login", data=data, headers=headers, follow_redirects=False).status_code)


def _sign_in_addresses(session_factory) -> list[str | None]:  # type: ignore[no-untyped-def]
    with session_factory() as s:
        s.info["scope"] = Scope.system("test")
        return list(s.scalars(select(AuditEvent.client_ip).where(AuditEvent.action == "auth.sign_in")))


def _app(settings: Settings, **changes: object):  # type: ignore[no-untyped-def]
    from joinedup.main import create_app

    return create_app(Settings(_env_file=None, **{**settings.model_dump(), **changes}))


def test_a_local_process_cannot_choose_its_address(settings, world, session_factory) -> None:
    app = _app(settings, login_ip_limit=3)
    with TestClient(app, client=("127.0.0.1", 5000), raise_server_exceptions=False) as local:
        for i in range(3):
            assert _sign_in(local, f"someone{i}@example.test", "not the password", forwarded=f"203.0.113.{i}") == 401
        # The limiter counted 127.0.0.1 each time, whatever the header said.
        assert _sign_in(local, "pam_provider@example.test", PASSWORD, forwarded="203.0.113.99") == 401
    with TestClient(app, client=("127.0.0.2", 5000), raise_server_exceptions=False) as other:
        assert _sign_in(other, "pam_provider@example.test", PASSWORD, forwarded="198.51.100.7") == 303
    assert _sign_in_addresses(session_factory) == ["127.0.0.2"]


def test_a_configured_proxy_is_believed_about_the_client_and_the_scheme(settings, world, session_factory) -> None:
    app = _app(settings, trusted_proxies=f"{PROXY}, 192.168.0.0/16")
    with TestClient(app, client=(PROXY, 5000), raise_server_exceptions=False) as proxied:
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', proxied.get("/login").text)
        assert csrf
        r = proxied.post(
            "/login",
            data={"email": "pam_provider@example.test", "password": PASSWORD, "csrf_token": csrf.group(1)},
            # A client's own claim, then what the inner proxy (trusted) and the outer one saw.
            headers={"X-Forwarded-For": "1.2.3.4, 198.51.100.7, 192.168.1.1", "X-Forwarded-Proto": "https"},
            follow_redirects=False,
        )
        assert r.status_code == 303
        cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith("jup_session="))
        assert "Secure" in cookie  # the proxy said the client came over HTTPS
    with TestClient(app, client=("10.0.0.6", 5000), raise_server_exceptions=False) as stranger:
        assert _sign_in(stranger, "pam_provider@example.test", PASSWORD, forwarded="1.2.3.4") == 303
    assert _sign_in_addresses(session_factory) == ["198.51.100.7", "10.0.0.6"]


def test_joinedup_serve_believes_no_forwarded_header_by_default(
    settings, world, session_factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`joinedup serve` as it runs, over real HTTP from 127.0.0.1 (a local process)."""
    import uvicorn

    from joinedup import cli

    options: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda target, **kw: options.update(kw, target=target))
    for name, value in (
        ("JOINEDUP_DATABASE_URL", settings.database_url),
        ("JOINEDUP_ENVIRONMENT", "test"),
        ("JOINEDUP_SECRET_KEY", settings.secret_key),
    ):
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("JOINEDUP_TRUSTED_PROXIES", raising=False)
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    port = free_port()
    cli.serve(host="127.0.0.1", port=port)
    target = options.pop("target")
    server = uvicorn.Server(uvicorn.Config(target, log_level="warning", **options))  # type: ignore[arg-type]
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=10) as client:
            for _ in range(100):
                try:
                    page = client.get("/login")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            assert csrf
            r = client.post(
                "/login",
                data={"email": "pam_provider@example.test", "password": PASSWORD, "csrf_token": csrf.group(1)},
                headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"},
            )
            assert r.status_code in (200, 303)
    finally:
        server.should_exit = True
        thread.join(10)
    assert _sign_in_addresses(session_factory) == ["127.0.0.1"]


@pytest.mark.parametrize("value", ["*", "proxy.example", "10.0.0.0/33", "10.0.0.1,,"])
def test_trusted_proxies_must_be_addresses_or_networks(value: str) -> None:
    with pytest.raises(ValidationError, match="JOINEDUP_TRUSTED_PROXIES"):
        Settings(_env_file=None, environment="test", secret_key="k" * 40, trusted_proxies=value)


def test_no_proxy_is_trusted_unless_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JOINEDUP_TRUSTED_PROXIES", raising=False)
    assert Settings(_env_file=None, environment="test", secret_key="k" * 40).trusted_proxy_list == ()
    monkeypatch.setenv("JOINEDUP_TRUSTED_PROXIES", "10.0.0.5, fd00::/8")
    assert Settings(_env_file=None, environment="test", secret_key="k" * 40).trusted_proxy_list == (
        "10.0.0.5",
        "fd00::/8",
    )
