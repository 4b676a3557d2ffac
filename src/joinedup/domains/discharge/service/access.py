"""Who may act, and the locks every state-changing step takes first.

Every step that changes a patient's referrals locks the patient first (SELECT ... FOR UPDATE on
PostgreSQL; on SQLite a write first, which takes the database's single write lock before
anything is read), then re-reads what it decides on.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from joinedup.core.auth.principal import Principal
from joinedup.core.errors import conflict, invalid, not_found
from joinedup.db.tenancy import Scope
from joinedup.domains.discharge.models import DischargePatient
from joinedup.domains.organisations import service as organisations
from joinedup.domains.organisations.schemas import OrganisationRef


def hospital_for(session: Session, actor: Principal) -> OrganisationRef:
    """The hospital the caller acts for; only a trust records patients awaiting discharge."""
    org = organisation_ref(session, actor.organisation_id) if actor.organisation_id else None
    if org is None or not org.is_hospital:
        # As capacity does for non-providers: the role may, but this organisation has no patients.
        raise invalid("organisation", "Only a hospital's discharge team records and refers patients.", "not_a_hospital")
    return org


def organisation_ref(session: Session, organisation_id: str) -> OrganisationRef | None:
    """An organisation the session may see (None otherwise)."""
    return organisations.organisation(session, organisation_id=organisation_id)


def is_postgres(session: Session) -> bool:
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


def lock_patient(session: Session, patient_id: str, *, actor: Principal | None = None) -> DischargePatient:
    """The patient row, locked for the rest of the transaction, read afresh."""
    stmt = select(DischargePatient).where(DischargePatient.id == patient_id)
    if is_postgres(session):
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
    if is_postgres(session):
        patient.lock_version += 1
    return patient


def require_in_hospital(patient: DischargePatient) -> None:
    if patient.status != "in_hospital":
        raise conflict(f"The patient is {patient.status.replace('_', ' ')}; nothing more can change.")
