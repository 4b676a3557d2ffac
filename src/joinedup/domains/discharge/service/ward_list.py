"""The ward list: every patient of the hospital as the list shows them, in one query whatever
the number of patients.

Each patient's summary needs their current primary delay, their latest assessment version and
where they are going. Asked patient by patient that was three queries each (160 for the demo
trust's list); here they are subqueries of the one query that lists the patients, read as
plain rows, and each row is shaped exactly as `patient_out` shapes one patient. The names of the
services patients are going to come from capacity's door (one query, only if any are placed).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from joinedup.core.auth.principal import Principal
from joinedup.core.changes import first_recorded, record_access
from joinedup.domains.discharge.models import DischargeAssessment, DischargeDelay, DischargePatient, DischargeReferral
from joinedup.domains.discharge.schemas.common import uk_today
from joinedup.domains.discharge.schemas.patients import PatientOut
from joinedup.domains.discharge.service.discharges import DISCHARGED
from joinedup.domains.discharge.service.patient_view import PLACED, shape
from joinedup.domains.discharge.service.providers import service_names

P = DischargePatient

# The primary reason still open, the latest started (the first recorded of those started the
# same day), as bed_days.current_primary picks it from the patient's delays.
_PRIMARY = (
    select(DischargeDelay.reason_code)
    .where(DischargeDelay.patient_id == P.id, DischargeDelay.primary.is_(True), DischargeDelay.ended_on.is_(None))
    .order_by(DischargeDelay.started_on.desc(), DischargeDelay.created_at)
    .limit(1)
    .correlate(P)
    .scalar_subquery()
)
_VERSION = (
    select(func.max(DischargeAssessment.version))
    .where(DischargeAssessment.patient_id == P.id)
    .correlate(P)
    .scalar_subquery()
)
# The newest accepted (or completed) referral's service.
_GOING_TO = (
    select(DischargeReferral.service_id)
    .where(DischargeReferral.patient_id == P.id, DischargeReferral.state.in_(sorted(s.value for s in PLACED)))
    .order_by(DischargeReferral.created_at.desc())
    .limit(1)
    .correlate(P)
    .scalar_subquery()
)
_COLUMNS = (
    P.id,
    P.nhs_number,
    P.name,
    P.hospital_number,
    P.ward,
    P.admitted_on,
    P.discharge_ready_on,
    P.pathway,
    P.home_postcode,
    P.family_postcode,
    P.status,
    P.discharged_at,
    P.synthetic,
    _PRIMARY.label("primary_delay"),
    _VERSION.label("assessment_version"),
    _GOING_TO.label("going_to"),
)


def ward_list(
    session: Session, *, actor: Principal, include_discharged: bool = False, recorded_since: datetime | None = None
) -> list[PatientOut]:
    """The hospital's patients as the ward list shows them, by ward and name (the listing is audited):
    those in hospital, with every discharged patient too (`include_discharged`) or those whose
    discharge was recorded since a time (`recorded_since`: the day's discharges, which can still be
    corrected; a discharge late last night recorded this morning among them).

    The audit row is written when the caller's transaction commits, after the reads: written
    first, it would hold the database's write lock (SQLite has one) through the reads and the
    page's rendering, and coordinators loading the list at once would queue behind it."""
    stmt = select(*_COLUMNS).where(P.organisation_id == actor.organisation_id)
    if not include_discharged:
        listed = P.status == "in_hospital"
        recorded = first_recorded(session, action=DISCHARGED, since=recorded_since) if recorded_since else {}
        if recorded:
            listed = or_(listed, and_(P.status == "discharged", P.id.in_(sorted(recorded))))
        stmt = stmt.where(listed)
    rows = session.execute(stmt.order_by(P.ward, P.name)).all()
    if not rows:
        return []
    record_access(
        session,
        actor=actor,
        action="discharge_patient.list",
        record_type="discharge_patient",
        record_id=None,
        organisation_id=actor.organisation_id,
        personal_data=True,
        detail={"count": len(rows)},
    )
    names = service_names(session, {r.going_to for r in rows if r.going_to is not None})
    today = uk_today()
    return [
        shape(
            r,
            primary=r.primary_delay,
            assessment_version=r.assessment_version,
            placement=names.get(r.going_to) if r.going_to is not None else None,
            today=today,
        )
        for r in rows
    ]
