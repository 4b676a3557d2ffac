"""Users and their memberships: personal data, so every read is audited as well as every change."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from joinedup.core.auth.models import Membership, User
from joinedup.core.auth.principal import Principal
from joinedup.core.auth.secrets import hash_password
from joinedup.core.changes import record_access, record_change
from joinedup.core.errors import FieldError, ProblemError, conflict, not_found
from joinedup.core.pagination import paginate
from joinedup.core.permissions import ROLE_LABELS, ROLE_PERMISSIONS, Role
from joinedup.db.tenancy import Scope
from joinedup.domains.organisations import schemas
from joinedup.domains.organisations.models import Organisation
from joinedup.domains.organisations.permissions import ROLE_PLACE_WORDS, ROLE_PLACES, role_belongs_at
from joinedup.domains.organisations.service.organisations import flush_or_conflict, get_organisation


def get_organisation_or_none(session: Session, organisation_id: str) -> Organisation | None:
    """The organisation, if the session may see it."""
    return session.get(Organisation, organisation_id)


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


def grant_problem(
    session: Session, *, actor: Principal, organisation_id: str, role: Role, field: str
) -> ProblemError | None:
    """Why `actor` may not grant `role` in `organisation_id` (None if it may). `field` names the
    membership in the request; the problem names its organisation_id or role.

    Within the grantor's authority: an organisation it may see, in its own care system; a role
    with no more rights than its own; and only in the kind of organisation the role belongs to
    (a system administrator only at the care system's ICB), since a role's reach follows it."""
    org = get_organisation_or_none(session, organisation_id)
    if org is None or organisation_id not in actor.visible_organisation_ids or org.system_id != actor.system_id:
        return _forbidden(f"{field}.organisation_id", "You may not give roles in this organisation.")
    if role not in ROLE_PLACES:
        return invalid_here(f"{field}.role", f"{ROLE_LABELS[role]} is not a role for staff.")
    if not role_belongs_at(role, org.type):
        return invalid_here(
            f"{field}.role",
            f"A {ROLE_LABELS[role].lower()} works for {ROLE_PLACE_WORDS[role]}; {org.name} is not one.",
        )
    if not ROLE_PERMISSIONS[role] <= ROLE_PERMISSIONS[actor.role]:
        return _forbidden(f"{field}.role", "You may not give a role with more rights than your own.")
    return None


def _forbidden(field: str, message: str) -> ProblemError:
    return ProblemError(
        403, "forbidden", "Forbidden", message, errors=[FieldError(field=field, message=message, code="forbidden")]
    )


def invalid_here(field: str, message: str) -> ProblemError:
    return ProblemError(
        422,
        "validation",
        "Invalid request",
        message,
        errors=[FieldError(field=field, message=message, code="not_allowed_here")],
    )


def _check_grants(session: Session, actor: Principal, memberships: list[schemas.MembershipIn]) -> None:
    seen: set[tuple[str, Role]] = set()
    for i, m in enumerate(memberships):
        field = f"body.memberships.{i}"
        if (m.organisation_id, m.role) in seen:
            raise invalid_here(field, "This organisation and role are listed already.")
        seen.add((m.organisation_id, m.role))
        if problem := grant_problem(session, actor=actor, organisation_id=m.organisation_id, role=m.role, field=field):
            raise problem


def create_user(session: Session, *, actor: Principal, data: schemas.UserIn) -> User:
    _check_grants(session, actor, data.memberships)
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


def manageable_user(session: Session, *, actor: Principal, user_id: str) -> tuple[User, list[Membership]]:
    """The user and all their roles, if every role they hold is within the actor's authority:
    an administrator of one care system does not change someone who also works in another."""
    user = session.scalars(_visible_users_stmt(actor).where(User.id == user_id)).one_or_none()
    if user is None:
        raise not_found("user", user_id)
    held = all_memberships(session, user.id)
    for m in held:
        if m.organisation_id not in actor.visible_organisation_ids or not (
            ROLE_PERMISSIONS[m.role] <= ROLE_PERMISSIONS[actor.role]
        ):
            raise _forbidden("path.user_id", "This person also holds a role beyond your authority.")
    return user, held


def get_user_to_change(session: Session, *, actor: Principal, user_id: str) -> User:
    """The user, read (and audited) to be changed: refused at once, rather than on saving, when
    they hold a role beyond the actor's authority."""
    user, _ = manageable_user(session, actor=actor, user_id=user_id)
    record_access(session, actor=actor, action="user.read", record_type="user", record_id=user.id, organisation_id=None)
    return user


@contextmanager
def system_scope(session: Session, purpose: str) -> Iterator[None]:
    """Read beyond the caller's visible organisations for one named purpose, then restore its scope."""
    saved = session.info["scope"]
    session.info["scope"] = Scope.system(purpose)
    try:
        yield
    finally:
        session.info["scope"] = saved


def all_memberships(session: Session, user_id: str) -> list[Membership]:
    """All the person's roles, in every organisation (read in a system scope: to find any the
    caller may not see), oldest first."""
    with system_scope(session, "user authority check"):
        return list(
            session.scalars(
                select(Membership).where(Membership.user_id == user_id).order_by(Membership.created_at, Membership.id)
            )
        )
