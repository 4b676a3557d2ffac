"""Security headers on every response: the content security policy (the NHS font allowed, nothing
inline), a Permissions-Policy, and HSTS only when the page came over HTTPS; the API docs page
under the same policy, from the package's own files."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from joinedup.config import Settings


def test_every_page_has_the_policy_and_no_hsts_over_plain_http(anon) -> None:
    r = anon.get("/login")
    csp = r.headers["content-security-policy"]
    assert "font-src 'self' https://assets.nhs.uk" in csp
    assert "unsafe-inline" not in csp and "style-src 'self';" in csp
    policy = r.headers["permissions-policy"]
    assert {"camera=()", "microphone=()", "geolocation=()", "payment=()"} <= set(re.split(r",\s*", policy))
    assert "strict-transport-security" not in r.headers
    assert anon.get("/api/v1/health").headers["permissions-policy"] == policy


def test_hsts_over_https(app) -> None:
    with TestClient(app, base_url="https://testserver") as client:
        hsts = client.get("/login").headers["strict-transport-security"]
    assert re.fullmatch(r"max-age=\d{8,}; includeSubDomains", hsts)


def test_hsts_when_a_trusted_proxy_says_https_and_not_when_anyone_else_does(settings, world) -> None:
    from joinedup.main import create_app

    app = create_app(Settings(_env_file=None, **{**settings.model_dump(), "trusted_proxies": "10.0.0.5"}))
    with TestClient(app, client=("10.0.0.5", 1)) as proxy, TestClient(app, client=("10.0.0.6", 1)) as other:
        headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.7"}
        assert "strict-transport-security" in proxy.get("/login", headers=headers).headers
        assert "strict-transport-security" not in other.get("/login", headers=headers).headers


def test_the_api_docs_page_is_under_the_same_policy_and_loads_only_local_files(anon) -> None:
    r = anon.get("/api/v1/docs")
    assert r.status_code == 200
    assert r.headers["content-security-policy"] == anon.get("/login").headers["content-security-policy"]
    sources = re.findall(r'(?:src|href)="([^"]+)"', r.text)
    assert sources and all(s.startswith("/") for s in sources), sources
    assert "<script>" not in r.text and "style=" not in r.text  # nothing inline
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in sources
    assert anon.get("/static/api-docs.js").status_code == 200
