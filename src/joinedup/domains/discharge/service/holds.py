"""Places promised at a service: holds for accepted referrals and live offers, counted against
what the service last reported, and the lock that stops one place going to two patients.

Acceptance locks the service's row in `discharge_service_locks` (discharge's own table) before
counting, so two acceptances cannot both take a service's last place.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from joinedup.core.clock import utcnow
from joinedup.domains.discharge.models import DischargeHold, DischargeReferral, DischargeServiceLock
from joinedup.domains.discharge.schemas.referrals import ReferralState
from joinedup.domains.discharge.service.access import is_postgres
from joinedup.domains.discharge.service.providers import reported_free


def committed_units(
    session: Session,
    service_ids: Sequence[str],
    *,
    now: datetime,
    since: Mapping[str, datetime | None],
    exclude_referral_id: str | None = None,
    include_offers: bool = True,
) -> dict[str, float]:
    """Units already promised at each service and not yet in its reported figures: holds made
    after its last report, and (unless left out) live offers, each holding its place until it
    expires. Acceptance leaves offers out: of two live offers for one bed, the first accepted wins."""
    if not service_ids:
        return {}
    used: dict[str, float] = defaultdict(float)
    # One statement: live offers, and referrals holding a place (a hold not yet released).
    live_offer = and_(DischargeReferral.state == ReferralState.OFFERED.value, DischargeReferral.offer_expires_at > now)
    rows = session.execute(
        select(
            DischargeReferral.service_id,
            DischargeReferral.id,
            DischargeReferral.summary,
            live_offer.label("is_offer"),
            DischargeHold.units,
            DischargeHold.created_at,
        )
        .outerjoin(
            DischargeHold, and_(DischargeHold.referral_id == DischargeReferral.id, DischargeHold.released_at.is_(None))
        )
        .where(
            DischargeReferral.service_id.in_(service_ids),
            or_(DischargeHold.id.is_not(None), live_offer) if include_offers else DischargeHold.id.is_not(None),
        )
    )
    for service_id, referral_id, summary, is_offer, units, created_at in rows:
        if units is not None:
            reported = since.get(service_id)
            if reported is None or created_at > reported:
                used[service_id] += units
        elif include_offers and is_offer and referral_id != exclude_referral_id:
            used[service_id] += float(summary.get("units", 1.0))
    return dict(used)


def lock_service(session: Session, *, service_id: str, organisation_id: str) -> None:
    """The service's lock row, created if new, locked for the rest of the transaction."""
    dialect = postgresql if is_postgres(session) else sqlite
    session.execute(
        dialect.insert(DischargeServiceLock)
        .values(service_id=service_id, organisation_id=organisation_id, version=0)
        .on_conflict_do_nothing(index_elements=["service_id"])
    )
    if is_postgres(session):
        session.execute(
            select(DischargeServiceLock.version).where(DischargeServiceLock.service_id == service_id).with_for_update()
        )
    session.execute(
        update(DischargeServiceLock)
        .where(DischargeServiceLock.service_id == service_id)
        .values(version=DischargeServiceLock.version + 1)
        .execution_options(synchronize_session=False)
    )


def free_for(
    session: Session, referral: DischargeReferral, now: datetime, *, include_offers: bool = True
) -> tuple[float, float]:
    """(free units at the referral's service, units this referral needs), its own offer aside."""
    free = reported_free(session, referral.service_id, referral.summary["care_type"])
    committed = committed_units(
        session,
        [referral.service_id],
        now=now,
        since={referral.service_id: free.as_of if free else None},
        exclude_referral_id=referral.id,
        include_offers=include_offers,
    ).get(referral.service_id, 0.0)
    need = float(referral.summary.get("units", 1.0))
    return (free.amount if free else 0.0) - committed, need


def release(session: Session, referral_id: str) -> None:
    """The place held for an accepted referral goes back to the service."""
    hold = session.scalars(select(DischargeHold).where(DischargeHold.referral_id == referral_id)).one_or_none()
    if hold is not None and hold.released_at is None:
        hold.released_at = utcnow()
