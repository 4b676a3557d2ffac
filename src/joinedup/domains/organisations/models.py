"""Care systems, places, organisations and their sites."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Boolean, Enum, Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from joinedup.db.base import Base, IdMixin, TimestampMixin
from joinedup.db.tenancy import TenantScoped
from joinedup.domains.organisations.schemas import OrganisationType


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


class ProviderLocation(IdMixin, TimestampMixin, TenantScoped, Base):
    """A CQC location registered to a provider by an administrator, besides the organisation's
    own `cqc_location_id`: a provider may publish capacity only for locations registered to it."""

    __tablename__ = "provider_locations"
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    system_id: Mapped[str] = mapped_column(ForeignKey("care_systems.id"), index=True)
    cqc_location_id: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    postcode: Mapped[str | None] = mapped_column(String(8))
