"""Matching a patient's latest assessment to the services that can take them.

Capacity's door finds the services of the patient's care system that offer the care type (in a
box around home and family for a bed, or in the wanted areas for care at home) with what they
report; discharge adds the places it has already promised (holds and live offers) and the CQC
rating it keeps; engine.matching checks and ranks them.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.config import Settings
from joinedup.core.auth.principal import Principal
from joinedup.core.clock import utcnow
from joinedup.core.errors import conflict
from joinedup.domains.capacity import service as capacity
from joinedup.domains.discharge import pathways
from joinedup.domains.discharge.engine import matching
from joinedup.domains.discharge.models import DischargePatient, DischargeServiceProfile
from joinedup.domains.discharge.schemas.assessments import AssessmentIn
from joinedup.domains.discharge.schemas.matches import MatchResult
from joinedup.domains.discharge.service.assessments import assessment_data, latest_assessment
from joinedup.domains.discharge.service.holds import committed_units
from joinedup.domains.discharge.service.patients import get_patient
from joinedup.geo import lookup


def match_patient(
    session: Session, *, actor: Principal, settings: Settings, patient_id: str, by: date | None = None
) -> MatchResult:
    """Services the caller may see, ranked for the patient's assessed needs, each with its reasons."""
    patient = get_patient(session, actor=actor, patient_id=patient_id)
    row = latest_assessment(session, patient.id)
    if row is None:
        raise conflict("Complete the shared assessment first: matching is on assessed needs.")
    return match(
        session,
        settings=settings,
        patient=patient,
        assessment=assessment_data(row),
        assessment_version=row.version,
        by=by,
    )


def match(
    session: Session,
    *,
    settings: Settings,
    patient: DischargePatient,
    assessment: AssessmentIn,
    assessment_version: int,
    by: date | None = None,
    now: datetime | None = None,
    limit: int = 50,
) -> MatchResult:
    """Services the session may see, ranked for this patient; every one with why it is in or out."""
    now = now or utcnow()
    need = _need(patient, assessment, by)
    found = capacity.candidate_services(
        session,
        system_id=patient.system_id,
        care_type=need.care_type,
        kinds=pathways.pathway_of(patient.pathway).service_kinds,
        near=need.origins if need.bed_based else (),
        radius_km=need.max_distance_km if need.bed_based and need.origins else None,
        areas=need.wanted_areas if not need.bed_based else (),
    )
    ratings = _ratings(session, [s.service_id for s in found.services])
    candidates = [
        matching.screen(s, need, now=now, stale_hours=settings.capacity_stale_hours, rating=ratings.get(s.service_id))
        for s in found.services
    ]
    # Places promised (holds, live offers) only for those still in the running.
    alive = [c for c in candidates if c.ok]
    since = {c.service.service_id: c.service.free.as_of if c.service.free else None for c in alive}
    committed = committed_units(session, list(since), now=now, since=since)
    for c in alive:
        matching.count(c, need, committed=committed.get(c.service.service_id, 0.0))
    return matching.result(
        patient_id=patient.id,
        assessment_version=assessment_version,
        need=need,
        candidates=candidates,
        not_offering=found.not_offering,
        limit=limit,
    )


def _need(patient: DischargePatient, assessment: AssessmentIn, by: date | None) -> matching.Need:
    home = (
        (patient.home_latitude, patient.home_longitude)
        if patient.home_latitude is not None and patient.home_longitude is not None
        else _point(patient.home_postcode)
    )
    family = _point(patient.family_postcode)
    district = lookup.district(patient.home_postcode) if patient.home_postcode else None
    return matching.Need(
        care_type=assessment.care_type.value,
        hours_per_week=assessment.hours_per_week,
        funding=assessment.funding.value,
        start=max(by or assessment.start_date, assessment.start_date),
        origins=tuple(p for p in (home, family) if p is not None),
        max_distance_km=assessment.preferences.max_distance_km,
        wanted_areas=frozenset(assessment.preferences.areas) | ({district} if district else frozenset()),
        named=frozenset(assessment.preferences.named_service_ids),
        skills=frozenset(assessment.required_skills()),
    )


def _ratings(session: Session, service_ids: list[str]) -> dict[str, str | None]:
    """The CQC rating discharge keeps for each service (public facts, not tenant-scoped)."""
    if not service_ids:
        return {}
    rows = session.execute(
        select(DischargeServiceProfile.service_id, DischargeServiceProfile.cqc_rating).where(
            DischargeServiceProfile.service_id.in_(service_ids)
        )
    )
    return {service_id: rating for service_id, rating in rows}


def _point(postcode: str | None) -> tuple[float, float] | None:
    if not postcode:
        return None
    try:
        point = lookup.locate(postcode)
    except ValueError:
        return None
    return (point.latitude, point.longitude) if point else None
