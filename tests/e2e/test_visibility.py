"""In a real browser, on the Trafford demo: a commissioner opens the system picture and drills
down; a discharge coordinator drills down to a ward and its patients; a capacity change pushed
through the API appears without a reload; a provider cannot reach patients; and axe-core finds
no serious or critical accessibility violation on any visibility page."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from joinedup.core.auth import service as auth_service
from joinedup.core.auth.models import AccessLevel, User
from joinedup.core.auth.principal import Principal
from joinedup.core.permissions import Role
from joinedup.db.tenancy import Scope
from joinedup.demo.seed import DEMO_PASSWORD
from joinedup.domains.capacity import service as capacity
from joinedup.domains.capacity.models import CapacityService
from joinedup.domains.discharge import service
from joinedup.domains.discharge.schemas import PatientIn, uk_today
from joinedup.domains.organisations import schemas
from joinedup.domains.organisations.models import Organisation
from joinedup.domains.organisations.service import credentials
from joinedup.domains.visibility import service as visibility
from joinedup.web.words import number

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
COMMISSIONER = "commissioner@demo.joinedup.test"
DISCHARGE = "discharge@demo.joinedup.test"
PROVIDER = "provider@demo.joinedup.test"


WARD = "Ward 10"  # not one of the demo's own wards, so this ward holds exactly the patient added here


@pytest.fixture
def wards(demo_server, session_factory) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """MFT's demo ward list plus one patient on Ward 10, recorded by the demo's discharge
    coordinator through the discharge service, read by the real discharge figures source."""
    with session_factory() as session:
        session.info["scope"] = Scope.system("e2e")
        trust_id = session.scalars(select(Organisation.id).where(Organisation.ods_code == "R0A")).one()
        user = session.scalars(select(User).where(User.email == DISCHARGE)).one()
        coordinator = auth_service.principal_for_membership(session, user, auth_service.default_membership(user))
        session.info["scope"] = coordinator.scope
        ready = uk_today() - timedelta(days=4)
        data = PatientIn(
            nhs_number="9990000026",
            name="Synthetic Person",
            ward=WARD,
            admitted_on=ready - timedelta(days=3),
            discharge_ready_on=ready,
            pathway="P3_new_placement",  # type: ignore[arg-type]
            home_postcode="M41 5BU",
        )
        service.create_patient(session, actor=coordinator, data=data, synthetic=True)
        session.commit()
    previous = visibility.use_discharge_source(visibility.DischargeRecords())
    yield trust_id
    visibility.use_discharge_source(previous)


def _sign_in(context: Any, base: str, email: str) -> Any:
    page = context.new_page()
    page.goto(f"{base}/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_test_id("sign-in").click()
    page.get_by_test_id("home-heading").wait_for()
    return page


def _provider_key(session_factory) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """A read-write API key for the demo provider's care home, as its rostering system holds."""
    with session_factory() as session:
        session.info["scope"] = Scope.system("e2e key")
        org = session.scalars(
            select(Organisation).where(Organisation.cqc_location_id.is_not(None)).order_by(Organisation.name)
        ).first()
        assert org is not None
        user_id = session.scalars(select(User.id).where(User.email == PROVIDER)).one()
        actor = Principal(
            kind="user",
            actor_id=user_id,
            role=Role.PROVIDER_MANAGER,
            organisation_id=org.id,
            system_id=org.system_id,
            visible_organisation_ids=frozenset({org.id}),
        )
        _, key = credentials.create_api_key(
            session,
            actor=actor,
            organisation_id=org.id,
            data=schemas.CredentialIn(name="e2e", access=AccessLevel.READ_WRITE),
        )
        session.commit()
        return key, org.name


def _approve(session_factory, provider_service_id: str) -> None:  # type: ignore[no-untyped-def]
    """The demo's system administrator approves a new service (a new service counts once approved)."""
    with session_factory() as session:
        session.info["scope"] = Scope.system("e2e approval")
        found = session.execute(
            select(CapacityService.id, CapacityService.system_id).where(
                CapacityService.provider_service_id == provider_service_id
            )
        ).one()
        admin = session.scalars(select(User.id).where(User.email == "admin@demo.joinedup.test")).one()
        actor = Principal(
            kind="user", actor_id=admin, role=Role.SYSTEM_ADMINISTRATOR, organisation_id=None, system_id=found.system_id
        )
        capacity.decide_identity(session, actor=actor, service_id=found.id, approve=True)
        session.commit()


def _nursing_free(page: Any) -> float:
    row = page.get_by_test_id("table-capacity").locator("tr", has_text="Nursing care")
    return float(row.locator("td").nth(1).inner_text())


def test_commissioner_drills_down_and_sees_a_pushed_change_live(browser, demo_server, session_factory) -> None:  # type: ignore[no-untyped-def]
    base, _ = demo_server
    context = browser.new_context()
    page = _sign_in(context, base, COMMISSIONER)
    page.goto(f"{base}/visibility")
    expect(page.get_by_test_id("level-title")).to_have_text("Whole system")
    expect(page.get_by_test_id("spc-not-meeting-criteria")).to_be_visible()  # MFT's real history
    page.get_by_test_id("children").get_by_role("link", name="Trafford").click()
    expect(page.get_by_test_id("level-title")).to_have_text("Trafford")
    page.get_by_test_id("children").get_by_role("link", name="North").click()
    expect(page.get_by_test_id("level-title")).to_contain_text("North neighbourhood")
    page.goto(f"{base}/visibility")
    page.wait_for_selector("body[data-live-ready='1']", timeout=10_000)
    before = _nursing_free(page)
    key, _ = _provider_key(session_factory)
    provider = httpx.Client(base_url=base, headers={"X-API-Key": key})
    assert provider.put(
        "/api/v1/capacity/services/e2e-new-wing", json={"name": "New wing", "kind": "care_home", "postcode": "M41 5BU"}
    ).status_code in (200, 201)
    _approve(session_factory, "e2e-new-wing")
    pushed = time.monotonic()
    body = {
        "updates": [
            {
                "update_id": "e2e-new-wing-1",
                "provider_service_id": "e2e-new-wing",
                "as_of": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 60)),
                "source_system": "e2e roster",
                "status": "accepting",
                "beds": [
                    {
                        "bed_type": "nursing",
                        "physical": 20,
                        "staffed": 20,
                        "occupied": 10,
                        "reserved": 0,
                        "vacant": 10,
                        "accepting_admissions": 9,
                    }
                ],
            }
        ]
    }
    r = provider.post("/api/v1/capacity/updates", json=body)
    assert r.status_code < 300, r.text
    expect(page.get_by_test_id("table-capacity").locator("tr", has_text="Nursing care")).to_contain_text(
        number(before + 9), timeout=10_000
    )
    assert time.monotonic() - pushed < 5  # the page waits one second to gather bursts, then refreshes
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1  # no reload
    provider.close()
    context.close()


def test_discharge_coordinator_reaches_a_ward_and_provider_cannot_reach_patients(browser, demo_server, wards) -> None:  # type: ignore[no-untyped-def]
    base, _ = demo_server
    context = browser.new_context()
    page = _sign_in(context, base, DISCHARGE)
    page.goto(f"{base}/visibility")
    page.get_by_test_id("children").get_by_role("link", name="Manchester University NHS Foundation Trust").click()
    expect(page.get_by_test_id("level-title")).to_have_text("Manchester University NHS Foundation Trust")
    page.get_by_test_id("children").get_by_role("link", name="Ward 10").click()
    expect(page.get_by_test_id("level-title")).to_contain_text("Ward 10")
    page.get_by_test_id("patients-link").click()
    expect(page.get_by_test_id("table-patients")).to_contain_text("Synthetic Person")
    patients_url = page.url
    context.close()

    context = browser.new_context()
    page = _sign_in(context, base, PROVIDER)
    response = page.goto(patients_url)
    assert response is not None and response.status == 403
    assert "Synthetic Person" not in page.content()
    ward = page.goto(re.sub(r"/patients$", "", patients_url))
    assert ward is not None and ward.status == 404  # the trust is outside a care home's view
    context.close()


def _axe(page: Any) -> list[dict[str, Any]]:
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


def test_no_serious_accessibility_violations_on_any_visibility_page(browser, demo_server, wards) -> None:  # type: ignore[no-untyped-def]
    assert AXE.exists(), "run scripts/build-frontend.sh to vendor axe-core for the tests"
    base, _ = demo_server
    context = browser.new_context(bypass_csp=True)  # to inject axe; the pages themselves run under the CSP
    page = _sign_in(context, base, DISCHARGE)
    page.goto(f"{base}/visibility")
    place = page.get_by_test_id("children").get_by_role("link", name="Trafford").get_attribute("href")
    trust = f"/visibility/organisations/{wards}"
    page.goto(f"{base}{place}")
    provider = page.get_by_test_id("table-providers").get_by_role("link").first.get_attribute("href")
    paths = [
        "/visibility",
        place,
        f"{place}/neighbourhoods/North",
        trust,
        provider,
        f"{trust}/wards/ward-10",
        f"{trust}/wards/ward-10/patients",
        "/visibility/map",
        "/visibility/map?colour=freshness",
        "/visibility/views",
    ]
    found = {}
    for path in paths:
        response = page.goto(f"{base}{path}")
        assert response is not None and response.status == 200, path
        serious = _axe(page)
        if serious:
            found[path] = [(v["id"], v["impact"], len(v["nodes"])) for v in serious]
    assert found == {}
    context.close()
