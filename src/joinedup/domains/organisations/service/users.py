"""Users and their memberships: personal data, so every read is audited as well as every change."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from joinedup.core.auth.models import Membership, User
from joinedup.core.auth.principal import Principal
from joinedup.core.auth.secrets import hash_password
from joinedup.core.changes import record_access, record_change
from joinedup.core.errors import ProblemError, conflict, not_found
from joinedup.core.pagination import paginate
from joinedup.core.permissions import Role
from joinedup.domains.organisations import schemas
from joinedup.domains.organisations.service.organisations import (
    flush_or_conflict,
    forbid_unless_visible,
    get_organisation,
    schemas_field_error,
)


def _visible_users_stmt(actor: Principal) -> Select[User]:
    # Memberships are tenant-scoped, so this join already limits users to visible organisations.
    return (
        select(User).join(Membership, Membership.user_id == User.id).options(selectinload(User.memberships)).distinct()
    )


def list_users(
    session: Session, *, actor: Principal, cursor: str | None = None, limit: int = 100
) -> tuple[Sequence[User], str | None]:
    users, next_cursor = paginate(session, _visible_users_stmt(actor), key=User.id, cursor=cursor, limit=limit)
    record_access(
        session,
        actor=actor,
        action="user.list",
        record_type="user",
        record_id=None,
        organisation_id=None,
        detail={"count": len(users)},
    )
    return users, next_cursor


def get_user(session: Session, *, actor: Principal, user_id: str) -> User:
    user = session.scalars(_visible_users_stmt(actor).where(User.id == user_id)).one_or_none()
    if user is None:
        raise not_found("user", user_id)
    record_access(session, actor=actor, action="user.read", record_type="user", record_id=user.id, organisation_id=None)
    return user


def visible_memberships(user: User, actor: Principal) -> list[Membership]:
    return [m for m in user.memberships if m.organisation_id in actor.visible_organisation_ids]


def user_out(user: User, *, actor: Principal) -> schemas.UserOut:
    """The user as the caller may see them: only memberships of organisations the caller sees."""
    out = schemas.UserOut.model_validate(user)
    visible = {m.id for m in visible_memberships(user, actor)}
    out.memberships = [m for m in out.memberships if m.id in visible]
    return out


def create_user(session: Session, *, actor: Principal, data: schemas.UserIn) -> User:
    for i, m in enumerate(data.memberships):
        forbid_unless_visible(actor, m.organisation_id, f"body.memberships.{i}.organisation_id")
        if m.role is Role.PROVIDER_SYSTEM or m.role is Role.CARER:
            raise ProblemError(
                422,
                "validation",
                "Invalid request",
                f"Role {m.role.value} is not for staff.",
                errors=[schemas_field_error(f"body.memberships.{i}.role", "not a staff role")],
            )
    email = data.email.lower()
    if session.scalar(select(func.count()).select_from(User).where(func.lower(User.email) == email)):
        raise conflict("A user with this e-mail address already exists.", field="body.email")
    user = User(email=email, display_name=data.display_name, password_hash=hash_password(data.password))
    session.add(user)
    session.flush()
    for m in data.memberships:
        org = get_organisation(session, actor=actor, organisation_id=m.organisation_id)
        session.add(Membership(user_id=user.id, organisation_id=org.id, system_id=org.system_id, role=m.role))
    flush_or_conflict(session, "The user")
    session.refresh(user, ["memberships"])
    record_change(
        session,
        actor=actor,
        action="user.create",
        topic="user.created",
        record_type="user",
        record_id=user.id,
        organisation_id=data.memberships[0].organisation_id,
        system_id=actor.system_id,
        personal_data=True,
        detail={"roles": sorted({m.role.value for m in data.memberships})},
    )
    return user


def update_user(session: Session, *, actor: Principal, user_id: str, data: schemas.UserPatch) -> User:
    user = session.scalars(_visible_users_stmt(actor).where(User.id == user_id)).one_or_none()
    if user is None:
        raise not_found("user", user_id)
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    for name, value in changes.items():
        setattr(user, name, value)
    session.flush()
    record_change(
        session,
        actor=actor,
        action="user.update",
        topic="user.updated",
        record_type="user",
        record_id=user.id,
        organisation_id=actor.organisation_id,
        system_id=actor.system_id,
        personal_data=True,
        detail={"fields": sorted(changes)},
    )
    return user
