"""Pages for the commissioner: demand (generate or upload), design, run the scenarios, compare."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from joinedup.core.auth.principal import Principal
from joinedup.core.deps import DbSession, StateDep
from joinedup.core.errors import ProblemError
from joinedup.core.uploads import read_csv_upload
from joinedup.web.render import check_csrf, page

from . import permissions, service
from .api import Studies
from .engine.demand import MAX_UPLOAD_BYTES, MAX_VISIT_ROWS
from .engine.scenarios import SCENARIOS
from .report import COLUMNS, design_rows

router = APIRouter(include_in_schema=False)
Runner = Annotated[Principal, Depends(permissions.can_run_studies)]
Reader = Annotated[Principal, Depends(permissions.can_read_studies)]
LOCALITIES = ["Central", "North", "South", "West"]
# What each number on the forms is called on the page (the form's field names are not words).
FIELD_LABELS = {
    "recipients": "Care recipients to generate",
    "seed": "Seed",
    "target": "Target size",
    "to": "To neighbourhood",
    "providers": "Framework providers",
    "seconds_per_100_visits": "Search seconds per 100 visits",
    "days": "Days in the measured week",
}
STAGES = {
    "designing": "Designing",
    "new": "Designed",
    "running": "Running the scenarios",
    "done": "Scenarios compared",
    "failed": "Run failed",
}


def _number(form: Any, name: str, default: float, low: float, high: float) -> float:
    raw = str(form.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ProblemError(422, "validation", "Invalid input", f"{FIELD_LABELS[name]} must be a number") from exc
    if not low <= value <= high:
        raise ProblemError(
            422, "validation", "Invalid input", f"{FIELD_LABELS[name]} must be between {low:g} and {high:g}"
        )
    return value


def _start(
    request: Request,
    actor: Principal,
    session: DbSession,
    errors: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    return page(
        request,
        "neighbourhoods/start.jinja",
        {
            "title": "Neighbourhood homecare",
            "localities": LOCALITIES,
            "errors": errors or [],
            "studies": service.list_studies(session, actor=actor),
            "stages": STAGES,
        },
        actor=actor,
        status_code=status_code,
    )


@router.get("/neighbourhoods", response_class=HTMLResponse)
def start(request: Request, actor: Runner, session: DbSession) -> Response:
    return _start(request, actor, session)


@router.post("/neighbourhoods/generate")
async def generate(request: Request, actor: Runner, session: DbSession) -> Response:
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    try:
        recipients = int(_number(form, "recipients", 2000, 1, 5000))
        seed = int(_number(form, "seed", 1, 0, 2**31 - 1))
        study = service.create_study(
            session,
            actor=actor,
            localities=[str(v) for v in form.getlist("locality")],
            recipients=recipients,
            seed=seed,
        )
    except ProblemError as exc:
        return _start(request, actor, session, [exc.detail or exc.title], 422)
    return RedirectResponse(f"/neighbourhoods/{study.id}", status_code=303)


@router.post("/neighbourhoods/upload")
async def upload(request: Request, actor: Runner, session: DbSession) -> Response:
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    try:
        text = await read_csv_upload(form.get("file"), max_bytes=MAX_UPLOAD_BYTES, max_rows=MAX_VISIT_ROWS)
        localities = [str(v) for v in form.getlist("locality")]
        # Checking every row is work for a worker thread, not the event loop every request shares.
        study = await run_in_threadpool(service.upload_study, session, actor=actor, localities=localities, text=text)
    except service.UploadRejected as exc:
        listed = [f"{e.record}, {e.field}: {e.message}" for e in exc.errors]
        if len(listed) < exc.bad_rows:
            listed.append(exc.detail)
        return _start(request, actor, session, listed, 422)
    except ProblemError as exc:
        return _start(request, actor, session, [exc.detail or exc.title], 422)
    return RedirectResponse(f"/neighbourhoods/{study.id}", status_code=303)


def _study_page(
    request: Request,
    actor: Principal,
    study: service.Study,
    errors: list[str] | None = None,
    status_code: int = 200,
    template: str = "neighbourhoods/study.jinja",
) -> Response:
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
            "errors": errors or [],
            "refresh": study.status in ("running", "designing"),
        },
        actor=actor,
        status_code=status_code,
    )


@router.get("/neighbourhoods/{study_id}", response_class=HTMLResponse)
def study_page(request: Request, actor: Reader, study_id: str, studies: Studies, session: DbSession) -> Response:
    return _study_page(request, actor, service.get_study(session, store=studies, actor=actor, study_id=study_id))


@router.get("/neighbourhoods/{study_id}/print", response_class=HTMLResponse)
def printable(request: Request, actor: Reader, study_id: str, studies: Studies, session: DbSession) -> Response:
    study = service.get_study(session, store=studies, actor=actor, study_id=study_id)
    return _study_page(request, actor, study, template="neighbourhoods/print.jinja")


def _refused(
    request: Request,
    actor: Principal,
    studies: service.StudyStore,
    session: DbSession,
    study_id: str,
    exc: ProblemError,
    status_code: int = 422,
) -> Response:
    """The study page again, saying what was wrong (a study that is not there stays a 404)."""
    if exc.status == 404:
        raise exc
    study = service.get_study(session, store=studies, actor=actor, study_id=study_id)
    return _study_page(request, actor, study, [exc.detail or exc.title], status_code)


@router.post("/neighbourhoods/{study_id}/design")
async def design(
    request: Request, actor: Runner, study_id: str, studies: Studies, state: StateDep, session: DbSession
) -> Response:
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    try:
        service.design_study(
            session,
            store=studies,
            actor=actor,
            study_id=study_id,
            target=_number(form, "target", 200, 5, 5000),
            measure=str(form.get("measure") or "recipients"),
            within_localities=form.get("within_localities") == "yes",
            seed=1,
            factory=state.session_factory,
        )
    except ProblemError as exc:
        return _refused(request, actor, studies, session, study_id, exc)
    return RedirectResponse(f"/neighbourhoods/{study_id}#design", status_code=303)


@router.post("/neighbourhoods/{study_id}/move")
async def move(request: Request, actor: Runner, study_id: str, studies: Studies, session: DbSession) -> Response:
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    try:
        to = int(_number(form, "to", 0, 1, 1000))
        service.move_lsoa(
            session, store=studies, actor=actor, study_id=study_id, lsoa=str(form.get("lsoa") or ""), to=to
        )
    except ProblemError as exc:
        return _refused(request, actor, studies, session, study_id, exc)
    return RedirectResponse(f"/neighbourhoods/{study_id}#design", status_code=303)


@router.post("/neighbourhoods/{study_id}/run")
async def run(
    request: Request, actor: Runner, study_id: str, studies: Studies, state: StateDep, session: DbSession
) -> Response:
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    try:
        service.start_run(
            session,
            store=studies,
            actor=actor,
            study_id=study_id,
            providers=int(_number(form, "providers", 20, 1, 200)),
            seconds_per_100_visits=_number(form, "seconds_per_100_visits", 0.6, 0.05, 10),
            days=int(_number(form, "days", 7, 1, 7)),
            seed=1,
            factory=state.session_factory,
        )
    except ProblemError as exc:
        return _refused(request, actor, studies, session, study_id, exc, 422 if exc.status == 422 else 409)
    return RedirectResponse(f"/neighbourhoods/{study_id}#run", status_code=303)


def _svg(body: bytes) -> Response:
    return Response(body, media_type="image/svg+xml", headers={"Cache-Control": "no-store"})


@router.get("/neighbourhoods/{study_id}/map.svg")
def map_svg(request: Request, actor: Reader, study_id: str, studies: Studies, session: DbSession) -> Response:
    return _svg(service.map_svg(session, store=studies, actor=actor, study_id=study_id))


@router.get("/neighbourhoods/{study_id}/comparison.svg")
def comparison_svg(request: Request, actor: Reader, study_id: str, studies: Studies, session: DbSession) -> Response:
    return _svg(service.comparison_svg(session, store=studies, actor=actor, study_id=study_id))
