"""The discharge figures read from real discharge records, made through the discharge service:
demand, waiting, bed days lost by reason and responsible organisation, referral response times,
wards, patients and home areas; and who may see them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from joinedup.core.audit import AuditEvent
from joinedup.core.outbox import OutboxEvent
from joinedup.db.tenancy import Scope
from joinedup.domains.discharge import service
from joinedup.domains.discharge.schemas import AssessmentIn, DeclineIn, DelayIn, OfferIn, PatientIn
from joinedup.domains.discharge.service import ward_key
from joinedup.domains.organisations.models import Organisation
from joinedup.domains.organisations.schemas import OrganisationType
from joinedup.domains.visibility import service as visibility
from joinedup.domains.visibility.service import DischargeRecords
from joinedup.domains.visibility.views import LIVE_TOPICS
from joinedup.geo import lookup
from tests.domains.discharge.conftest import Discharge, assessment_body, dx, patient_body, today

__all__ = ["dx"]


@pytest.fixture
def records() -> Iterator[DischargeRecords]:
    previous = visibility.use_discharge_source(DischargeRecords())
    yield DischargeRecords()
    visibility.use_discharge_source(previous)


def _as(dx: Discharge, persona: str, fn: Any, **kwargs: Any) -> Any:
    s, actor = dx.scoped(persona)
    with s:
        result = fn(s, actor=actor, **kwargs)
        s.commit()
        return result


def _patient(dx: Discharge, n: int, ready_days_ago: int, assessment: dict[str, Any] | None, **body: Any) -> str:
    data = patient_body(n, discharge_ready_on=(today() - timedelta(days=ready_days_ago)).isoformat(), **body)
    patient = _as(dx, "dan_discharge", service.create_patient, data=PatientIn.model_validate(data))
    if assessment is not None:
        _as(
            dx,
            "dan_discharge",
            service.add_assessment,
            patient_id=patient.id,
            data=AssessmentIn.model_validate(assessment),
        )
    return str(patient.id)


@pytest.fixture
def ward_list(dx: Discharge) -> dict[str, str]:
    """Three waiting patients, a primary delay, two referrals (one offered, one declined), one discharged."""
    care_home = _patient(dx, 1, 4, assessment_body(), ward="Ward 7")
    home = _patient(
        dx,
        2,
        2,
        assessment_body(care_type="homecare", hours_per_week=10),
        ward="Ward 9",
        pathway="P1_new_care",
    )
    rehab = _patient(dx, 3, 6, None, ward="Ward 7", pathway="P2_rehab_bed")
    gone = _patient(dx, 4, 3, None, ward="Ward 7")
    _as(dx, "dan_discharge", service.discharge, patient_id=gone)
    started = (today() - timedelta(days=2)).isoformat()
    _as(
        dx,
        "dan_discharge",
        service.add_delay,
        patient_id=care_home,
        data=DelayIn.model_validate({"reason_code": "C11", "primary": True, "started_on": started}),
    )
    oak, elm = (
        r.id
        for r in _as(
            dx,
            "dan_discharge",
            service.refer,
            patient_id=care_home,
            service_ids=[dx.services["oak"], dx.services["elm"]],
        )
    )
    _as(dx, "pam_provider", service.open_referral, referral_id=oak)
    _as(dx, "pam_provider", service.offer, settings=dx.settings, referral_id=oak, data=OfferIn(start_date=today()))
    _as(dx, "bob_provider", service.decline, referral_id=elm, data=DeclineIn(reason="no_vacancy"))  # type: ignore[arg-type]
    return {"care_home": care_home, "home": home, "rehab": rehab, "gone": gone}


def test_figures_come_from_the_records(dx: Discharge, ward_list: dict[str, str]) -> None:
    trust = dx.world.org_id("trust")
    s, _ = dx.scoped("dan_discharge")
    with s:
        summary = DischargeRecords().summary(s, organisation_ids=frozenset({trust}))
        wards = DischargeRecords().wards(s, organisation_id=trust)
        ward7 = DischargeRecords().patients(s, organisation_id=trust, ward_id="ward-7")
        homes = DischargeRecords().home_areas(s, organisation_ids=frozenset({trust}))
    assert summary.as_of == today()
    assert {d.care_group: d.waiting for d in summary.demand} == {
        "homecare": 1,
        "reablement": 0,
        "bedded_rehab": 1,  # no assessment yet: the pathway says which
        "care_home": 1,
    }
    waiting = {w.pathway: w for w in summary.waiting}
    assert waiting["All"].patients == 3 and waiting["All"].longest_days == 6 and waiting["All"].median_days == 4
    assert waiting["Pathway 3"].patients == 1 and waiting["Pathway 2"].longest_days == 6
    delays = {d.reason: d for d in summary.delays}
    c11 = next(d for r, d in delays.items() if r.startswith("Capacity \u2013 Residential/nursing home"))
    assert (c11.patients, c11.bed_days_lost, c11.responsible) == (1, 2, "Community and social care providers")
    # Two days before the delay was recorded, two (home) and six (rehab): ten bed days with no reason.
    assert (delays["No reason recorded"].patients, delays["No reason recorded"].bed_days_lost) == (2, 10)
    (nursing,) = summary.referrals
    assert (nursing.care_type, nursing.referrals, nursing.declined) == ("Nursing", 2, 1)
    assert nursing.decline_reasons == {"No vacancy": 1}
    assert nursing.median_hours_to_first_offer is not None and 0 <= nursing.median_hours_to_first_offer < 1
    assert [(w.ward_id, w.name, w.patients_waiting, w.longest_wait_days) for w in wards] == [
        ("ward-7", "Ward 7", 2, 6),
        ("ward-9", "Ward 9", 1, 2),
    ]
    assert {p.reference for p in ward7} == {ward_list["care_home"], ward_list["rehab"]}  # record ids, not NHS numbers
    point = lookup.locate("M41 5BU")
    assert point is not None and homes == {point.lsoa_code: 3}


def test_a_provider_sees_only_its_own_referrals_and_no_patients(dx: Discharge, ward_list: dict[str, str]) -> None:
    trust, home_a = dx.world.org_id("trust"), dx.world.org_id("care_home_a")
    s, _ = dx.scoped("pam_provider")
    with s:
        source = DischargeRecords()
        mine = source.summary(s, organisation_ids=frozenset({home_a}))
        # Even asked for the trust by name, tenancy keeps its patients out of a provider's reads.
        theirs = source.summary(s, organisation_ids=frozenset({trust, home_a}))
        assert source.wards(s, organisation_id=trust) == []
        assert source.patients(s, organisation_id=trust, ward_id="ward-7") == []
        assert source.home_areas(s, organisation_ids=frozenset({trust})) == {}
    assert not mine.waiting and not mine.demand and not theirs.waiting
    assert [(r.referrals, r.declined) for r in mine.referrals] == [(1, 0)]  # Oak's, not Elm's decline


def test_a_coordinator_of_another_trust_sees_nothing_of_this_one(dx: Discharge, ward_list: dict[str, str]) -> None:
    trust = dx.world.org_id("trust")
    with dx.session() as s:
        other = Organisation(
            name="Other Trust",
            type=OrganisationType.ACUTE_TRUST,
            system_id=dx.world.orgs["other_icb"].system_id,
            ods_code="ROT",
        )
        s.add(other)
        s.commit()
        other_id = other.id
    s = dx.factory()
    s.info["scope"] = Scope.of(frozenset({other_id}), purpose="other trust's coordinator")
    with s:
        source = DischargeRecords()
        summary = source.summary(s, organisation_ids=frozenset({other_id, trust}))
        assert summary.as_of is None and not summary.waiting and not summary.referrals
        assert source.wards(s, organisation_id=trust) == []
        assert source.home_areas(s, organisation_ids=frozenset({trust})) == {}


def test_pages_show_real_wards_and_patients_to_the_caring_team_only(  # type: ignore[no-untyped-def]
    client_as, records, dx: Discharge, ward_list: dict[str, str], system_session
) -> None:
    trust = dx.world.org_id("trust")
    dan = client_as("dan_discharge")
    org = dan.get(f"/api/v1/visibility/organisations/{trust}").json()
    wards = next(t for t in org["tables"] if t["key"] == "wards")
    assert [r[0] for r in wards["rows"]] == ["Ward 7", "Ward 9"]
    waiting = next(t for t in org["tables"] if t["key"] == "waiting")
    assert waiting["rows"][-1][:2] == ["All", 3.0]
    patients = dan.get(f"/api/v1/visibility/organisations/{trust}/wards/ward-7/patients")
    assert patients.status_code == 200
    rows = patients.json()["tables"][0]["rows"]
    assert {r[0] for r in rows} == {"Test Patient 1", "Test Patient 3"}
    assert {r[1] for r in rows} == {ward_list["care_home"], ward_list["rehab"]}
    assert patient_body(1)["nhs_number"] not in patients.text
    reads = system_session.scalars(
        select(AuditEvent).where(AuditEvent.record_id == "ward-7", AuditEvent.personal_data.is_(True))
    ).all()
    assert len(reads) == 1
    # A provider: not the trust's wards, never its patients.
    pam = client_as("pam_provider")
    assert pam.get(f"/api/v1/visibility/organisations/{trust}/wards/ward-7").status_code == 404
    assert pam.get(f"/api/v1/visibility/organisations/{trust}/wards/ward-7/patients").status_code in (403, 404)
    system = pam.get("/api/v1/visibility/system")
    assert "Test Patient" not in system.text
    # The commissioner sees the ward's counts, not names.
    colin = client_as("colin_commissioner").get(f"/api/v1/visibility/organisations/{trust}/wards/ward-7")
    assert colin.status_code == 200 and "Test Patient" not in colin.text
    # Another care system's administrator: nothing of this trust.
    otto = client_as("otto_other_admin")
    assert otto.get(f"/api/v1/visibility/organisations/{trust}").status_code == 404
    other_system = otto.get("/api/v1/visibility/system").json()
    waiting_rows = next(t for t in other_system["tables"] if t["key"] == "waiting")["rows"]
    assert waiting_rows == []


def test_referral_events_refresh_the_open_page() -> None:
    assert "discharge.referral_offered" in LIVE_TOPICS and "discharge.referral_declined" in LIVE_TOPICS
    assert "capacity.updated" in LIVE_TOPICS


def test_every_discharge_change_refreshes_the_open_page(dx: Discharge, ward_list: dict[str, str]) -> None:
    """Patients added, assessed, delayed, discharged, referred: whatever the discharge package
    announces, an open visibility page listens for."""
    with dx.session() as s:
        emitted = set(s.scalars(select(OutboxEvent.topic).where(OutboxEvent.topic.like("discharge.%"))))
    assert {"discharge.patient_added", "discharge.delay_added", "discharge.patient_discharged"} <= emitted
    assert emitted <= set(LIVE_TOPICS)


def test_ward_keys_are_safe_in_addresses() -> None:
    assert ward_key("Ward 7 / Acute Medical Unit") == "ward-7-acute-medical-unit"
    assert ward_key("///") == "ward"


def test_one_ward_typed_two_ways_is_one_ward_under_its_usual_spelling(dx: Discharge, ward_list: dict[str, str]) -> None:
    trust = dx.world.org_id("trust")
    extra = _patient(dx, 5, 9, None, ward="WARD-7")  # the same ward, typed another way
    s, _ = dx.scoped("dan_discharge")
    with s:
        wards = DischargeRecords().wards(s, organisation_id=trust)
        ward7 = DischargeRecords().patients(s, organisation_id=trust, ward_id="ward-7")
    assert [(w.ward_id, w.name, w.patients_waiting, w.longest_wait_days) for w in wards] == [
        ("ward-7", "Ward 7", 3, 9),  # "Ward 7" twice, "WARD-7" once
        ("ward-9", "Ward 9", 1, 2),
    ]
    assert {p.reference for p in ward7} == {ward_list["care_home"], ward_list["rehab"], extra}
