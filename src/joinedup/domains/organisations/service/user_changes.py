"""Changing a person's account: their name, email address and roles (each new role within the
changer's authority), and deactivating or reactivating it.

A deactivated account cannot sign in; deactivating it also ends its open sessions and revokes
the API keys and OAuth clients the person made (they knew the secrets). Reactivating it lets the
person sign in again; revoked keys stay revoked. No one deactivates their own account.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from joinedup.core.auth.models import ApiKey, Membership, OAuthClient, User, WebSession
from joinedup.core.auth.principal import Principal
from joinedup.core.changes import record_change
from joinedup.core.clock import utcnow
from joinedup.core.errors import FieldError, ProblemError, conflict
from joinedup.core.permissions import Role
from joinedup.domains.organisations import schemas
from joinedup.domains.organisations.models import Organisation
from joinedup.domains.organisations.service.organisations import flush_or_conflict
from joinedup.domains.organisations.service.users import (
    grant_problem,
    invalid_here,
    manageable_user,
    system_scope,
)

OWN_ACCOUNT = "You cannot deactivate your own account. Ask another administrator if it needs to be done."
IN_USE = "You cannot remove the role you are using now. Switch to another of your roles first."


@dataclass(frozen=True)
class UserEdit:
    """A user after a change, and which of their details changed (none: nothing was saved)."""

    user: User
    changed: tuple[str, ...]


def update_user(session: Session, *, actor: Principal, user_id: str, data: schemas.UserPatch) -> User:
    return edit_user(session, actor=actor, user_id=user_id, data=data).user


def edit_user(session: Session, *, actor: Principal, user_id: str, data: schemas.UserPatch) -> UserEdit:
    """Change what `data` names; a value equal to the one held is no change, and no change is
    recorded when nothing changed."""
    user, held = manageable_user(session, actor=actor, user_id=user_id)
    if data.active is False and user.id == actor.user_id:
        raise _own_account("body.active")
    changed: list[str] = []
    detail: dict[str, list[str]] = {}
    if data.display_name is not None and data.display_name != user.display_name:
        user.display_name = data.display_name
        changed.append("display_name")
    if data.email is not None and data.email.lower() != user.email:
        email = data.email.lower()
        taken = select(func.count()).select_from(User).where(func.lower(User.email) == email, User.id != user.id)
        if session.scalar(taken):
            raise conflict("Someone else already uses this email address.", field="body.email")
        user.email = email
        changed.append("email")
    if data.memberships is not None:
        added, removed = _replace_roles(session, actor, user, held, data.memberships)
        if added:
            detail["roles_added"] = sorted(r.value for r in added)
        if removed:
            detail["roles_removed"] = sorted(r.value for r in removed)
        if added or removed:
            changed.append("memberships")
    if changed:
        flush_or_conflict(session, "The user")
        session.refresh(user, ["memberships"])
        record_change(
            session,
            actor=actor,
            action="user.update",
            topic="user.updated",
            record_type="user",
            record_id=user.id,
            organisation_id=held[0].organisation_id if held else None,
            system_id=actor.system_id,
            personal_data=True,
            detail={"fields": sorted(changed), **detail},
        )
    if data.active is not None and data.active != user.active:
        (deactivate_user if data.active is False else reactivate_user)(session, actor=actor, user_id=user.id)
        changed.append("active")
    return UserEdit(user, tuple(changed))


def _replace_roles(
    session: Session, actor: Principal, user: User, held: list[Membership], wanted: list[schemas.MembershipIn]
) -> tuple[list[Role], list[Role]]:
    """Hold exactly the `wanted` roles: each new one checked as a grant, each dropped one deleted
    (and any session acting in it ended). The roles added and removed."""
    have = {(m.organisation_id, m.role): m for m in held}
    seen: set[tuple[str, Role]] = set()
    new: list[schemas.MembershipIn] = []
    for i, m in enumerate(wanted):
        field = f"body.memberships.{i}"
        key = (m.organisation_id, m.role)
        if key in seen:
            raise invalid_here(f"{field}.role", "This person already has this role in this organisation.")
        seen.add(key)
        if key not in have:
            if problem := grant_problem(
                session, actor=actor, organisation_id=m.organisation_id, role=m.role, field=field
            ):
                raise problem
            new.append(m)
    dropped = [m for key, m in have.items() if key not in seen]
    if actor.membership_id is not None and any(m.id == actor.membership_id for m in dropped):
        raise conflict(IN_USE, field="body.memberships")
    for gone in dropped:
        end_sessions(session, membership_id=gone.id)
        session.delete(gone)
    session.flush()
    for grant in new:
        org = session.get(Organisation, grant.organisation_id)
        assert org is not None  # the grant check found it
        session.add(Membership(user_id=user.id, organisation_id=org.id, system_id=org.system_id, role=grant.role))
    return [grant.role for grant in new], [gone.role for gone in dropped]


def end_sessions(session: Session, *, user_id: str | None = None, membership_id: str | None = None) -> int:
    """End the web sessions of a user, or those acting in one of their roles (which no longer
    point at it). How many were still open."""
    now = utcnow()
    where = WebSession.user_id == user_id if user_id is not None else WebSession.membership_id == membership_id
    live = session.scalar(
        select(func.count())
        .select_from(WebSession)
        .where(where, WebSession.revoked_at.is_(None), WebSession.expires_at > now)
    )
    values: dict[str, object] = {"revoked_at": func.coalesce(WebSession.revoked_at, now)}
    if membership_id is not None:
        values["membership_id"] = None
    session.execute(update(WebSession).where(where).values(**values).execution_options(synchronize_session=False))
    return int(live or 0)


def deactivate_user(session: Session, *, actor: Principal, user_id: str) -> User:
    """The account can no longer sign in; its sessions end and the keys the person made are
    revoked, each revocation recorded as its own change."""
    user, held = manageable_user(session, actor=actor, user_id=user_id)
    if user.id == actor.user_id:
        raise _own_account("path.user_id")
    if not user.active:
        return user
    user.active = False
    ended = end_sessions(session, user_id=user.id)
    revoked = 0
    for row in live_credentials_made_by(session, user.id):
        row.revoked_at = utcnow()
        record_type = "api_key" if isinstance(row, ApiKey) else "oauth_client"
        record_change(
            session,
            actor=actor,
            action=f"{record_type}.revoke",
            topic="credential.revoked",
            record_type=record_type,
            record_id=row.id,
            organisation_id=row.organisation_id,
            system_id=row.system_id,
            detail={"reason": "maker deactivated"},
        )
        revoked += 1
    session.flush()
    _record_status(session, actor, user, held, "deactivate", {"sessions_ended": ended, "credentials_revoked": revoked})
    return user


def reactivate_user(session: Session, *, actor: Principal, user_id: str) -> User:
    user, held = manageable_user(session, actor=actor, user_id=user_id)
    if not user.active:
        user.active = True
        session.flush()
        _record_status(session, actor, user, held, "reactivate", {})
    return user


def live_credentials_made_by(session: Session, user_id: str) -> list[ApiKey | OAuthClient]:
    """The API keys and OAuth clients the person made that still work, in any organisation."""
    rows: list[ApiKey | OAuthClient] = []
    with system_scope(session, "credentials of a deactivated account"):
        for kind in (ApiKey, OAuthClient):
            rows += session.scalars(
                select(kind).where(kind.created_by_user_id == user_id, kind.revoked_at.is_(None)).order_by(kind.name)
            )
    return rows


def _record_status(
    session: Session, actor: Principal, user: User, held: list[Membership], verb: str, detail: dict[str, int]
) -> None:
    record_change(
        session,
        actor=actor,
        action=f"user.{verb}",
        topic=f"user.{verb}d",
        record_type="user",
        record_id=user.id,
        organisation_id=held[0].organisation_id if held else None,
        system_id=actor.system_id,
        personal_data=True,
        detail=detail,
    )


def _own_account(field: str) -> ProblemError:
    return ProblemError(
        409,
        "own-account",
        "You cannot deactivate your own account",
        OWN_ACCOUNT,
        errors=[FieldError(field=field, message=OWN_ACCOUNT, code="own_account")],
    )
