"""Discharge services against a real database: the whole referral workflow and its refusals."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from joinedup.core.audit import AuditEvent
from joinedup.core.clock import utcnow
from joinedup.core.errors import ProblemError
from joinedup.core.outbox import OutboxEvent
from joinedup.domains.discharge import service
from joinedup.domains.discharge.engine import bed_days
from joinedup.domains.discharge.models import DischargeHold, DischargeReferral
from joinedup.domains.discharge.schemas import (
    AssessmentIn,
    DeclineIn,
    DelayIn,
    OfferIn,
    PatientIn,
    ReferralState,
)
from tests.domains.discharge.conftest import Discharge, assessment_body, patient_body, today


def _patient(dx: Discharge, n: int = 1, **overrides: Any) -> str:
    s, dan = dx.scoped("dan_discharge")
    with s:
        p = service.create_patient(s, actor=dan, data=PatientIn.model_validate(patient_body(n, **overrides)))
        service.add_assessment(s, actor=dan, patient_id=p.id, data=AssessmentIn.model_validate(assessment_body()))
        s.commit()
        return p.id


def _refer(dx: Discharge, patient_id: str, *keys: str) -> list[str]:
    s, dan = dx.scoped("dan_discharge")
    with s:
        rows = service.refer(s, actor=dan, patient_id=patient_id, service_ids=[dx.services[k] for k in keys])
        s.commit()
        return [r.id for r in rows]


def _as(dx: Discharge, persona: str, fn: Any, **kwargs: Any) -> Any:
    s, actor = dx.scoped(persona)
    with s:
        result = fn(s, actor=actor, **kwargs)
        s.commit()
        return result


def _state(dx: Discharge, referral_id: str) -> str:
    with dx.session() as s:
        row = s.get(DischargeReferral, referral_id)
        assert row is not None
        return row.state


def test_patient_dates_are_checked() -> None:
    with pytest.raises(ValidationError, match="discharge_ready_on"):
        PatientIn.model_validate(patient_body(discharge_ready_on=(today() + timedelta(days=1)).isoformat()))
    with pytest.raises(ValidationError, match="on or after the admission date"):
        PatientIn.model_validate(
            patient_body(admitted_on=today().isoformat(), discharge_ready_on=(today() - timedelta(days=1)).isoformat())
        )
    with pytest.raises(ValidationError, match="check digit"):
        PatientIn.model_validate(patient_body(nhs_number="9434765918"))
    assert PatientIn.model_validate(patient_body(nhs_number="943 476 5919")).nhs_number == "9434765919"


def test_assessment_is_versioned_and_every_view_audited(dx: Discharge) -> None:
    pid = _patient(dx)
    body = assessment_body(care_type="residential")
    _as(dx, "dan_discharge", service.add_assessment, patient_id=pid, data=AssessmentIn.model_validate(body))
    versions = _as(dx, "dan_discharge", service.assessment_versions, patient_id=pid)
    assert [v.version for v in versions] == [2, 1]
    assert versions[0].care_type == "residential" and versions[1].care_type == "nursing"
    with dx.session() as s:
        reads = s.scalars(select(AuditEvent).where(AuditEvent.action == "discharge_assessment.read")).all()
        assert len(reads) == 1 and reads[0].personal_data


def test_whole_workflow_refer_offer_decline_accept_release(dx: Discharge) -> None:
    pid = _patient(dx)
    oak, elm = _refer(dx, pid, "oak", "elm")
    # Before opening, the provider sees the minimum summary only.
    s, pam = dx.scoped("pam_provider")
    with s:
        out = service.referral_out(s, s.get(DischargeReferral, oak), for_provider=True, actor=pam)  # type: ignore[arg-type]
        assert out.assessment is None and out.patient_name is None and out.nhs_number is None
        assert out.summary["care_type"] == "nursing" and "name" not in out.summary
    # Bob (care home B) cannot see Oak's referral at all.
    with pytest.raises(ProblemError) as exc:
        _as(dx, "bob_provider", service.open_referral, referral_id=oak)
    assert exc.value.status == 404
    # Offering before opening is refused.
    with pytest.raises(ProblemError) as exc:
        _as(dx, "pam_provider", service.offer, settings=dx.settings, referral_id=oak, data=OfferIn(start_date=today()))
    assert exc.value.status == 409
    _as(dx, "pam_provider", service.open_referral, referral_id=oak)
    s, pam = dx.scoped("pam_provider")
    with s:
        out = service.referral_out(s, s.get(DischargeReferral, oak), for_provider=True, actor=pam)  # type: ignore[arg-type]
        s.commit()
    assert out.assessment is not None and out.assessment.needs.mobility.value == "one_to_transfer"
    assert out.patient_name == "Test Patient 1"
    _as(dx, "pam_provider", service.ask, referral_id=oak, text="Any pressure care at night?")
    _as(dx, "dan_discharge", service.answer, referral_id=oak, text="Two-hourly turns")
    _as(dx, "pam_provider", service.offer, settings=dx.settings, referral_id=oak, data=OfferIn(start_date=today()))
    _as(dx, "bob_provider", service.decline, referral_id=elm, data=DeclineIn(reason="cannot_meet_needs"))
    assert _state(dx, elm) == "declined"
    # An offer on a declined referral is refused, and nothing changes.
    with pytest.raises(ProblemError) as exc:
        _as(dx, "bob_provider", service.offer, settings=dx.settings, referral_id=elm, data=OfferIn(start_date=today()))
    assert exc.value.status == 409 and _state(dx, elm) == "declined"

    ash = _refer(dx, pid, "ash")[0]
    _as(dx, "dan_discharge", service.accept, referral_id=oak)
    assert _state(dx, oak) == "accepted"
    assert _state(dx, ash) == "withdrawn"  # the others are withdrawn automatically
    with dx.session() as s:
        hold = s.scalars(select(DischargeHold).where(DischargeHold.referral_id == oak)).one()
        assert hold.released_at is None and hold.units == 1
        topics = set(s.scalars(select(OutboxEvent.topic)))
        assert {"discharge.referral_accepted", "discharge.referral_withdrawn", "discharge.referral_offered"} <= topics
    # Double acceptance is refused.
    with pytest.raises(ProblemError) as exc:
        _as(dx, "dan_discharge", service.accept, referral_id=oak)
    assert exc.value.status == 409
    # Withdrawing the accepted referral releases the place.
    _as(dx, "dan_discharge", service.withdraw, referral_id=oak)
    with dx.session() as s:
        assert s.scalars(select(DischargeHold).where(DischargeHold.referral_id == oak)).one().released_at is not None


def test_referral_refusals_name_the_field(dx: Discharge) -> None:
    pid = _patient(dx)
    for key, code in (("hc", "pathway_mismatch"), ("far", "not_visible")):
        with pytest.raises(ProblemError) as exc:
            _refer(dx, pid, "oak", key)
        assert exc.value.status == 422
        assert exc.value.errors[0].field == "body.service_ids.1" and exc.value.errors[0].code == code
    with dx.session() as s:  # all or nothing: Oak was not referred either
        assert s.scalars(select(DischargeReferral)).all() == []


def test_an_offer_holds_the_last_bed_and_expires(dx: Discharge) -> None:
    first, second = _patient(dx, 1), _patient(dx, 2)
    r1 = _refer(dx, first, "oak")[0]
    r2 = _refer(dx, second, "oak")[0]
    for rid in (r1, r2):
        _as(dx, "pam_provider", service.open_referral, referral_id=rid)
    _as(dx, "pam_provider", service.offer, settings=dx.settings, referral_id=r1, data=OfferIn(start_date=today()))
    with pytest.raises(ProblemError) as exc:  # Oak reported one nursing bed: it is held by the first offer
        _as(dx, "pam_provider", service.offer, settings=dx.settings, referral_id=r2, data=OfferIn(start_date=today()))
    assert exc.value.status == 409 and _state(dx, r2) == "opened"
    with dx.session() as s:  # the offer runs out
        row = s.get(DischargeReferral, r1)
        assert row is not None
        row.offer_expires_at = utcnow() - timedelta(minutes=1)
        s.commit()
    with pytest.raises(ProblemError) as exc:
        _as(dx, "dan_discharge", service.accept, referral_id=r1)
    assert exc.value.status == 409
    assert _state(dx, r1) == "offered"  # refused: nothing half-changed (the expiry is recorded by the next step)
    with dx.session() as s:
        row = s.get(DischargeReferral, r1)
        assert row is not None and service.effective_state(row, utcnow()) is ReferralState.EXPIRED
    # The expired offer no longer holds the bed.
    _as(dx, "pam_provider", service.offer, settings=dx.settings, referral_id=r2, data=OfferIn(start_date=today()))
    _as(dx, "dan_discharge", service.accept, referral_id=r2)
    assert _state(dx, r2) == "accepted"


def test_delays_bed_days_and_sitrep(dx: Discharge) -> None:
    pid = _patient(dx)  # ready four days ago
    ready = today() - timedelta(days=4)
    _as(dx, "dan_discharge", service.add_delay, patient_id=pid, data=DelayIn(reason_code="T02", started_on=ready))
    _as(
        dx,
        "dan_discharge",
        service.add_delay,
        patient_id=pid,
        data=DelayIn(reason_code="C11", primary=True, started_on=ready + timedelta(days=2)),
    )
    _as(dx, "dan_discharge", service.add_delay, patient_id=pid, data=DelayIn(reason_code="W03", started_on=ready))
    with pytest.raises(ProblemError) as exc:
        _as(dx, "dan_discharge", service.add_delay, patient_id=pid, data=DelayIn(reason_code="Z99"))
    assert exc.value.errors[0].field == "body.reason_code"
    with pytest.raises(ProblemError):
        _as(
            dx,
            "dan_discharge",
            service.add_delay,
            patient_id=pid,
            data=DelayIn(reason_code="H01", started_on=ready - timedelta(days=1)),
        )
    s, dan = dx.scoped("dan_discharge")
    with s:
        org = dan.organisation_id
        assert org is not None
        report = service.bed_days_report(s, organisation_id=org, start=ready - timedelta(days=3), end=today())
        delays = service.delays_of(s, pid)
    assert report.total == 4
    assert {r.key: r.bed_days_lost for r in report.by_reason} == {"T02": 2, "C11": 2}
    assert report.by_pathway[0].key == "P3_new_placement" and report.by_provider[0].key == "none"
    assert bed_days.current_primary(delays) == "C11"

    r = _refer(dx, pid, "elm")[0]
    _as(dx, "bob_provider", service.open_referral, referral_id=r)
    _as(dx, "bob_provider", service.offer, settings=dx.settings, referral_id=r, data=OfferIn(start_date=today()))
    _as(dx, "dan_discharge", service.accept, referral_id=r)
    _as(dx, "dan_discharge", service.discharge, patient_id=pid)
    assert _state(dx, r) == "completed"
    s, dan = dx.scoped("dan_discharge")
    with s:
        assert dan.organisation_id is not None
        daily = service.daily_sitrep(
            s, organisation_id=dan.organisation_id, start=ready - timedelta(days=1), end=today()
        )
        monthly = service.monthly_delay_reasons(s, organisation_id=dan.organisation_id, month=today())
        report = service.bed_days_report(s, organisation_id=dan.organisation_id, start=ready, end=today())
    assert [d.do_not_meet_criteria_to_reside for d in daily] == [0, 1, 1, 1, 1, 1]
    assert daily[-1].discharged_total == 1 and sum(d.discharged_total for d in daily) == 1
    assert len(monthly) == 37 and {m.nhs_trust22_code for m in monthly} == {"RTT"}
    assert report.by_provider[0].label == "Elm Court" and report.total == 4
    with pytest.raises(ProblemError) as exc:  # nothing changes after discharge
        _as(dx, "dan_discharge", service.add_delay, patient_id=pid, data=DelayIn(reason_code="T02"))
    assert exc.value.status == 409


def test_other_hospitals_and_providers_cannot_reach_patients(dx: Discharge) -> None:
    pid = _patient(dx)
    for persona in ("pam_provider", "colin_commissioner"):
        with pytest.raises(ProblemError) as exc:
            _as(dx, persona, service.get_patient, patient_id=pid)
        assert exc.value.status == 404
    with pytest.raises(ProblemError) as exc:
        _as(dx, "pam_provider", service.create_patient, data=PatientIn.model_validate(patient_body(5)))
    assert exc.value.status == 422


def test_referral_states_are_recorded_for_every_step(dx: Discharge) -> None:
    pid = _patient(dx)
    rid = _refer(dx, pid, "oak")[0]
    _as(dx, "pam_provider", service.open_referral, referral_id=rid)
    _as(dx, "pam_provider", service.decline, referral_id=rid, data=DeclineIn(reason="no_vacancy", note="full"))
    with dx.session() as s:
        actions = s.scalars(select(AuditEvent.action).where(AuditEvent.record_id == rid).order_by(AuditEvent.id)).all()
    assert actions == ["discharge_referral.refer", "discharge_referral.open", "discharge_referral.decline"]
    assert ReferralState(_state(dx, rid)) is ReferralState.DECLINED


def test_offers_past_their_hold_are_recorded_as_expired_without_anyone_acting(dx: Discharge) -> None:
    first, second = _patient(dx, 1), _patient(dx, 2)
    r1, r2 = _refer(dx, first, "oak")[0], _refer(dx, second, "elm")[0]
    for rid in (r1, r2):
        _as(dx, "pam_provider" if rid == r1 else "bob_provider", service.open_referral, referral_id=rid)
    _as(dx, "pam_provider", service.offer, settings=dx.settings, referral_id=r1, data=OfferIn(start_date=today()))
    _as(dx, "bob_provider", service.offer, settings=dx.settings, referral_id=r2, data=OfferIn(start_date=today()))
    with dx.session() as s:
        row = s.get(DischargeReferral, r1)
        assert row is not None
        row.offer_expires_at = utcnow() - timedelta(minutes=1)
        s.commit()
    assert service.expire_due_offers(dx.factory) == 1
    assert _state(dx, r1) == "expired" and _state(dx, r2) == "offered"  # only the one past its hold
    assert service.expire_due_offers(dx.factory) == 0  # nothing left to do, nothing done twice
    with dx.session() as s:
        topics = {e.topic for e in s.scalars(select(OutboxEvent).where(OutboxEvent.record_id == r1))}
        audited = s.scalars(select(AuditEvent).where(AuditEvent.record_id == r1)).all()
    assert "discharge.referral_expired" in topics
    assert any(a.action == "discharge_referral.expire" and a.actor_type == "system" for a in audited)
