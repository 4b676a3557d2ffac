"""Pages for the commissioner: demand (generate or upload), design, run the scenarios, compare."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from joinedup.core.auth.principal import Principal
from joinedup.core.deps import DbSession, StateDep
from joinedup.core.errors import ProblemError
from joinedup.core.uploads import read_csv_upload
from joinedup.web.forms import FormState, FormStates
from joinedup.web.posted import read_form
from joinedup.web.render import page

from . import permissions, service
from .api import Studies
from .engine.demand import MAX_UPLOAD_BYTES, MAX_VISIT_ROWS
from .engine.scenarios import SCENARIOS
from .page_forms import DESIGN_FORM, GENERATE_FORM, LOCALITIES, MOVE_FORM, RUN_FORM, UPLOAD_FORM, number, numbers
from .report import COLUMNS, design_rows
from .schemas import DesignIn, MoveIn, RunIn, StudyIn

router = APIRouter(include_in_schema=False)
Runner = Annotated[Principal, Depends(permissions.can_run_studies)]
Reader = Annotated[Principal, Depends(permissions.can_read_studies)]
UPLOAD_FORM_ROOM = 64 * 1024  # the upload form's other fields and the multipart framing
LISTED_ROWS = 50  # the bad rows an error summary lists (the file's message counts them all)
STAGES = {
    "designing": "Designing",
    "new": "Designed",
    "running": "Running the scenarios",
    "done": "Scenarios compared",
    "failed": "Run failed",
}


def _start(request: Request, actor: Principal, session: DbSession, posted: FormState | None = None) -> Response:
    posted = posted or FormState()
    return page(
        request,
        "neighbourhoods/start.jinja",
        {
            "title": "Neighbourhood homecare",
            "localities": [(name, name) for name in LOCALITIES],
            "fs": posted,
            "forms": FormStates.of(posted),
            "studies": service.list_studies(session, actor=actor),
            "stages": STAGES,
        },
        actor=actor,
        status_code=422 if posted.failed else 200,
    )


@router.get("/neighbourhoods", response_class=HTMLResponse)
def start(request: Request, actor: Runner, session: DbSession) -> Response:
    return _start(request, actor, session)


@router.post("/neighbourhoods/generate")
async def generate(request: Request, actor: Runner, session: DbSession) -> Response:
    posted, study = GENERATE_FORM.submit(
        session,
        await read_form(request),
        StudyIn,
        lambda data: service.create_study(
            session, actor=actor, localities=data.localities, recipients=data.recipients, seed=data.seed
        ),
        shape=lambda data: {
            "localities": data["locality"],
            "recipients": number(data["recipients"]),
            "seed": number(data["seed"]),
        },
    )
    if study is None:
        return _start(request, actor, session, posted)
    return RedirectResponse(f"/neighbourhoods/{study.id}", status_code=303)


@router.post("/neighbourhoods/upload")
async def upload(request: Request, actor: Runner, session: DbSession) -> Response:
    # Its size limited (the file's own limit, and room for the form around it) and its CSRF token checked.
    answers = await read_form(request, files=True, max_bytes=MAX_UPLOAD_BYTES + UPLOAD_FORM_ROOM)
    _, posted = UPLOAD_FORM.read(answers)
    file = UPLOAD_FORM.fields["file"]
    try:
        text = await read_csv_upload(
            (await request.form()).get("file"), max_bytes=MAX_UPLOAD_BYTES, max_rows=MAX_VISIT_ROWS
        )
        if posted.failed:
            return _start(request, actor, session, posted)
        # Checking every row is work for a worker thread, not the event loop every request shares.
        study = await run_in_threadpool(service.upload_study, session, actor=actor, localities=[], text=text)
    except service.UploadRejected as exc:
        posted.general.extend(f"{e.record}, {e.field}: {e.message}" for e in exc.errors[:LISTED_ROWS])
        posted.add("file", f"The file cannot be used: {exc.detail}", UPLOAD_FORM.anchor(file))
        return _start(request, actor, session, posted)
    except ProblemError as exc:
        if exc.status not in (413, 422):
            raise
        messages = [e.message for e in exc.errors if e.field.split(".")[-1] == "file"]
        if messages:
            posted.add("file", f"The file cannot be used: {messages[0]}", UPLOAD_FORM.anchor(file))
        else:
            UPLOAD_FORM.refuse(posted, exc)
        return _start(request, actor, session, posted)
    return RedirectResponse(f"/neighbourhoods/{study.id}", status_code=303)


def _study_page(
    request: Request,
    actor: Principal,
    study: service.Study,
    posted: FormState | None = None,
    template: str = "neighbourhoods/study.jinja",
) -> Response:
    posted = posted or FormState()
    table = study.table
    rows = []
    if table:
        rows = [(label, [fmt.format(table[s][key]) for s in table]) for key, label, fmt in COLUMNS]
    return page(
        request,
        template,
        {
            "title": f"Neighbourhood study: {study.area.name}",
            "study": study,
            "summary": service.summary(study),
            "design_rows": design_rows(study.design, study.area) if study.design else [],
            "lsoas": sorted((c, lsoa.name) for c, lsoa in study.area.lsoas.items()),
            "scenario_names": [SCENARIOS[s] for s in table] if table else [],
            "rows": rows,
            "headline": study.headline,
            "fs": posted,
            "forms": FormStates.of(posted),
            "refresh": study.status in ("running", "designing"),
        },
        actor=actor,
        status_code=422 if posted.failed else 200,
    )


@router.get("/neighbourhoods/{study_id}", response_class=HTMLResponse)
def study_page(request: Request, actor: Reader, study_id: str, studies: Studies, session: DbSession) -> Response:
    return _study_page(request, actor, service.get_study(session, store=studies, actor=actor, study_id=study_id))


@router.get("/neighbourhoods/{study_id}/print", response_class=HTMLResponse)
def printable(request: Request, actor: Reader, study_id: str, studies: Studies, session: DbSession) -> Response:
    study = service.get_study(session, store=studies, actor=actor, study_id=study_id)
    return _study_page(request, actor, study, template="neighbourhoods/print.jinja")


def _refused(
    request: Request, actor: Principal, studies: service.StudyStore, session: DbSession, study_id: str, fs: FormState
) -> Response:
    """The study page again, with what was typed and what was wrong."""
    study = service.get_study(session, store=studies, actor=actor, study_id=study_id)
    return _study_page(request, actor, study, fs)


@router.post("/neighbourhoods/{study_id}/design")
async def design(
    request: Request, actor: Runner, study_id: str, studies: Studies, state: StateDep, session: DbSession
) -> Response:
    posted, study = DESIGN_FORM.submit(
        session,
        await read_form(request),
        DesignIn,
        lambda data: service.design_study(
            session,
            store=studies,
            actor=actor,
            study_id=study_id,
            target=data.target,
            measure=data.measure,
            within_localities=data.within_localities,
            seed=1,
            factory=state.session_factory,
        ),
        shape=lambda data: numbers(data, "target"),
    )
    if study is None:
        return _refused(request, actor, studies, session, study_id, posted)
    return RedirectResponse(f"/neighbourhoods/{study_id}#design", status_code=303)


@router.post("/neighbourhoods/{study_id}/move")
async def move(request: Request, actor: Runner, study_id: str, studies: Studies, session: DbSession) -> Response:
    posted, study = MOVE_FORM.submit(
        session,
        await read_form(request),
        MoveIn,
        lambda data: service.move_lsoa(
            session, store=studies, actor=actor, study_id=study_id, lsoa=data.lsoa, to=data.to
        ),
        shape=lambda data: numbers(data, "to"),
    )
    if study is None:
        return _refused(request, actor, studies, session, study_id, posted)
    return RedirectResponse(f"/neighbourhoods/{study_id}#design", status_code=303)


@router.post("/neighbourhoods/{study_id}/run")
async def run(
    request: Request, actor: Runner, study_id: str, studies: Studies, state: StateDep, session: DbSession
) -> Response:
    posted, study = RUN_FORM.submit(
        session,
        await read_form(request),
        RunIn,
        lambda data: service.start_run(
            session,
            store=studies,
            actor=actor,
            study_id=study_id,
            providers=data.providers,
            seconds_per_100_visits=data.seconds_per_100_visits,
            days=data.days,
            seed=1,
            factory=state.session_factory,
        ),
        shape=lambda data: numbers(data, "providers", "days", "seconds_per_100_visits"),
    )
    if study is None:
        return _refused(request, actor, studies, session, study_id, posted)
    return RedirectResponse(f"/neighbourhoods/{study_id}#run", status_code=303)


def _svg(body: bytes) -> Response:
    return Response(body, media_type="image/svg+xml", headers={"Cache-Control": "no-store"})


@router.get("/neighbourhoods/{study_id}/map.svg")
def map_svg(request: Request, actor: Reader, study_id: str, studies: Studies, session: DbSession) -> Response:
    return _svg(service.map_svg(session, store=studies, actor=actor, study_id=study_id))


@router.get("/neighbourhoods/{study_id}/comparison.svg")
def comparison_svg(request: Request, actor: Reader, study_id: str, studies: Studies, session: DbSession) -> Response:
    return _svg(service.comparison_svg(session, store=studies, actor=actor, study_id=study_id))
