"""Studies: one commissioner's demand, design and scenario run, kept in the server's memory.

A study belongs to the organisation of whoever made it and is visible only to callers of that
organisation. Nothing here is written to the database: a restart loses studies (they are cheap to
make again from the same seed); the audit trail records uploads of a council's own extract.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from joinedup.core.auth.principal import Principal
from joinedup.core.errors import FieldError, ProblemError
from joinedup.logs import get_logger

from .adjacency import Barriers
from .area import Area
from .demand import Demand, DemandError, generate_demand, load_demand_csv
from .design import Design, DesignError, design_neighbourhoods, move_lsoa
from .pipeline import Comparison, area_for, compare
from .scenarios import ScenarioSettings

log = get_logger(__name__)
MAX_STUDIES = 50  # per server; the oldest go first


@dataclass
class Study:
    id: str
    organisation_id: str | None
    area: Area
    demand: Demand
    design: Design | None = None
    previous_balance: dict[str, float] | None = None  # before the last hand move, to show its effect
    status: str = "new"  # new | running | done | failed
    progress: tuple[int, int] = (0, 0)
    comparison: Comparison | None = None
    error: str | None = None
    settings: ScenarioSettings | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


class StudyStore:
    def __init__(self) -> None:
        self._studies: dict[str, Study] = {}
        self._lock = threading.Lock()

    def add(self, study: Study) -> Study:
        with self._lock:
            while len(self._studies) >= MAX_STUDIES:
                self._studies.pop(next(iter(self._studies)))
            self._studies[study.id] = study
        return study

    def get(self, actor: Principal, study_id: str) -> Study:
        study = self._studies.get(study_id)
        if study is None or study.organisation_id != actor.organisation_id:
            raise ProblemError(404, "not_found", "No such study", f"There is no study {study_id} you can see.")
        return study


def _problem(field_name: str, message: str, code: str = "invalid") -> ProblemError:
    return ProblemError(
        422, "validation", "Invalid input", message, errors=[FieldError(field=field_name, message=message, code=code)]
    )


def new_generated(store: StudyStore, actor: Principal, localities: list[str], recipients: int, seed: int) -> Study:
    try:
        area = area_for(localities or None)
    except ValueError as exc:
        raise _problem("body.localities", str(exc)) from exc
    try:
        demand = generate_demand(area, recipients, seed)
    except DemandError as exc:
        raise _problem("body.recipients", str(exc)) from exc
    return store.add(Study(uuid.uuid4().hex, actor.organisation_id, area, demand))


def new_uploaded(store: StudyStore, actor: Principal, localities: list[str], text: str) -> Study:
    try:
        area = area_for(localities or None)
    except ValueError as exc:
        raise _problem("body.localities", str(exc)) from exc
    try:
        demand = load_demand_csv(text, area)
    except DemandError as exc:
        raise ProblemError(
            422,
            "validation",
            "Invalid demand file",
            str(exc),
            errors=[
                FieldError(
                    field=f"file.{e['record']}.{e.get('field', '')}".rstrip("."), message=e["message"], code="invalid"
                )
                for e in exc.errors[:200]
            ],
        ) from exc
    return store.add(Study(uuid.uuid4().hex, actor.organisation_id, area, demand))


def design(study: Study, target: float, measure: str, within_localities: bool, seed: int) -> Design:
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
    with study.lock:
        study.design, study.previous_balance = made, None
        study.comparison, study.status = None, "new"
    return made


def move(study: Study, lsoa: str, to: int) -> Design:
    if study.design is None:
        raise ProblemError(409, "no_design", "No design yet", "Design the neighbourhoods first.")
    if study.status == "running":
        raise ProblemError(409, "running", "Scenarios are running", "Wait for the run to finish.")
    try:
        moved = move_lsoa(study.design, lsoa, to)
    except DesignError as exc:
        raise _problem("body.lsoa", str(exc)) from exc
    with study.lock:
        study.previous_balance = study.design.balance()
        study.design = moved
        study.comparison, study.status = None, "new"
    return moved


def start_run(study: Study, settings: ScenarioSettings, executor: str | None = None) -> threading.Thread:
    if study.design is None:
        raise ProblemError(409, "no_design", "No design yet", "Design the neighbourhoods first.")
    with study.lock:
        if study.status == "running":
            raise ProblemError(409, "running", "Already running", "The scenarios are already running.")
        study.status, study.progress, study.error, study.settings = "running", (0, 0), None, settings
    design_ = study.design

    def work() -> None:
        def progress(done: int, total: int) -> None:
            study.progress = (done, total)

        try:
            result = compare(study.area, study.demand, design_, settings=settings, on_done=progress, executor=executor)
        except Exception as exc:
            log.error("neighbourhood_run_failed", study_id=study.id, error_type=type(exc).__name__)
            study.status, study.error = "failed", f"The run failed ({type(exc).__name__})."
        else:
            study.comparison, study.status = result, "done"

    thread = threading.Thread(target=work, name=f"neighbourhoods-{study.id[:8]}", daemon=True)
    thread.start()
    return thread


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
    if study.comparison is not None:
        out["comparison"] = {s: {k: round(v, 4) for k, v in row.items()} for s, row in study.comparison.table.items()}
        out["headline"] = study.comparison.headline()
        out["partial"] = study.comparison.run.partial
    return out
