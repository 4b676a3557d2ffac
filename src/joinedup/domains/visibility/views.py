"""Pages of the system picture: the drill-down, the map, saved views."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from joinedup.core.auth.principal import Principal
from joinedup.core.clock import utcnow
from joinedup.core.deps import DbSession, StateDep
from joinedup.domains.visibility import permissions, service
from joinedup.domains.visibility.presentation import export_links
from joinedup.domains.visibility.schemas import Level, SavedViewIn
from joinedup.web.flash import Flash
from joinedup.web.forms import Field, Form, FormState
from joinedup.web.posted import read_form
from joinedup.web.render import page

router = APIRouter(include_in_schema=False)
Viewer = Annotated[Principal, Depends(permissions.can_view)]
Saver = Annotated[Principal, Depends(permissions.can_save_views)]
Key = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f/]+$")]
HTML_ROWS = 100
# Pages refresh themselves on the events that change their figures.
LIVE_TOPICS = service.FIGURE_TOPICS
FLASH = Flash({"saved": "View saved.", "deleted": "View deleted."})


def _render(request: Request, actor: Principal, level: Level, params: dict[str, str] | None = None) -> Response:
    return page(
        request,
        "visibility/level.jinja",
        {
            "title": level.title,
            "lv": level,
            "exports": export_links(level, params or {}),
            "html_rows": HTML_ROWS,
            "live_topics": " ".join(LIVE_TOPICS),
            "updated": utcnow().strftime("%H:%M:%S"),
            "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        },
        actor=actor,
    )


@router.get("/visibility", response_class=HTMLResponse)
def system(request: Request, actor: Viewer, session: DbSession, state: StateDep) -> Response:
    return _render(request, actor, service.system_level(session, actor=actor, state=state))


@router.get("/visibility/places/{place_id}", response_class=HTMLResponse)
def place(request: Request, actor: Viewer, session: DbSession, state: StateDep, place_id: Key) -> Response:
    return _render(request, actor, service.place_level(session, actor=actor, state=state, place_id=place_id))


@router.get("/visibility/places/{place_id}/neighbourhoods/{neighbourhood}", response_class=HTMLResponse)
def neighbourhood(
    request: Request, actor: Viewer, session: DbSession, state: StateDep, place_id: Key, neighbourhood: Key
) -> Response:
    level = service.neighbourhood_level(
        session, actor=actor, state=state, place_id=place_id, neighbourhood=neighbourhood
    )
    return _render(request, actor, level)


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
    level = service.organisation_level(
        session, actor=actor, state=state, organisation_id=organisation_id, start=start, end=end, target=target
    )
    params = {k: v.isoformat() for k, v in (("from", start), ("to", end)) if v is not None}
    return _render(request, actor, level, params)


@router.get("/visibility/organisations/{organisation_id}/wards/{ward_id}", response_class=HTMLResponse)
def ward(
    request: Request, actor: Viewer, session: DbSession, state: StateDep, organisation_id: Key, ward_id: Key
) -> Response:
    level = service.ward_level(session, actor=actor, state=state, organisation_id=organisation_id, ward_id=ward_id)
    return _render(request, actor, level)


@router.get("/visibility/organisations/{organisation_id}/wards/{ward_id}/patients", response_class=HTMLResponse)
def patients(
    request: Request,
    actor: Annotated[Principal, Depends(permissions.can_view_patients)],
    session: DbSession,
    state: StateDep,
    organisation_id: Key,
    ward_id: Key,
) -> Response:
    level = service.patients_level(session, actor=actor, state=state, organisation_id=organisation_id, ward_id=ward_id)
    return _render(request, actor, level)


@router.get("/visibility/map", response_class=HTMLResponse)
def map_page(
    request: Request,
    actor: Viewer,
    session: DbSession,
    state: StateDep,
    colour: Annotated[str, Query(pattern=r"^(shortfall|freshness)$")] = "shortfall",
) -> Response:
    context: dict[str, Any] = service.map_picture(session, actor=actor, state=state, colour=colour)
    context["live_topics"] = " ".join(LIVE_TOPICS)  # patients' home areas move with discharge events
    return page(request, "visibility/map.jinja", context, actor=actor)


NOT_A_VIEW = "Only a page of the system picture can be saved as a view: go to the page and save it there"
VIEW_FORM = Form(
    "save-view",
    Field(
        "name",
        "Name",
        required="Enter a name for the view",
        messages={"too_long": "Name must be 100 characters or fewer", "format": "Enter the name on one line"},
    ),
    Field(
        "path",
        "Page",
        hidden=True,
        required=NOT_A_VIEW,
        messages=dict.fromkeys(("format", "too_long", "invalid", "unreadable"), NOT_A_VIEW),
    ),
    Field("shared", "Share with everyone in my role here", kind="flag"),
)


def _views_page(
    request: Request, actor: Principal, session: DbSession, *, posted: FormState | None = None, done: str | None = None
) -> Response:
    posted = posted or FormState()
    views = service.list_views(session, actor=actor) if actor.user_id else []
    return page(
        request,
        "visibility/views.jinja",
        {"title": "Saved views", "views": views, "me": actor.user_id, "done": FLASH.text(done), "fs": posted},
        actor=actor,
        status_code=422 if posted.failed else 200,
    )


@router.get("/visibility/views", response_class=HTMLResponse)
def views_page(
    request: Request, actor: Viewer, session: DbSession, done: Annotated[str | None, Query(max_length=20)] = None
) -> Response:
    return _views_page(request, actor, session, done=done)


@router.post("/visibility/views", response_class=HTMLResponse)
async def save_view(request: Request, actor: Saver, session: DbSession) -> Response:
    posted, view = VIEW_FORM.submit(
        session,
        await read_form(request),
        SavedViewIn,
        lambda data: service.save_view(session, actor=actor, name=data.name, path=data.path, shared=data.shared),
    )
    if view is None:
        return _views_page(request, actor, session, posted=posted)
    return FLASH.redirect("/visibility/views", "saved")


@router.post("/visibility/views/{view_id}/delete", response_class=HTMLResponse)
async def delete_view(request: Request, actor: Saver, session: DbSession, view_id: Key) -> Response:
    await read_form(request)  # its size limited and its CSRF token checked; it holds nothing else
    service.delete_view(session, actor=actor, view_id=view_id)
    return FLASH.redirect("/visibility/views", "deleted")
