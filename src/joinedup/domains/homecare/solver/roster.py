"""Roster model: what the engine returns and the checker inspects."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Stop(_Record):
    """One service delivered by one carer."""

    visit_id: str
    service_index: int = Field(ge=0, le=1)
    arrival: float
    start: float
    end: float


class BreakTaken(_Record):
    start: float
    end: float


class CarerRoute(_Record):
    carer_id: str
    departure: float  # leaves the start location
    return_time: float  # reaches the end location
    stops: list[Stop]
    breaks: list[BreakTaken] = Field(default_factory=list)


class Unassigned(_Record):
    visit_id: str
    service_index: int
    reason: str


class Roster(_Record):
    instance_name: str
    routes: list[CarerRoute]
    unassigned: list[Unassigned] = Field(default_factory=list)
    objective: float = 0.0
    seed: int = 0
    time_limit_s: float = 0.0
    runtime_s: float = 0.0


class Violation(_Record):
    """A broken rule, naming the record (carer, visit) where it happens."""

    code: Literal[
        "unknown_record",
        "duplicate",
        "missing",
        "travel",
        "window",
        "duration",
        "skill",
        "excluded",
        "double_up",
        "sync",
        "shift",
        "break",
        "working_time",
        "overlap",
        "capacity",
        "continuity",
    ]
    record: str
    message: str
