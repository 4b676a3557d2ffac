"""HTTP shapes for rostering jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from joinedup.domains.homecare.models import JobStatus


class RosterJobIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    instance: dict[str, Any] = Field(
        description="A rostering instance: the native joinedup schema or unified home-healthcare (UHHC) JSON"
    )
    time_limit_s: float = Field(default=30.0, ge=0.1, le=600, description="Seconds to search")
    seed: int = Field(default=1, ge=0, le=2**31 - 1, description="The same seed reproduces the search")


class RosterJobOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    organisation_id: str
    name: str
    status: JobStatus
    time_limit_s: float
    seed: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    error: str | None
    result: dict[str, Any] | None = Field(
        description="When succeeded: {roster, metrics, violations}; violations is always empty for our rosters"
    )


class RosterJobPage(BaseModel):
    items: list[RosterJobOut]
    next_cursor: str | None
