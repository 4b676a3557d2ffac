"""Care systems, places, organisations, sites, users and their memberships."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, Enum, Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from joinedup.core.permissions import Role
from joinedup.db.base import Base, IdMixin, TimestampMixin
from joinedup.db.tenancy import TenantScoped


class OrganisationType(StrEnum):
    ACUTE_TRUST = "acute_trust"
    COMMUNITY_TRUST = "community_trust"
    CARE_HOME_PROVIDER = "care_home_provider"
    HOMECARE_PROVIDER = "homecare_provider"
    REABLEMENT_SERVICE = "reablement_service"
    GP_PRACTICE = "gp_practice"
    COUNCIL = "council"
    ICB = "icb"
    REGULATOR = "regulator"
    VOLUNTARY_SECTOR = "voluntary_sector"


PROVIDER_TYPES = frozenset(
    {
        OrganisationType.CARE_HOME_PROVIDER,
        OrganisationType.HOMECARE_PROVIDER,
        OrganisationType.REABLEMENT_SERVICE,
    }
)


def _enum(cls: type[StrEnum], name: str) -> Enum:
    # Stored as plain strings with a CHECK so adding a value is a small migration on both DBs.
    return Enum(cls, name=name, native_enum=False, length=40, values_callable=lambda e: [m.value for m in e])


class CareSystem(IdMixin, TimestampMixin, Base):
    """An Integrated Care System, identified by its ICB's ODS code."""

    __tablename__ = "care_systems"
    name: Mapped[str] = mapped_column(String(200))
    icb_ods_code: Mapped[str] = mapped_column(String(10), unique=True)


class Place(IdMixin, TimestampMixin, Base):
    """A place: usually one council's area (GSS code, e.g. E08000009 for Trafford)."""

    __tablename__ = "places"
    system_id: Mapped[str] = mapped_column(ForeignKey("care_systems.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    gss_code: Mapped[str] = mapped_column(String(9), unique=True)


class Organisation(IdMixin, TimestampMixin, TenantScoped, Base):
    __tablename__ = "organisations"
    __tenant_column__ = "id"
    system_id: Mapped[str] = mapped_column(ForeignKey("care_systems.id"), index=True)
    place_id: Mapped[str | None] = mapped_column(ForeignKey("places.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[OrganisationType] = mapped_column(_enum(OrganisationType, "organisation_type"))
    ods_code: Mapped[str | None] = mapped_column(String(12), unique=True)
    cqc_location_id: Mapped[str | None] = mapped_column(String(20), unique=True)
    cqc_provider_name: Mapped[str | None] = mapped_column(String(200))
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sites: Mapped[list[Site]] = relationship(back_populates="organisation", order_by="Site.name")


class Site(IdMixin, TimestampMixin, TenantScoped, Base):
    __tablename__ = "sites"
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    system_id: Mapped[str] = mapped_column(ForeignKey("care_systems.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    ods_code: Mapped[str | None] = mapped_column(String(12))
    postcode: Mapped[str | None] = mapped_column(String(8))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    organisation: Mapped[Organisation] = relationship(back_populates="sites")


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
    role: Mapped[Role] = mapped_column(_enum(Role, "role"))
    user: Mapped[User] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship()
