"""Patients on the ward list: added, read (every read audited), changed while in hospital, and
refused, with nothing written, where the rules or the caller's organisation say no."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from sqlalchemy import select

from joinedup.core.audit import AuditEvent
from joinedup.core.errors import ProblemError
from joinedup.core.outbox import OutboxEvent
from joinedup.domains.discharge import service
from joinedup.domains.discharge.models import DischargePatient
from joinedup.domains.discharge.schemas import AssessmentIn, DelayIn, OfferIn, PatientIn, PatientUpdate
from tests.domains.discharge.conftest import (
    Discharge,
    act,
    assessment_body,
    nhs,
    patient_body,
    since,
    today,
    written,
)


def _add(dx: Discharge, n: int = 1, **overrides: Any) -> str:
    patient = act(
        dx, "dan_discharge", service.create_patient, data=PatientIn.model_validate(patient_body(n, **overrides))
    )
    return str(patient.id)


def _row(dx: Discharge, patient_id: str) -> DischargePatient:
    with dx.session() as s:
        row = s.get(DischargePatient, patient_id)
        assert row is not None
        s.expunge(row)
        return row


def test_a_new_patient_is_stored_located_audited_and_announced(dx: Discharge) -> None:
    before = written(dx)
    pid = _add(dx, 1, family_postcode="M33 7XX")
    row = _row(dx, pid)
    trust = dx.world.org_id("trust")
    assert (row.organisation_id, row.system_id) == (trust, dx.world.system_id)
    assert row.nhs_number == nhs(1) and row.ward == "Ward 7" and row.status == "in_hospital"
    assert row.pathway == "P3_new_placement" and row.home_postcode == "M41 5BU"
    assert row.home_latitude is not None and row.home_longitude is not None  # located from the postcode
    new = since(before, written(dx))
    assert new.audit == [("discharge_patient.create", pid)]
    assert new.events == [("discharge.patient_added", trust)]
    with dx.session() as s:
        audit = s.scalars(select(AuditEvent).where(AuditEvent.record_id == pid)).one()
        event = s.scalars(select(OutboxEvent).where(OutboxEvent.record_id == pid)).one()
    assert audit.personal_data and audit.record_organisation_id == trust
    assert event.system_id == dx.world.system_id
    assert nhs(1) not in str(event.payload) and "Test Patient" not in str(event.payload)  # names, never details


def test_the_same_stay_twice_is_refused_and_nothing_is_written(dx: Discharge) -> None:
    _add(dx, 1)
    before = written(dx)
    with pytest.raises(ProblemError) as exc:
        _add(dx, 1, name="Someone Else")
    assert exc.value.status == 409 and exc.value.errors[0].field == "body.nhs_number"
    assert since(before, written(dx)) == since(before, before)
    # A later stay of the same person is a new stay.
    later = _add(dx, 1, admitted_on=(today() - timedelta(days=2)).isoformat(), discharge_ready_on=None)
    assert _row(dx, later).nhs_number == nhs(1)


@pytest.mark.parametrize("persona", ["pam_provider", "colin_commissioner", "alice_admin"])
def test_only_a_hospital_records_patients(dx: Discharge, persona: str) -> None:
    before = written(dx)
    with pytest.raises(ProblemError) as exc:
        act(dx, persona, service.create_patient, data=PatientIn.model_validate(patient_body(3)))
    assert exc.value.status == 422 and exc.value.errors[0].code == "not_a_hospital"
    assert written(dx) == before


def test_reads_are_audited_without_events_and_listing_counts_what_was_seen(dx: Discharge) -> None:
    pid = _add(dx, 1)
    other = _add(dx, 2)
    before = written(dx)
    got = act(dx, "dan_discharge", service.get_patient, patient_id=pid)
    assert got.id == pid
    act(dx, "dan_discharge", service.get_patient, patient_id=pid, audit_read=False)
    listed = act(dx, "dan_discharge", service.list_patients)
    assert sorted(p.id for p in listed) == sorted([pid, other])
    new = since(before, written(dx))
    assert new.audit == [("discharge_patient.read", pid), ("discharge_patient.list", None)]
    assert new.events == []
    with dx.session() as s:
        listing = s.scalars(select(AuditEvent).where(AuditEvent.action == "discharge_patient.list")).one()
    assert listing.detail == {"count": 2} and listing.personal_data


def test_an_empty_list_is_not_audited_and_discharged_patients_are_listed_only_when_asked(dx: Discharge) -> None:
    before = written(dx)
    assert act(dx, "dan_discharge", service.list_patients) == []
    assert written(dx) == before
    pid = _add(dx, 1)
    act(dx, "dan_discharge", service.discharge, patient_id=pid)
    assert act(dx, "dan_discharge", service.list_patients) == []
    assert [p.id for p in act(dx, "dan_discharge", service.list_patients, include_discharged=True)] == [pid]


@pytest.mark.parametrize("persona", ["pam_provider", "cleo_clinician", "colin_commissioner", "otto_other_admin"])
def test_another_organisation_can_neither_read_nor_change_a_patient(dx: Discharge, persona: str) -> None:
    pid = _add(dx, 1)
    before = written(dx)
    attempts: list[tuple[Any, dict[str, Any]]] = [
        (service.get_patient, {}),
        (service.update_patient, {"data": PatientUpdate(ward="Ward 9")}),
        (service.add_assessment, {"data": AssessmentIn.model_validate(assessment_body())}),
        (service.add_delay, {"data": DelayIn(reason_code="T02")}),
        (service.discharge, {}),
        (service.assessment_versions, {}),
    ]
    for fn, kwargs in attempts:
        with pytest.raises(ProblemError) as exc:
            act(dx, persona, fn, patient_id=pid, **kwargs)
        assert exc.value.status == 404, fn.__name__
    assert written(dx) == before
    row = _row(dx, pid)
    assert row.ward == "Ward 7" and row.status == "in_hospital"


def test_updates_change_what_they_name_and_say_which_fields_changed(dx: Discharge) -> None:
    pid = _add(dx, 1, discharge_ready_on=None)
    before = written(dx)
    ready = today() - timedelta(days=1)
    act(
        dx,
        "dan_discharge",
        service.update_patient,
        patient_id=pid,
        data=PatientUpdate(ward="Ward 9", discharge_ready_on=ready),
    )
    row = _row(dx, pid)
    assert (row.ward, row.discharge_ready_on, row.pathway) == ("Ward 9", ready, "P3_new_placement")
    new = since(before, written(dx))
    assert new.audit == [("discharge_patient.update", pid)]
    assert new.events == [("discharge.patient_updated", dx.world.org_id("trust"))]
    with dx.session() as s:
        audit = s.scalars(select(AuditEvent).where(AuditEvent.action == "discharge_patient.update")).one()
    assert audit.detail == {"fields": ["discharge_ready_on", "ward"]}


@pytest.mark.parametrize(
    ("ready", "message"),
    [(-30, "on or after the admission date"), (1, "today or in the past")],
)
def test_a_ready_date_outside_the_stay_is_refused_naming_the_field(dx: Discharge, ready: int, message: str) -> None:
    pid = _add(dx, 1, discharge_ready_on=None)
    before = written(dx)
    with pytest.raises(ProblemError) as exc:
        act(
            dx,
            "dan_discharge",
            service.update_patient,
            patient_id=pid,
            data=PatientUpdate(discharge_ready_on=today() + timedelta(days=ready)),
        )
    assert exc.value.status == 422 and exc.value.errors[0].field == "body.discharge_ready_on"
    assert message in exc.value.errors[0].message
    assert written(dx) == before and _row(dx, pid).discharge_ready_on is None


def test_a_pathway_its_live_referrals_cannot_serve_is_refused(dx: Discharge) -> None:
    pid = _add(dx, 1)
    act(
        dx, "dan_discharge", service.add_assessment, patient_id=pid, data=AssessmentIn.model_validate(assessment_body())
    )
    act(dx, "dan_discharge", service.refer, patient_id=pid, service_ids=[dx.services["oak"]])
    before = written(dx)
    with pytest.raises(ProblemError) as exc:  # a care home cannot take a patient going home with a package
        act(dx, "dan_discharge", service.update_patient, patient_id=pid, data=PatientUpdate(pathway="P1_new_care"))
    assert exc.value.errors[0].field == "body.pathway" and exc.value.errors[0].code == "pathway_mismatch"
    assert written(dx) == before and _row(dx, pid).pathway == "P3_new_placement"
    # Another care home pathway is fine.
    act(dx, "dan_discharge", service.update_patient, patient_id=pid, data=PatientUpdate(pathway="P3_end_of_life"))
    assert _row(dx, pid).pathway == "P3_end_of_life"


def test_a_discharged_patient_cannot_change(dx: Discharge) -> None:
    pid = _add(dx, 1)
    act(dx, "dan_discharge", service.discharge, patient_id=pid)
    before = written(dx)
    for fn, kwargs in (
        (service.update_patient, {"data": PatientUpdate(ward="Ward 1")}),
        (service.add_assessment, {"data": AssessmentIn.model_validate(assessment_body())}),
        (service.discharge, {}),
    ):
        with pytest.raises(ProblemError) as exc:
            act(dx, "dan_discharge", fn, patient_id=pid, **kwargs)
        assert exc.value.status == 409 and "discharged" in (exc.value.detail or "")
    assert written(dx) == before


def test_the_ward_list_shows_days_waiting_bed_days_the_primary_delay_and_the_placement(dx: Discharge) -> None:
    pid = _add(dx, 1)  # ready four days ago
    act(
        dx, "dan_discharge", service.add_assessment, patient_id=pid, data=AssessmentIn.model_validate(assessment_body())
    )
    act(dx, "dan_discharge", service.add_delay, patient_id=pid, data=DelayIn(reason_code="C11"))
    rid = act(dx, "dan_discharge", service.refer, patient_id=pid, service_ids=[dx.services["elm"]])[0].id
    act(dx, "bob_provider", service.open_referral, referral_id=rid)
    act(dx, "bob_provider", service.offer, settings=dx.settings, referral_id=rid, data=OfferIn(start_date=today()))
    act(dx, "dan_discharge", service.accept, referral_id=rid)
    with dx.session() as s:
        row = s.get(DischargePatient, pid)
        assert row is not None
        out = service.patient_out(s, row)
    assert out.days_since_ready == 4 and out.bed_days_lost == 4
    assert out.primary_delay == "C11" and out.primary_delay_label is not None
    assert "Residential/nursing home" in out.primary_delay_label
    assert out.assessment_version == 1 and out.placement == "Elm Court"
    assert out.pathway_label.startswith("Pathway 3")
    act(dx, "dan_discharge", service.discharge, patient_id=pid)
    with dx.session() as s:
        row = s.get(DischargePatient, pid)
        assert row is not None
        out = service.patient_out(s, row)
    assert out.status == "discharged" and out.days_since_ready is None and out.bed_days_lost == 4
    assert out.primary_delay is None and out.placement == "Elm Court"


# The dates a stay may have, against today: admitted in the last ten years, ready between
# admission and today.
day_offsets = st.integers(min_value=-4000, max_value=30)


@settings(max_examples=200)
@given(admitted=day_offsets, ready=st.none() | day_offsets)
def test_patient_dates_are_accepted_exactly_when_they_make_a_stay(admitted: int, ready: int | None) -> None:
    now = today()
    admitted_on = now + timedelta(days=admitted)
    ready_on: date | None = None if ready is None else now + timedelta(days=ready)
    body = patient_body(1, admitted_on=admitted_on.isoformat(), discharge_ready_on=ready_on and ready_on.isoformat())
    valid = now - timedelta(days=3650) <= admitted_on <= now and (ready_on is None or admitted_on <= ready_on <= now)
    if valid:
        PatientIn.model_validate(body)
    else:
        with pytest.raises(ValidationError, match=r"admitted_on|discharge_ready_on"):
            PatientIn.model_validate(body)


def test_an_update_that_changes_nothing_is_not_recorded_as_a_change(dx: Discharge) -> None:
    pid = _add(dx, 1)
    row = _row(dx, pid)
    before = written(dx)
    same = PatientUpdate(ward=row.ward, pathway=row.pathway, discharge_ready_on=row.discharge_ready_on)
    for data in (PatientUpdate(), same):
        result = act(dx, "dan_discharge", service.update_patient, patient_id=pid, data=data)
        assert result.changed == ()
    assert written(dx) == before  # no audit row, no event
    result = act(
        dx,
        "dan_discharge",
        service.update_patient,
        patient_id=pid,
        data=PatientUpdate(ward="Ward 1", pathway=row.pathway),
    )
    assert result.changed == ("ward",)
    new = since(before, written(dx))
    assert new.audit == [("discharge_patient.update", pid)]
    with dx.session() as s:
        detail = s.scalars(select(AuditEvent.detail).where(AuditEvent.action == "discharge_patient.update")).one()
    assert detail == {"fields": ["ward"]}
