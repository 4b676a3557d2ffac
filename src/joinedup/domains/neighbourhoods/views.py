"""Pages for the commissioner: demand (generate or upload), design, run the scenarios, compare."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from joinedup.core.auth.principal import Principal
from joinedup.core.deps import DbSession
from joinedup.core.errors import ProblemError
from joinedup.web.render import check_csrf, page

from . import permissions, studies
from .api import store
from .report import COLUMNS, design_rows, plot_comparison, plot_map
from .scenarios import SCENARIOS, ScenarioSettings

router = APIRouter(include_in_schema=False)
Runner = Annotated[Principal, Depends(permissions.can_run_studies)]
Reader = Annotated[Principal, Depends(permissions.can_read_studies)]
LOCALITIES = ["Central", "North", "South", "West"]


def _number(form: Any, name: str, default: float, low: float, high: float) -> float:
    raw = str(form.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ProblemError(422, "validation", "Invalid input", f"{name} must be a number") from exc
    if not low <= value <= high:
        raise ProblemError(422, "validation", "Invalid input", f"{name} must be between {low:g} and {high:g}")
    return value


def _start(request: Request, actor: Principal, errors: list[str] | None = None, status_code: int = 200) -> Response:
    return page(
        request,
        "neighbourhoods/start.jinja",
        {"title": "Neighbourhood homecare", "localities": LOCALITIES, "errors": errors or []},
        actor=actor,
        status_code=status_code,
    )


@router.get("/neighbourhoods", response_class=HTMLResponse)
def start(request: Request, actor: Runner) -> Response:
    return _start(request, actor)


@router.post("/neighbourhoods/generate")
async def generate(request: Request, actor: Runner, session: DbSession) -> Response:
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    try:
        recipients = int(_number(form, "recipients", 2000, 1, 5000))
        seed = int(_number(form, "seed", 1, 0, 2**31 - 1))
        study = studies.new_generated(session, actor, [str(v) for v in form.getlist("locality")], recipients, seed)
    except ProblemError as exc:
        return _start(request, actor, [exc.detail or exc.title], 422)
    return RedirectResponse(f"/neighbourhoods/{study.id}", status_code=303)


@router.post("/neighbourhoods/upload")
async def upload(request: Request, actor: Runner, session: DbSession) -> Response:
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    file = form.get("file")
    raw = await file.read() if file is not None and not isinstance(file, str) else b""
    try:
        study = studies.new_uploaded(
            session, actor, [str(v) for v in form.getlist("locality")], raw.decode("utf-8-sig", "replace")
        )
    except studies.UploadRejected as exc:
        return _start(request, actor, [f"{e['record']}, {e['field']}: {e['message']}" for e in exc.errors], 422)
    except ProblemError as exc:
        return _start(request, actor, [exc.detail or exc.title], 422)
    return RedirectResponse(f"/neighbourhoods/{study.id}", status_code=303)


def _study_page(
    request: Request,
    actor: Principal,
    study: studies.Study,
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
            "summary": studies.summary(study),
            "design_rows": design_rows(study.design, study.area) if study.design else [],
            "lsoas": sorted((c, lsoa.name) for c, lsoa in study.area.lsoas.items()),
            "scenario_names": [SCENARIOS[s] for s in table] if table else [],
            "rows": rows,
            "headline": study.headline,
            "errors": errors or [],
            "refresh": study.status == "running",
        },
        actor=actor,
        status_code=status_code,
    )


@router.get("/neighbourhoods/{study_id}", response_class=HTMLResponse)
def study_page(request: Request, actor: Reader, study_id: str, session: DbSession) -> Response:
    return _study_page(request, actor, store(request).get(session, actor, study_id))


@router.get("/neighbourhoods/{study_id}/print", response_class=HTMLResponse)
def printable(request: Request, actor: Reader, study_id: str, session: DbSession) -> Response:
    return _study_page(
        request, actor, store(request).get(session, actor, study_id), template="neighbourhoods/print.jinja"
    )


@router.post("/neighbourhoods/{study_id}/design")
async def design(request: Request, actor: Runner, study_id: str, session: DbSession) -> Response:
    study = store(request).get(session, actor, study_id)
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    try:
        target = _number(form, "target", 200, 5, 5000)
        measure = str(form.get("measure") or "recipients")
        studies.design(session, actor, study, target, measure, form.get("within_localities") == "yes", 1)
    except ProblemError as exc:
        return _study_page(request, actor, study, [exc.detail or exc.title], 422)
    return RedirectResponse(f"/neighbourhoods/{study.id}#design", status_code=303)


@router.post("/neighbourhoods/{study_id}/move")
async def move(request: Request, actor: Runner, study_id: str, session: DbSession) -> Response:
    study = store(request).get(session, actor, study_id)
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    try:
        to = int(_number(form, "to", 0, 1, 1000))
        studies.move(session, actor, study, str(form.get("lsoa") or ""), to)
    except ProblemError as exc:
        return _study_page(request, actor, study, [exc.detail or exc.title], 422)
    return RedirectResponse(f"/neighbourhoods/{study.id}#design", status_code=303)


@router.post("/neighbourhoods/{study_id}/run")
async def run(request: Request, actor: Runner, study_id: str, session: DbSession) -> Response:
    study = store(request).get(session, actor, study_id)
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    try:
        settings = ScenarioSettings(
            providers=int(_number(form, "providers", 20, 1, 200)),
            seconds_per_100_visits=_number(form, "seconds_per_100_visits", 0.6, 0.05, 10),
            days=int(_number(form, "days", 7, 1, 7)),
        )
        state = request.app.state.joinedup
        studies.start_run(session, actor, study, settings, state.session_factory, state.bus)
    except ProblemError as exc:
        return _study_page(request, actor, study, [exc.detail or exc.title], 422 if exc.status == 422 else 409)
    return RedirectResponse(f"/neighbourhoods/{study.id}#run", status_code=303)


def _svg(body: bytes) -> Response:
    return Response(body, media_type="image/svg+xml", headers={"Cache-Control": "no-store"})


@router.get("/neighbourhoods/{study_id}/map.svg")
def map_svg(request: Request, actor: Reader, study_id: str, session: DbSession) -> Response:
    study = store(request).get(session, actor, study_id)
    if study.design is None:
        raise ProblemError(404, "not_found", "No design yet", "Design the neighbourhoods first.")
    return _svg(plot_map(study.design, study.area))


@router.get("/neighbourhoods/{study_id}/comparison.svg")
def comparison_svg(request: Request, actor: Reader, study_id: str, session: DbSession) -> Response:
    study = store(request).get(session, actor, study_id)
    if study.table is None:
        raise ProblemError(404, "not_found", "No comparison yet", "Run the scenarios first.")
    return _svg(plot_comparison(study.table))
