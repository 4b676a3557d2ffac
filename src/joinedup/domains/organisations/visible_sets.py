"""Which organisations each role may see: explicit sets, never a bypass.

Local roles see their own organisation. Cross-organisation roles get a set computed from
where they sit: a discharge hub sees the providers it refers to in its care system, a
commissioner sees its place (or the whole system, for an ICB), an inspector sees providers,
an administrator sees its care system. A carer sees no organisation's data.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from joinedup.core.permissions import Role
from joinedup.domains.organisations.models import Organisation
from joinedup.domains.organisations.permissions import ROLE_PLACES, role_belongs_at
from joinedup.domains.organisations.schemas import PROVIDER_TYPES, OrganisationType


def visible_organisation_ids(session: Session, *, role: Role, organisation_id: str | None) -> frozenset[str]:
    """Computed in a system scope by the caller (authentication), from the acting organisation."""
    organisation = session.get(Organisation, organisation_id) if organisation_id else None
    if organisation is None or role is Role.CARER:
        return frozenset()
    own = {organisation.id}
    if role in ROLE_PLACES and not role_belongs_at(role, organisation.type):
        # A role held in the wrong kind of organisation (granted before the rule) reaches only
        # that organisation: its reach follows the organisation, never the role's name.
        return frozenset(own)
    query = None
    if role is Role.DISCHARGE_COORDINATOR:
        query = select(Organisation.id).where(
            Organisation.system_id == organisation.system_id, Organisation.type.in_(PROVIDER_TYPES)
        )
    elif role is Role.COMMISSIONER:
        query = select(Organisation.id).where(Organisation.system_id == organisation.system_id)
        if organisation.type is not OrganisationType.ICB and organisation.place_id is not None:
            query = query.where(or_(Organisation.place_id == organisation.place_id, Organisation.place_id.is_(None)))
    elif role is Role.INSPECTOR:
        query = select(Organisation.id).where(Organisation.type.in_(PROVIDER_TYPES))
    elif role is Role.SYSTEM_ADMINISTRATOR:
        query = select(Organisation.id).where(Organisation.system_id == organisation.system_id)
    if query is not None:
        own.update(session.scalars(query).all())
    return frozenset(own)
