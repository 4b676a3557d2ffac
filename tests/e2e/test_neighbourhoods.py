"""In a real browser, a commissioner generates demand for a small area, designs neighbourhoods,
runs the three scenarios and reads the comparison."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from joinedup.core.deps import SESSION_COOKIE
from tests.e2e.test_live_capacity import _session_cookie
from tests.live_server import serve


def test_commissioner_designs_and_compares(browser, app, world, session_factory, settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("JOINEDUP_EXECUTOR", "inline")
    token = _session_cookie(session_factory, settings, world, "colin_commissioner")
    with serve(app) as base:
        context = browser.new_context(viewport={"width": 1024, "height": 768})  # a tablet
        context.add_cookies([{"name": SESSION_COOKIE, "value": token, "url": base}])
        page = context.new_page()
        page.goto(f"{base}/neighbourhoods")
        page.get_by_label("West").check()
        page.get_by_label("Care recipients to generate").fill("120")
        page.get_by_role("button", name="Generate demand").click()
        expect(page.get_by_test_id("demand")).to_contain_text("120 care recipients")
        expect(page.get_by_test_id("demand")).to_contain_text("Synthetic")

        page.get_by_label("Target size").fill("60")
        page.get_by_role("button", name="Design neighbourhoods").click()
        # designed in the background: the page reloads itself until the design is done
        expect(page.get_by_test_id("balance")).to_contain_text("2 neighbourhoods", timeout=60_000)
        expect(
            page.get_by_role("img", name="Map of the neighbourhoods over their LSOAs, numbered, with their sizes")
        ).to_be_visible()

        page.get_by_label("Framework providers (K)").fill("4")
        page.get_by_label("Days in the measured week").fill("1")
        page.get_by_label("Search seconds per 100 visits").fill("0.1")
        page.get_by_role("button", name="Run scenarios").click()
        table = page.get_by_test_id("comparison")
        expect(table).to_be_visible(timeout=90_000)  # the page reloads itself while the run goes on
        for heading in ("Framework (K providers)", "Neighbourhood, pooled", "Neighbourhood, flexible times"):
            expect(table).to_contain_text(heading)
        expect(table).to_contain_text("Travel minutes per visit")
        expect(page.get_by_test_id("headline")).to_contain_text("Travel per visit cut by")
        with page.expect_download() as download:
            page.get_by_role("link", name="Download as CSV").click()
        assert download.value.suggested_filename.endswith(".csv")
        page.get_by_role("link", name="Printable page").click()
        expect(page.get_by_test_id("comparison")).to_be_visible()
        context.close()


pytestmark = pytest.mark.browser
