"""In a real browser, on a 320-pixel phone: a provider's system registers a new service, which its
manager sees awaiting approval; the care system's administrator finds it, is asked before
rejecting, approves it, and registers a further CQC location for the provider (a refused form
shows the error summary); the provider uploads a CSV with a value too long for any column and
sees the error summary, not a raw error. No page scrolls sideways; axe-core finds nothing serious."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import expect
from sqlalchemy import select

from joinedup.core.auth.models import AccessLevel, Membership, User
from joinedup.core.auth.principal import Principal
from joinedup.core.permissions import Role
from joinedup.db.tenancy import Scope
from joinedup.demo.seed import DEMO_PASSWORD
from joinedup.domains.capacity import csv_io
from joinedup.domains.organisations import schemas
from joinedup.domains.organisations.service import credentials

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
WIDTH = 320


def _page(browser: Any, base: str, email: str) -> Any:
    # axe is injected into the page, so the context lets it past the content security policy.
    context = browser.new_context(
        viewport={"width": WIDTH, "height": 740}, is_mobile=True, has_touch=True, bypass_csp=True
    )
    page = context.new_page()
    page.goto(f"{base}/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_test_id("sign-in").click()
    page.get_by_test_id("home-heading").wait_for()
    return page


def _faults(page: Any, where: str) -> list[str]:
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


def _provider_key(session_factory: Any, email: str) -> tuple[str, str]:
    """A read-write API key for the demo provider manager's organisation, and its id."""
    with session_factory() as session:
        session.info["scope"] = Scope.system("e2e key")
        user = session.scalars(select(User).where(User.email == email)).one()
        membership = session.scalars(select(Membership).where(Membership.user_id == user.id)).first()
        assert membership is not None
        org_id = membership.organisation_id
        actor = Principal(
            kind="user",
            actor_id=user.id,
            role=Role.PROVIDER_MANAGER,
            organisation_id=org_id,
            system_id=membership.system_id,
            visible_organisation_ids=frozenset({org_id}),
        )
        _, key = credentials.create_api_key(
            session,
            actor=actor,
            organisation_id=org_id,
            data=schemas.CredentialIn(name="e2e", access=AccessLevel.READ_WRITE),
        )
        session.commit()
        return key, org_id


def test_a_new_service_waits_for_the_administrator_and_a_bad_upload_is_explained(
    browser: Any, demo_server: Any, session_factory: Any
) -> None:
    assert AXE.exists(), "run scripts/build-frontend.sh to vendor axe-core for the tests"
    base, logins = demo_server
    email = {x.role: x.email for x in logins}
    key, org_id = _provider_key(session_factory, email[Role.PROVIDER_MANAGER])
    with httpx.Client(base_url=base, headers={"X-API-Key": key}) as system:
        made = system.put("/api/v1/capacity/services/e2e-annexe", json={"name": "E2E Annexe", "kind": "care_home"})
        assert made.status_code == 201 and made.json()["identity_status"] == "unverified"
    faults: list[str] = []

    provider = _page(browser, base, email[Role.PROVIDER_MANAGER])
    provider.goto(f"{base}/capacity")
    card = provider.get_by_test_id("capacity-service").filter(has_text="E2E Annexe")
    expect(card.get_by_test_id("unverified")).to_have_text("Awaiting approval")
    faults += _faults(provider, "the provider's capacity")

    admin = _page(browser, base, email[Role.SYSTEM_ADMINISTRATOR])
    admin.goto(f"{base}/capacity?search=1")
    admin.get_by_test_id("awaiting-approval").get_by_role("link").click()
    review = admin.get_by_test_id("review").filter(has_text="E2E Annexe")
    expect(review).to_contain_text("Awaiting approval")
    faults += _faults(admin, "the approvals")
    review.get_by_test_id("reject").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Reject “E2E Annexe”?")
    faults += _faults(admin, "the question before rejecting")
    admin.get_by_role("link", name="No, go back to the list").click()
    admin.get_by_test_id("review").filter(has_text="E2E Annexe").get_by_test_id("approve").click()
    expect(admin.get_by_test_id("done")).to_contain_text("The service is approved")

    admin.goto(f"{base}/organisations/{org_id}")
    admin.get_by_test_id("locations-link").click()
    admin.get_by_test_id("register").click()  # nothing filled in
    summary = admin.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("Enter the CQC location ID")
    expect(summary).to_be_focused()
    faults += _faults(admin, "the refused CQC location")
    admin.get_by_label("CQC location ID").fill("1-987654321")
    admin.get_by_label("Name").fill("E2E Annexe")
    admin.get_by_role("button", name="Register the location").click()
    expect(admin.get_by_test_id("done")).to_contain_text("The location is registered")
    expect(admin.get_by_test_id("locations")).to_contain_text("1-987654321")

    lines = csv_io.template().splitlines()
    cells = lines[1].split(",")
    cells[csv_io.COLUMNS.index("note")] = "x" * 140_000
    provider.goto(f"{base}/capacity/upload")
    provider.locator("input[type=file]").set_input_files(
        {"name": "capacity.csv", "mimeType": "text/csv", "buffer": "\n".join([lines[0], ",".join(cells)]).encode()}
    )
    provider.get_by_role("button", name="Upload").click()
    summary = provider.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("Row 2, column note: a value is longer than 131,072 characters")
    expect(provider.locator("#file-error")).to_be_visible()
    assert "problem+json" not in provider.content()
    faults += _faults(provider, "the refused upload")
    assert faults == []
