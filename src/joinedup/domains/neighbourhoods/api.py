"""JSON API: make a study (generate demand), design neighbourhoods, move an LSOA, run the scenarios."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from joinedup.core.auth.principal import Principal
from joinedup.core.deps import DbSession
from joinedup.core.errors import PROBLEM_RESPONSES, FieldError, ProblemError, invalid

from . import permissions, studies
from .report import to_csv
from .scenarios import ScenarioSettings

router = APIRouter(tags=["neighbourhoods"], responses=PROBLEM_RESPONSES)
Runner = Annotated[Principal, Depends(permissions.can_run_studies)]
Reader = Annotated[Principal, Depends(permissions.can_read_studies)]
StudyId = Annotated[str, Field(max_length=64)]
MAX_CSV_BYTES = 5 * 1024 * 1024
CSV_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "text/csv": {
                "schema": {
                    "type": "string",
                    "description": "One row per daily visit: person_id, postcode, slot, earliest, latest, "
                    "duration_min, carers, time_critical",
                }
            }
        },
    }
}


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)  # a JSON false is not a seed of 0


class StudyIn(_In):
    localities: list[Annotated[str, Field(max_length=40)]] = Field(default_factory=list, max_length=10)
    recipients: int = Field(default=2000, ge=1, le=5000)
    seed: int = Field(default=1, ge=0, le=2**31 - 1)


class DesignIn(_In):
    target: float = Field(default=200, ge=5, le=5000)
    measure: Literal["recipients", "care_hours"] = "recipients"
    within_localities: bool = False
    seed: int = Field(default=1, ge=0, le=2**31 - 1)


class MoveIn(_In):
    lsoa: str = Field(max_length=12)
    to: int = Field(ge=1, le=1000)


class RunIn(_In):
    providers: int = Field(default=20, ge=1, le=200)
    seconds_per_100_visits: float = Field(default=0.6, ge=0.05, le=10)
    days: int = Field(default=7, ge=1, le=7)
    seed: int = Field(default=1, ge=0, le=2**31 - 1)


def store(request: Request) -> studies.StudyStore:
    found: studies.StudyStore = request.app.state.neighbourhood_studies
    return found


@router.post("/neighbourhoods/studies", status_code=status.HTTP_201_CREATED)
def create_study(
    actor: Runner, body: StudyIn, request: Request, response: Response, session: DbSession
) -> dict[str, Any]:
    """A study on synthetic demand (seeded) for the whole area or some localities."""
    study = studies.new_generated(session, actor, body.localities, body.recipients, body.seed)
    response.headers["Location"] = f"/api/v1/neighbourhoods/studies/{study.id}"
    return studies.summary(study)


@router.post(
    "/neighbourhoods/demand.csv",
    status_code=status.HTTP_201_CREATED,
    openapi_extra=CSV_BODY,
    responses={200: {"description": "Dry run: every bad row by row number and field; nothing stored"}},
)
async def upload_study(
    actor: Runner,
    request: Request,
    response: Response,
    session: DbSession,
    locality: Annotated[list[Annotated[str, Field(max_length=40)]], Query(max_length=10)] = [],  # noqa: B006
    dry_run: Annotated[bool, Query(description="Check every row and report errors; store nothing")] = False,
) -> dict[str, Any]:
    """A study on a council's demand extract (CSV, one row per daily visit). Every row is checked
    first: a dry run reports each bad row by row number and field (200); otherwise a bad row
    stores nothing (422, ``row.<n>.<field>``), and good demand makes a study (201)."""
    raw = await request.body()
    if not raw.strip():
        raise invalid("body", "send the CSV extract as the request body", "missing")
    if len(raw) > MAX_CSV_BYTES:
        raise invalid("body", f"at most {MAX_CSV_BYTES // (1024 * 1024)} MiB per upload", "too_long")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise invalid("body", "the file is not UTF-8 text", "encoding") from None
    if "\x00" in text:
        raise invalid("body", "the file contains a NUL character", "encoding")
    try:
        if dry_run:
            response.status_code = status.HTTP_200_OK
            return studies.check_upload(locality, text)
        study = studies.new_uploaded(session, actor, locality, text)
    except studies.UploadRejected as exc:
        raise ProblemError(
            422,
            "validation",
            "Invalid demand file",
            f"{len(exc.errors)} row error(s); nothing was stored.",
            errors=[
                FieldError(field=f"row.{e['row']}.{e['field']}", message=e["message"], code="invalid")
                for e in exc.errors
            ],
        ) from None
    response.headers["Location"] = f"/api/v1/neighbourhoods/studies/{study.id}"
    return studies.summary(study)


@router.get("/neighbourhoods/studies/{study_id}")
def get_study(actor: Reader, study_id: str, request: Request, session: DbSession) -> dict[str, Any]:
    return studies.summary(store(request).get(session, actor, study_id))


@router.post("/neighbourhoods/studies/{study_id}/design")
def design_study(actor: Runner, study_id: str, body: DesignIn, request: Request, session: DbSession) -> dict[str, Any]:
    study = store(request).get(session, actor, study_id)
    studies.design(session, actor, study, body.target, body.measure, body.within_localities, body.seed)
    return studies.summary(study)


@router.post("/neighbourhoods/studies/{study_id}/moves")
def move_lsoa(actor: Runner, study_id: str, body: MoveIn, request: Request, session: DbSession) -> dict[str, Any]:
    """Move one LSOA to a touching neighbourhood; the answer shows the balance before and after."""
    study = store(request).get(session, actor, study_id)
    studies.move(session, actor, study, body.lsoa, body.to)
    return studies.summary(study)


@router.post("/neighbourhoods/studies/{study_id}/runs", status_code=status.HTTP_202_ACCEPTED)
def run_study(actor: Runner, study_id: str, body: RunIn, request: Request, session: DbSession) -> dict[str, Any]:
    """Roster the three scenarios in the background; poll the study until its status is done."""
    study = store(request).get(session, actor, study_id)
    settings = ScenarioSettings(
        providers=body.providers, seconds_per_100_visits=body.seconds_per_100_visits, days=body.days, seed=body.seed
    )
    state = request.app.state.joinedup
    studies.start_run(session, actor, study, settings, state.session_factory, state.bus)
    return studies.summary(study)


@router.get("/neighbourhoods/studies/{study_id}/comparison.csv", response_class=Response)
def comparison_csv(actor: Reader, study_id: str, request: Request, session: DbSession) -> Response:
    study = store(request).get(session, actor, study_id)
    if study.table is None:
        raise ProblemError(409, "no_run", "No comparison yet", "Run the scenarios first.")
    return Response(
        to_csv(study.table, study.design),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="neighbourhoods-{study.id[:8]}.csv"'},
    )
