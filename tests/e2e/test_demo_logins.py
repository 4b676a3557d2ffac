"""In a real browser: each demo role signs in and sees its own home page; pages are usable by keyboard."""

from __future__ import annotations

from typing import Any

from joinedup.core.permissions import Role
from joinedup.demo.seed import DEMO_PASSWORD
from joinedup.web.home import ROLE_HOME


def _sign_in(page: Any, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_test_id("sign-in").click()


def test_every_demo_role_signs_in_and_sees_its_home_page(browser, demo_server) -> None:
    base, logins = demo_server
    assert {login.role for login in logins} == set(Role) - {Role.PROVIDER_SYSTEM}
    for login in logins:
        context = browser.new_context()
        page = context.new_page()
        _sign_in(page, base, login.email, DEMO_PASSWORD)
        heading = page.get_by_test_id("home-heading")
        heading.wait_for()
        assert heading.inner_text() == ROLE_HOME[login.role][0], login.role
        # The page's own inline script ran under the content security policy.
        assert page.evaluate("document.body.classList.contains('js-enabled')")
        # The NHS.UK frontend stylesheet is served and applied.
        assert (
            page.evaluate("getComputedStyle(document.querySelector('.nhsuk-header')).backgroundColor")
            == "rgb(0, 94, 184)"
        )
        page.get_by_test_id("sign-out").click()
        page.wait_for_url(f"{base}/login")
        context.close()


def test_wrong_password_shows_an_error_summary_linked_to_the_field(browser, demo_server) -> None:
    base, _ = demo_server
    page = browser.new_page()
    _sign_in(page, base, "admin@demo.joinedup.test", "not the password")
    summary = page.locator(".nhsuk-error-summary")
    summary.wait_for()
    assert "Sign-in failed" in summary.inner_text()
    assert summary.locator("a").get_attribute("href") == "#email"
    assert page.url.endswith("/login")


def test_sign_in_works_with_the_keyboard_alone(browser, demo_server) -> None:
    base, _ = demo_server
    page = browser.new_page()
    page.goto(f"{base}/login")
    page.get_by_label("Email address").focus()
    page.keyboard.type("commissioner@demo.joinedup.test")
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.get_by_test_id("home-heading").wait_for()
    assert page.get_by_test_id("home-heading").inner_text() == ROLE_HOME[Role.COMMISSIONER][0]


def test_administrator_finds_an_organisation_and_the_audit_log_records_it(browser, demo_server) -> None:
    base, _ = demo_server
    page = browser.new_page()
    _sign_in(page, base, "admin@demo.joinedup.test", DEMO_PASSWORD)
    page.get_by_test_id("home-heading").wait_for()
    page.goto(f"{base}/organisations?q=Allingham")
    row = page.get_by_test_id("organisations-table").locator("tbody tr")
    assert row.count() == 1 and "Allingham House Care Centre" in row.inner_text()
    page.goto(f"{base}/users")
    assert "Synthetic" in page.get_by_test_id("users-table").inner_text()
    page.goto(f"{base}/audit?action=user.list")
    assert "User listed" in page.get_by_test_id("audit-table").inner_text()


def test_every_form_field_has_a_label(browser, demo_server) -> None:
    base, _ = demo_server
    page = browser.new_page()
    _sign_in(page, base, "admin@demo.joinedup.test", DEMO_PASSWORD)
    page.get_by_test_id("home-heading").wait_for()
    for path in ("/login", "/organisations/new", "/users/new", "/audit", "/organisations"):
        page.goto(f"{base}{path}")
        unlabelled = page.evaluate(
            """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
                 .filter(el => !(el.id && document.querySelector(`label[for="${el.id}"]`)) && !el.closest('label'))
                 .map(el => el.name)"""
        )
        assert unlabelled == [], path
