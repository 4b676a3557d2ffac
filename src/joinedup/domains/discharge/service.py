"""Discharge coordination: patients, the shared assessment, referrals, holds and delays.

Every step that changes a patient's referrals locks the patient first (SELECT ... FOR UPDATE on
PostgreSQL; on SQLite a write first, which takes the database's single write lock before
anything is read), then re-reads what it decides on. Acceptance also locks the service's row in
`discharge_service_locks`, so two acceptances cannot both take its last bed. Every step is
audited and emits an event in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from joinedup.config import Settings
from joinedup.core import audit, outbox
from joinedup.core.auth.principal import Principal
from joinedup.core.clock import utcnow
from joinedup.core.errors import FieldError, ProblemError, conflict, invalid, not_found
from joinedup.db.tenancy import Scope
from joinedup.domains.capacity.models import CapacityCurrent, CapacityService
from joinedup.domains.capacity.rules import UK
from joinedup.domains.discharge import matching, pathways
from joinedup.domains.discharge import referrals as sm
from joinedup.domains.discharge.delay_reasons import DELAY_REASONS
from joinedup.domains.discharge.models import (
    DischargeAssessment,
    DischargeDelay,
    DischargeHold,
    DischargePatient,
    DischargeReferral,
    DischargeServiceLock,
)
from joinedup.domains.discharge.schemas import (
    AssessmentIn,
    AssessmentOut,
    DeclineIn,
    DeclineReason,
    DelayIn,
    Needs,
    OfferIn,
    PatientIn,
    PatientOut,
    PatientUpdate,
    ReferralMessage,
    ReferralOut,
    ReferralState,
    required_skills,
    uk_today,
)
from joinedup.domains.organisations.models import Organisation, OrganisationType
from joinedup.geo import lookup

HOSPITAL_TYPES = frozenset({OrganisationType.ACUTE_TRUST, OrganisationType.COMMUNITY_TRUST})
S = ReferralState


def hospital_for(session: Session, actor: Principal) -> Organisation:
    """The hospital the caller acts for; only a trust records patients awaiting discharge."""
    org = session.get(Organisation, actor.organisation_id) if actor.organisation_id else None
    if org is None or org.type not in HOSPITAL_TYPES:
        # As capacity does for non-providers: the role may, but this organisation has no patients.
        raise invalid("organisation", "Only a hospital's discharge team records and refers patients.", "not_a_hospital")
    return org


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


@contextmanager
def shared_read(session: Session, purpose: str) -> Iterator[None]:
    """Read a hospital's records for a referred provider, after the caller has checked that the
    referral is theirs and opened. Narrow by construction: used only around single-row reads."""
    saved = session.info["scope"]
    session.info["scope"] = Scope.system(purpose)
    try:
        yield
    finally:
        session.info["scope"] = saved


def _event(session: Session, topic: str, *, org_id: str, system_id: str, record_id: str, **payload: Any) -> None:
    outbox.emit(session, topic=topic, organisation_id=org_id, system_id=system_id, record_id=record_id, payload=payload)


def _patient_changed(
    session: Session,
    actor: Principal,
    patient: DischargePatient,
    *,
    action: str,
    topic: str,
    record_type: str = "discharge_patient",
    record_id: str | None = None,
    personal_data: bool = True,
    detail: dict[str, Any] | None = None,
    **payload: Any,
) -> None:
    """Audit a change to a patient's record (or one of its rows) and announce it on the hospital's
    stream, in the caller's transaction; the event names the patient, never their details."""
    audit.record(
        session,
        actor=actor,
        action=action,
        record_type=record_type,
        record_id=record_id or patient.id,
        record_organisation_id=patient.organisation_id,
        personal_data=personal_data,
        detail=detail,
    )
    _event(session, topic, org_id=patient.organisation_id, system_id=patient.system_id, record_id=patient.id, **payload)


# Patients


def _locate(postcode: str | None) -> tuple[float | None, float | None]:
    point = lookup.locate(postcode) if postcode else None
    return (point.latitude, point.longitude) if point else (None, None)


def create_patient(session: Session, *, actor: Principal, data: PatientIn, synthetic: bool = False) -> DischargePatient:
    hospital = hospital_for(session, actor)
    existing = session.scalars(
        select(DischargePatient).where(
            DischargePatient.organisation_id == hospital.id,
            DischargePatient.nhs_number == data.nhs_number,
            DischargePatient.admitted_on == data.admitted_on,
        )
    ).first()
    if existing is not None:
        raise conflict("This patient's stay is already on the list.", field="body.nhs_number")
    patient = DischargePatient(organisation_id=hospital.id, system_id=hospital.system_id, synthetic=synthetic)
    _apply(patient, data)
    session.add(patient)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise conflict("This patient's stay is already on the list.", field="body.nhs_number") from None
    _patient_changed(session, actor, patient, action="discharge_patient.create", topic="discharge.patient_added")
    return patient


def _apply(patient: DischargePatient, data: PatientIn) -> None:
    patient.nhs_number = data.nhs_number
    patient.name = data.name
    patient.hospital_number = data.hospital_number
    patient.ward = data.ward
    patient.admitted_on = data.admitted_on
    patient.discharge_ready_on = data.discharge_ready_on
    patient.pathway = data.pathway.value
    patient.home_postcode = data.home_postcode
    patient.family_postcode = data.family_postcode
    patient.home_latitude, patient.home_longitude = _locate(data.home_postcode)


def get_patient(session: Session, *, actor: Principal, patient_id: str, audit_read: bool = True) -> DischargePatient:
    """A patient of the caller's hospital (404 for anyone else's); the read is audited."""
    patient = session.get(DischargePatient, patient_id)
    if patient is None or patient.organisation_id != actor.organisation_id:
        raise not_found("patient", patient_id)
    if audit_read:
        audit.record(
            session,
            actor=actor,
            action="discharge_patient.read",
            record_type="discharge_patient",
            record_id=patient.id,
            record_organisation_id=patient.organisation_id,
            personal_data=True,
        )
    return patient


def list_patients(session: Session, *, actor: Principal, include_discharged: bool = False) -> list[DischargePatient]:
    stmt = select(DischargePatient).where(DischargePatient.organisation_id == actor.organisation_id)
    if not include_discharged:
        stmt = stmt.where(DischargePatient.status == "in_hospital")
    patients = list(session.scalars(stmt.order_by(DischargePatient.ward, DischargePatient.name)))
    if patients:
        audit.record(
            session,
            actor=actor,
            action="discharge_patient.list",
            record_type="discharge_patient",
            record_id=None,
            record_organisation_id=actor.organisation_id,
            personal_data=True,
            detail={"count": len(patients)},
        )
    return patients


def update_patient(session: Session, *, actor: Principal, patient_id: str, data: PatientUpdate) -> DischargePatient:
    patient = lock_patient(session, patient_id, actor=actor)
    _require_in_hospital(patient)
    if data.discharge_ready_on is not None:
        if data.discharge_ready_on < patient.admitted_on:
            raise invalid("body.discharge_ready_on", "the discharge ready date cannot be before admission", "rule")
        if data.discharge_ready_on > uk_today():
            raise invalid("body.discharge_ready_on", "the discharge ready date cannot be in the future", "rule")
        patient.discharge_ready_on = data.discharge_ready_on
    if data.pathway is not None:
        live = _referrals_of(session, patient.id, states=sm.LIVE_STATES)
        if any(not pathways.accepts_kind(data.pathway.value, _kind(session, r.service_id)) for r in live):
            raise invalid("body.pathway", "live referrals are to services this pathway cannot use", "pathway_mismatch")
        patient.pathway = data.pathway.value
    if data.ward is not None:
        patient.ward = data.ward
    _patient_changed(
        session,
        actor,
        patient,
        action="discharge_patient.update",
        topic="discharge.patient_updated",
        detail={"fields": sorted(data.model_dump(exclude_none=True))},
    )
    return patient


def _require_in_hospital(patient: DischargePatient) -> None:
    if patient.status != "in_hospital":
        raise conflict(f"The patient is {patient.status.replace('_', ' ')}; nothing more can change.")


def lock_patient(session: Session, patient_id: str, *, actor: Principal | None = None) -> DischargePatient:
    """The patient row, locked for the rest of the transaction, read afresh."""
    stmt = select(DischargePatient).where(DischargePatient.id == patient_id)
    if _is_postgres(session):
        stmt = stmt.with_for_update()
    else:
        # SQLite: a write first takes the single write lock before anything is read.
        session.execute(
            update(DischargePatient)
            .where(DischargePatient.id == patient_id)
            .values(lock_version=DischargePatient.lock_version + 1)
            .execution_options(synchronize_session=False)
        )
    patient = session.scalars(stmt.execution_options(populate_existing=True)).one_or_none()
    if patient is None or (actor is not None and patient.organisation_id != actor.organisation_id):
        raise not_found("patient", patient_id)
    if _is_postgres(session):
        patient.lock_version += 1
    return patient


# The shared assessment


def add_assessment(session: Session, *, actor: Principal, patient_id: str, data: AssessmentIn) -> DischargeAssessment:
    patient = lock_patient(session, patient_id, actor=actor)
    _require_in_hospital(patient)
    latest = latest_assessment(session, patient.id)
    version = (latest.version if latest else 0) + 1
    row = DischargeAssessment(
        organisation_id=patient.organisation_id,
        patient_id=patient.id,
        version=version,
        assessed_by=actor.user_id,
        created_at=utcnow(),
        care_type=data.care_type.value,
        start_date=data.start_date,
        funding=data.funding.value,
        content=data.model_dump(mode="json"),
    )
    session.add(row)
    session.flush()
    _patient_changed(
        session,
        actor,
        patient,
        action="discharge_assessment.create",
        topic="discharge.assessment_added",
        record_type="discharge_assessment",
        record_id=row.id,
        detail={"version": version, "patient_id": patient.id},
        version=version,
    )
    return row


def latest_assessment(session: Session, patient_id: str) -> DischargeAssessment | None:
    return session.scalars(
        select(DischargeAssessment)
        .where(DischargeAssessment.patient_id == patient_id)
        .order_by(DischargeAssessment.version.desc())
        .limit(1)
    ).first()


def assessment_versions(session: Session, *, actor: Principal, patient_id: str) -> list[DischargeAssessment]:
    patient = get_patient(session, actor=actor, patient_id=patient_id, audit_read=False)
    rows = list(
        session.scalars(
            select(DischargeAssessment)
            .where(DischargeAssessment.patient_id == patient.id)
            .order_by(DischargeAssessment.version.desc())
        )
    )
    for row in rows[:1]:
        _audit_assessment_view(session, actor, row)
    return rows


def _audit_assessment_view(session: Session, actor: Principal, row: DischargeAssessment) -> None:
    audit.record(
        session,
        actor=actor,
        action="discharge_assessment.read",
        record_type="discharge_assessment",
        record_id=row.id,
        record_organisation_id=row.organisation_id,
        personal_data=True,
        detail={"version": row.version},
    )


def assessment_data(row: DischargeAssessment) -> AssessmentIn:
    """A stored version: checked when entered, not re-judged against today."""
    return AssessmentIn.model_validate(row.content, context={"stored": True})


def assessment_out(row: DischargeAssessment) -> AssessmentOut:
    data = assessment_data(row)
    return AssessmentOut(
        **data.model_dump(),
        id=row.id,
        patient_id=row.patient_id,
        version=row.version,
        created_at=row.created_at,
        required=sorted(data.required_skills()),
    )


# Matching


def match_patient(
    session: Session, *, actor: Principal, settings: Settings, patient_id: str, by: date | None = None
) -> Any:
    patient = get_patient(session, actor=actor, patient_id=patient_id)
    row = latest_assessment(session, patient.id)
    if row is None:
        raise conflict("Complete the shared assessment first: matching is on assessed needs.")
    data = assessment_data(row)
    return matching.match(
        session, settings=settings, patient=patient, assessment=data, assessment_version=row.version, by=by
    )


# Referrals


def _kind(session: Session, service_id: str) -> str:
    service = session.get(CapacityService, service_id)
    return service.kind if service else ""


def _referrals_of(
    session: Session, patient_id: str, *, states: frozenset[ReferralState] | None = None
) -> list[DischargeReferral]:
    stmt = select(DischargeReferral).where(DischargeReferral.patient_id == patient_id)
    if states is not None:
        stmt = stmt.where(DischargeReferral.state.in_([s.value for s in states]))
    return list(session.scalars(stmt.order_by(DischargeReferral.created_at).execution_options(populate_existing=True)))


def _summary(patient: DischargePatient, assessment: DischargeAssessment, today: date) -> dict[str, Any]:
    """What a provider sees before opening: enough to decide whether to look, nothing identifying."""
    content = assessment.content
    return {
        "pathway": patient.pathway,
        "care_type": assessment.care_type,
        "hours_per_week": content.get("hours_per_week"),
        "units": matching.units_needed(assessment.care_type, content.get("hours_per_week")),
        "start_date": assessment.start_date.isoformat(),
        "funding": assessment.funding,
        "area": lookup.district(patient.home_postcode) if patient.home_postcode else None,
        "carers_needed": content["needs"]["carers_needed"],
        "required_skills": sorted(required_skills(Needs.model_validate(content["needs"]))),
        "days_since_ready": (today - patient.discharge_ready_on).days if patient.discharge_ready_on else None,
        "assessment_version": assessment.version,
    }


def refer(
    session: Session, *, actor: Principal, patient_id: str, service_ids: Sequence[str]
) -> list[DischargeReferral]:
    """Refer a patient to one or several services at once (all or nothing)."""
    hospital = hospital_for(session, actor)
    patient = lock_patient(session, patient_id, actor=actor)
    _require_in_hospital(patient)
    if patient.discharge_ready_on is None:
        raise conflict("Record the discharge ready date before referring.", field="discharge_ready_on")
    assessment = latest_assessment(session, patient.id)
    if assessment is None:
        raise conflict("Complete the shared assessment before referring.")
    existing = _referrals_of(session, patient.id)
    if any(r.state == S.ACCEPTED.value for r in existing):
        raise conflict("An offer has already been accepted for this patient.")
    errors: list[FieldError] = []
    services: list[CapacityService] = []
    if len(set(service_ids)) != len(service_ids):
        raise invalid("body.service_ids", "each service may be named once", "duplicate")
    for i, service_id in enumerate(service_ids):
        service = session.get(CapacityService, service_id)
        field = f"body.service_ids.{i}"
        if service is None or service.system_id != hospital.system_id or not service.active:
            errors.append(
                FieldError(field=field, message="no service with this id that you may refer to", code="not_visible")
            )
        elif not pathways.accepts_kind(patient.pathway, service.kind):
            errors.append(
                FieldError(
                    field=field,
                    message=f"a {service.kind.replace('_', ' ')} service does not take {patient.pathway} patients",
                    code="pathway_mismatch",
                )
            )
        elif any(r.service_id == service.id and S(r.state) in sm.LIVE_STATES for r in existing):
            errors.append(FieldError(field=field, message="already referred to this service", code="duplicate"))
        else:
            services.append(service)
    if errors:
        raise ProblemError(422, "validation", "Invalid request", "Some services cannot be referred to.", errors=errors)
    summary = _summary(patient, assessment, uk_today())
    created = []
    for service in services:
        rounds = sum(1 for r in existing if r.service_id == service.id)
        referral = DischargeReferral(
            hospital_organisation_id=hospital.id,
            provider_organisation_id=service.organisation_id,
            system_id=hospital.system_id,
            patient_id=patient.id,
            service_id=service.id,
            assessment_id=assessment.id,
            round=rounds + 1,
            state=S.SENT.value,
            summary=summary,
            messages=[],
            referred_by=actor.user_id,
        )
        session.add(referral)
        created.append(referral)
    session.flush()
    for referral in created:
        _log(session, actor, referral, "refer", S.SENT)
    return created


def _log(
    session: Session, actor: Principal | None, referral: DischargeReferral, action: str, to: ReferralState
) -> None:
    audit.record(
        session,
        actor=actor,
        action=f"discharge_referral.{action}",
        record_type="discharge_referral",
        record_id=referral.id,
        record_organisation_id=referral.hospital_organisation_id,
        personal_data=True,
        detail={"state": to.value, "service_id": referral.service_id},
    )
    for org_id in {referral.hospital_organisation_id, referral.provider_organisation_id}:
        _event(
            session,
            f"discharge.referral_{to.value}",
            org_id=org_id,
            system_id=referral.system_id,
            record_id=referral.id,
            patient_id=referral.patient_id,
            service_id=referral.service_id,
        )


def _step(
    session: Session, actor: Principal | None, referral: DischargeReferral, action: sm.Action, **detail: Any
) -> None:
    try:
        to = sm.step(S(referral.state), action)
    except sm.IllegalTransition as exc:
        raise ProblemError(
            409,
            "conflict",
            "Conflict",
            str(exc).capitalize() + ".",
            errors=[FieldError(field="state", message=str(exc), code=f"not_{action.value}able")],
        ) from None
    referral.state = to.value
    referral.updated_at = utcnow()
    _log(session, actor, referral, action.value, to)


def _expire_due(session: Session, referrals: Sequence[DischargeReferral], now: datetime) -> None:
    for r in referrals:
        if r.state == S.OFFERED.value and r.offer_expires_at is not None and r.offer_expires_at <= now:
            _step(session, None, r, sm.Action.EXPIRE)
            r.closed_reason = "offer_expired"


def expire_due_offers(factory: sessionmaker[Session], *, now: datetime | None = None) -> int:
    """Record every offer whose hold has run out, one patient per transaction, so the hub's board,
    the provider's list and the events say so without waiting for someone to act on the patient.
    Run by the server every minute; returns how many offers expired."""
    now = now or utcnow()
    with factory() as session:
        session.info["scope"] = Scope.system("discharge: find offers past their hold")
        due = session.scalars(
            select(DischargeReferral.patient_id)
            .where(DischargeReferral.state == S.OFFERED.value, DischargeReferral.offer_expires_at <= now)
            .distinct()
        ).all()
    expired = 0
    for patient_id in due:
        with factory() as session:
            session.info["scope"] = Scope.system("discharge: expire offers past their hold")
            lock_patient(session, patient_id)
            siblings = _referrals_of(session, patient_id)
            before = sum(1 for r in siblings if r.state == S.OFFERED.value)
            _expire_due(session, siblings, now)
            expired += before - sum(1 for r in siblings if r.state == S.OFFERED.value)
            session.commit()
    return expired


def effective_state(referral: DischargeReferral, now: datetime) -> ReferralState:
    """The state as it stands now: an offer past its time has expired even if not yet recorded."""
    if referral.state == S.OFFERED.value and referral.offer_expires_at and referral.offer_expires_at <= now:
        return S.EXPIRED
    return S(referral.state)


def provider_referral(session: Session, actor: Principal, referral_id: str) -> DischargeReferral:
    referral = session.get(DischargeReferral, referral_id)
    if referral is None or referral.provider_organisation_id != actor.organisation_id:
        raise not_found("referral", referral_id)
    return referral


def hospital_referral(session: Session, actor: Principal, referral_id: str) -> DischargeReferral:
    referral = session.get(DischargeReferral, referral_id)
    if referral is None or referral.hospital_organisation_id != actor.organisation_id:
        raise not_found("referral", referral_id)
    return referral


def _locked(session: Session, referral: DischargeReferral) -> tuple[DischargePatient, DischargeReferral]:
    """Lock the referral's patient, then read the referral (and expire due offers) afresh."""
    # The referral was found in the caller's scope, so its patient may be locked (a provider
    # cannot otherwise see the hospital's patient rows).
    with shared_read(session, "discharge: lock the patient of a visible referral"):
        patient = lock_patient(session, referral.patient_id)
    siblings = _referrals_of(session, patient.id)
    _expire_due(session, siblings, utcnow())
    fresh = next(r for r in siblings if r.id == referral.id)
    return patient, fresh


def open_referral(session: Session, *, actor: Principal, referral_id: str) -> DischargeReferral:
    """The provider opens a referral: from now on it sees the full assessment (every view audited)."""
    referral = provider_referral(session, actor, referral_id)
    if referral.state == S.SENT.value:
        _, referral = _locked(session, referral)
        _step(session, actor, referral, sm.Action.OPEN)
        referral.opened_at = utcnow()
    return referral


def provider_view(session: Session, *, actor: Principal, referral: DischargeReferral) -> tuple[Any, Any]:
    """(patient, assessment) for a provider, only once it has opened the referral."""
    if S(referral.state) not in sm.SEEN_STATES or referral.opened_at is None:
        return None, None
    with shared_read(session, "discharge: referred provider reads the shared assessment"):
        patient = session.get(DischargePatient, referral.patient_id)
        assessment = session.get(DischargeAssessment, referral.assessment_id)
    if assessment is not None:
        _audit_assessment_view(session, actor, assessment)
    return patient, assessment


def ask(session: Session, *, actor: Principal, referral_id: str, text: str) -> DischargeReferral:
    referral = provider_referral(session, actor, referral_id)
    _, referral = _locked(session, referral)
    _step(session, actor, referral, sm.Action.ASK)
    referral.messages = [*referral.messages, _message("provider", "question", text)]
    return referral


def answer(session: Session, *, actor: Principal, referral_id: str, text: str) -> DischargeReferral:
    referral = hospital_referral(session, actor, referral_id)
    _, referral = _locked(session, referral)
    _step(session, actor, referral, sm.Action.ANSWER)
    referral.messages = [*referral.messages, _message("hospital", "answer", text)]
    return referral


def _message(by: str, kind: str, text: str) -> dict[str, Any]:
    return {"at": utcnow().isoformat(), "by": by, "kind": kind, "text": text}


def decline(session: Session, *, actor: Principal, referral_id: str, data: DeclineIn) -> DischargeReferral:
    referral = provider_referral(session, actor, referral_id)
    _, referral = _locked(session, referral)
    _step(session, actor, referral, sm.Action.DECLINE, reason=data.reason.value)
    referral.decline_reason = data.reason.value
    referral.decline_note = data.note
    referral.closed_reason = "declined"
    return referral


def _lock_service(session: Session, service: CapacityService) -> None:
    """The service's lock row, created if new, locked for the rest of the transaction."""
    dialect = postgresql if _is_postgres(session) else sqlite
    session.execute(
        dialect.insert(DischargeServiceLock)
        .values(service_id=service.id, organisation_id=service.organisation_id, version=0)
        .on_conflict_do_nothing(index_elements=["service_id"])
    )
    if _is_postgres(session):
        session.execute(
            select(DischargeServiceLock.version).where(DischargeServiceLock.service_id == service.id).with_for_update()
        )
    session.execute(
        update(DischargeServiceLock)
        .where(DischargeServiceLock.service_id == service.id)
        .values(version=DischargeServiceLock.version + 1)
        .execution_options(synchronize_session=False)
    )


def _free_units(
    session: Session, referral: DischargeReferral, now: datetime, *, include_offers: bool = True
) -> tuple[float, float]:
    """(free units at the referral's service, units this referral needs), its own offer aside."""
    current = session.scalars(
        select(CapacityCurrent)
        .where(CapacityCurrent.service_id == referral.service_id)
        .execution_options(populate_existing=True)
    ).one_or_none()
    sections = current.sections if current else {}
    care_type = referral.summary["care_type"]
    reported = matching.reported_units(sections, care_type) or 0.0
    committed = matching.committed_units(
        session,
        [referral.service_id],
        now=now,
        since={referral.service_id: matching.section_as_of(sections, care_type)},
        exclude_referral_id=referral.id,
        include_offers=include_offers,
    ).get(referral.service_id, 0.0)
    need = float(referral.summary.get("units", 1.0))
    return reported - committed, need


def offer(
    session: Session, *, actor: Principal, settings: Settings, referral_id: str, data: OfferIn
) -> DischargeReferral:
    referral = provider_referral(session, actor, referral_id)
    _, referral = _locked(session, referral)
    if S(referral.state) == S.SENT:
        raise conflict("Open the referral and read the assessment before offering.", field="state")
    earliest = date.fromisoformat(referral.summary["start_date"])
    if data.start_date < uk_today():
        raise invalid("body.start_date", "the start date is in the past", "past")
    service = session.get(CapacityService, referral.service_id)
    assert service is not None
    _lock_service(session, service)
    now = utcnow()
    free, need = _free_units(session, referral, now)
    if free < need:
        raise conflict(
            f"{service.name} has no {referral.summary['care_type'].replace('_', ' ')} capacity left to offer "
            "(every reported place is already held or offered); update its capacity first.",
            field="service_id",
        )
    _step(session, actor, referral, sm.Action.OFFER, start_date=data.start_date.isoformat())
    referral.offered_start_date = data.start_date
    hours = data.hold_hours if data.hold_hours is not None else settings.discharge_offer_hold_hours
    referral.offer_expires_at = now + timedelta(hours=hours)
    referral.accepted_without_reassessment = data.accepted_without_reassessment
    if data.start_date < earliest:
        referral.messages = [
            *referral.messages,
            _message("provider", "note", f"can start earlier than asked ({data.start_date.isoformat()})"),
        ]
    return referral


def accept(session: Session, *, actor: Principal, referral_id: str) -> DischargeReferral:
    """The hospital accepts one offer: a place is held, every other live referral is withdrawn."""
    hospital_for(session, actor)
    referral = hospital_referral(session, actor, referral_id)
    patient, referral = _locked(session, referral)
    _require_in_hospital(patient)
    siblings = _referrals_of(session, patient.id)
    if any(r.state == S.ACCEPTED.value and r.id != referral.id for r in siblings):
        raise conflict("Another offer has already been accepted for this patient.", field="state")
    if referral.state != S.OFFERED.value:
        _step(session, actor, referral, sm.Action.ACCEPT)  # raises: says why it cannot be accepted
    service = session.get(CapacityService, referral.service_id)
    assert service is not None
    _lock_service(session, service)
    now = utcnow()
    free, need = _free_units(session, referral, now, include_offers=False)
    if free < need:
        raise conflict(f"{service.name} has no place left: it has gone to another patient.", field="service_id")
    _step(session, actor, referral, sm.Action.ACCEPT)
    session.add(
        DischargeHold(
            organisation_id=service.organisation_id,
            service_id=service.id,
            referral_id=referral.id,
            patient_id=patient.id,
            care_type=referral.summary["care_type"],
            units=need,
            created_at=now,
        )
    )
    for other in siblings:
        if other.id != referral.id and S(other.state) in sm.OPEN_STATES:
            _step(session, actor, other, sm.Action.WITHDRAW)
            other.closed_reason = "another_offer_accepted"
    session.flush()
    return referral


def withdraw(session: Session, *, actor: Principal, referral_id: str) -> DischargeReferral:
    referral = hospital_referral(session, actor, referral_id)
    _, referral = _locked(session, referral)
    was_accepted = referral.state == S.ACCEPTED.value
    _step(session, actor, referral, sm.Action.WITHDRAW)
    referral.closed_reason = "withdrawn_by_hospital"
    if was_accepted:
        _release(session, referral.id)
    return referral


def _release(session: Session, referral_id: str) -> None:
    hold = session.scalars(select(DischargeHold).where(DischargeHold.referral_id == referral_id)).one_or_none()
    if hold is not None and hold.released_at is None:
        hold.released_at = utcnow()


def referral_out(
    session: Session, referral: DischargeReferral, *, for_provider: bool, actor: Principal, now: datetime | None = None
) -> ReferralOut:
    now = now or utcnow()
    service = session.get(CapacityService, referral.service_id)
    assessment = None
    name = nhs = None
    if for_provider:
        patient, row = provider_view(session, actor=actor, referral=referral)
        if patient is not None:
            name, nhs = patient.name, patient.nhs_number
    else:
        row = session.get(DischargeAssessment, referral.assessment_id)
        patient = session.get(DischargePatient, referral.patient_id)
        if patient is not None:
            name, nhs = patient.name, patient.nhs_number
    if row is not None:
        assessment = assessment_out(row)
    return ReferralOut(
        id=referral.id,
        patient_id=referral.patient_id,
        service_id=referral.service_id,
        service_name=service.name if service else "",
        provider_organisation_id=referral.provider_organisation_id,
        hospital_organisation_id=referral.hospital_organisation_id,
        state=effective_state(referral, now),
        summary=referral.summary,
        created_at=referral.created_at,
        updated_at=referral.updated_at,
        opened_at=referral.opened_at,
        offered_start_date=referral.offered_start_date,
        offer_expires_at=referral.offer_expires_at,
        decline_reason=DeclineReason(referral.decline_reason) if referral.decline_reason else None,
        decline_note=referral.decline_note,
        accepted_without_reassessment=referral.accepted_without_reassessment,
        closed_reason=referral.closed_reason,
        messages=[ReferralMessage.model_validate(m) for m in referral.messages],
        assessment=assessment,
        patient_name=name,
        nhs_number=nhs,
    )


def incoming(session: Session, *, actor: Principal, include_closed: bool = False) -> list[DischargeReferral]:
    stmt = select(DischargeReferral).where(DischargeReferral.provider_organisation_id == actor.organisation_id)
    if not include_closed:
        stmt = stmt.where(DischargeReferral.state.in_([s.value for s in sm.LIVE_STATES]))
    return list(session.scalars(stmt.order_by(DischargeReferral.created_at.desc())))


def hospital_referrals(session: Session, *, actor: Principal, patient_id: str | None = None) -> list[DischargeReferral]:
    stmt = select(DischargeReferral).where(DischargeReferral.hospital_organisation_id == actor.organisation_id)
    if patient_id is not None:
        stmt = stmt.where(DischargeReferral.patient_id == patient_id)
    return list(session.scalars(stmt.order_by(DischargeReferral.created_at)))


def get_referral(session: Session, *, actor: Principal, referral_id: str) -> tuple[DischargeReferral, bool]:
    """A referral and whether the caller sees it as the provider (else as the hospital)."""
    referral = session.get(DischargeReferral, referral_id)
    if referral is None:
        raise not_found("referral", referral_id)
    if referral.provider_organisation_id == actor.organisation_id:
        return referral, True
    if referral.hospital_organisation_id == actor.organisation_id:
        return referral, False
    raise not_found("referral", referral_id)


# Delays


def add_delay(session: Session, *, actor: Principal, patient_id: str, data: DelayIn) -> DischargeDelay:
    if data.reason_code not in DELAY_REASONS:
        raise invalid("body.reason_code", "not one of the 37 NHS England delay reasons", "unknown_reason")
    patient = lock_patient(session, patient_id, actor=actor)
    _require_in_hospital(patient)
    if patient.discharge_ready_on is None:
        raise conflict("A delay is recorded for a patient who is ready for discharge; record the date first.")
    started = data.started_on or uk_today()
    if started < patient.discharge_ready_on:
        raise invalid("body.started_on", "a delay cannot start before the discharge ready date", "rule")
    if started > uk_today():
        raise invalid("body.started_on", "a delay cannot start in the future", "rule")
    open_delays = _open_delays(session, patient.id)
    if any(d.reason_code == data.reason_code for d in open_delays):
        raise conflict("This reason is already recorded and open.", field="body.reason_code")
    if data.primary:
        for d in open_delays:
            if d.primary:
                # The old primary goes on as a secondary reason from this day: history stays true.
                d.ended_on = max(started, d.started_on)
                session.add(
                    DischargeDelay(
                        organisation_id=d.organisation_id,
                        patient_id=d.patient_id,
                        reason_code=d.reason_code,
                        primary=False,
                        started_on=d.ended_on,
                        recorded_by=actor.user_id,
                    )
                )
    elif not any(d.primary for d in open_delays):
        data = data.model_copy(update={"primary": True})  # the only reason is the primary one
    delay = DischargeDelay(
        organisation_id=patient.organisation_id,
        patient_id=patient.id,
        reason_code=data.reason_code,
        primary=data.primary,
        started_on=started,
        recorded_by=actor.user_id,
    )
    session.add(delay)
    session.flush()
    _patient_changed(
        session,
        actor,
        patient,
        action="discharge_delay.create",
        topic="discharge.delay_added",
        record_type="discharge_delay",
        record_id=delay.id,
        personal_data=False,
        detail={"reason_code": delay.reason_code, "primary": delay.primary},
    )
    return delay


def _open_delays(session: Session, patient_id: str) -> list[DischargeDelay]:
    return list(
        session.scalars(
            select(DischargeDelay)
            .where(DischargeDelay.patient_id == patient_id, DischargeDelay.ended_on.is_(None))
            .order_by(DischargeDelay.started_on)
        )
    )


def end_delay(session: Session, *, actor: Principal, patient_id: str, delay_id: str) -> DischargeDelay:
    patient = lock_patient(session, patient_id, actor=actor)
    delay = session.get(DischargeDelay, delay_id)
    if delay is None or delay.patient_id != patient.id:
        raise not_found("delay", delay_id)
    if delay.ended_on is not None:
        raise conflict("This delay has already ended.")
    delay.ended_on = max(uk_today(), delay.started_on)
    _patient_changed(
        session,
        actor,
        patient,
        action="discharge_delay.end",
        topic="discharge.delay_ended",
        record_type="discharge_delay",
        record_id=delay.id,
        personal_data=False,
    )
    return delay


def delays_of(session: Session, patient_id: str) -> list[DischargeDelay]:
    return list(
        session.scalars(
            select(DischargeDelay)
            .where(DischargeDelay.patient_id == patient_id)
            .order_by(DischargeDelay.started_on, DischargeDelay.created_at)
        )
    )


# Discharge


def discharge(session: Session, *, actor: Principal, patient_id: str, at: datetime | None = None) -> DischargePatient:
    """The patient leaves hospital: open delays end, an accepted referral is completed."""
    patient = lock_patient(session, patient_id, actor=actor)
    _require_in_hospital(patient)
    now = utcnow()
    at = at or now
    if at > now + timedelta(minutes=5):
        raise invalid("body.discharged_at", "the discharge cannot be in the future", "future")
    if at.date() < patient.admitted_on:
        raise invalid("body.discharged_at", "the discharge cannot be before admission", "rule")
    siblings = _referrals_of(session, patient.id)
    _expire_due(session, siblings, now)
    for r in siblings:
        if r.state == S.ACCEPTED.value:
            _step(session, actor, r, sm.Action.COMPLETE)
            r.closed_reason = "placed"
            patient.discharged_to_service_id = r.service_id
        elif S(r.state) in sm.OPEN_STATES:
            _step(session, actor, r, sm.Action.WITHDRAW)
            r.closed_reason = "patient_discharged"
    day = at.astimezone(UK).date()
    for d in _open_delays(session, patient.id):
        d.ended_on = max(day, d.started_on)
    patient.status = "discharged"
    patient.discharged_at = at
    _patient_changed(
        session, actor, patient, action="discharge_patient.discharge", topic="discharge.patient_discharged"
    )
    return patient


def patient_out(session: Session, patient: DischargePatient) -> PatientOut:
    """A patient for the ward list: days since ready, bed days lost, current primary delay, placement."""
    from joinedup.domains.discharge import reports

    delays = delays_of(session, patient.id)
    primary = reports.current_primary(delays)
    latest = latest_assessment(session, patient.id)
    placement = None
    for r in _referrals_of(session, patient.id, states=frozenset({S.ACCEPTED, S.COMPLETED})):
        service = session.get(CapacityService, r.service_id)
        placement = service.name if service else None
    return PatientOut(
        id=patient.id,
        nhs_number=patient.nhs_number,
        name=patient.name,
        hospital_number=patient.hospital_number,
        ward=patient.ward,
        admitted_on=patient.admitted_on,
        discharge_ready_on=patient.discharge_ready_on,
        pathway=patient.pathway,
        pathway_label=pathways.pathway_of(patient.pathway).label,
        home_postcode=patient.home_postcode,
        family_postcode=patient.family_postcode,
        status=patient.status,
        discharged_at=patient.discharged_at,
        days_since_ready=reports.days_since_ready(patient) if patient.status == "in_hospital" else None,
        bed_days_lost=reports.bed_days_lost(patient),
        primary_delay=primary,
        primary_delay_label=DELAY_REASONS[primary].display if primary else None,
        assessment_version=latest.version if latest else None,
        placement=placement,
        synthetic=patient.synthetic,
    )
