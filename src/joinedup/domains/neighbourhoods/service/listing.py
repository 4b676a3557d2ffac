"""The studies a commissioner can return to: those its organisation made in its care system (a
study is seen only by the organisation that made it, so the list offers only what opens)."""

from __future__ import annotations

from typing import cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.core.auth.principal import Principal
from joinedup.domains.neighbourhoods.models import NeighbourhoodStudy
from joinedup.domains.neighbourhoods.schemas import StudyListed, StudyStatus


def list_studies(session: Session, *, actor: Principal, limit: int = 200) -> list[StudyListed]:
    """The studies of the caller's organisation, the latest change first."""
    if actor.organisation_id is None:
        return []
    rows = session.execute(
        select(
            NeighbourhoodStudy.id,
            NeighbourhoodStudy.area_name,
            NeighbourhoodStudy.recipients,
            NeighbourhoodStudy.synthetic,
            NeighbourhoodStudy.design,  # JSON: a stored None reads back as None on both engines
            NeighbourhoodStudy.status,
            NeighbourhoodStudy.updated_at,
        )
        .where(NeighbourhoodStudy.organisation_id == actor.organisation_id)
        .order_by(NeighbourhoodStudy.updated_at.desc(), NeighbourhoodStudy.id)
        .limit(limit)
    ).all()
    return [
        StudyListed(
            id=r[0],
            area=r[1],
            recipients=r[2],
            synthetic=r[3],
            designed=r[4] is not None,
            status=cast(StudyStatus, r[5]),
            updated_at=r[6],
        )
        for r in rows
    ]
