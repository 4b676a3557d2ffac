"""Visibility tables: published trust series (imported), daily capacity snapshots, saved views.

The trust series are NHS England's published statistics, keyed by the trust's ODS code and
linked to the trust's organisation when it is registered here (rows of trusts not registered
are kept, and seen by no one until the trust is). Snapshots hold each organisation's capacity by
type of care once a day, so shortfall can be compared over time without replaying every update.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from joinedup.db.base import BIG_ID, Base, IdMixin, TimestampMixin
from joinedup.db.tenancy import TenantScoped


class TrustDaily(TenantScoped, Base):
    """One trust's day: patients no longer meeting the criteria to reside, and discharges."""

    __tablename__ = "visibility_trust_daily"
    __table_args__ = (UniqueConstraint("trust_code", "day", name="uq_visibility_trust_daily_trust_day"),)
    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True, autoincrement=True)
    trust_code: Mapped[str] = mapped_column(String(5))
    organisation_id: Mapped[str | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    day: Mapped[date] = mapped_column()
    not_meeting_criteria: Mapped[float | None] = mapped_column(Float)
    discharged_by_1700: Mapped[float | None] = mapped_column(Float)
    discharged_after_1700: Mapped[float | None] = mapped_column(Float)
    discharged_total: Mapped[float | None] = mapped_column(Float)


class TrustDelayMonthly(TenantScoped, Base):
    """One trust's month: patients delayed for one of NHS England's official delay reasons."""

    __tablename__ = "visibility_trust_delays"
    __table_args__ = (
        UniqueConstraint("trust_code", "month", "reason", name="uq_visibility_trust_delays_trust_month_reason"),
    )
    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True, autoincrement=True)
    trust_code: Mapped[str] = mapped_column(String(5))
    organisation_id: Mapped[str | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    month: Mapped[date] = mapped_column()
    reason: Mapped[str] = mapped_column(String(200))
    stage: Mapped[str] = mapped_column(String(40))  # hospital, care transfer hub, capacity, interface, wellbeing
    care_group: Mapped[str | None] = mapped_column(String(30))  # the shortfall care group it waits for, if any
    delayed: Mapped[float] = mapped_column(Float)


class CapacitySnapshot(TenantScoped, Base):
    """An organisation's free capacity by type of care at the end of one day."""

    __tablename__ = "visibility_capacity_snapshots"
    __table_args__ = (
        UniqueConstraint("organisation_id", "day", "care_type", name="uq_visibility_capacity_snapshots_org_day_type"),
        Index("ix_visibility_capacity_snapshots_system_day", "system_id", "day"),
    )
    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True, autoincrement=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    system_id: Mapped[str] = mapped_column(String(36))
    place_id: Mapped[str | None] = mapped_column(String(36))
    day: Mapped[date] = mapped_column()
    care_type: Mapped[str] = mapped_column(String(30))
    free: Mapped[float] = mapped_column(Float)
    services: Mapped[int] = mapped_column(Integer)


class SavedView(IdMixin, TimestampMixin, TenantScoped, Base):
    """A drill-down page with its filters, saved by a user for their role; shared views are
    offered to everyone with the same role in the same organisation."""

    __tablename__ = "visibility_saved_views"
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    path: Mapped[str] = mapped_column(String(500))
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
