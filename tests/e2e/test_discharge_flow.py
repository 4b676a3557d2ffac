"""In a real browser, as two people: the hospital's discharge coordinator (Dana) places a patient
with a care home's manager (Priya), from the ward list to discharge, on the Trafford demo.

list the patient -> shared assessment -> ranked matches -> refer to three -> one offers, one
declines -> accept -> discharged (asked first); then the bed days lost and the sitrep counts.
A refused form moves focus to its error summary, and axe-core finds nothing serious on it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import select

from joinedup.config import get_settings
from joinedup.core.permissions import Role
from joinedup.db.tenancy import Scope
from joinedup.demo.seed import DEMO_PASSWORD
from joinedup.domains.capacity import schemas as capacity_schemas
from joinedup.domains.capacity import service as capacity_service
from joinedup.domains.capacity.models import CapacityService
from joinedup.domains.discharge.schemas import uk_today
from joinedup.domains.organisations.models import Organisation
from joinedup.domains.organisations.schemas import OrganisationType

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
RULES = {
    "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
    "from_time": "00:00",
    "to_time": "23:59",
    "funding": ["council", "self_funder", "nhs_continuing_healthcare"],
}


def _nursing(update_id: str, service_id: str, free: int) -> capacity_schemas.CapacityUpdate:
    return capacity_schemas.CapacityUpdate.model_validate(
        {
            "update_id": update_id,
            "provider_service_id": service_id,
            "as_of": datetime.now(UTC) - timedelta(minutes=1),
            "source_system": "e2e",
            "status": "accepting",
            "beds": [
                {
                    "bed_type": "nursing",
                    "physical": 30,
                    "staffed": 30,
                    "occupied": 30 - free,
                    "reserved": 0,
                    "vacant": free,
                    "accepting_admissions": free,
                }
            ],
            "admission_rules": RULES,
        }
    )


def _prepare(session_factory: Any, priya_org_name: str) -> tuple[str, str, str]:
    """Priya's home gets a second unit; it and one other home report nursing beds free now."""
    with session_factory() as session:
        session.info["scope"] = Scope.system("e2e setup")
        settings = get_settings()
        mine = session.scalars(select(Organisation).where(Organisation.name == priya_org_name)).one()
        other = session.scalars(
            select(Organisation)
            .where(Organisation.type == OrganisationType.CARE_HOME_PROVIDER, Organisation.id != mine.id)
            .order_by(Organisation.name)
        ).first()
        assert other is not None
        own = session.scalars(select(CapacityService).where(CapacityService.organisation_id == mine.id)).first()
        assert own is not None
        annexe = CapacityService(
            organisation_id=mine.id,
            system_id=mine.system_id,
            place_id=mine.place_id,
            provider_service_id="annexe",
            name=f"{mine.name} Annexe",
            kind="care_home",
            postcode=own.postcode,
            latitude=own.latitude,
            longitude=own.longitude,
            synthetic=True,
            identity_status="verified",
        )
        session.add(annexe)
        session.flush()
        theirs = session.scalars(select(CapacityService).where(CapacityService.organisation_id == other.id)).first()
        assert theirs is not None
        for org, svc in ((mine, own), (mine, annexe), (other, theirs)):
            capacity_service.ingest_for(
                session,
                actor=None,
                org=org,
                settings=settings,
                updates=[_nursing(f"e2e-{svc.provider_service_id}", svc.provider_service_id, 2)],
            )
        session.commit()
        return own.name, annexe.name, theirs.name


def _sign_in(context: Any, base: str, email: str) -> Any:
    page = context.new_page()
    page.goto(f"{base}/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_test_id("sign-in").click()
    page.get_by_test_id("home-heading").wait_for()
    return page


def _fill_date(page: Any, legend: str, value: date) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(value.day))
    group.get_by_label("Month").fill(str(value.month))
    group.get_by_label("Year").fill(str(value.year))


def _axe(page: Any) -> list[tuple[str, str, int]]:
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        (v["id"], v["impact"], len(v["nodes"])) for v in result["violations"] if v["impact"] in ("serious", "critical")
    ]


def test_a_patient_is_placed_end_to_end_by_two_people(browser: Any, demo_server: Any, session_factory: Any) -> None:
    base, logins = demo_server
    dana = next(x for x in logins if x.role is Role.DISCHARGE_COORDINATOR)
    priya = next(x for x in logins if x.role is Role.PROVIDER_MANAGER)
    own, annexe, theirs = _prepare(session_factory, priya.organisation)
    hub = _sign_in(browser.new_context(viewport={"width": 1024, "height": 768}), base, dana.email)  # a tablet
    home = _sign_in(browser.new_context(), base, priya.email)

    # The ward list already holds the synthetic patients of Manchester University NHS FT.
    hub.goto(f"{base}/discharge")
    expect(hub.get_by_test_id("patient-row").first).to_contain_text("Synthetic")
    hub.get_by_test_id("add-patient").click()
    ready = uk_today() - timedelta(days=3)
    hub.get_by_label("NHS number").fill("943 476 5919")
    hub.get_by_label("Name").fill("Edna Testpatient")
    hub.get_by_label("Ward", exact=True).fill("Ward 4")
    _fill_date(hub, "Admission date", ready - timedelta(days=6))
    _fill_date(hub, "Discharge ready date (optional)", ready)
    hub.get_by_label("Home postcode (optional)").fill("m415bu")
    hub.get_by_label("Proposed discharge pathway").select_option("P3_new_placement")
    hub.get_by_test_id("save-patient").click()
    expect(hub.get_by_test_id("done")).to_contain_text("Patient added")
    expect(hub.get_by_test_id("bed-days")).to_have_text("3")

    # One shared assessment.
    hub.get_by_test_id("assessment-link").click()
    hub.get_by_label("Mobility and transfers").select_option("one_to_transfer")
    hub.get_by_label("Care type or bed type").select_option("nursing")
    hub.get_by_label("Funding route").select_option("council")
    hub.get_by_label("Furthest from home or family (km)").fill("25")
    hub.get_by_test_id("save-assessment").click()
    expect(hub.get_by_test_id("done")).to_contain_text("Assessment saved")

    # Ranked matches, each with why; refer to three at once.
    matches = hub.get_by_test_id("matches")
    for name in (own, annexe, theirs):
        expect(matches).to_contain_text(name)
        hub.get_by_label(f"Refer to {name}", exact=True).check()
    expect(matches).to_contain_text("accepting nursing")
    hub.get_by_test_id("refer").click()
    expect(hub.get_by_test_id("done")).to_contain_text("Referred to 3 services")
    expect(hub.get_by_test_id("referral-row")).to_have_count(3)

    # The provider sees a minimum summary, opens, reads the assessment, offers one and declines the other.
    home.goto(f"{base}/discharge/incoming")
    rows = home.get_by_test_id("incoming-row")
    expect(rows).to_have_count(2)
    expect(home.get_by_test_id("incoming")).not_to_contain_text("Edna Testpatient")
    expect(rows.first).to_contain_text("Patient in M41")
    rows.and_(home.locator(f'[data-service="{own}"]')).get_by_role("link").click()
    home.get_by_test_id("open").click()
    expect(home.get_by_test_id("assessment")).to_contain_text("One to transfer")
    expect(home.locator("h1")).to_have_text("Edna Testpatient")
    home.get_by_test_id("offer").click()
    expect(home.get_by_test_id("done")).to_contain_text("Offer sent")
    home.goto(f"{base}/discharge/incoming")
    rows.and_(home.locator(f'[data-service="{annexe}"]')).get_by_role("link").click()
    home.get_by_test_id("open").click()
    home.get_by_label("Reason").select_option("staffing")
    home.get_by_test_id("decline").click()
    expect(home.get_by_test_id("done")).to_contain_text("Referral declined")

    # The hub accepts the offer: the third referral is withdrawn automatically.
    hub.reload()
    board = hub.get_by_test_id("referral-board")
    expect(board).to_contain_text("Offer made")
    expect(board).to_contain_text("Declined")
    expect(board).to_contain_text("Not enough staff")
    hub.get_by_test_id("accept").click()
    expect(hub.get_by_test_id("done")).to_contain_text("Offer accepted")
    expect(board).to_contain_text("Accepted")
    expect(board).to_contain_text("Withdrawn")
    expect(board).to_contain_text("accepts the assessment without re-assessing")

    # Discharged, once asked (naming the patient and the time): bed days lost and the sitrep
    # counts come from the same records.
    hub.get_by_test_id("discharge").click()
    expect(hub.locator("h1")).to_contain_text("Edna Testpatient")
    expect(hub.get_by_test_id("discharge-time")).to_contain_text("Today")
    hub.get_by_test_id("confirm-discharge").click()
    expect(hub.get_by_test_id("done")).to_contain_text("Discharge recorded")
    expect(hub.get_by_test_id("status")).to_contain_text(f"Discharged, to {own}")
    expect(hub.get_by_test_id("bed-days")).to_have_text("3")
    hub.goto(f"{base}/discharge/reports")
    today = hub.get_by_test_id("daily-row").first
    expect(today).to_contain_text(f"{uk_today().day} {uk_today():%B %Y}")
    cells = today.locator("td")
    expect(cells.nth(4)).to_have_text("1")  # our patient is today's only discharge
    expect(hub.get_by_test_id("by-provider")).to_contain_text(own)
    home.goto(f"{base}/discharge/incoming")
    expect(home.get_by_test_id("incoming")).to_contain_text("Placed")


def test_a_refused_form_focuses_its_error_summary_and_has_no_serious_accessibility_faults(
    browser: Any, demo_server: Any
) -> None:
    assert AXE.exists(), "run scripts/build-frontend.sh to vendor axe-core for the tests"
    base, logins = demo_server
    dana = next(x for x in logins if x.role is Role.DISCHARGE_COORDINATOR)
    # The page runs under its CSP (forms.js focuses the summary); only axe is injected around it.
    page = _sign_in(browser.new_context(viewport={"width": 390, "height": 844}), base, dana.email)
    page.goto(f"{base}/discharge/patients/new")
    page.get_by_label("NHS number").fill("123 456 7890")
    page.get_by_label("Name").fill("<script>alert(1)</script>")
    group = page.get_by_role("group", name="Admission date")
    group.get_by_label("Day").fill("31")
    group.get_by_label("Month").fill("2")
    group.get_by_label("Year").fill("2026")
    page.get_by_test_id("save-patient").click()
    summary = page.get_by_test_id("problem")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Admission date must be a real date")
    expect(page.get_by_label("Name")).to_have_value("<script>alert(1)</script>")  # kept, as text
    # A link in the summary takes the person to the field.
    summary.get_by_role("link", name="Admission date must be a real date").click()
    expect(group.get_by_label("Day")).to_be_focused()
    checker = browser.new_context(bypass_csp=True, storage_state=page.context.storage_state())
    again = checker.new_page()
    response = again.goto(f"{base}/discharge/patients/new")
    assert response is not None and response.status == 200
    again.get_by_test_id("save-patient").click()  # everything empty: an error at every required field
    expect(again.get_by_test_id("problem")).to_be_visible()
    assert _axe(again) == []
    checker.close()
