"""A commissioner's neighbourhood studies and their scenario runs, kept in the database.

Demand, design and results are JSON: they are read and written whole, never queried by field.
Rows belong to the commissioning organisation (``TenantScoped``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from joinedup.db.base import Base, IdMixin, TimestampMixin
from joinedup.db.tenancy import TenantScoped


class NeighbourhoodStudy(IdMixin, TimestampMixin, TenantScoped, Base):
    __tablename__ = "neighbourhood_studies"
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    system_id: Mapped[str | None] = mapped_column(String(36))
    created_by: Mapped[str] = mapped_column(String(36))
    localities: Mapped[list[str]] = mapped_column(JSON)
    area_name: Mapped[str] = mapped_column(String(120))
    synthetic: Mapped[bool] = mapped_column(Boolean)
    seed: Mapped[int | None] = mapped_column(Integer)
    recipients: Mapped[int] = mapped_column(Integer)
    demand: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # {"target", "measure", "within_localities", "seed", "assignment"}
    design: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    previous_balance: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12), default="new")  # new | designing | running | done | failed
    latest_run_id: Mapped[str | None] = mapped_column(String(36))


class NeighbourhoodRun(IdMixin, TimestampMixin, TenantScoped, Base):
    __tablename__ = "neighbourhood_runs"
    study_id: Mapped[str] = mapped_column(ForeignKey("neighbourhood_studies.id"), index=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    requested_by: Mapped[str] = mapped_column(String(36))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON)
    design: Mapped[dict[str, Any]] = mapped_column(JSON)  # the design the run used
    status: Mapped[str] = mapped_column(String(12))  # running | done | failed
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    # {"table", "headline", "failures", "partial"}
    results: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
