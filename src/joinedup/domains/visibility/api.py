"""JSON API of the system picture: every drill-down level, CSV of any table, saved views."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Response, status
from fastapi.responses import PlainTextResponse

from joinedup.core.auth.principal import Principal
from joinedup.core.deps import DbSession, StateDep
from joinedup.core.errors import PROBLEM_RESPONSES
from joinedup.domains.visibility import permissions, service
from joinedup.domains.visibility.schemas import LevelOut, SavedViewIn, SavedViewOut

router = APIRouter(prefix="/visibility", tags=["visibility"], responses=PROBLEM_RESPONSES)
Viewer = Annotated[Principal, Depends(permissions.can_view)]
Saver = Annotated[Principal, Depends(permissions.can_save_views)]
PatientViewer = Annotated[Principal, Depends(permissions.can_view_patients)]
Key = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f/]+$")]
OptionalKey = Annotated[str | None, Query(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f/]+$")]
From = Annotated[date | None, Query(alias="from", description="First day of the trend (within the data)")]
To = Annotated[date | None, Query(alias="to", description="Last day of the trend (within the data)")]
Target = Annotated[
    float | None,
    Query(ge=0, le=100_000, description="Target for patients no longer meeting the criteria to reside (assurance)"),
]
TableName = Annotated[str, Query(min_length=1, max_length=40, pattern=r"^[a-z_]+$", description="e.g. shortfall")]
LevelName = Literal["system", "place", "neighbourhood", "organisation", "ward", "patients"]
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "The table as CSV"}
}


@router.get("/system", response_model=LevelOut)
def system(actor: Viewer, session: DbSession, state: StateDep) -> LevelOut:
    """The whole care system: capacity against demand by type of care, shortfall, trends, freshness."""
    return LevelOut.of(service.system_level(session, actor=actor, state=state))


@router.get("/places/{place_id}", response_model=LevelOut)
def place(actor: Viewer, session: DbSession, state: StateDep, place_id: Key) -> LevelOut:
    """One place (a council's area), with its neighbourhoods and providers."""
    return LevelOut.of(service.place_level(session, actor=actor, state=state, place_id=place_id))


@router.get("/places/{place_id}/neighbourhoods/{neighbourhood}", response_model=LevelOut)
def neighbourhood(actor: Viewer, session: DbSession, state: StateDep, place_id: Key, neighbourhood: Key) -> LevelOut:
    """One neighbourhood (locality) of a place."""
    level = service.neighbourhood_level(
        session, actor=actor, state=state, place_id=place_id, neighbourhood=neighbourhood
    )
    return LevelOut.of(level)


@router.get("/organisations/{organisation_id}", response_model=LevelOut)
def organisation(
    actor: Viewer,
    session: DbSession,
    state: StateDep,
    organisation_id: Key,
    start: From = None,
    end: To = None,
    target: Target = None,
) -> LevelOut:
    """A provider or hospital trust: its services, hospitals and wards, and its trends."""
    level = service.organisation_level(
        session, actor=actor, state=state, organisation_id=organisation_id, start=start, end=end, target=target
    )
    return LevelOut.of(level)


@router.get("/organisations/{organisation_id}/wards/{ward_id}", response_model=LevelOut)
def ward(actor: Viewer, session: DbSession, state: StateDep, organisation_id: Key, ward_id: Key) -> LevelOut:
    """A ward: patients waiting, as counts."""
    level = service.ward_level(session, actor=actor, state=state, organisation_id=organisation_id, ward_id=ward_id)
    return LevelOut.of(level)


@router.get("/organisations/{organisation_id}/wards/{ward_id}/patients", response_model=LevelOut)
def patients(actor: PatientViewer, session: DbSession, state: StateDep, organisation_id: Key, ward_id: Key) -> LevelOut:
    """The patients on a ward, for the team caring for them (audited)."""
    level = service.patients_level(session, actor=actor, state=state, organisation_id=organisation_id, ward_id=ward_id)
    return LevelOut.of(level)


@router.get("/export.csv", response_class=PlainTextResponse, responses=CSV_RESPONSE)
def export_csv(
    actor: Viewer,
    session: DbSession,
    state: StateDep,
    level: Annotated[LevelName, Query(description="Which level the table is on")],
    table: TableName,
    place_id: OptionalKey = None,
    neighbourhood: OptionalKey = None,
    organisation_id: OptionalKey = None,
    ward_id: OptionalKey = None,
    start: From = None,
    end: To = None,
) -> Response:
    """Any table of any level as CSV (the same rows the page shows, all of them)."""
    body = service.export_table_csv(
        session,
        actor=actor,
        state=state,
        level=level,
        table=table,
        place_id=place_id,
        neighbourhood=neighbourhood,
        organisation_id=organisation_id,
        ward_id=ward_id,
        start=start,
        end=end,
    )
    return Response(
        body,
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{level}-{table}.csv"', "Cache-Control": "no-store"},
    )


@router.get("/views", response_model=list[SavedViewOut])
def list_views(actor: Viewer, session: DbSession) -> list[SavedViewOut]:
    """Your saved views, and those shared with your role in your organisation."""
    return [SavedViewOut.of(v, user_id=actor.user_id) for v in service.list_views(session, actor=actor)]


@router.post("/views", response_model=SavedViewOut, status_code=status.HTTP_201_CREATED)
def save_view(actor: Saver, session: DbSession, body: SavedViewIn) -> SavedViewOut:
    """Save a page with its filters for your role."""
    view = service.save_view(session, actor=actor, name=body.name, path=body.path, shared=body.shared)
    return SavedViewOut.of(view, user_id=actor.user_id)


@router.delete("/views/{view_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_view(actor: Saver, session: DbSession, view_id: Key) -> Response:
    """Delete one of your saved views."""
    service.delete_view(session, actor=actor, view_id=view_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
