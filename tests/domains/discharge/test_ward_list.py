"""The ward list is read in a fixed number of queries, whatever the number of patients, and shows
each patient exactly as the patient's own summary does (issue 14, item 13: 40 coordinators
loading it at once waited 27 s)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

from joinedup.core.audit import AuditEvent
from joinedup.core.auth import service as auth_service
from joinedup.core.auth.models import Membership, User
from joinedup.core.auth.principal import Principal
from joinedup.core.clock import utcnow
from joinedup.core.permissions import Role
from joinedup.db.tenancy import Scope
from joinedup.demo.seed import TRUST_ODS, seed_trafford
from joinedup.domains.capacity.models import CapacityService
from joinedup.domains.discharge import service
from joinedup.domains.discharge.models import DischargeAssessment, DischargeDelay, DischargePatient, DischargeReferral
from joinedup.domains.organisations.models import Organisation

# Patients, their delays, assessment versions and placements, the placements' names, and the
# audit row of the listing: a handful of statements, never one (or three) per patient.
MOST_QUERIES = 8


@contextmanager
def counted(session: Session) -> Iterator[list[str]]:
    statements: list[str] = []
    engine = session.get_bind()

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _coordinator(factory: sessionmaker[Session]) -> Principal:
    """The demo trust with its ward list, a second assessment version and two placements, and
    a discharge coordinator of the trust."""
    with factory() as s:
        s.info["scope"] = Scope.system("test setup")
        seed_trafford(s)
        trust = s.scalars(select(Organisation).where(Organisation.ods_code == TRUST_ODS)).one()
        assessed = list(
            s.scalars(
                select(DischargeAssessment)
                .join(DischargePatient, DischargePatient.id == DischargeAssessment.patient_id)
                .where(DischargePatient.status == "in_hospital")
                .order_by(DischargeAssessment.patient_id)
            )
        )
        services = list(s.scalars(select(CapacityService).order_by(CapacityService.name).limit(3)))
        assert len(assessed) >= 3 and len(services) == 3
        first = assessed[0]
        s.add(
            DischargeAssessment(
                organisation_id=first.organisation_id,
                patient_id=first.patient_id,
                version=2,
                care_type=first.care_type,
                start_date=first.start_date,
                funding=first.funding,
                content=first.content,
            )
        )
        # One patient placed after an earlier placement fell through (the newest one shows),
        # one still only referred (no placement).
        plans = [(assessed[1], services[0], "completed", 0), (assessed[1], services[1], "accepted", 1)]
        plans.append((assessed[2], services[2], "sent", 0))
        for assessment, svc, state, minutes in plans:
            s.add(
                DischargeReferral(
                    hospital_organisation_id=trust.id,
                    provider_organisation_id=svc.organisation_id,
                    system_id=trust.system_id,
                    patient_id=assessment.patient_id,
                    service_id=svc.id,
                    assessment_id=assessment.id,
                    state=state,
                    summary={},
                    messages=[],
                    created_at=utcnow() + timedelta(minutes=minutes),
                    updated_at=utcnow() + timedelta(minutes=minutes),
                )
            )
        s.add(
            DischargeDelay(
                organisation_id=trust.id,
                patient_id=assessed[0].patient_id,
                reason_code="C02",
                primary=True,
                started_on=utcnow().date(),
            )
        )
        user = User(email="coordinator@ward-list.test", display_name="Coordinator", password_hash=None)
        s.add(user)
        s.flush()
        membership = Membership(
            user_id=user.id, organisation_id=trust.id, system_id=trust.system_id, role=Role.DISCHARGE_COORDINATOR
        )
        s.add(membership)
        s.flush()
        actor = auth_service.principal_for_membership(s, user, membership)
        s.commit()
    return actor


def test_the_ward_list_is_a_few_queries_and_shows_each_patient_as_their_summary_does(
    session_factory: sessionmaker[Session],
) -> None:
    actor = _coordinator(session_factory)
    for include_discharged in (False, True):
        with session_factory() as s:
            s.info["scope"] = actor.scope
            with counted(s) as statements:
                listed = service.ward_list(s, actor=actor, include_discharged=include_discharged)
            s.commit()
            patients = service.list_patients(s, actor=actor, include_discharged=include_discharged)
            one_by_one = [service.patient_out(s, p) for p in patients]
            s.rollback()
        assert len(listed) == len(one_by_one) > (54 if include_discharged else 50)
        assert len(statements) <= MOST_QUERIES, f"{len(statements)} statements for {len(listed)} patients"
        assert sorted(listed, key=lambda p: p.id) == sorted(one_by_one, key=lambda p: p.id)
    assert {p.placement for p in listed} - {None}, "a placed patient shows where they are going"
    assert {p.assessment_version for p in listed} >= {1, 2, None}
    with session_factory() as s:
        s.info["scope"] = Scope.system("test")
        listings = s.scalars(select(AuditEvent).where(AuditEvent.action == "discharge_patient.list")).all()
    assert len(listings) == 2 and all(a.personal_data for a in listings)
