"""Identity and sign-in: users and their memberships (a role in an organisation), web sessions,
login throttling, API keys and OAuth2 clients.

These are core's tables because every request is authenticated against them. The organisations
they point to belong to the organisations domain; core names them only by foreign key.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, Enum, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from joinedup.core.clock import utcnow
from joinedup.core.permissions import Role
from joinedup.db.base import Base, IdMixin, TimestampMixin
from joinedup.db.tenancy import TenantScoped


class AccessLevel(StrEnum):
    READ = "read"
    READ_WRITE = "read_write"


class User(IdMixin, TimestampMixin, Base):
    """A person who signs in. Not tenant-scoped itself: reached through memberships."""

    __tablename__ = "users"
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    is_carer_account: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    last_login_at: Mapped[datetime | None] = mapped_column()
    memberships: Mapped[list[Membership]] = relationship(back_populates="user")


class Membership(IdMixin, TimestampMixin, TenantScoped, Base):
    """A user's role in one organisation; a user acts for one membership at a time."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id", "role", name="uq_memberships_user_org_role"),)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    system_id: Mapped[str] = mapped_column(ForeignKey("care_systems.id"), index=True)
    role: Mapped[Role] = mapped_column(
        # Stored as a plain string with a CHECK, as the organisations' enums are.
        Enum(Role, name="role", native_enum=False, length=40, values_callable=lambda e: [m.value for m in e])
    )
    user: Mapped[User] = relationship(back_populates="memberships")


class WebSession(IdMixin, Base):
    """Server-side session: the cookie holds a random token; only its SHA-256 is stored."""

    __tablename__ = "web_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    membership_id: Mapped[str | None] = mapped_column(ForeignKey("memberships.id"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()


class LoginThrottle(Base):
    """Failed sign-ins per key (hashed account name, or client address).

    Kept for unknown accounts exactly as for known ones, so lockout reveals nothing.
    """

    __tablename__ = "login_throttle"
    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column()


class MachineCredentialMixin(IdMixin, TimestampMixin, TenantScoped):
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    system_id: Mapped[str] = mapped_column(ForeignKey("care_systems.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    access: Mapped[AccessLevel] = mapped_column(
        Enum(
            AccessLevel,
            name="access_level",
            native_enum=False,
            length=20,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    # SHA-256 suffices: secrets are 256-bit random values, not guessable passwords.
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    last_used_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()


class ApiKey(MachineCredentialMixin, Base):
    __tablename__ = "api_keys"
    # The first characters of the key, shown in lists so a person can tell keys apart.
    prefix: Mapped[str] = mapped_column(String(16), index=True)


class OAuthClient(MachineCredentialMixin, Base):
    __tablename__ = "oauth_clients"
    client_id: Mapped[str] = mapped_column(String(40), unique=True)
