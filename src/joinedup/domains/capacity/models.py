"""Capacity: provider services, the append-only update history, and the current state.

A service is keyed by its organisation and the provider's own identifier for it; its identity
(name, CQC location id, where it is) is verified by an administrator of the care system before
it counts anywhere but on its own provider's pages (`identity_status`). Every update
a provider sends is kept (`capacity_updates`); `capacity_current` holds, per service, the
newest value of each section (beds, homecare, reablement, admission rules, status), and is
changed only by an update whose (as_of, update_id) is newer than what it holds.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from joinedup.db.base import BIG_ID, Base, IdMixin, TimestampMixin
from joinedup.db.tenancy import TenantScoped


class CapacityService(IdMixin, TimestampMixin, TenantScoped, Base):
    """One service a provider offers: a care home's beds, a homecare branch, a reablement team."""

    __tablename__ = "capacity_services"
    __table_args__ = (
        UniqueConstraint("organisation_id", "provider_service_id", name="uq_capacity_services_org_provider_id"),
        # A CQC location is one place: no two services anywhere may claim it.
        Index("uq_capacity_services_cqc_location_id", "cqc_location_id", unique=True),
        Index("ix_capacity_services_lat_lon", "latitude", "longitude"),
    )
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    system_id: Mapped[str] = mapped_column(ForeignKey("care_systems.id"), index=True)
    place_id: Mapped[str | None] = mapped_column(String(36), index=True)
    provider_service_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), index=True)
    postcode: Mapped[str | None] = mapped_column(String(8))
    postcode_district: Mapped[str | None] = mapped_column(String(4))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    cqc_location_id: Mapped[str | None] = mapped_column(String(20))
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # "verified", "unverified" (a new or changed identity awaiting approval) or "rejected".
    identity_status: Mapped[str] = mapped_column(String(12), default="unverified", server_default="unverified")


class CapacityUpdateRow(TenantScoped, Base):
    """Every update received, in order of arrival; never changed or removed."""

    __tablename__ = "capacity_updates"
    __table_args__ = (
        UniqueConstraint("organisation_id", "update_id", name="uq_capacity_updates_org_update_id"),
        Index("ix_capacity_updates_service_as_of", "service_id", "as_of"),
    )
    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True, autoincrement=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    system_id: Mapped[str] = mapped_column(String(36))
    service_id: Mapped[str] = mapped_column(ForeignKey("capacity_services.id"))
    update_id: Mapped[str] = mapped_column(String(100))
    as_of: Mapped[datetime] = mapped_column()
    source_system: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[datetime] = mapped_column()
    channel: Mapped[str] = mapped_column(String(10))
    # Whether it changed the current state when it arrived (False: older than what was held).
    applied: Mapped[bool] = mapped_column(Boolean)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)


class CapacityCurrent(TenantScoped, Base):
    """The newest state of one service, section by section, with search columns kept beside it."""

    __tablename__ = "capacity_current"
    service_id: Mapped[str] = mapped_column(ForeignKey("capacity_services.id"), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    system_id: Mapped[str] = mapped_column(String(36), index=True)
    # section name -> {"value": ..., "as_of": iso, "source_system": str, "update_id": str}
    sections: Mapped[dict[str, Any]] = mapped_column(JSON)
    as_of: Mapped[datetime] = mapped_column(index=True)
    status: Mapped[str | None] = mapped_column(String(30), index=True)
    # ",nursing,residential," style tag lists: portable LIKE filters on SQLite and PostgreSQL.
    offered_types: Mapped[str] = mapped_column(String(400), default=",")
    accepting_types: Mapped[str] = mapped_column(String(400), default=",")
    skills: Mapped[str] = mapped_column(String(200), default=",")
    funding: Mapped[str] = mapped_column(String(100), default=",")
    areas: Mapped[str] = mapped_column(String(4000), default=",")
    vacant_accepting: Mapped[int] = mapped_column(Integer, default=0)
