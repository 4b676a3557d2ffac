"""What a study shows: its summary (the API's answer and the page's figures), the comparison as
CSV, the map and the comparison chart."""

from __future__ import annotations

from typing import cast

from sqlalchemy.orm import Session

from joinedup.core.auth.principal import Principal
from joinedup.core.errors import ProblemError
from joinedup.domains.neighbourhoods.report import plot_comparison, plot_map, to_csv
from joinedup.domains.neighbourhoods.schemas import Balance, DesignOut, Headline, Progress, StudyOut, StudyStatus
from joinedup.domains.neighbourhoods.service.store import Study, StudyStore


def summary(study: Study) -> StudyOut:
    design = None
    if study.design is not None:
        design = DesignOut(
            balance=Balance.model_validate(study.design.balance()),
            assignment=study.design.assignment,
            previous_balance=Balance.model_validate(study.previous_balance) if study.previous_balance else None,
        )
    done = study.table is not None
    return StudyOut(
        id=study.id,
        area=study.area.name,
        recipients=len(study.demand.people),
        visits_per_day=study.demand.visits,
        synthetic=study.demand.synthetic,
        seed=study.demand.seed,
        status=cast(StudyStatus, study.status),  # the row's status column holds only these
        progress=Progress(done=study.progress[0], total=study.progress[1]),
        error=study.error,
        design=design,
        comparison={s: {k: round(v, 4) for k, v in row.items()} for s, row in study.table.items()}
        if study.table is not None
        else None,
        headline=Headline.model_validate(study.headline) if done and study.headline is not None else None,
        partial=study.partial if done else None,
    )


def comparison_csv(session: Session, *, store: StudyStore, actor: Principal, study_id: str) -> str:
    """The comparison (and the design's balance) as CSV; 409 before a run has finished."""
    study = store.get(session, actor, study_id)
    if study.table is None:
        raise ProblemError(409, "no_run", "No comparison yet", "Run the scenarios first.")
    return to_csv(study.table, study.design)


def map_svg(session: Session, *, store: StudyStore, actor: Principal, study_id: str) -> bytes:
    study = store.get(session, actor, study_id)
    if study.design is None:
        raise ProblemError(404, "not_found", "No design yet", "Design the neighbourhoods first.")
    return plot_map(study.design, study.area)


def comparison_svg(session: Session, *, store: StudyStore, actor: Principal, study_id: str) -> bytes:
    study = store.get(session, actor, study_id)
    if study.table is None:
        raise ProblemError(404, "not_found", "No comparison yet", "Run the scenarios first.")
    return plot_comparison(study.table)
