"""In a real browser at 320 and 390 pixels wide (the smallest phones GOV.UK and NHS.UK design for,
and a common one): nothing in the header sits on the page's heading or its error summary, the
sign-out button included, and no page scrolls sideways; the trend chart's labels stay inside it."""

from __future__ import annotations

from typing import Any

import pytest

from joinedup.demo.seed import DEMO_PASSWORD

WIDTHS = [320, 390]
ADMIN_PAGES = (
    "/",
    "/organisations",
    "/organisations/new",
    "/audit",
    "/capacity",
    "/visibility",
    "/visibility/map",
    "/neighbourhoods",
)
ADMIN = "admin@demo.joinedup.test"
DISCHARGE = "discharge@demo.joinedup.test"

# Rectangles of what the header shows (every visible element in it, and the sign-out control
# wherever it is), the first heading of the main content and its error summary.
MEASURE = """() => {
  const box = (e) => { const r = e.getBoundingClientRect(); return {x: r.left, y: r.top, w: r.width, h: r.height}; };
  const shown = (e) => { const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
                         return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
  const header = [...document.querySelectorAll('header *')].filter(shown)
                   .filter((e) => e.children.length === 0 || ['A', 'BUTTON', 'svg'].includes(e.tagName));
  const signOut = [...document.querySelectorAll('[data-testid="sign-out"]')].filter(shown);
  const main = document.querySelector('main');
  const targets = [main.querySelector('h1'), main.querySelector('.nhsuk-error-summary')].filter((e) => e && shown(e));
  return {
    header: [...header, ...signOut].map((e) => ({...box(e), what: e.tagName + ' ' + e.textContent.slice(0, 30)})),
    targets: targets.map((e) => ({...box(e), what: e.tagName + ' ' + e.className})),
    scrollWidth: document.documentElement.scrollWidth,
    width: window.innerWidth,
  };
}"""


def _overlap(a: dict[str, Any], b: dict[str, Any]) -> bool:
    across = a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"]
    return across and a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"]


def _problems(page: Any, where: str) -> list[str]:
    m = page.evaluate(MEASURE)
    problems = []
    # Against the screen's width: a phone's browser would otherwise zoom out to fit what overflows.
    width = page.viewport_size["width"]
    if max(m["scrollWidth"], m["width"]) > width:
        problems.append(f"{where}: scrolls sideways ({max(m['scrollWidth'], m['width'])} px wide on {width})")
    if not m["targets"]:
        problems.append(f"{where}: no heading found")
    for target in m["targets"]:
        for item in m["header"]:
            if _overlap(item, target):
                problems.append(f"{where}: {item['what']!r} is drawn over {target['what']!r}")
    return problems


def _sign_in(browser: Any, base: str, email: str, width: int) -> Any:
    context = browser.new_context(viewport={"width": width, "height": 740}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{base}/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_test_id("sign-in").click()
    page.get_by_test_id("home-heading").wait_for()
    return page


@pytest.mark.parametrize("width", WIDTHS)
def test_header_never_covers_the_heading_or_the_error_summary(browser: Any, demo_server: Any, width: int) -> None:
    base, _ = demo_server
    problems: list[str] = []
    # Signed out: the sign-in page, and its error summary after a wrong password.
    page = browser.new_context(viewport={"width": width, "height": 740}, is_mobile=True).new_page()
    page.goto(f"{base}/login")
    problems += _problems(page, "/login")
    page.get_by_label("Email address").fill(ADMIN)
    page.get_by_label("Password", exact=True).fill("not the password")
    page.get_by_test_id("sign-in").click()
    page.locator(".nhsuk-error-summary").wait_for()
    problems += _problems(page, "/login, refused")

    page = _sign_in(browser, base, ADMIN, width)
    for path in ADMIN_PAGES:
        page.goto(f"{base}{path}")
        problems += _problems(page, path)
    coordinator = _sign_in(browser, base, DISCHARGE, width)
    for path in ("/discharge", "/discharge/reports", "/visibility/views"):
        coordinator.goto(f"{base}{path}")
        problems += _problems(coordinator, f"{path} (discharge coordinator)")
    assert problems == []
    # Forms sent back with their error summaries.
    page.goto(f"{base}/organisations/new")
    page.get_by_role("button", name="Add organisation").click()
    page.locator(".nhsuk-error-summary").wait_for()
    problems += _problems(page, "/organisations/new, refused")
    page.goto(f"{base}/")
    page.get_by_role("link", name="API keys").first.click()
    page.get_by_test_id("create-key").click()
    page.locator(".nhsuk-error-summary").wait_for()
    problems += _problems(page, "API keys, refused")
    assert problems == []


def test_the_trend_chart_labels_stay_inside_the_chart(browser: Any, demo_server: Any) -> None:
    base, _ = demo_server
    for width in (*WIDTHS, 1024):
        page = _sign_in(browser, base, DISCHARGE, width)
        page.goto(f"{base}/visibility")
        page.get_by_test_id("children").get_by_role("link", name="Manchester University NHS Foundation Trust").click()
        chart = page.locator("svg.jup-spc").first
        chart.wait_for()
        # Each text's drawn box (the browser's own measure) within the picture's viewBox.
        outside = chart.evaluate(
            """(svg) => {
              const vb = svg.viewBox.baseVal;
              return [...svg.querySelectorAll('text')].map((t) => { const b = t.getBBox();
                  return {text: t.textContent, x: b.x, y: b.y, w: b.width, h: b.height}; })
                .filter((b) => b.x < vb.x || b.y < vb.y || b.x + b.w > vb.x + vb.width || b.y + b.h > vb.y + vb.height);
            }"""
        )
        assert outside == [], (width, outside)
        assert page.evaluate("Math.max(document.documentElement.scrollWidth, window.innerWidth)") <= width
        page.context.close()
