"""The shared assessment: versioned, checked on entry (not re-judged when read back), every view
audited, and the skills its needs call for."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from sqlalchemy import select

from joinedup.core.audit import AuditEvent
from joinedup.core.outbox import OutboxEvent
from joinedup.domains.discharge import service
from joinedup.domains.discharge.models import DischargeAssessment
from joinedup.domains.discharge.schemas import (
    AssessmentIn,
    Cognition,
    Medication,
    Mobility,
    Needs,
    Nutrition,
    PatientIn,
    required_skills,
)
from tests.domains.discharge.conftest import Discharge, act, assessment_body, patient_body, since, today, written


def _patient(dx: Discharge, n: int = 1) -> str:
    return str(act(dx, "dan_discharge", service.create_patient, data=PatientIn.model_validate(patient_body(n))).id)


def _assess(dx: Discharge, pid: str, **overrides: Any) -> DischargeAssessment:
    return act(
        dx,
        "dan_discharge",
        service.add_assessment,
        patient_id=pid,
        data=AssessmentIn.model_validate(assessment_body(**overrides)),
    )


def test_each_save_adds_a_version_audited_and_announced(dx: Discharge) -> None:
    pid = _patient(dx)
    before = written(dx)
    first = _assess(dx, pid)
    second = _assess(dx, pid, care_type="residential", funding="self_funder")
    assert (first.version, second.version) == (1, 2)
    trust = dx.world.org_id("trust")
    new = since(before, written(dx))
    assert new.audit == [("discharge_assessment.create", first.id), ("discharge_assessment.create", second.id)]
    assert new.events == [("discharge.assessment_added", trust)] * 2
    with dx.session() as s:
        audits = s.scalars(select(AuditEvent).where(AuditEvent.action == "discharge_assessment.create")).all()
        events = s.scalars(select(OutboxEvent).where(OutboxEvent.topic == "discharge.assessment_added")).all()
        latest = service.latest_assessment(s, pid)
    assert [a.detail for a in audits] == [{"version": 1, "patient_id": pid}, {"version": 2, "patient_id": pid}]
    assert [e.payload for e in events] == [{"patient_id": pid, "version": 1}, {"patient_id": pid, "version": 2}]
    assert latest is not None and latest.version == 2 and latest.care_type == "residential"
    assert latest.funding == "self_funder" and latest.assessed_by == dx.world.users["dan_discharge"].id


def test_versions_are_listed_newest_first_and_only_the_one_shown_is_audited(dx: Discharge) -> None:
    pid = _patient(dx)
    _assess(dx, pid)
    second = _assess(dx, pid, care_type="residential")
    before = written(dx)
    versions = act(dx, "dan_discharge", service.assessment_versions, patient_id=pid)
    assert [v.version for v in versions] == [2, 1]
    assert since(before, written(dx)).audit == [("discharge_assessment.read", second.id)]
    assert since(before, written(dx)).events == []


def test_the_output_carries_the_skills_the_needs_call_for(dx: Discharge) -> None:
    pid = _patient(dx)
    needs = {**assessment_body()["needs"], "mobility": "hoist", "cognition": "dementia", "end_of_life": True}
    row = _assess(dx, pid, needs=needs, care_type="dementia_nursing")
    out = service.assessment_out(row)
    assert out.required == ["dementia", "double_up", "end_of_life"]
    assert out.version == 1 and out.patient_id == pid and out.care_type.value == "dementia_nursing"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"care_type": "homecare"}, "hours_per_week"),  # homecare needs its hours
        ({"care_type": "nursing", "hours_per_week": 10}, "hours_per_week"),  # a bed is not hours
        ({"start_date": (today() - timedelta(days=5)).isoformat()}, "start_date"),
        ({"needs": {**assessment_body()["needs"], "carers_needed": 3}}, "carers_needed"),
        ({"funding": "cash"}, "funding"),
    ],
)
def test_an_assessment_that_breaks_a_rule_names_the_field(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        AssessmentIn.model_validate(assessment_body(**overrides))
    assert field in str(exc.value)


def test_a_stored_version_is_not_rejudged_against_today(dx: Discharge) -> None:
    pid = _patient(dx)
    row = _assess(dx, pid)
    with dx.session() as s:
        stored = s.get(DischargeAssessment, row.id)
        assert stored is not None
        stored.content = {**stored.content, "start_date": (today() - timedelta(days=30)).isoformat()}
        s.commit()
        s.refresh(stored)
        data = service.assessment_data(stored)
    assert data.start_date == today() - timedelta(days=30)
    with pytest.raises(ValidationError):  # entered now, the same content is refused
        AssessmentIn.model_validate(data.model_dump(mode="json"))


needs_st = st.builds(
    Needs,
    mobility=st.sampled_from(Mobility),
    personal_care=st.sampled_from(["none", "some", "full"]),
    continence=st.sampled_from(["continent", "occasional", "incontinent", "catheter"]),
    nutrition=st.sampled_from(Nutrition),
    medication_support=st.sampled_from(Medication),
    cognition=st.sampled_from(Cognition),
    behaviour=st.sampled_from(["none", "occasional", "challenging"]),
    skin_integrity=st.sampled_from(["intact", "at_risk", "pressure_ulcer"]),
    carers_needed=st.integers(1, 2),
    end_of_life=st.booleans(),
)


@given(needs_st)
def test_required_skills_follow_each_need(needs: Needs) -> None:
    skills = required_skills(needs)
    assert ("double_up" in skills) == (
        needs.carers_needed == 2 or needs.mobility in (Mobility.TWO_TO_TRANSFER, Mobility.HOIST)
    )
    assert ("dementia" in skills) == (needs.cognition is Cognition.DEMENTIA)
    assert ("end_of_life" in skills) == needs.end_of_life
    assert ("delegated_healthcare_tasks" in skills) == (
        needs.nutrition is Nutrition.TUBE_FED or needs.medication_support is Medication.ADMINISTER
    )
    assert skills <= {"double_up", "dementia", "end_of_life", "delegated_healthcare_tasks"}
