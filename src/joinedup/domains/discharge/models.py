"""Discharge coordination: patients awaiting discharge, the shared assessment (versioned),
referrals to providers, bed holds, and delay reasons.

Patients, assessments and delays belong to the hospital (tenant: the hospital organisation).
Referrals and holds belong to the provider they are sent to (tenant: the provider), so a provider
sees its own referrals and the hospital's discharge hub, which sees its system's providers, sees
them too; services filter by the hospital as well.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from joinedup.core.clock import utcnow
from joinedup.db.base import Base, IdMixin, TimestampMixin
from joinedup.db.tenancy import TenantScoped


class DischargePatient(IdMixin, TimestampMixin, TenantScoped, Base):
    """One hospital stay of a patient who is, or will be, ready for discharge."""

    __tablename__ = "discharge_patients"
    __table_args__ = (
        UniqueConstraint("organisation_id", "nhs_number", "admitted_on", name="uq_discharge_patients_spell"),
        Index("ix_discharge_patients_org_status", "organisation_id", "status"),
    )
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    system_id: Mapped[str] = mapped_column(ForeignKey("care_systems.id"), index=True)
    nhs_number: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(120))
    hospital_number: Mapped[str | None] = mapped_column(String(30))
    ward: Mapped[str] = mapped_column(String(60))
    admitted_on: Mapped[date] = mapped_column(Date)
    discharge_ready_on: Mapped[date | None] = mapped_column(Date)
    pathway: Mapped[str] = mapped_column(String(30))
    home_postcode: Mapped[str | None] = mapped_column(String(8))
    home_latitude: Mapped[float | None] = mapped_column(Float)
    home_longitude: Mapped[float | None] = mapped_column(Float)
    family_postcode: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(20), default="in_hospital")
    discharged_at: Mapped[datetime | None] = mapped_column()
    discharged_to_service_id: Mapped[str | None] = mapped_column(String(36))
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    # Bumped by every state-changing step: the row every such step locks first.
    lock_version: Mapped[int] = mapped_column(Integer, default=0)


class DischargeAssessment(IdMixin, TenantScoped, Base):
    """One version of the shared (trusted assessor) assessment. Never changed: a new version is added."""

    __tablename__ = "discharge_assessments"
    __table_args__ = (UniqueConstraint("patient_id", "version", name="uq_discharge_assessments_patient_version"),)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("discharge_patients.id"))
    version: Mapped[int] = mapped_column(Integer)
    assessed_by: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    care_type: Mapped[str] = mapped_column(String(30))
    start_date: Mapped[date] = mapped_column(Date)
    funding: Mapped[str] = mapped_column(String(30))
    # needs, hours, preferences and risks as the validated schema dumps them
    content: Mapped[dict[str, Any]] = mapped_column(JSON)


class DischargeReferral(IdMixin, TimestampMixin, TenantScoped, Base):
    """A referral of one patient to one service, and its state."""

    __tablename__ = "discharge_referrals"
    __tenant_column__ = "provider_organisation_id"
    __table_args__ = (
        UniqueConstraint("patient_id", "service_id", "round", name="uq_discharge_referrals_patient_service_round"),
        Index("ix_discharge_referrals_provider_state", "provider_organisation_id", "state"),
        Index("ix_discharge_referrals_hospital_state", "hospital_organisation_id", "state"),
    )
    hospital_organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    provider_organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    system_id: Mapped[str] = mapped_column(String(36))
    patient_id: Mapped[str] = mapped_column(ForeignKey("discharge_patients.id"), index=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("capacity_services.id"), index=True)
    assessment_id: Mapped[str] = mapped_column(ForeignKey("discharge_assessments.id"))
    # A patient may be referred to the same service again after a closed referral.
    round: Mapped[int] = mapped_column(Integer, default=1)
    state: Mapped[str] = mapped_column(String(20))
    # What the provider sees before opening it: no name, no NHS number, no full assessment.
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)
    opened_at: Mapped[datetime | None] = mapped_column()
    offered_start_date: Mapped[date | None] = mapped_column(Date)
    offer_expires_at: Mapped[datetime | None] = mapped_column()
    decline_reason: Mapped[str | None] = mapped_column(String(40))
    decline_note: Mapped[str | None] = mapped_column(Text)
    accepted_without_reassessment: Mapped[bool | None] = mapped_column(Boolean)
    messages: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    closed_reason: Mapped[str | None] = mapped_column(String(40))
    referred_by: Mapped[str | None] = mapped_column(String(36))


class DischargeServiceLock(TenantScoped, Base):
    """One row per service a bed was ever held at: what acceptances lock, so one bed cannot be
    given twice. Capacity tables are the capacity package's; this row is ours to lock."""

    __tablename__ = "discharge_service_locks"
    service_id: Mapped[str] = mapped_column(ForeignKey("capacity_services.id"), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=0)


class DischargeHold(IdMixin, TenantScoped, Base):
    """A place held for an accepted referral, counted against the service's reported vacancies
    until released, or until the provider reports again (a newer report includes it)."""

    __tablename__ = "discharge_holds"
    __table_args__ = (Index("ix_discharge_holds_service_active", "service_id", "released_at"),)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("capacity_services.id"))
    referral_id: Mapped[str] = mapped_column(ForeignKey("discharge_referrals.id"), unique=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("discharge_patients.id"))
    care_type: Mapped[str] = mapped_column(String(30))
    units: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    released_at: Mapped[datetime | None] = mapped_column()


class DischargeDelay(IdMixin, TenantScoped, Base):
    """One reason a ready patient is still in hospital, over a span of days; one is primary at a time."""

    __tablename__ = "discharge_delays"
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("discharge_patients.id"), index=True)
    reason_code: Mapped[str] = mapped_column(String(8))
    primary: Mapped[bool] = mapped_column(Boolean, default=False)
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    recorded_by: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DischargeServiceProfile(Base):
    """What matching needs about a service that capacity does not hold: its CQC rating, and
    whether it accepts a trusted assessment without re-assessing. Public facts (CQC publishes
    ratings), so not tenant-scoped: matching joins it to the services it may see."""

    __tablename__ = "discharge_service_profiles"
    service_id: Mapped[str] = mapped_column(ForeignKey("capacity_services.id"), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    cqc_rating: Mapped[str | None] = mapped_column(String(30))
    trusted_assessor: Mapped[bool] = mapped_column(Boolean, default=False)
