"""In a real browser, on a 320-pixel phone: an administrator changes a person's name and gives
them a second role, deactivates another person's account after the page that asks first, and
that person can no longer sign in; the person with two roles switches between them and their
home page changes with the role. No page scrolls sideways, and axe-core finds nothing serious."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from joinedup.core.permissions import Role
from joinedup.demo.seed import DEMO_PASSWORD

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
WIDTH = 320


def _context(browser: Any) -> Any:
    # axe is injected into the page, so these contexts let it past the content security policy.
    return browser.new_context(
        viewport={"width": WIDTH, "height": 740}, is_mobile=True, has_touch=True, bypass_csp=True
    )


def _sign_in(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_test_id("sign-in").click()


def _faults(page: Any, where: str) -> list[str]:
    """Sideways scrolling, and axe-core's serious or critical findings, on the page as it is."""
    found = []
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    if width[0] > width[1]:
        found.append(f"{where}: scrolls sideways ({width[0]} px wide in {width[1]})")
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    found += [
        f"{where}: {v['id']} ({v['impact']}, {len(v['nodes'])})"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    return found


def test_an_administrator_changes_and_deactivates_people_and_a_person_switches_role(
    browser: Any, demo_server: Any
) -> None:
    assert AXE.exists(), "run scripts/build-frontend.sh to vendor axe-core for the tests"
    base, logins = demo_server
    email = {x.role: x.email for x in logins}
    dana = next(x for x in logins if x.role is Role.DISCHARGE_COORDINATOR)
    faults: list[str] = []

    admin = _context(browser).new_page()
    _sign_in(admin, base, email[Role.SYSTEM_ADMINISTRATOR])
    admin.get_by_test_id("home-heading").wait_for()
    admin.goto(f"{base}/users")
    faults += _faults(admin, "users")

    # A new name and a second role for Dana; a refused form first.
    admin.get_by_role("link", name="Dana Discharge").click()
    expect(admin.get_by_label("Full name")).to_have_value("Dana Discharge")
    admin.get_by_label("Full name").fill("")
    admin.get_by_test_id("save-user").click()
    expect(admin.get_by_test_id("problem")).to_contain_text("Enter the person's full name")
    faults += _faults(admin, "change a user, refused")
    admin.get_by_label("Full name").fill("Dana Discharge-Smith")
    admin.get_by_label("Organisation").select_option(label=dana.organisation)
    admin.get_by_label("Role to add").select_option(label="Clinician")
    admin.get_by_test_id("save-user").click()
    expect(admin.get_by_test_id("done")).to_contain_text("Changes saved")
    expect(admin.get_by_test_id("users-table")).to_contain_text("Dana Discharge-Smith")
    expect(admin.get_by_test_id("users-table")).to_contain_text(f"Clinician at {dana.organisation}")

    # Priya's account, deactivated after the page that says what that stops.
    admin.get_by_role("link", name="Priya Provider").click()
    faults += _faults(admin, "change a user")
    admin.get_by_test_id("deactivate").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Deactivate Priya Provider\u2019s account?")
    faults += _faults(admin, "deactivate, asking first")
    admin.get_by_test_id("confirm-deactivate").click()
    expect(admin.get_by_test_id("done")).to_contain_text("Account deactivated")
    expect(admin.get_by_test_id("reactivate")).to_be_visible()

    priya = _context(browser).new_page()
    _sign_in(priya, base, email[Role.PROVIDER_MANAGER])
    expect(priya.locator(".nhsuk-error-summary")).to_contain_text("Sign-in failed")

    # Dana now has two roles, and chooses which one to act in from the header.
    page = _context(browser).new_page()
    _sign_in(page, base, dana.email)
    expect(page.get_by_test_id("home-heading")).to_have_text("Patients ready to leave hospital")
    page.get_by_role("link", name="Dana Discharge-Smith (Discharge coordinator)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your roles")
    faults += _faults(page, "your roles")
    page.get_by_label(f"Clinician at {dana.organisation}").check()
    page.get_by_test_id("switch-role").click()
    expect(page.get_by_test_id("home-heading")).to_have_text("Capacity and the system picture")
    expect(page.get_by_role("link", name="Dana Discharge-Smith (Clinician)")).to_be_visible()
    faults += _faults(page, "home, as a clinician")
    assert faults == []
