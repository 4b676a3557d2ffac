"""Rostering jobs: a solve requested over HTTP, run in the background, its result kept."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Enum, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from joinedup.db.base import Base, IdMixin, TimestampMixin
from joinedup.db.tenancy import TenantScoped


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class RosterJob(IdMixin, TimestampMixin, TenantScoped, Base):
    __tablename__ = "roster_jobs"
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    system_id: Mapped[str] = mapped_column(ForeignKey("care_systems.id"), index=True)
    requested_by: Mapped[str] = mapped_column(String(36))
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[JobStatus] = mapped_column(
        Enum(JobStatus, name="job_status", native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])
    )
    time_limit_s: Mapped[float] = mapped_column(Float)
    seed: Mapped[int] = mapped_column(Integer)
    instance: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
