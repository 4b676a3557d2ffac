"""JSON API: rostering solves as background jobs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from joinedup.core.auth.principal import Principal
from joinedup.core.deps import DbSession, after_commit
from joinedup.core.errors import PROBLEM_RESPONSES
from joinedup.domains.homecare import permissions, service
from joinedup.domains.homecare.schemas import RosterJobIn, RosterJobOut, RosterJobPage

router = APIRouter(tags=["rostering"], responses=PROBLEM_RESPONSES)
Runner = Annotated[Principal, Depends(permissions.can_run_rosters)]
Reader = Annotated[Principal, Depends(permissions.can_read_rosters)]


@router.post("/rostering/jobs", response_model=RosterJobOut, status_code=status.HTTP_202_ACCEPTED)
def submit_job(
    actor: Runner, session: DbSession, body: RosterJobIn, request: Request, response: Response
) -> RosterJobOut:
    """Queue a solve; poll the job (or listen for roster_job.* events) until it has succeeded or failed."""
    job = service.submit_job(session, actor=actor, data=body)
    runner = request.app.state.roster_runner
    after_commit(session, lambda: runner.submit(job.id))  # the runner reads the committed job
    response.headers["Location"] = f"/api/v1/rostering/jobs/{job.id}"
    return RosterJobOut.model_validate(job)


@router.get("/rostering/jobs", response_model=RosterJobPage)
def list_jobs(
    actor: Reader,
    session: DbSession,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> RosterJobPage:
    rows, next_cursor = service.list_jobs(session, actor=actor, cursor=cursor, limit=limit)
    return RosterJobPage(items=[RosterJobOut.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.get("/rostering/jobs/{job_id}", response_model=RosterJobOut)
def get_job(actor: Reader, session: DbSession, job_id: str) -> RosterJobOut:
    return RosterJobOut.model_validate(service.get_job(session, actor=actor, job_id=job_id))
