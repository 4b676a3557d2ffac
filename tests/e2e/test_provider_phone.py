"""A care home manager on a phone: sees what is out of date, confirms "nothing changed" in one
tap, and updates its bed counts (open, change the numbers, save), with nothing off the screen."""

from __future__ import annotations

import httpx
from playwright.sync_api import expect

from joinedup.core.auth.models import AccessLevel
from joinedup.core.deps import SESSION_COOKIE
from tests.domains.capacity.conftest import SERVICE, api_key_for, beds, update
from tests.e2e.test_live_capacity import _session_cookie
from tests.live_server import serve

PHONE = {"width": 375, "height": 667}  # a small phone, portrait


def _within_screen(page, selector: str) -> None:  # type: ignore[no-untyped-def]
    for element in page.locator(selector).all():
        box = element.bounding_box()
        if box is None:  # hidden
            continue
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 0.5, (selector, box)


def test_provider_confirms_and_updates_capacity_on_a_phone(browser, app, world, session_factory, settings) -> None:
    key = api_key_for(session_factory, world, "care_home_a", "pam_provider", AccessLevel.READ_WRITE)
    token = _session_cookie(session_factory, settings, world, "pam_provider")
    with serve(app) as base, httpx.Client(base_url=base, headers={"X-API-Key": key}) as system:
        assert system.put("/api/v1/capacity/services/home-1", json=SERVICE).status_code == 201
        stale = system.post("/api/v1/capacity/updates", json={"updates": [update("u1", minutes_ago=60 * 30)]})
        assert stale.status_code == 200, stale.text
        context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
        context.add_cookies([{"name": SESSION_COOKIE, "value": token, "url": base}])
        page = context.new_page()
        page.goto(f"{base}/capacity")
        card = page.get_by_test_id("capacity-service")
        expect(card.get_by_test_id("stale")).to_be_visible()
        _within_screen(page, "button, a.nhsuk-button, dd, h1, h2")

        card.get_by_test_id("confirm").tap()  # one tap
        expect(page.get_by_test_id("capacity-done")).to_contain_text("nothing changed")
        expect(page.get_by_test_id("stale")).to_have_count(0)

        page.get_by_test_id("capacity-service").get_by_test_id("update").tap()
        _within_screen(page, "input, select, button")
        vacant = page.get_by_label("Vacant", exact=True)
        expect(vacant).to_have_attribute("inputmode", "numeric")  # the number pad, not the keyboard
        page.get_by_label("Occupied", exact=True).fill("32")
        vacant.fill("4")
        page.get_by_label("Accepting admissions", exact=True).fill("3")
        page.get_by_test_id("save").tap()
        expect(page.get_by_test_id("capacity-done")).to_contain_text("Capacity updated")
        now = system.get("/api/v1/capacity/services/home-1").json()["sections"]["beds"]["value"][0]
        assert now == beds(occupied=32, vacant=4, accepting_admissions=3)
        context.close()
