"""Matching's answer: every service considered, with why it is in or out."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class MatchReason(BaseModel):
    criterion: str
    ok: bool
    detail: str


class MatchOut(BaseModel):
    service_id: str
    service_name: str
    organisation_id: str
    kind: str
    matched: bool
    score: float
    distance_km: float | None
    available: float | None = Field(description="Reported free beds / places / hours, less places held")
    cqc_rating: str | None
    as_of: datetime | None
    age_seconds: int | None
    stale: bool
    reasons: list[MatchReason]


class MatchResult(BaseModel):
    patient_id: str
    assessment_version: int
    care_type: str
    considered: int = Field(description="Services offering this care type that were checked")
    not_offering: int = Field(description="Services in the area or distance that do not offer this care type")
    matches: list[MatchOut]
    excluded: list[MatchOut]
