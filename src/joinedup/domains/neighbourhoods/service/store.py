"""A study's working objects (area, demand, design, results), rebuilt from its database row.

The rebuilt objects are cached per row version, so a second server, or the same one after a
restart, sees the same study, and a change made by another server is seen at the next read.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.core.auth.principal import Principal
from joinedup.core.clock import utcnow
from joinedup.core.errors import ProblemError
from joinedup.domains.neighbourhoods.areas import area_for
from joinedup.domains.neighbourhoods.engine.adjacency import Barriers, adjacency
from joinedup.domains.neighbourhoods.engine.area import Area
from joinedup.domains.neighbourhoods.engine.demand import Demand, PackageVisit, Person
from joinedup.domains.neighbourhoods.engine.design import Design, lsoa_weights
from joinedup.domains.neighbourhoods.models import NeighbourhoodRun, NeighbourhoodStudy

MAX_CACHED = 50  # working objects kept per server; the oldest go first
# A running run reports progress as each group finishes (a whole area: every few seconds). One
# silent this long had its server stop under it; it is shown failed so the study can run again.
STALE_RUN = timedelta(minutes=15)
# A design takes seconds; one this old had its server stop under it.
STALE_DESIGN = timedelta(minutes=10)


@dataclass
class Study:
    id: str
    organisation_id: str | None
    area: Area
    demand: Demand
    design: Design | None = None
    design_spec: dict[str, Any] | None = None
    previous_balance: dict[str, float] | None = None  # before the last hand move, to show its effect
    status: str = "new"  # new | designing | running | done | failed
    progress: tuple[int, int] = (0, 0)
    table: dict[str, dict[str, float]] | None = None
    headline: dict[str, Any] | None = None
    partial: bool | None = None
    error: str | None = None
    settings: dict[str, Any] | None = None
    version: Any = None

    def forget_results(self) -> None:
        """The design changed (or a run started): the last results no longer apply."""
        self.table, self.headline, self.partial = None, None, None


def demand_to_json(demand: Demand) -> list[dict[str, Any]]:
    return [
        {
            "id": p.id,
            "postcode": p.postcode,
            "lsoa": p.lsoa_code,
            "lon": p.lon,
            "lat": p.lat,
            "visits": [asdict(v) for v in p.visits],
        }
        for p in demand.people
    ]


def demand_from_json(rows: list[dict[str, Any]], synthetic: bool, seed: int | None) -> Demand:
    people = [
        Person(
            str(r["id"]),
            str(r["postcode"]),
            str(r["lsoa"]),
            float(r["lon"]),
            float(r["lat"]),
            [PackageVisit(**v) for v in r["visits"]],
        )
        for r in rows
    ]
    return Demand(people, synthetic, seed)


def design_spec(design: Design, within_localities: bool, seed: int) -> dict[str, Any]:
    return {
        "target": design.target,
        "measure": design.measure,
        "within_localities": within_localities,
        "seed": seed,
        "assignment": dict(design.assignment),
    }


def design_from_spec(spec: dict[str, Any], area: Area, demand: Demand) -> Design:
    barriers = Barriers(localities=True) if spec.get("within_localities") else None
    return Design(
        area.name,
        float(spec["target"]),
        str(spec["measure"]),
        {str(k): int(v) for k, v in spec["assignment"].items()},
        lsoa_weights(area, demand, str(spec["measure"])),
        adjacency(area, barriers),
        {c: lsoa.name for c, lsoa in area.lsoas.items()},
    )


def no_such_study(study_id: str) -> ProblemError:
    return ProblemError(404, "not_found", "No such study", f"There is no study {study_id} you can see.")


def study_row(session: Session, study_id: str) -> NeighbourhoodStudy:
    row = session.scalars(select(NeighbourhoodStudy).where(NeighbourhoodStudy.id == study_id)).first()
    if row is None:
        raise no_such_study(study_id)
    return row


class StudyStore:
    """Reads studies from the database; caches the rebuilt working objects per row version."""

    def __init__(self) -> None:
        self._cache: dict[str, tuple[Any, Area, Demand, Design | None]] = {}
        self._lock = threading.Lock()

    def get(self, session: Session, actor: Principal, study_id: str) -> Study:
        row = session.scalars(select(NeighbourhoodStudy).where(NeighbourhoodStudy.id == study_id)).first()
        if row is None or row.organisation_id != actor.organisation_id:
            raise no_such_study(study_id)
        return self.build(session, row)

    def build(self, session: Session, row: NeighbourhoodStudy) -> Study:
        version = (row.updated_at, row.status, row.latest_run_id)
        with self._lock:
            cached = self._cache.get(row.id)
        if cached is not None and cached[0] == version:
            _v, area, demand, design = cached
        else:
            area = area_for(list(row.localities) or None)
            demand = demand_from_json(row.demand, row.synthetic, row.seed)
            design = design_from_spec(row.design, area, demand) if row.design else None
            with self._lock:
                while len(self._cache) >= MAX_CACHED:
                    self._cache.pop(next(iter(self._cache)))
                self._cache[row.id] = (version, area, demand, design)
        study = Study(
            row.id,
            row.organisation_id,
            area,
            demand,
            design,
            row.design,
            row.previous_balance,
            row.status,
            version=version,
        )
        if row.status == "designing":
            study.progress = (0, 1)
            if utcnow() - row.updated_at > STALE_DESIGN:
                study.status = "failed"
                study.error = "The design was interrupted (its server stopped); design the neighbourhoods again."
        elif row.status == "failed" and not row.latest_run_id:
            study.error = "The neighbourhoods could not be designed; design them again."
        if row.latest_run_id:
            run = session.scalars(select(NeighbourhoodRun).where(NeighbourhoodRun.id == row.latest_run_id)).first()
            if run is not None:
                study.progress, study.settings, study.error = (run.done, run.total), run.settings, run.error
                if run.status == "running" and utcnow() - run.updated_at > STALE_RUN:
                    study.status = "failed"
                    study.error = "The run was interrupted (its server stopped); run it again."
                if run.results:
                    study.table = run.results["table"]
                    study.headline = run.results["headline"]
                    study.partial = bool(run.results["partial"])
        return study
