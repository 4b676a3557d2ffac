"""In a real browser: pages run under the content security policy with nothing refused and no
console error, fetch nothing from elsewhere but the NHS font, and the API docs page works offline
from the package's own files."""

from __future__ import annotations

from typing import Any

from joinedup.demo.seed import DEMO_PASSWORD

NHS_FONTS = "https://assets.nhs.uk/fonts/"
# Record every content-security-policy violation the page sees, before any of its scripts run.
WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI || "inline"} ${e.sourceFile || ""}`);
});
"""
PAGES = {
    None: ["/login", "/about/data", "/api/v1/docs"],
    "admin@demo.joinedup.test": ["/", "/organisations", "/users", "/users/new", "/audit", "/visibility", "/capacity"],
    "discharge@demo.joinedup.test": ["/", "/discharge", "/discharge/patients/new", "/visibility/map"],
    "provider@demo.joinedup.test": ["/", "/capacity/upload", "/discharge/incoming"],
}


class Watched:
    """One browser context: its console errors, CSP violations and requests to other origins."""

    def __init__(self, browser: Any, base: str) -> None:
        self.base = base
        self.errors: list[str] = []
        self.elsewhere: list[str] = []
        self.fonts: list[str] = []
        self.context = browser.new_context()
        self.context.add_init_script(WATCH_CSP)
        # Offline-safe: the NHS font is answered here (an empty font); anything else external fails.
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))
        self.page.on("response", lambda r: self.errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)

    def _route(self, route: Any) -> None:
        url = route.request.url
        if url.startswith(self.base):
            route.continue_()
        elif url.startswith(NHS_FONTS):
            self.fonts.append(url)
            route.fulfill(
                status=200, body=b"", headers={"Content-Type": "font/woff2", "Access-Control-Allow-Origin": "*"}
            )
        else:
            self.elsewhere.append(url)
            route.abort()

    def visit(self, path: str) -> list[str]:
        response = self.page.goto(self.base + path)
        assert response is not None and response.status == 200, (path, response and response.status)
        self.page.wait_for_load_state("networkidle")
        violations: list[str] = self.page.evaluate("window.__cspViolations")
        return violations


def test_pages_run_under_the_policy_with_no_console_errors(browser, demo_server) -> None:  # type: ignore[no-untyped-def]
    base, _logins = demo_server
    problems: list[str] = []
    fonts_seen = False
    for email, paths in PAGES.items():
        watched = Watched(browser, base)
        if email:
            watched.visit("/login")
            watched.page.get_by_label("Email address").fill(email)
            watched.page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
            watched.page.get_by_test_id("sign-in").click()
            watched.page.wait_for_url(f"{base}/")
        for path in paths:
            watched.errors.clear()
            violations = watched.visit(path)
            problems += [f"{email} {path}: refused by the policy: {v}" for v in violations]
            problems += [f"{email} {path}: console error: {e}" for e in watched.errors]
        problems += [f"{email}: fetched from elsewhere: {url}" for url in watched.elsewhere]
        fonts_seen = fonts_seen or bool(watched.fonts)
        watched.context.close()
    assert not problems, "\n".join(problems)
    assert fonts_seen  # the NHS font is asked for, and allowed


def test_the_api_docs_page_works_offline_from_the_packages_own_files(browser, demo_server) -> None:  # type: ignore[no-untyped-def]
    base, _logins = demo_server
    watched = Watched(browser, base)
    response = watched.page.goto(f"{base}/api/v1/docs")
    assert response is not None
    csp = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in csp and "unsafe" not in csp  # the same policy as every page
    watched.page.locator(".swagger-ui .opblock").first.wait_for(timeout=15000)
    assert watched.page.locator(".swagger-ui .opblock").count() > 20  # the operations are listed
    assert watched.elsewhere == []
    watched.context.close()
