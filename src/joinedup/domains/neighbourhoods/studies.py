"""Studies: one commissioner's demand, design and scenario runs, kept in the database.

A study belongs to the organisation of whoever made it (``NeighbourhoodStudy`` is TenantScoped)
and is visible only to callers of that organisation. Creating, designing, moving an LSOA and
starting a run are audited (an uploaded extract is personal data); a finished run emits
``neighbourhoods.run_finished`` through the outbox. The working objects (area, demand, design)
are rebuilt from the row and cached per row version, so a second server, or the same one after
a restart, sees the same study.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from joinedup.core import audit, outbox
from joinedup.core.auth.principal import Principal
from joinedup.core.clock import utcnow
from joinedup.core.deps import after_commit
from joinedup.core.errors import FieldError, ProblemError
from joinedup.core.events import EventBus
from joinedup.core.outbox import relay_pending
from joinedup.db.tenancy import Scope
from joinedup.logs import get_logger

from .adjacency import Barriers, adjacency
from .area import Area
from .demand import Demand, DemandError, PackageVisit, Person, generate_demand, load_demand_csv
from .design import Design, DesignError, design_neighbourhoods, lsoa_weights, move_lsoa
from .models import NeighbourhoodRun, NeighbourhoodStudy
from .pipeline import area_for, compare
from .scenarios import ScenarioSettings

log = get_logger(__name__)
MAX_CACHED = 50  # working objects kept per server; the oldest go first
# A running run reports progress as each group finishes (a whole area: every few seconds). One
# silent this long had its server stop under it; it is shown failed so the study can run again.
STALE_RUN = timedelta(minutes=15)
RECORD = "neighbourhood_study"


@dataclass
class Study:
    id: str
    organisation_id: str | None
    area: Area
    demand: Demand
    design: Design | None = None
    design_spec: dict[str, Any] | None = None
    previous_balance: dict[str, float] | None = None  # before the last hand move, to show its effect
    status: str = "new"  # new | running | done | failed
    progress: tuple[int, int] = (0, 0)
    table: dict[str, dict[str, float]] | None = None
    headline: dict[str, Any] | None = None
    partial: bool | None = None
    error: str | None = None
    settings: dict[str, Any] | None = None
    version: Any = None


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


def _design_spec(design: Design, within_localities: bool, seed: int) -> dict[str, Any]:
    return {
        "target": design.target,
        "measure": design.measure,
        "within_localities": within_localities,
        "seed": seed,
        "assignment": dict(design.assignment),
    }


def _design_from_spec(spec: dict[str, Any], area: Area, demand: Demand) -> Design:
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


class StudyStore:
    """Reads studies from the database; caches the rebuilt working objects per row version."""

    def __init__(self) -> None:
        self._cache: dict[str, tuple[Any, Area, Demand, Design | None]] = {}
        self._lock = threading.Lock()

    def get(self, session: Session, actor: Principal, study_id: str) -> Study:
        row = session.scalars(select(NeighbourhoodStudy).where(NeighbourhoodStudy.id == study_id)).first()
        if row is None or row.organisation_id != actor.organisation_id:
            raise ProblemError(404, "not_found", "No such study", f"There is no study {study_id} you can see.")
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
            design = _design_from_spec(row.design, area, demand) if row.design else None
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


def _row(session: Session, study: Study) -> NeighbourhoodStudy:
    row = session.scalars(select(NeighbourhoodStudy).where(NeighbourhoodStudy.id == study.id)).first()
    if row is None:
        raise ProblemError(404, "not_found", "No such study", f"There is no study {study.id} you can see.")
    return row


def _problem(field_name: str, message: str, code: str = "invalid") -> ProblemError:
    return ProblemError(
        422, "validation", "Invalid input", message, errors=[FieldError(field=field_name, message=message, code=code)]
    )


def _area(localities: list[str]) -> Area:
    try:
        return area_for(localities or None)
    except ValueError as exc:
        raise _problem("body.localities", str(exc)) from exc


def _audit(session: Session, actor: Principal, action: str, study_id: str, personal: bool, **detail: Any) -> None:
    audit.record(
        session,
        actor=actor,
        action=f"neighbourhoods.{action}",
        record_type=RECORD,
        record_id=study_id,
        record_organisation_id=actor.organisation_id,
        personal_data=personal,
        detail=detail,
    )


def _add(session: Session, actor: Principal, localities: list[str], area: Area, demand: Demand) -> Study:
    if actor.organisation_id is None:
        raise ProblemError(403, "forbidden", "No organisation", "Studies belong to an organisation; act for one.")
    row = NeighbourhoodStudy(
        organisation_id=actor.organisation_id,
        system_id=actor.system_id,
        created_by=actor.actor_id,
        localities=sorted(localities),
        area_name=area.name,
        synthetic=demand.synthetic,
        seed=demand.seed,
        recipients=len(demand.people),
        demand=demand_to_json(demand),
        design=None,
        previous_balance=None,
        status="new",
        created_at=utcnow(),
        updated_at=utcnow(),
    )
    session.add(row)
    session.flush()
    # a council extract is person-level (ids, postcodes, packages); synthetic demand is not
    _audit(
        session,
        actor,
        "study_created" if demand.synthetic else "demand_uploaded",
        row.id,
        not demand.synthetic,
        recipients=len(demand.people),
        visits=demand.visits,
    )
    return Study(row.id, row.organisation_id, area, demand)


def new_generated(session: Session, actor: Principal, localities: list[str], recipients: int, seed: int) -> Study:
    area = _area(localities)
    try:
        demand = generate_demand(area, recipients, seed)
    except DemandError as exc:
        raise _problem("body.recipients", str(exc)) from exc
    return _add(session, actor, localities, area, demand)


class UploadRejected(ValueError):
    """Bad rows in a council extract: each with row, person, field and message."""

    def __init__(self, errors: list[dict[str, str]]):
        super().__init__(f"{len(errors)} bad row(s)")
        self.errors = errors


def _rows(exc: DemandError) -> list[dict[str, str]]:
    return sorted(
        (
            {
                "row": e.get("row", "0"),
                "record": e["record"],
                "field": e.get("field", "body"),
                "message": e["message"],
            }
            for e in exc.errors
        ),
        key=lambda e: (int(e["row"]), e["field"]),
    )


def check_upload(localities: list[str], text: str) -> dict[str, Any]:
    """A dry run: every bad row by row number and field; nothing stored."""
    area = _area(localities)
    try:
        demand = load_demand_csv(text, area)
    except DemandError as exc:
        errors = _rows(exc)
        if any(e["field"] in ("header", "body") for e in errors):
            raise UploadRejected(errors) from exc  # not a demand extract at all: nothing to report by row
        return {"dry_run": True, "valid": False, "recipients": 0, "visits_per_day": 0, "errors": errors}
    return {
        "dry_run": True,
        "valid": True,
        "recipients": len(demand.people),
        "visits_per_day": demand.visits,
        "errors": [],
    }


def new_uploaded(session: Session, actor: Principal, localities: list[str], text: str) -> Study:
    """A study on a council extract; raises ``UploadRejected`` naming every bad row."""
    area = _area(localities)
    try:
        demand = load_demand_csv(text, area)
    except DemandError as exc:
        raise UploadRejected(_rows(exc)) from exc
    return _add(session, actor, localities, area, demand)


def design(
    session: Session, actor: Principal, study: Study, target: float, measure: str, within_localities: bool, seed: int
) -> Design:
    if study.status == "running":
        raise ProblemError(409, "running", "Scenarios are running", "Wait for the run to finish before redesigning.")
    try:
        made = design_neighbourhoods(
            study.area,
            study.demand,
            target,
            measure=measure,
            barriers=Barriers(localities=True) if within_localities else None,
            seed=seed,
        )
    except DesignError as exc:
        raise _problem("body.target", str(exc)) from exc
    row = _row(session, study)
    row.design, row.previous_balance = _design_spec(made, within_localities, seed), None
    row.status, row.latest_run_id, row.updated_at = "new", None, utcnow()
    _audit(
        session, actor, "designed", study.id, False, target=target, measure=measure, neighbourhoods=len(made.members())
    )
    study.design, study.design_spec, study.previous_balance = made, row.design, None
    study.status, study.table, study.headline, study.partial = "new", None, None, None
    return made


def move(session: Session, actor: Principal, study: Study, lsoa: str, to: int) -> Design:
    if study.design is None or study.design_spec is None:
        raise ProblemError(409, "no_design", "No design yet", "Design the neighbourhoods first.")
    if study.status == "running":
        raise ProblemError(409, "running", "Scenarios are running", "Wait for the run to finish.")
    try:
        moved = move_lsoa(study.design, lsoa, to)
    except DesignError as exc:
        raise _problem("body.lsoa", str(exc)) from exc
    row = _row(session, study)
    before = study.design.balance()
    row.design = {**study.design_spec, "assignment": dict(moved.assignment)}
    row.previous_balance = before
    row.status, row.latest_run_id, row.updated_at = "new", None, utcnow()
    _audit(session, actor, "lsoa_moved", study.id, False, lsoa=lsoa, to=to)
    study.design, study.design_spec, study.previous_balance = moved, row.design, before
    study.status, study.table, study.headline, study.partial = "new", None, None, None
    return moved


def start_run(
    session: Session,
    actor: Principal,
    study: Study,
    settings: ScenarioSettings,
    factory: sessionmaker[Session],
    bus: EventBus,
    executor: str | None = None,
) -> None:
    """Record the run and start it in the background once this transaction has committed."""
    if study.design is None or study.design_spec is None:
        raise ProblemError(409, "no_design", "No design yet", "Design the neighbourhoods first.")
    if study.status == "running":
        raise ProblemError(409, "running", "Already running", "The scenarios are already running.")
    row = _row(session, study)
    spec = {
        "providers": settings.providers,
        "seconds_per_100_visits": settings.seconds_per_100_visits,
        "days": settings.days,
        "seed": settings.seed,
    }
    run = NeighbourhoodRun(
        study_id=study.id,
        organisation_id=row.organisation_id,
        requested_by=actor.actor_id,
        settings=spec,
        design=study.design_spec,
        status="running",
        done=0,
        total=0,
        started_at=utcnow(),
        created_at=utcnow(),
        updated_at=utcnow(),
    )
    session.add(run)
    session.flush()
    row.status, row.latest_run_id, row.updated_at = "running", run.id, utcnow()
    _audit(session, actor, "run_started", study.id, False, run_id=run.id, **spec)
    study.status, study.progress, study.error, study.settings = "running", (0, 0), None, spec
    study.table, study.headline, study.partial = None, None, None
    area, demand, design_, run_id = study.area, study.demand, study.design, run.id

    def work() -> None:
        def progress(done: int, total: int) -> None:
            with factory() as s:
                s.info["scope"] = Scope.system("neighbourhood run progress")
                found = s.get(NeighbourhoodRun, run_id)
                if found is not None:
                    found.done, found.total = done, total
                    s.commit()

        results: dict[str, Any] | None = None
        error: str | None = None
        try:
            result = compare(area, demand, design_, settings=settings, on_done=progress, executor=executor)
            results = {
                "table": result.table,
                "headline": result.headline(),
                "failures": result.run.failures,
                "partial": result.run.partial,
            }
        except Exception as exc:
            log.error("neighbourhood_run_failed", study_id=study.id, error_type=type(exc).__name__)
            error = f"The run failed ({type(exc).__name__})."
        finish_run(factory, bus, run_id, results, error)

    def launch() -> None:
        threading.Thread(target=work, name=f"neighbourhoods-{study.id[:8]}", daemon=True).start()

    after_commit(session, launch)


def finish_run(
    factory: sessionmaker[Session], bus: EventBus, run_id: str, results: dict[str, Any] | None, error: str | None
) -> None:
    """Store a run's results, mark the study, and emit the event, in one transaction."""
    status = "done" if results is not None else "failed"
    with factory() as session:
        session.info["scope"] = Scope.system("neighbourhood run finished")
        run = session.get(NeighbourhoodRun, run_id)
        if run is None:
            return
        run.status, run.results, run.error, run.finished_at = status, results, error, utcnow()
        study = session.get(NeighbourhoodStudy, run.study_id)
        if study is not None and study.latest_run_id == run_id:
            study.status, study.updated_at = status, utcnow()
        outbox.emit(
            session,
            topic="neighbourhoods.run_finished",
            organisation_id=run.organisation_id,
            system_id=study.system_id if study is not None else None,
            record_id=run.study_id,
            payload={"run_id": run_id, "status": status, "partial": bool(results and results["partial"])},
        )
        session.commit()
    relay_pending(factory, bus)


def summary(study: Study) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": study.id,
        "area": study.area.name,
        "recipients": len(study.demand.people),
        "visits_per_day": study.demand.visits,
        "synthetic": study.demand.synthetic,
        "seed": study.demand.seed,
        "status": study.status,
        "progress": {"done": study.progress[0], "total": study.progress[1]},
        "error": study.error,
        "design": None,
        "comparison": None,
        "headline": None,
        "partial": None,
    }
    if study.design is not None:
        out["design"] = {
            "balance": study.design.balance(),
            "assignment": study.design.assignment,
            "previous_balance": study.previous_balance,
        }
    if study.table is not None:
        out["comparison"] = {s: {k: round(v, 4) for k, v in row.items()} for s, row in study.table.items()}
        out["headline"] = study.headline
        out["partial"] = study.partial
    return out
