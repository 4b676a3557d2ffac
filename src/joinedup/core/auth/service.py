"""Sign-in and credential resolution. Runs in a system scope named "authentication": it must
find a credential before it can know whose organisations the caller may see."""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import NoReturn

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from joinedup.config import Settings
from joinedup.core.auth import throttle
from joinedup.core.auth.models import AccessLevel, ApiKey, Membership, OAuthClient, User, WebSession
from joinedup.core.auth.principal import Principal
from joinedup.core.auth.secrets import keyed_hash, new_token, sha256_hex, verify_password
from joinedup.core.auth.tokens import decode_access_token, issue_access_token
from joinedup.core.auth.visible_sets import visible_organisation_ids
from joinedup.core.changes import record_security_event
from joinedup.core.clock import utcnow
from joinedup.core.errors import ProblemError
from joinedup.core.permissions import Role
from joinedup.db.tenancy import Scope

SIGN_IN_FAILED = (
    "Sign-in failed. Check your e-mail address and password; after several failed tries, wait and try again later."
)
API_KEY_PREFIX = "jup_"


def principal_for_membership(session: Session, user: User, membership: Membership | None) -> Principal:
    if membership is None:
        role = Role.CARER if user.is_carer_account else None
        if role is None:
            raise ProblemError(403, "forbidden", "Forbidden", "Your account has no role; ask an administrator.")
        return Principal(
            kind="user",
            actor_id=user.id,
            role=role,
            organisation_id=None,
            system_id=None,
            display_name=user.display_name,
        )
    return Principal(
        kind="user",
        actor_id=user.id,
        role=membership.role,
        organisation_id=membership.organisation_id,
        system_id=membership.system_id,
        membership_id=membership.id,
        display_name=user.display_name,
        visible_organisation_ids=visible_organisation_ids(
            session, role=membership.role, organisation_id=membership.organisation_id
        ),
    )


def sign_in(session: Session, settings: Settings, *, email: str, password: str, ip: str | None) -> User:
    """The user, or a ProblemError that is the same whether or not the account exists."""
    user = session.scalars(select(User).where(User.email == email.strip().lower())).one_or_none()
    if throttle.blocked(session, settings, email=email, ip=ip):
        _failed(session, settings, email=email, ip=ip, user=user, outcome="refused while locked")
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        _failed(session, settings, email=email, ip=ip, user=user, outcome="wrong e-mail address or password")
    throttle.record_success(session, email=email)
    user.last_login_at = utcnow()
    return user


def _failed(
    session: Session, settings: Settings, *, email: str, ip: str | None, user: User | None, outcome: str
) -> NoReturn:
    """Count the failure and audit it (and a lockout or a throttled address it causes), then
    refuse. The rows say the same whether or not the account exists: the account is named by a
    keyed hash of the name as typed, never the name, the user or the password. A row about an
    account that exists belongs to the account's organisation, so its administrators see it."""
    counted = throttle.record_failure(session, settings, email=email, ip=ip)
    account = keyed_hash(settings.secret_key, throttle.account_key(email))
    # One query whether or not the account exists, so the time taken does not tell.
    membership = session.scalars(
        select(Membership)
        .where(Membership.user_id == (user.id if user is not None else ""))
        .order_by(Membership.created_at, Membership.id)
        .limit(1)
    ).first()
    owner = (membership.organisation_id, membership.system_id) if membership is not None else None
    audit = partial(record_security_event, session, actor=None, record_type="sign_in", organisation_id=None)
    audit(action="auth.sign_in_failed", record_id=account, detail={"outcome": outcome}, owner=owner)
    if counted.account_locked:
        minutes = settings.login_lockout_minutes
        audit(action="auth.locked_out", record_id=account, detail={"minutes": minutes}, owner=owner)
    if counted.address_blocked:
        minutes = settings.login_window_minutes
        audit(action="auth.address_blocked", record_id=None, detail={"minutes": minutes})
    raise ProblemError(401, "sign-in-failed", "Sign-in failed", SIGN_IN_FAILED)


def start_web_session(
    session: Session, settings: Settings, *, user: User, membership_id: str | None
) -> tuple[str, WebSession]:
    token = new_token()
    row = WebSession(
        token_hash=sha256_hex(token),
        user_id=user.id,
        membership_id=membership_id,
        csrf_token=new_token(24),
        created_at=utcnow(),
        expires_at=utcnow() + timedelta(hours=settings.session_hours),
    )
    session.add(row)
    session.flush()
    membership = session.get(Membership, membership_id) if membership_id else None
    actor = principal_for_membership(session, user, membership)
    record_security_event(
        session,
        actor=actor,
        action="auth.sign_in",
        record_type="user",
        record_id=user.id,
        organisation_id=actor.organisation_id,
    )
    return token, row


def password_sign_in(
    factory: sessionmaker[Session], settings: Settings, *, email: str, password: str, ip: str | None
) -> str:
    """Sign in with a password and open a web session for the user's default membership: the
    session's token, or the sign-in ProblemError (after the failure has been counted)."""
    with factory() as session:
        session.info["scope"] = Scope.system("authentication")
        try:
            user = sign_in(session, settings, email=email, password=password, ip=ip)
        except ProblemError:
            session.commit()  # keep the failure count
            raise
        membership = default_membership(user)
        token, _row = start_web_session(
            session, settings, user=user, membership_id=membership.id if membership else None
        )
        session.commit()
    return token


def sign_out(factory: sessionmaker[Session], token: str) -> None:
    with factory() as session:
        session.info["scope"] = Scope.system("authentication")
        end_web_session(session, token)
        session.commit()


def default_membership(user: User) -> Membership | None:
    return min(user.memberships, key=lambda m: (m.created_at, m.id)) if user.memberships else None


def resolve_web_session(session: Session, token: str) -> tuple[WebSession, Principal] | None:
    row = session.scalars(select(WebSession).where(WebSession.token_hash == sha256_hex(token))).one_or_none()
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    membership = session.get(Membership, row.membership_id) if row.membership_id else None
    if membership is not None and membership.user_id != user.id:
        return None
    return row, principal_for_membership(session, user, membership)


def end_web_session(session: Session, token: str) -> None:
    row = session.scalars(select(WebSession).where(WebSession.token_hash == sha256_hex(token))).one_or_none()
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()


def switch_role(session: Session, *, token: str, actor: Principal, membership_id: str) -> Principal | None:
    """Make the signed-in person's web session act in another of their roles (a membership of
    theirs). The session's CSRF token is replaced, so a form from before the switch is refused,
    and the switch is audited for the organisation now acted for. The caller as it now is, or
    None if the session is not the actor's own live one or the role is not theirs."""
    saved = session.info.get("scope")
    session.info["scope"] = Scope.system("authentication")
    try:
        row = session.scalars(select(WebSession).where(WebSession.token_hash == sha256_hex(token))).one_or_none()
        if row is None or row.revoked_at is not None or row.expires_at <= utcnow() or row.user_id != actor.user_id:
            return None
        user = session.get(User, row.user_id)
        membership = session.get(Membership, membership_id)
        if user is None or not user.active or membership is None or membership.user_id != user.id:
            return None
        switched = principal_for_membership(session, user, membership)
        if row.membership_id == membership.id:
            return switched
        row.membership_id = membership.id
        row.csrf_token = new_token(24)
        record_security_event(
            session,
            actor=switched,
            action="auth.switch_role",
            record_type="user",
            record_id=user.id,
            organisation_id=switched.organisation_id,
            detail={"from_role": actor.role.value, "to_role": switched.role.value},
        )
        return switched
    finally:
        session.info["scope"] = saved


# "Last used" is kept to the minute: writing it on every call would make each API request a
# write (and, on SQLite, take the database's single write lock) just to say "still in use".
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _note_use(row: ApiKey | OAuthClient) -> None:
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
        row.last_used_at = now


def _machine_principal(session: Session, kind: str, row: ApiKey | OAuthClient, *, can_write: bool) -> Principal:
    return Principal(
        kind=kind,
        actor_id=row.id,
        role=Role.PROVIDER_SYSTEM,
        organisation_id=row.organisation_id,
        system_id=row.system_id,
        can_write=can_write,
        display_name=row.name,
        visible_organisation_ids=visible_organisation_ids(
            session, role=Role.PROVIDER_SYSTEM, organisation_id=row.organisation_id
        ),
    )


def resolve_api_key(session: Session, key: str) -> Principal | None:
    if not key.startswith(API_KEY_PREFIX):
        return None
    row = session.scalars(select(ApiKey).where(ApiKey.secret_hash == sha256_hex(key))).one_or_none()
    if row is None or row.revoked_at is not None:
        return None
    _note_use(row)
    return _machine_principal(session, "api_key", row, can_write=row.access is AccessLevel.READ_WRITE)


def issue_client_token(
    session: Session, settings: Settings, *, client_id: str, client_secret: str
) -> tuple[str, int, str]:
    row = session.scalars(select(OAuthClient).where(OAuthClient.client_id == client_id)).one_or_none()
    if row is None or row.revoked_at is not None or row.secret_hash != sha256_hex(client_secret):
        raise ProblemError(401, "invalid-client", "Invalid client", "Unknown client or wrong secret.")
    _note_use(row)
    scope = "read write" if row.access is AccessLevel.READ_WRITE else "read"
    token, lifetime = issue_access_token(
        settings, client_row_id=row.id, organisation_id=row.organisation_id, scope=scope
    )
    return token, lifetime, scope


def resolve_access_token(session: Session, settings: Settings, token: str) -> Principal | None:
    claims = decode_access_token(settings, token)
    if claims is None:
        return None
    row = session.get(OAuthClient, claims["sub"])
    # A revoked client's tokens die with it, before they expire.
    if row is None or row.revoked_at is not None or row.organisation_id != claims["org"]:
        return None
    return _machine_principal(session, "oauth_client", row, can_write="write" in str(claims["scope"]).split())
