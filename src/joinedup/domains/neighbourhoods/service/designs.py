"""Designing a study's neighbourhoods in the background.

Regionalising a whole area takes seconds (the first design in a process, longer), too long to
hold a request, its worker thread and its database connection. The request checks what can be
checked at once (the study's state, and the target against the LSOAs' sizes: quick, and the
only way a design is refused), marks the study `designing` and audits the request; once that
has committed, a thread designs and stores the result, auditing and announcing its end in one
transaction of its own. The study's page and the API show the state (progress 0 of 1, then 1 of
1) until it is done; a design whose server stopped is shown failed after `STALE_DESIGN`.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from joinedup.core.auth.principal import Principal
from joinedup.core.changes import after_commit, record_change
from joinedup.core.clock import utcnow
from joinedup.db.tenancy import Scope
from joinedup.domains.neighbourhoods.engine.adjacency import Barriers
from joinedup.domains.neighbourhoods.engine.area import Area
from joinedup.domains.neighbourhoods.engine.demand import Demand
from joinedup.domains.neighbourhoods.engine.design import DesignError, check_design, design_neighbourhoods
from joinedup.domains.neighbourhoods.models import NeighbourhoodStudy
from joinedup.domains.neighbourhoods.service.store import Study, StudyStore, design_spec, study_row
from joinedup.domains.neighbourhoods.service.studies import RECORD, invalid_input, record, running
from joinedup.logs import get_logger

log = get_logger(__name__)


def design_study(
    session: Session,
    *,
    store: StudyStore,
    actor: Principal,
    study_id: str,
    target: float,
    measure: str,
    within_localities: bool,
    seed: int,
    factory: sessionmaker[Session],
) -> Study:
    """Check the request, mark the study `designing` and design it in the background once this
    transaction has committed (`factory`: the app's session factory, for the thread's session)."""
    study = store.get(session, actor, study_id)
    if study.status == "running":
        raise running("Wait for the run to finish before redesigning.")
    if study.status == "designing":
        raise running("The neighbourhoods are being designed; wait for the design.", "Already designing")
    barriers = Barriers(localities=True) if within_localities else None
    try:
        check_design(study.area, study.demand, target, measure=measure, barriers=barriers)
    except DesignError as exc:
        raise invalid_input("body.target", str(exc)) from exc
    row = study_row(session, study.id)
    row.status, row.latest_run_id, row.updated_at = "designing", None, utcnow()
    spec = {"target": target, "measure": measure, "within_localities": within_localities, "seed": seed}
    record(session, actor=actor, action="design_started", row=row, detail=spec)
    study.status, study.progress, study.error = "designing", (0, 1), None
    study.forget_results()
    job = _DesignJob(factory, study.id, study.area, study.demand, spec)
    after_commit(session, job.launch)
    return study


class _DesignJob:
    def __init__(
        self, factory: sessionmaker[Session], study_id: str, area: Area, demand: Demand, spec: dict[str, Any]
    ) -> None:
        self.factory, self.study_id, self.area, self.demand, self.spec = factory, study_id, area, demand, spec

    def launch(self) -> None:
        threading.Thread(target=self.work, name=f"neighbourhoods-design-{self.study_id[:8]}", daemon=True).start()

    def work(self) -> None:
        spec = self.spec
        designed: dict[str, Any] | None = None
        try:
            made = design_neighbourhoods(
                self.area,
                self.demand,
                spec["target"],
                measure=spec["measure"],
                barriers=Barriers(localities=True) if spec["within_localities"] else None,
                seed=spec["seed"],
            )
            designed = design_spec(made, spec["within_localities"], spec["seed"])
        except Exception as exc:
            log.error("neighbourhood_design_failed", study_id=self.study_id, error_type=type(exc).__name__)
        finish_design(self.factory, study_id=self.study_id, design=designed)


def finish_design(factory: sessionmaker[Session], *, study_id: str, design: dict[str, Any] | None) -> None:
    """Store a design (None: it failed) and audit and announce the end, in one transaction. A
    study no longer `designing` (designed again meanwhile, by another server) is left alone."""
    with factory() as session:
        session.info["scope"] = Scope.system("neighbourhood design finished")
        row = session.get(NeighbourhoodStudy, study_id)
        if row is None or row.status != "designing":
            return
        if design is not None:
            row.design, row.previous_balance, row.status = design, None, "new"
        else:
            row.status = "failed"  # with no run: the design failed (see store.Study.error)
        row.updated_at = utcnow()
        ended: dict[str, Any] = {"status": "done" if design is not None else "failed"}
        if design is not None:
            ended["neighbourhoods"] = len(set(design["assignment"].values()))
        record_change(
            session,
            actor=None,  # the design's own thread: a system change
            action="neighbourhoods.designed",
            topic="neighbourhoods.designed",
            record_type=RECORD,
            record_id=row.id,
            organisation_id=row.organisation_id,
            system_id=row.system_id,
            detail=ended,
            payload=ended,
        )
        session.commit()
