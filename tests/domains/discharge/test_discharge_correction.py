"""A discharge recorded in error is undone on the same UK day, by the organisation that recorded
it, with a reason, and the correction is audited; later, or by anyone else, it is refused."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from joinedup.core.audit import AuditEvent
from joinedup.core.clock import utcnow
from joinedup.core.errors import ProblemError
from joinedup.domains.discharge import service
from joinedup.domains.discharge.models import DischargeDelay, DischargePatient, DischargeReferral
from joinedup.domains.discharge.schemas import AssessmentIn, DelayIn, DischargeCorrection, OfferIn, PatientIn
from joinedup.domains.discharge.service import discharges
from tests.domains.discharge.conftest import Discharge, act, assessment_body, patient_body, since, today, written

numbers = itertools.count(700)


def _placed(dx: Discharge) -> tuple[str, str]:
    """A patient with an open delay, one ended before, and an accepted offer at Oak House, then
    discharged: (patient, Oak House referral)."""
    pid = str(
        act(dx, "dan_discharge", service.create_patient, data=PatientIn.model_validate(patient_body(next(numbers)))).id
    )
    act(
        dx, "dan_discharge", service.add_assessment, patient_id=pid, data=AssessmentIn.model_validate(assessment_body())
    )
    act(dx, "dan_discharge", service.add_delay, patient_id=pid, data=DelayIn(reason_code="C11"))
    ended_earlier = act(dx, "dan_discharge", service.add_delay, patient_id=pid, data=DelayIn(reason_code="T02"))
    act(dx, "dan_discharge", service.end_delay, patient_id=pid, delay_id=ended_earlier.id)
    oak = act(dx, "dan_discharge", service.refer, patient_id=pid, service_ids=[dx.services["oak"]])[0].id
    act(dx, "pam_provider", service.open_referral, referral_id=oak)
    act(dx, "pam_provider", service.offer, settings=dx.settings, referral_id=oak, data=OfferIn(start_date=today()))
    act(dx, "dan_discharge", service.accept, referral_id=oak)
    act(dx, "dan_discharge", service.discharge, patient_id=pid, at=utcnow() - timedelta(minutes=5))
    return pid, oak


def _state(dx: Discharge, pid: str) -> dict[str, Any]:
    with dx.session() as s:
        patient = s.get(DischargePatient, pid)
        assert patient is not None
        return {
            "status": patient.status,
            "discharged_at": patient.discharged_at,
            "to": patient.discharged_to_service_id,
            "referrals": {
                r.id: r.state for r in s.scalars(select(DischargeReferral).where(DischargeReferral.patient_id == pid))
            },
            "open_delays": sorted(
                d.reason_code
                for d in s.scalars(select(DischargeDelay).where(DischargeDelay.patient_id == pid))
                if d.ended_on is None
            ),
        }


def test_a_same_day_correction_restores_the_stay_and_is_audited_with_its_reason(dx: Discharge) -> None:
    pid, oak = _placed(dx)
    assert _state(dx, pid)["status"] == "discharged"
    before = written(dx)
    act(dx, "dan_discharge", service.undo_discharge, patient_id=pid, reason=DischargeCorrection.NOT_LEFT)
    after = _state(dx, pid)
    assert after["status"] == "in_hospital" and after["discharged_at"] is None and after["to"] is None
    assert after["referrals"][oak] == "accepted"  # the placement stands again
    assert after["open_delays"] == ["C11"]  # the delay the discharge ended; not the one ended before
    new = since(before, written(dx))
    assert ("discharge_patient.undo_discharge", pid) in new.audit
    assert ("discharge_referral.reopen", oak) in new.audit
    assert ("discharge.patient_discharge_undone", dx.world.org_id("trust")) in new.events
    with dx.session() as s:
        row = s.scalars(select(AuditEvent).where(AuditEvent.action == "discharge_patient.undo_discharge")).one()
    assert row.detail["reason"] == "not_left" and row.personal_data
    # The patient can be discharged again, and the board offers no undo while in hospital.
    with pytest.raises(ProblemError) as exc:
        act(dx, "dan_discharge", service.undo_discharge, patient_id=pid, reason=DischargeCorrection.NOT_LEFT)
    assert exc.value.status == 409
    act(dx, "dan_discharge", service.discharge, patient_id=pid)
    assert _state(dx, pid)["status"] == "discharged"


def test_a_correction_on_a_later_day_is_refused_and_changes_nothing(dx: Discharge, monkeypatch: Any) -> None:
    pid, _ = _placed(dx)
    before_state, before = _state(dx, pid), written(dx)
    monkeypatch.setattr(discharges, "uk_today", lambda: today() + timedelta(days=1))
    with pytest.raises(ProblemError) as exc:
        act(dx, "dan_discharge", service.undo_discharge, patient_id=pid, reason=DischargeCorrection.WRONG_PATIENT)
    assert exc.value.status == 409 and "same day" in (exc.value.detail or "")
    assert _state(dx, pid) == before_state and written(dx) == before


def test_only_the_recording_hospital_can_correct_a_discharge(dx: Discharge) -> None:
    pid, _ = _placed(dx)
    before_state = _state(dx, pid)
    for persona in ("pam_provider", "alice_admin"):
        with pytest.raises(ProblemError) as exc:
            act(dx, persona, service.undo_discharge, patient_id=pid, reason=DischargeCorrection.WRONG_PATIENT)
        assert exc.value.status in (403, 404)
    assert _state(dx, pid) == before_state


def test_the_board_says_when_a_discharge_can_still_be_corrected(dx: Discharge, monkeypatch: Any) -> None:
    pid, _ = _placed(dx)
    s, actor = dx.scoped("dan_discharge")
    with s:
        assert service.patient_board(s, actor=actor, settings=dx.settings, patient_id=pid).correctable
    monkeypatch.setattr(discharges, "uk_today", lambda: today() + timedelta(days=1))
    s, actor = dx.scoped("dan_discharge")
    with s:
        assert not service.patient_board(s, actor=actor, settings=dx.settings, patient_id=pid).correctable
