"""The door visibility draws the system picture through: figures from discharge's own records,
read within the caller's tenancy, and the topics that say when they change. (Visibility's
tests/domains/visibility/test_discharge_source.py checks the same figures as its pages use them.)"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from joinedup.core.outbox import OutboxEvent
from joinedup.domains.discharge import service
from joinedup.domains.discharge.engine import figure_labels
from joinedup.domains.discharge.schemas import (
    CARE_GROUPS,
    EVENT_TOPICS,
    AssessmentIn,
    DeclineIn,
    DelayIn,
    OfferIn,
    PatientIn,
    ReferralState,
    WaitingPatient,
)
from joinedup.geo import lookup
from tests.domains.discharge.conftest import Discharge, act, assessment_body, patient_body, today


def _waiting(dx: Discharge, n: int, ready_days_ago: int, **body: Any) -> str:
    data = patient_body(n, discharge_ready_on=(today() - timedelta(days=ready_days_ago)).isoformat(), **body)
    return str(act(dx, "dan_discharge", service.create_patient, data=PatientIn.model_validate(data)).id)


def test_ward_patients_name_the_group_reason_and_who_answers_for_it_never_the_nhs_number(dx: Discharge) -> None:
    trust = dx.world.org_id("trust")
    first = _waiting(dx, 1, 5, ward="Ward 7")
    second = _waiting(dx, 2, 2, ward="WARD 7", pathway="P1_reablement")
    _waiting(dx, 3, 1, ward="Ward 9")
    act(
        dx,
        "dan_discharge",
        service.add_assessment,
        patient_id=first,
        data=AssessmentIn.model_validate(assessment_body()),
    )
    act(dx, "dan_discharge", service.add_delay, patient_id=first, data=DelayIn(reason_code="T01"))
    s, _ = dx.scoped("dan_discharge")
    with s:
        wards = service.ward_figures(s, organisation_id=trust)
        patients = service.ward_patients(s, organisation_id=trust, ward_id="ward-7")
        summary = service.discharge_summary(s, organisation_ids=frozenset({trust}))
    # "Ward 7" and "WARD 7" are one ward, shown by its first spelling on a tie.
    assert [(w.ward_id, w.name, w.patients_waiting, w.longest_wait_days) for w in wards] == [
        ("ward-7", "WARD 7", 2, 5.0),
        ("ward-9", "Ward 9", 1, 1.0),
    ]
    point = lookup.locate("M41 5BU")
    assert point is not None
    assert patients == [
        WaitingPatient(
            reference=first,
            display_name="Test Patient 1",
            pathway="Pathway 3",
            care_group="care_home",  # nursing, from the assessment
            days_waiting=5.0,
            delay_reason="Care transfer hub process \u2013 Awaiting confirmation of funding eligibility",
            responsible="Care transfer hub",
            home_lsoa=point.lsoa_code,
        ),
        WaitingPatient(
            reference=second,
            display_name="Test Patient 2",
            pathway="Pathway 1",
            care_group="reablement",  # no assessment: from the pathway
            days_waiting=2.0,
            delay_reason=None,
            responsible=None,
            home_lsoa=point.lsoa_code,
        ),
    ]
    assert summary.source == service.LIVE_SOURCE and summary.as_of == today()
    assert {d.care_group: d.waiting for d in summary.demand} == {
        "care_home": 2,  # one assessed for nursing, one on pathway 3 not yet assessed
        "reablement": 1,
        "homecare": 0,
        "bedded_rehab": 0,
    }
    assert set(CARE_GROUPS) == {d.care_group for d in summary.demand}
    assert {w.pathway: w.patients for w in summary.waiting}["All"] == 3


def test_figures_of_organisations_the_caller_cannot_see_are_empty(dx: Discharge) -> None:
    trust = dx.world.org_id("trust")
    _waiting(dx, 1, 3)
    s, _ = dx.scoped("pam_provider")
    with s:
        assert service.ward_figures(s, organisation_id=trust) == []
        assert service.ward_patients(s, organisation_id=trust, ward_id="ward-7") == []
        assert service.home_areas(s, organisation_ids=frozenset({trust})) == {}
        summary = service.discharge_summary(s, organisation_ids=frozenset({trust}))
    assert summary.as_of is None and not summary.waiting and not summary.demand
    s, _ = dx.scoped("dan_discharge")
    with s:  # the trust's own coordinator, asking for other organisations only: nothing of the trust
        other = service.discharge_summary(s, organisation_ids=frozenset({dx.world.org_id("care_home_a")}))
    assert not other.waiting


def test_every_topic_discharge_emits_is_one_it_publishes(dx: Discharge) -> None:
    pid = _waiting(dx, 1, 4)
    act(
        dx, "dan_discharge", service.add_assessment, patient_id=pid, data=AssessmentIn.model_validate(assessment_body())
    )
    delay = act(dx, "dan_discharge", service.add_delay, patient_id=pid, data=DelayIn(reason_code="T02"))
    act(dx, "dan_discharge", service.end_delay, patient_id=pid, delay_id=delay.id)
    oak, elm = (
        r.id
        for r in act(
            dx, "dan_discharge", service.refer, patient_id=pid, service_ids=[dx.services["oak"], dx.services["elm"]]
        )
    )
    act(dx, "pam_provider", service.open_referral, referral_id=oak)
    act(dx, "pam_provider", service.ask, referral_id=oak, text="?")
    act(dx, "dan_discharge", service.answer, referral_id=oak, text="!")
    act(dx, "pam_provider", service.offer, settings=dx.settings, referral_id=oak, data=OfferIn(start_date=today()))
    act(dx, "bob_provider", service.decline, referral_id=elm, data=DeclineIn(reason="staffing"))
    act(dx, "dan_discharge", service.accept, referral_id=oak)
    act(dx, "dan_discharge", service.discharge, patient_id=pid)
    with dx.session() as s:
        emitted = set(s.scalars(select(OutboxEvent.topic).where(OutboxEvent.topic.like("discharge.%"))))
    assert emitted <= set(EVENT_TOPICS)
    expected = {f"discharge.referral_{state.value}" for state in ReferralState} - {
        "discharge.referral_expired",
        "discharge.referral_withdrawn",
    }
    assert expected | {"discharge.patient_added", "discharge.delay_ended", "discharge.patient_discharged"} <= emitted


@pytest.mark.parametrize(
    ("care_type", "pathway", "group"),
    [
        ("homecare", "P3_new_placement", "homecare"),  # the assessment wins over the pathway
        ("reablement_pathway_2", "P1_reablement", "bedded_rehab"),
        ("dementia_nursing", "P0", "care_home"),
        (None, "P2_hospice", "bedded_rehab"),
        (None, "P0", None),  # going home as before: waits for no service
        (None, "P3b", None),  # back to their own care home
    ],
)
def test_the_care_group_a_patient_waits_for(care_type: str | None, pathway: str, group: str | None) -> None:
    assert figure_labels.care_group(care_type, pathway) == group


def test_labels_and_keys() -> None:
    assert figure_labels.ward_key("Ward 7 / Acute Medical Unit") == "ward-7-acute-medical-unit"
    assert figure_labels.ward_key("///") == "ward"
    assert figure_labels.reason_label(None) == figure_labels.reason_label("Z99") == "No reason recorded"
    assert figure_labels.responsible_for("C11") == "Community and social care providers"
    assert figure_labels.responsible_for("W01") == "Patient, family or safeguarding"
    assert figure_labels.responsible_for(None) == "Not recorded"
    assert figure_labels.pathway_label("P2_rehab_bed") == "Pathway 2" and figure_labels.pathway_label("X") == "X"
