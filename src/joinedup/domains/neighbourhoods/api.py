"""JSON API: make a study (generate demand or upload an extract), design neighbourhoods, move an
LSOA, run the scenarios, read the study and its comparison."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from joinedup.core.auth.principal import Principal
from joinedup.core.deps import DbSession, StateDep
from joinedup.core.errors import PROBLEM_RESPONSES, FieldError, ProblemError
from joinedup.core.uploads import csv_request_body, read_csv_body

from . import permissions, service
from .engine.demand import MAX_UPLOAD_BYTES, MAX_VISIT_ROWS
from .schemas import DesignIn, MoveIn, RunIn, StudyIn, StudyOut, UploadCheck

router = APIRouter(tags=["neighbourhoods"], responses=PROBLEM_RESPONSES)
Runner = Annotated[Principal, Depends(permissions.can_run_studies)]
Reader = Annotated[Principal, Depends(permissions.can_read_studies)]
CSV_COLUMNS = (
    "One row per daily visit: person_id, postcode, slot, earliest, latest, duration_min, carers, time_critical"
)


def study_store(request: Request) -> service.StudyStore:
    """The app's cache of rebuilt studies (each server keeps its own)."""
    found: service.StudyStore = request.app.state.neighbourhood_studies
    return found


Studies = Annotated[service.StudyStore, Depends(study_store)]


def _location(response: Response, study: service.Study) -> StudyOut:
    response.headers["Location"] = f"/api/v1/neighbourhoods/studies/{study.id}"
    return service.summary(study)


@router.post("/neighbourhoods/studies", status_code=status.HTTP_201_CREATED, response_model=StudyOut)
def create_study(actor: Runner, body: StudyIn, response: Response, session: DbSession) -> StudyOut:
    """A study on synthetic demand (seeded) for the whole area or some localities."""
    study = service.create_study(
        session, actor=actor, localities=body.localities, recipients=body.recipients, seed=body.seed
    )
    return _location(response, study)


@router.post(
    "/neighbourhoods/demand.csv",
    status_code=status.HTTP_201_CREATED,
    response_model=StudyOut,
    openapi_extra=csv_request_body(CSV_COLUMNS),
    responses={200: {"model": UploadCheck, "description": "Dry run: every bad row by row number and field"}},
)
async def upload_study(
    actor: Runner,
    request: Request,
    response: Response,
    session: DbSession,
    locality: Annotated[list[Annotated[str, Field(max_length=40)]], Query(max_length=10)] = [],  # noqa: B006
    dry_run: Annotated[bool, Query(description="Check every row and report errors; store nothing")] = False,
) -> StudyOut | Response:
    """A study on a council's demand extract (CSV, one row per daily visit; at most 2 MiB and
    20,000 rows, 5,000 care recipients, 8 visits a person a day). Every row is checked first: a
    dry run reports each bad row by row number and field (200); otherwise a bad row stores
    nothing (422, ``row.<n>.<field>``), and good demand makes a study (201)."""
    text = await read_csv_body(request, max_bytes=MAX_UPLOAD_BYTES, max_rows=MAX_VISIT_ROWS, required=True)
    try:
        # Checking every row is work for a worker thread, not the event loop every request shares.
        if dry_run:
            checked = await run_in_threadpool(service.check_upload, localities=locality, text=text)
            return JSONResponse(checked.model_dump(mode="json"), status_code=status.HTTP_200_OK)
        study = await run_in_threadpool(service.upload_study, session, actor=actor, localities=locality, text=text)
    except service.UploadRejected as exc:
        raise ProblemError(
            422,
            "validation",
            "Invalid demand file",
            exc.detail,
            errors=[FieldError(field=f"row.{e.row}.{e.field}", message=e.message, code="invalid") for e in exc.errors],
        ) from None
    return _location(response, study)


@router.get("/neighbourhoods/studies/{study_id}", response_model=StudyOut)
def get_study(actor: Reader, study_id: str, studies: Studies, session: DbSession) -> StudyOut:
    return service.summary(service.get_study(session, store=studies, actor=actor, study_id=study_id))


@router.post("/neighbourhoods/studies/{study_id}/design", status_code=status.HTTP_202_ACCEPTED, response_model=StudyOut)
def design_study(
    actor: Runner, study_id: str, body: DesignIn, studies: Studies, state: StateDep, session: DbSession
) -> StudyOut:
    """Design the neighbourhoods in the background; poll the study until its status is no
    longer ``designing``. A target no design can meet is refused at once (422, ``body.target``)."""
    study = service.design_study(
        session,
        store=studies,
        actor=actor,
        study_id=study_id,
        target=body.target,
        measure=body.measure,
        within_localities=body.within_localities,
        seed=body.seed,
        factory=state.session_factory,
    )
    return service.summary(study)


@router.post("/neighbourhoods/studies/{study_id}/moves", response_model=StudyOut)
def move_lsoa(actor: Runner, study_id: str, body: MoveIn, studies: Studies, session: DbSession) -> StudyOut:
    """Move one LSOA to a touching neighbourhood; the answer shows the balance before and after."""
    study = service.move_lsoa(session, store=studies, actor=actor, study_id=study_id, lsoa=body.lsoa, to=body.to)
    return service.summary(study)


@router.post("/neighbourhoods/studies/{study_id}/runs", status_code=status.HTTP_202_ACCEPTED, response_model=StudyOut)
def run_study(
    actor: Runner, study_id: str, body: RunIn, studies: Studies, state: StateDep, session: DbSession
) -> StudyOut:
    """Roster the three scenarios in the background; poll the study until its status is done."""
    study = service.start_run(
        session,
        store=studies,
        actor=actor,
        study_id=study_id,
        providers=body.providers,
        seconds_per_100_visits=body.seconds_per_100_visits,
        days=body.days,
        seed=body.seed,
        factory=state.session_factory,
    )
    return service.summary(study)


@router.get(
    "/neighbourhoods/studies/{study_id}/comparison.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "The comparison"}},
)
def comparison_csv(actor: Reader, study_id: str, studies: Studies, session: DbSession) -> Response:
    body = service.comparison_csv(session, store=studies, actor=actor, study_id=study_id)
    return Response(
        body,
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="neighbourhoods-{study_id[:8]}.csv"'},
    )
