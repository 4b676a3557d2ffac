"""Whose services a write reaches: the provider a caller acts for, checked once per request.

A provider writes only its own services; an administrator may name a provider it sees. Reads
are wider (tenancy decides what a caller sees); writes always pass through here.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from joinedup.core.auth.principal import Principal
from joinedup.core.errors import forbidden, invalid
from joinedup.domains.capacity.models import CapacityService
from joinedup.domains.capacity.schemas import ServiceKind
from joinedup.domains.organisations import service as organisations
from joinedup.domains.organisations.schemas import OrganisationRef

KIND_FOR_ORG = {
    "care_home_provider": ServiceKind.CARE_HOME,
    "homecare_provider": ServiceKind.HOMECARE,
    "reablement_service": ServiceKind.REABLEMENT,
}

Provider = OrganisationRef  # what a write needs of the provider: id, system_id, place_id


def target_organisation(session: Session, *, actor: Principal, organisation_id: str | None) -> Provider:
    """The provider whose services a write is for: the caller's own, or (for an administrator)
    one it names. A provider can never write another provider's services."""
    org_id = organisation_id or actor.organisation_id
    if org_id is None:
        raise forbidden("query.organisation_id", "You do not act for an organisation.")
    if org_id != actor.organisation_id and org_id not in actor.visible_organisation_ids:
        raise forbidden("query.organisation_id", f"You may not act for organisation {org_id!r}.")
    org = organisations.organisation(session, organisation_id=org_id)
    if org is None:
        raise forbidden("query.organisation_id", f"You may not act for organisation {org_id!r}.")
    if not org.is_provider:
        raise invalid("query.organisation_id", "Only care providers have capacity.", "not_a_provider")
    return org


def owner_of(
    session: Session,
    *,
    actor: Principal,
    service: CapacityService,
    organisation_id: str | None = None,
    any_visible: bool = False,
    field: str = "service_id",
) -> Provider:
    """The provider a write to `service` is made for, refused unless it owns the service.

    `organisation_id` names the provider the caller acts for (None: its own); `any_visible`
    lets the caller act for the service's own provider wherever it may (the provider pages)."""
    org = target_organisation(
        session, actor=actor, organisation_id=service.organisation_id if any_visible else organisation_id
    )
    if service.organisation_id != org.id:
        raise forbidden(field, "not your service", "This service belongs to another organisation.")
    return org


def is_provider(session: Session, *, actor: Principal) -> bool:
    """Whether the caller acts for a provider organisation (so has services of its own)."""
    if actor.organisation_id is None:
        return False
    org = organisations.organisation(session, organisation_id=actor.organisation_id)
    return org is not None and org.is_provider
