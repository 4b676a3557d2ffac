"""The Trafford demo has a synthetic ward list at Manchester University NHS FT, sized from its figures."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from joinedup.demo.seed import seed_trafford
from joinedup.domains.discharge import service
from joinedup.domains.discharge.models import DischargeDelay, DischargePatient
from joinedup.domains.discharge.schemas import uk_today
from joinedup.domains.organisations.models import Organisation


def test_demo_ward_list_is_calibrated_and_synthetic(system_session: Session) -> None:
    counts = seed_trafford(system_session)
    again = seed_trafford(system_session)
    assert again["discharge_patients"] == 0  # idempotent
    trust = system_session.scalars(select(Organisation).where(Organisation.ods_code == "R0A")).one()
    waiting = system_session.scalars(select(DischargePatient).where(DischargePatient.status == "in_hospital")).all()
    # A tenth of the trust's 544 a day not meeting the criteria to reside, and of its 222 discharges a day.
    assert len(waiting) == 54 and counts["discharge_patients"] == 54 + 7 * 22
    assert all(p.synthetic and p.nhs_number.startswith("999") for p in waiting)
    primaries = system_session.scalar(select(func.count()).select_from(DischargeDelay).where(DischargeDelay.primary))
    assert primaries == 54
    daily = service.daily_sitrep(system_session, organisation_id=trust.id, start=uk_today(), end=uk_today())
    assert daily[0].do_not_meet_criteria_to_reside == 54
    day = uk_today() - timedelta(days=1)
    yesterday = service.daily_sitrep(system_session, organisation_id=trust.id, start=day, end=day)
    assert yesterday[0].nhs_trust22_code == "R0A" and yesterday[0].discharged_total == 22
    assert {p.pathway[:2] for p in waiting} >= {"P1", "P2", "P3"}
