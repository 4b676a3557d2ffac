"""Neighbourhood studies' public types: what the API takes and what it answers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Seed = Annotated[int, Field(ge=0, le=2**31 - 1)]
Locality = Annotated[str, Field(max_length=40)]
StudyStatus = Literal["new", "designing", "running", "done", "failed"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)  # a JSON false is not a seed of 0


class StudyIn(_In):
    localities: list[Locality] = Field(default_factory=list, max_length=10)
    recipients: int = Field(default=2000, ge=1, le=5000)
    seed: Seed = 1


class DesignIn(_In):
    target: float = Field(default=200, ge=5, le=5000)
    measure: Literal["recipients", "care_hours"] = "recipients"
    within_localities: bool = False
    seed: Seed = 1


class MoveIn(_In):
    lsoa: str = Field(max_length=12)
    to: int = Field(ge=1, le=1000)


class RunIn(_In):
    providers: int = Field(default=20, ge=1, le=200)
    seconds_per_100_visits: float = Field(default=0.6, ge=0.05, le=10)
    days: int = Field(default=7, ge=1, le=7)
    seed: Seed = 1


class Progress(BaseModel):
    done: int
    total: int


class Balance(BaseModel):
    """How even the neighbourhoods are, in the design's size measure."""

    neighbourhoods: int
    target: float
    mean: float
    min: float
    max: float
    cv_pct: float
    max_deviation_pct: float


class DesignOut(BaseModel):
    balance: Balance
    assignment: dict[str, int]  # LSOA code -> neighbourhood number
    previous_balance: Balance | None  # before the last hand move, to show its effect


class Headline(BaseModel):
    """The comparison's headline figures. Fields a run stored before a figure existed are null."""

    recipients: int | None = None
    visits_per_day: int | None = None
    neighbourhoods: int | None = None
    providers: int | None = None
    travel_min_per_visit_framework: float | None = None
    travel_min_per_visit_neighbourhood: float | None = None
    travel_min_per_visit_neighbourhood_flexible: float | None = None
    travel_cut_pct: float | None = None
    travel_cut_pct_flexible: float | None = None
    usual_carer_share: float | None = None
    people_80pct_usual_share: float | None = None
    people_below_80pct_usual: int | None = None
    people_below_80pct_usual_neighbourhood: int | None = None
    usual_carer_share_neighbourhood: float | None = None
    familiar_carer_share: float | None = None
    usual_carer_share_framework: float | None = None
    people_below_80pct_usual_framework: int | None = None
    team_size: dict[str, float] | None = None
    team_size_without_cover_plan: dict[str, float] | None = None
    people_below_80pct_without_cover_plan: dict[str, int] | None = None
    partial: bool | None = None
    runtime_s: float | None = None


class StudyOut(BaseModel):
    id: str
    area: str
    recipients: int
    visits_per_day: int
    synthetic: bool
    seed: int | None
    status: StudyStatus
    progress: Progress
    error: str | None
    design: DesignOut | None
    comparison: dict[str, dict[str, float]] | None  # scenario -> measure -> value
    headline: Headline | None
    partial: bool | None


class RowError(BaseModel):
    """One bad row of a demand extract: its row number, the person, the field and why."""

    row: str
    record: str
    field: str
    message: str


class UploadCheck(BaseModel):
    """A dry run of a demand extract: every bad row; nothing stored."""

    dry_run: bool
    valid: bool
    recipients: int
    visits_per_day: int
    errors: list[RowError]  # the first 500 bad rows' errors
    rows_with_errors: int = 0


class StudyListed(BaseModel):
    """One of an organisation's studies, as a list shows it."""

    id: str
    area: str
    recipients: int
    synthetic: bool
    designed: bool
    status: StudyStatus
    updated_at: datetime
