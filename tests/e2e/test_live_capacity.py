"""In a real browser: a discharge coordinator's capacity page updates itself when a provider's
system pushes a change, with no reload."""

from __future__ import annotations

import time

import httpx
from playwright.sync_api import expect

from joinedup.core.auth import service as auth_service
from joinedup.core.auth.models import AccessLevel, User
from joinedup.core.deps import SESSION_COOKIE
from joinedup.db.tenancy import Scope
from tests.domains.capacity.conftest import SERVICE, api_key_for, approve, beds, update
from tests.live_server import serve


def _session_cookie(session_factory, settings, world, persona: str) -> str:  # type: ignore[no-untyped-def]
    with session_factory() as session:
        session.info["scope"] = Scope.system("e2e sign-in")
        user = session.get(User, world.users[persona].id)
        assert user is not None
        membership = auth_service.default_membership(user)
        token, _ = auth_service.start_web_session(
            session, settings, user=user, membership_id=membership.id if membership else None
        )
        session.commit()
    return token


def test_capacity_page_updates_live_when_a_provider_pushes(browser, app, world, session_factory, settings) -> None:
    key = api_key_for(session_factory, world, "care_home_a", "pam_provider", AccessLevel.READ_WRITE)
    token = _session_cookie(session_factory, settings, world, "dan_discharge")
    with serve(app) as base:
        provider = httpx.Client(base_url=base, headers={"X-API-Key": key})
        assert provider.put("/api/v1/capacity/services/home-1", json=SERVICE).status_code == 201
        approve(session_factory, world, "home-1")  # a new service is found once approved
        first = provider.post(
            "/api/v1/capacity/updates", json={"updates": [update("u1", beds=[beds(accepting_admissions=4)])]}
        )
        assert first.status_code < 300, first.text
        context = browser.new_context()
        context.add_cookies([{"name": SESSION_COOKIE, "value": token, "url": base}])
        page = context.new_page()
        page.goto(f"{base}/capacity?search=1")
        results = page.get_by_test_id("capacity-results")
        assert "4 beds" in results.inner_text()
        page.wait_for_selector("body[data-live-ready='1']", timeout=10_000)
        pushed = time.monotonic()
        second = provider.post(
            "/api/v1/capacity/updates",
            json={"updates": [update("u2", minutes_ago=1, beds=[beds(accepting_admissions=2, vacant=3)])]},
        )
        assert second.status_code < 300, second.text
        expect(results).to_contain_text("2 beds", timeout=10_000)
        # The refresh waits one second to gather bursts of changes; it must not wait much longer.
        assert time.monotonic() - pushed < 5
        context.close()
        provider.close()
