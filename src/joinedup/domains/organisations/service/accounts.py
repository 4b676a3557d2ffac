"""A signed-in person's own roles and choosing which one they act in; what deactivating someone's
account would stop, for the page that asks first."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.core.auth import service as auth_service
from joinedup.core.auth.models import ApiKey, User
from joinedup.core.auth.principal import Principal
from joinedup.core.errors import FieldError, ProblemError
from joinedup.core.permissions import Role
from joinedup.domains.organisations import schemas
from joinedup.domains.organisations.models import Organisation
from joinedup.domains.organisations.service.user_changes import live_credentials_made_by
from joinedup.domains.organisations.service.users import all_memberships, get_user_to_change, system_scope

NOT_YOURS = "Select one of your roles"


def _names(session: Session, organisation_ids: Iterable[str]) -> dict[str, str]:
    ids = set(organisation_ids)
    if not ids:
        return {}
    with system_scope(session, "names of the signed-in person's own organisations"):
        return {o.id: o.name for o in session.scalars(select(Organisation).where(Organisation.id.in_(sorted(ids))))}


def roles_held(session: Session, *, actor: Principal) -> list[schemas.RoleHeld]:
    """Every role the signed-in person holds (in any organisation: they may act in each), the
    one they act in now marked. A carer's account holds its one role, in no organisation."""
    if actor.user_id is None:
        return []
    held = all_memberships(session, actor.user_id)
    if not held:
        return [schemas.RoleHeld("", actor.role, None, None, True)] if actor.role is Role.CARER else []
    names = _names(session, (m.organisation_id for m in held))
    return [
        schemas.RoleHeld(m.id, m.role, m.organisation_id, names.get(m.organisation_id), m.id == actor.membership_id)
        for m in held
    ]


def switch_role(session: Session, *, actor: Principal, token: str | None, membership_id: str) -> Principal:
    """Act in another of one's own roles in this web session (see core's `switch_role`)."""
    if actor.user_id is None or membership_id not in {m.id for m in all_memberships(session, actor.user_id)}:
        raise ProblemError(
            422,
            "validation",
            "Invalid request",
            NOT_YOURS,
            errors=[FieldError(field="body.role", message=NOT_YOURS, code="not_yours")],
        )
    switched = auth_service.switch_role(session, token=token or "", actor=actor, membership_id=membership_id)
    if switched is None:
        raise ProblemError(401, "unauthenticated", "Sign-in required", "Sign in again to choose a role.")
    return switched


def deactivation_preview(
    session: Session, *, actor: Principal, user_id: str
) -> tuple[User, list[schemas.CredentialMade]]:
    """The person, and the live keys deactivating their account would revoke. Nothing changes."""
    user = get_user_to_change(session, actor=actor, user_id=user_id)
    rows = live_credentials_made_by(session, user.id)
    names = _names(session, (r.organisation_id for r in rows))
    made = [
        schemas.CredentialMade(
            r.id,
            "api_key" if isinstance(r, ApiKey) else "oauth_client",
            r.name,
            names.get(r.organisation_id, "another organisation"),
        )
        for r in rows
    ]
    return user, made
