"""Running a study's three scenarios in the background, and recording how the run ended.

The run is recorded (and audited) in the request's transaction; its thread starts only once that
transaction has committed. The thread reports progress as each group finishes and stores the
results, audits and announces the end in one transaction of its own; the outbox relay runs after
that commit from the application's session factory (``core.changes``), not from here.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from joinedup.core.auth.principal import Principal
from joinedup.core.changes import after_commit, record_change
from joinedup.core.clock import utcnow
from joinedup.core.errors import ProblemError
from joinedup.db.tenancy import Scope
from joinedup.domains.neighbourhoods.engine.pipeline import compare
from joinedup.domains.neighbourhoods.engine.scenarios import ScenarioSettings
from joinedup.domains.neighbourhoods.models import NeighbourhoodRun, NeighbourhoodStudy
from joinedup.domains.neighbourhoods.road_times import calibrated_travel
from joinedup.domains.neighbourhoods.service.store import Study, StudyStore, study_row
from joinedup.domains.neighbourhoods.service.studies import RECORD, record, running
from joinedup.logs import get_logger

log = get_logger(__name__)


def start_run(
    session: Session,
    *,
    store: StudyStore,
    actor: Principal,
    study_id: str,
    providers: int,
    seconds_per_100_visits: float,
    days: int,
    seed: int,
    factory: sessionmaker[Session],
    executor: str | None = None,
) -> Study:
    """Record the run and start it in the background once this transaction has committed.

    ``factory`` is the application's session factory: the thread's sessions come from it, so its
    events are relayed after each commit."""
    study = store.get(session, actor, study_id)
    if study.design is None or study.design_spec is None:
        raise ProblemError(409, "no_design", "No design yet", "Design the neighbourhoods first.")
    if study.status == "running":
        raise running("The scenarios are already running.", "Already running")
    if study.status == "designing":
        raise running("The neighbourhoods are being designed; run the scenarios once the design is done.")
    settings = ScenarioSettings(
        providers=providers, seconds_per_100_visits=seconds_per_100_visits, days=days, seed=seed
    )
    row = study_row(session, study.id)
    spec = {"providers": providers, "seconds_per_100_visits": seconds_per_100_visits, "days": days, "seed": seed}
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
    record(session, actor=actor, action="run_started", row=row, detail={"run_id": run.id, **spec})
    study.status, study.progress, study.error, study.settings = "running", (0, 0), None, spec
    study.forget_results()
    job = _Job(factory, study, run.id, settings, executor)
    after_commit(session, job.launch)
    return study


class _Job:
    """One run in a thread of its own: roster, report progress, store the results."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        study: Study,
        run_id: str,
        settings: ScenarioSettings,
        executor: str | None,
    ) -> None:
        assert study.design is not None
        self.factory, self.study_id, self.run_id = factory, study.id, run_id
        self.area, self.demand, self.design = study.area, study.demand, study.design
        self.settings, self.executor = settings, executor

    def launch(self) -> None:
        threading.Thread(target=self.work, name=f"neighbourhoods-{self.study_id[:8]}", daemon=True).start()

    def progress(self, done: int, total: int) -> None:
        with self.factory() as s:
            s.info["scope"] = Scope.system("neighbourhood run progress")
            found = s.get(NeighbourhoodRun, self.run_id)
            if found is not None:
                found.done, found.total = done, total
                s.commit()

    def work(self) -> None:
        results: dict[str, Any] | None = None
        error: str | None = None
        try:
            result = compare(
                self.area,
                self.demand,
                self.design,
                calibrated_travel(),
                self.settings,
                on_done=self.progress,
                executor=self.executor,
            )
            results = {
                "table": result.table,
                "headline": result.headline(),
                "failures": result.run.failures,
                "partial": result.run.partial,
            }
        except Exception as exc:
            log.error("neighbourhood_run_failed", study_id=self.study_id, error_type=type(exc).__name__)
            error = f"The run failed ({type(exc).__name__})."
        finish_run(self.factory, run_id=self.run_id, results=results, error=error)


def finish_run(
    factory: sessionmaker[Session], *, run_id: str, results: dict[str, Any] | None, error: str | None
) -> None:
    """Store a run's results, mark the study, and audit and announce the end, in one transaction."""
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
        ended = {"run_id": run_id, "status": status, "partial": bool(results and results["partial"])}
        record_change(
            session,
            actor=None,  # the run's own thread: a system change
            action="neighbourhoods.run_finished",
            topic="neighbourhoods.run_finished",
            record_type=RECORD,
            record_id=run.study_id,
            organisation_id=run.organisation_id,
            system_id=study.system_id if study is not None else None,
            detail=ended,
            payload=ended,
        )
        session.commit()
