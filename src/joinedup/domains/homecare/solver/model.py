"""Instance model: care recipients, their visits, carers and travel times.

Times are minutes from the start of the planning day (floats). Every record
carries an ``id`` so that validation errors can name the record at fault.
Unknown fields are rejected (``extra='forbid'``) rather than silently dropped.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TimeWindow(_Strict):
    """Interval in which a service must start (or a shift must lie)."""

    start: float = Field(ge=0)
    end: float = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> TimeWindow:
        if self.end < self.start:
            raise ValueError(f"time window ends ({self.end}) before it starts ({self.start})")
        return self


class SyncRule(_Strict):
    """How the two services of a double-up relate.

    ``simultaneous``: both carers start together. ``sequential``: the second
    service starts between ``min_gap`` and ``max_gap`` minutes after the first.
    """

    kind: Literal["simultaneous", "sequential"]
    min_gap: float = 0.0
    max_gap: float = 0.0

    @model_validator(mode="after")
    def _gaps(self) -> SyncRule:
        if self.kind == "sequential" and self.max_gap < self.min_gap:
            raise ValueError(f"max_gap ({self.max_gap}) is below min_gap ({self.min_gap})")
        return self


class Service(_Strict):
    """What one carer does during a visit."""

    skill: str | None = None
    duration: float = Field(ge=0)


class Visit(_Strict):
    """One call at a recipient's home; two services means a double-up."""

    id: str = Field(min_length=1)
    window: TimeWindow
    services: list[Service] = Field(min_length=1, max_length=2)
    sync: SyncRule | None = None
    tasks: list[str] = Field(default_factory=list)
    slot: str | None = None  # e.g. "morning": groups visits for arrival-time spread
    demand: int = Field(default=0, ge=0)  # only used by capacitated (VRPTW) instances

    @model_validator(mode="after")
    def _double_up_needs_rule(self) -> Visit:
        if len(self.services) == 2 and self.sync is None:
            raise ValueError(f"visit {self.id}: a double-up needs a sync rule")
        if len(self.services) == 1 and self.sync is not None:
            raise ValueError(f"visit {self.id}: a sync rule needs two services")
        return self

    @property
    def carers_needed(self) -> int:
        return len(self.services)


class Recipient(_Strict):
    id: str = Field(min_length=1)
    location: int = Field(ge=0)
    visits: list[Visit] = Field(min_length=1)
    preferred_carers: list[str] = Field(default_factory=list)
    excluded_carers: list[str] = Field(default_factory=list)
    usual_carers: list[str] = Field(default_factory=list)
    max_distinct_carers: int | None = Field(default=None, ge=1)


class Break(_Strict):
    """A break of ``duration`` minutes taken inside [earliest_start, latest_end]."""

    earliest_start: float = Field(ge=0)
    latest_end: float = Field(ge=0)
    duration: float = Field(gt=0)

    @model_validator(mode="after")
    def _fits(self) -> Break:
        if self.latest_end - self.earliest_start < self.duration:
            raise ValueError("break does not fit between earliest_start and latest_end")
        return self


class Carer(_Strict):
    id: str = Field(min_length=1)
    home: int = Field(ge=0)
    end_location: int | None = Field(default=None, ge=0)  # defaults to home
    skills: list[str] = Field(default_factory=list)
    shift: TimeWindow = TimeWindow(start=0, end=1e7)
    breaks: list[Break] = Field(default_factory=list)
    max_working_time: float | None = Field(default=None, gt=0)
    contracted_hours: float | None = Field(default=None, ge=0)
    travel_mode: str = "car"
    capacity: int | None = Field(default=None, ge=0)

    @property
    def end(self) -> int:
        return self.home if self.end_location is None else self.end_location


class Objective(_Strict):
    """Weights of the minimised objective.

    Mankowska et al. (2014) weigh travel, total and maximum tardiness by 1/3
    each with soft window ends; homecare rosters usually keep ends hard.
    """

    travel: float = Field(default=1.0, ge=0)
    total_lateness: float = Field(default=1.0, ge=0)
    max_lateness: float = Field(default=0.0, ge=0)
    lateness_is_hard: bool = True
    non_usual_carer: float = Field(default=0.0, ge=0)  # per service by a non-usual carer
    unassigned: float = Field(default=10_000.0, ge=0)  # per unassigned service


class Instance(_Strict):
    name: str = Field(min_length=1)
    source: Literal["homecare", "uhhc", "vrplib"] = "homecare"
    travel_times: dict[str, list[list[float]]]  # travel mode -> square matrix
    coordinates: list[tuple[float, float]] | None = None
    recipients: list[Recipient]
    carers: list[Carer] = Field(min_length=1)
    objective: Objective = Objective()

    @model_validator(mode="after")
    def _references(self) -> Instance:
        if not self.travel_times:
            raise ValueError("travel_times needs at least one travel mode")
        size = 0
        for mode, matrix in self.travel_times.items():
            size = len(matrix)
            for row_index, row in enumerate(matrix):
                if len(row) != size:
                    raise ValueError(f"travel_times[{mode}] row {row_index} is not square")
                if any(value < 0 for value in row):
                    raise ValueError(f"travel_times[{mode}] row {row_index} has a negative time")
        carer_ids = _unique([c.id for c in self.carers], "carer")
        visit_ids = _unique([v.id for r in self.recipients for v in r.visits], "visit")
        _unique([r.id for r in self.recipients], "recipient")
        del visit_ids
        for carer in self.carers:
            if carer.travel_mode not in self.travel_times:
                raise ValueError(f"carer {carer.id}: unknown travel mode {carer.travel_mode!r}")
            for loc in (carer.home, carer.end):
                if loc >= size:
                    raise ValueError(f"carer {carer.id}: location {loc} is outside travel_times")
        for rec in self.recipients:
            if rec.location >= size:
                raise ValueError(f"recipient {rec.id}: location {rec.location} is outside travel_times")
            for field in ("preferred_carers", "excluded_carers", "usual_carers"):
                unknown = set(getattr(rec, field)) - carer_ids
                if unknown:
                    raise ValueError(f"recipient {rec.id}: {field} names unknown carers {sorted(unknown)}")
        return self

    def visit_owner(self) -> dict[str, tuple[Recipient, Visit]]:
        return {v.id: (r, v) for r in self.recipients for v in r.visits}


def _unique(ids: list[str], kind: str) -> set[str]:
    seen: set[str] = set()
    for item in ids:
        if item in seen:
            raise ValueError(f"duplicate {kind} id {item!r}")
        seen.add(item)
    return seen
