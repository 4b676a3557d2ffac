"""Pages of the system picture: the drill-down, the map, saved views."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from joinedup.core.auth.principal import Principal
from joinedup.core.clock import utcnow
from joinedup.core.deps import DbSession, StateDep
from joinedup.core.errors import ProblemError
from joinedup.domains.discharge.schemas import ReferralState
from joinedup.domains.visibility import drilldown, permissions, saved_views
from joinedup.domains.visibility.map_view import map_context
from joinedup.web.render import check_csrf, page

router = APIRouter(include_in_schema=False)
Viewer = Annotated[Principal, Depends(permissions.can_view)]
Saver = Annotated[Principal, Depends(permissions.can_save_views)]
Key = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f/]+$")]
HTML_ROWS = 100
# Events that change the figures on these pages: capacity changes, and every referral step
# (each emits discharge.referral_<new state>) and new patients, which change the discharge figures.
LIVE_TOPICS = (
    "capacity.updated",
    "discharge.patient_added",
    "discharge.patient_updated",
    "discharge.assessment_added",
    "discharge.delay_added",
    "discharge.delay_ended",
    "discharge.patient_discharged",
    *(f"discharge.referral_{state.value}" for state in ReferralState),
)


def _render(request: Request, actor: Principal, level: drilldown.Level, params: dict[str, str]) -> Response:
    export_base = {"level": level.level, **level.key, **params}
    exports = {
        t.key: "/api/v1/visibility/export.csv?" + urlencode({**export_base, "table": t.key}) for t in level.tables
    }
    return page(
        request,
        "visibility/level.jinja",
        {
            "title": level.title,
            "lv": level,
            "exports": exports,
            "html_rows": HTML_ROWS,
            "live_topics": " ".join(LIVE_TOPICS),
            "updated": utcnow().strftime("%H:%M:%S"),
            "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        },
        actor=actor,
    )


def _ctx(session: DbSession, actor: Principal, state: StateDep) -> drilldown.Ctx:
    return drilldown.Ctx(session=session, actor=actor, state=state)


@router.get("/visibility", response_class=HTMLResponse)
def system(request: Request, actor: Viewer, session: DbSession, state: StateDep) -> Response:
    return _render(request, actor, drilldown.system_level(_ctx(session, actor, state)), {})


@router.get("/visibility/places/{place_id}", response_class=HTMLResponse)
def place(request: Request, actor: Viewer, session: DbSession, state: StateDep, place_id: Key) -> Response:
    return _render(request, actor, drilldown.place_level(_ctx(session, actor, state), place_id), {})


@router.get("/visibility/places/{place_id}/neighbourhoods/{neighbourhood}", response_class=HTMLResponse)
def neighbourhood(
    request: Request, actor: Viewer, session: DbSession, state: StateDep, place_id: Key, neighbourhood: Key
) -> Response:
    level = drilldown.neighbourhood_level(_ctx(session, actor, state), place_id, neighbourhood)
    return _render(request, actor, level, {})


@router.get("/visibility/organisations/{organisation_id}", response_class=HTMLResponse)
def organisation(
    request: Request,
    actor: Viewer,
    session: DbSession,
    state: StateDep,
    organisation_id: Key,
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
    target: Annotated[float | None, Query(ge=0, le=100_000)] = None,
) -> Response:
    ctx = _ctx(session, actor, state)
    level = drilldown.organisation_level(ctx, organisation_id, start=start, end=end, target=target)
    params = {k: v.isoformat() for k, v in (("from", start), ("to", end)) if v is not None}
    return _render(request, actor, level, params)


@router.get("/visibility/organisations/{organisation_id}/wards/{ward_id}", response_class=HTMLResponse)
def ward(
    request: Request, actor: Viewer, session: DbSession, state: StateDep, organisation_id: Key, ward_id: Key
) -> Response:
    return _render(request, actor, drilldown.ward_level(_ctx(session, actor, state), organisation_id, ward_id), {})


@router.get("/visibility/organisations/{organisation_id}/wards/{ward_id}/patients", response_class=HTMLResponse)
def patients(
    request: Request,
    actor: Annotated[Principal, Depends(permissions.can_view_patients)],
    session: DbSession,
    state: StateDep,
    organisation_id: Key,
    ward_id: Key,
) -> Response:
    level = drilldown.patients_level(_ctx(session, actor, state), organisation_id, ward_id)
    return _render(request, actor, level, {})


@router.get("/visibility/map", response_class=HTMLResponse)
def map_page(
    request: Request,
    actor: Viewer,
    session: DbSession,
    state: StateDep,
    colour: Annotated[str, Query(pattern=r"^(shortfall|freshness)$")] = "shortfall",
) -> Response:
    context: dict[str, Any] = map_context(_ctx(session, actor, state), colour)
    context["live_topics"] = " ".join(LIVE_TOPICS)  # patients' home areas move with discharge events
    return page(request, "visibility/map.jinja", context, actor=actor)


@router.get("/visibility/views", response_class=HTMLResponse)
def views_page(
    request: Request, actor: Viewer, session: DbSession, done: Annotated[str | None, Query(max_length=20)] = None
) -> Response:
    views = saved_views.list_views(session, actor=actor) if actor.user_id else []
    return page(
        request,
        "visibility/views.jinja",
        {"title": "Saved views", "views": views, "me": actor.user_id, "done": done},
        actor=actor,
    )


@router.post("/visibility/views", response_class=HTMLResponse)
async def save_view(request: Request, actor: Saver, session: DbSession) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items()}
    check_csrf(request, form.get("csrf_token"))
    try:
        saved_views.save_view(
            session,
            actor=actor,
            name=form.get("name", "")[:100],
            path=form.get("path", "")[:500],
            shared=form.get("shared") == "yes",
        )
    except ProblemError as exc:
        if exc.status >= 500:
            raise
        views = saved_views.list_views(session, actor=actor)
        return page(
            request,
            "visibility/views.jinja",
            {"title": "Saved views", "views": views, "me": actor.user_id, "error": exc.detail, "done": None},
            actor=actor,
            status_code=422,
        )
    return RedirectResponse("/visibility/views?done=saved", status_code=303)


@router.post("/visibility/views/{view_id}/delete", response_class=HTMLResponse)
async def delete_view(request: Request, actor: Saver, session: DbSession, view_id: Key) -> Response:
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    saved_views.delete_view(session, actor=actor, view_id=view_id)
    return RedirectResponse("/visibility/views?done=deleted", status_code=303)
