"""What the capacity API answers: a service, its capacity with every section's age, and the
outcome of a batch or a CSV upload."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from joinedup.domains.capacity.schemas.standard import OverallStatus, ServiceKind


class IdentityStatus(StrEnum):
    """Whether a service's identity (name, CQC location id, where it is) is vouched for."""

    VERIFIED = "verified"  # approved by an administrator of the care system (or set by one)
    UNVERIFIED = "unverified"  # new or changed: awaiting approval, counted nowhere until then
    REJECTED = "rejected"  # refused by an administrator: counted nowhere until changed and approved


class ServiceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    organisation_id: str
    provider_service_id: str
    name: str
    kind: ServiceKind
    postcode: str | None
    latitude: float | None
    longitude: float | None
    cqc_location_id: str | None
    synthetic: bool = Field(description="True where the record is generated demo data")
    active: bool
    identity_status: IdentityStatus = Field(
        description="verified; unverified: a new or changed name, CQC location id or place awaiting approval "
        "by an administrator of the care system (until then the service is shown only to its provider and "
        "the administrator, is offered to no one and counts in no total); rejected: refused by the administrator"
    )


class SectionOut(BaseModel):
    value: Any
    as_of: datetime
    source_system: str
    update_id: str
    age_seconds: int = Field(description="How long ago the value was true")
    stale: bool = Field(description="Older than the staleness threshold for this kind of service")


class CapacityOut(BaseModel):
    """A service's capacity at one moment (now, or `at`), every section with its age."""

    service: ServiceOut
    at: datetime = Field(description="The moment this state describes")
    as_of: datetime | None = Field(description="When the newest value was true; null if nothing reported")
    age_seconds: int | None
    stale: bool = Field(description="True when nothing was reported, or the newest value is too old")
    stale_after_seconds: int
    status: OverallStatus | None
    note: str | None
    accepting_now: bool
    distance_km: float | None = None
    sections: dict[str, SectionOut]


ItemOutcome = Literal["applied", "kept_in_history", "duplicate", "rejected"]


# A plain dataclass: an answer holds up to 1,000 of these, and a model per item costs more.
@dataclass
class ItemResult:
    """What became of one update of a batch."""

    index: int
    update_id: str | None
    outcome: ItemOutcome
    errors: list[dict[str, str]] = field(default_factory=list)


class BatchResult(BaseModel):
    accepted: int = Field(description="Updates stored (applied or kept in history)")
    applied: int = Field(description="Updates that changed the current state")
    duplicates: int = Field(description="Updates already received with the same update_id")
    rejected: int
    items: list[ItemResult]


class CsvResult(BaseModel):
    dry_run: bool
    rows: int
    stored: int
    errors: list[dict[str, Any]] = Field(description="One entry per bad row: row number, field, message")


class HistoryItem(BaseModel):
    update_id: str
    as_of: datetime
    source_system: str
    received_at: datetime
    channel: str
    applied: bool = Field(description="False when it arrived after a newer update and only joined the history")
    values: dict[str, Any]


@dataclass(frozen=True)
class BedReport:
    """One received update that reported beds, as it was received (for FHIR MeasureReports)."""

    id: int
    service_id: str
    organisation_id: str
    update_id: str
    as_of: datetime
    source_system: str
    applied: bool
    beds: list[dict[str, Any]]
