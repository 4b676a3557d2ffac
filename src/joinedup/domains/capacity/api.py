"""JSON API for capacity: services, updates (single or batched), current and past state, search,
and the published data standard."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from pydantic import AwareDatetime

from joinedup.core.auth.principal import Principal
from joinedup.core.deps import DbSession, StateDep
from joinedup.core.errors import PROBLEM_RESPONSES
from joinedup.core.json_body import UNSUPPORTED_MEDIA_TYPE, RawJson, json_body, parse_json_body
from joinedup.core.pagination import Page
from joinedup.core.uploads import csv_request_body, read_csv_body, require_csv_media_type
from joinedup.domains.capacity import csv_io, permissions, schemas, service

router = APIRouter(prefix="/capacity", tags=["capacity"], responses=PROBLEM_RESPONSES)
Reader = Annotated[Principal, Depends(permissions.can_read_capacity)]
Writer = Annotated[Principal, Depends(permissions.can_write_capacity)]
Anyone = Annotated[Principal | None, Depends(permissions.anyone)]
Exporter = Annotated[Principal, Depends(permissions.can_export_capacity)]
ProviderServiceId = Annotated[
    str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$", description="Your own id")
]
OrganisationId = Annotated[
    str | None, Query(max_length=36, description="Provider organisation (default: the one you act for)")
]
Cursor = Annotated[str | None, Query(max_length=200)]


@router.get("/standard/v1.schema.json", response_model=dict[str, Any])
def standard_schema(_: Anyone) -> dict[str, Any]:
    """The capacity data standard v1 as JSON Schema (a batch of updates, and a service)."""
    return standard_v1()


def standard_v1() -> dict[str, Any]:
    batch = schemas.CapacityBatch.model_json_schema(ref_template="#/$defs/{model}")
    svc = schemas.ServiceIn.model_json_schema(ref_template="#/$defs/{model}")
    defs = {**batch.pop("$defs", {}), **svc.pop("$defs", {}), "CapacityBatch": batch, "ServiceIn": svc}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://joinedup.org.uk/standards/capacity/v1.schema.json",
        "title": "joinedup capacity data standard",
        "version": schemas.STANDARD_VERSION,
        "description": "A provider's services and their capacity. See docs/capacity-standard.md.",
        "oneOf": [{"$ref": "#/$defs/CapacityBatch"}, {"$ref": "#/$defs/ServiceIn"}],
        "$defs": defs,
    }


@router.put(
    "/services/{provider_service_id}",
    response_model=schemas.ServiceOut,
    responses={201: {"model": schemas.ServiceOut, "description": "Created"}},
)
def put_service(
    actor: Writer,
    session: DbSession,
    response: Response,
    provider_service_id: ProviderServiceId,
    body: schemas.ServiceIn,
    organisation_id: OrganisationId = None,
) -> schemas.ServiceOut:
    """Create or update a service by your own identifier for it (201 when created). A CQC location
    id must be registered to your organisation; a new or changed name, CQC location id or place
    is `unverified` until an administrator of your care system approves it."""
    out, created = service.upsert_service(
        session, actor=actor, provider_service_id=provider_service_id, data=body, organisation_id=organisation_id
    )
    if created:
        response.status_code = status.HTTP_201_CREATED
    return out


@router.get("/services/{provider_service_id}", response_model=schemas.CapacityOut)
def get_capacity(
    actor: Reader,
    session: DbSession,
    state: StateDep,
    provider_service_id: ProviderServiceId,
    organisation_id: OrganisationId = None,
    at: Annotated[AwareDatetime | None, Query(description="The state known to be true at this moment")] = None,
) -> schemas.CapacityOut:
    """A service's capacity now, or at a past moment (`at`), every value with its age."""
    return service.capacity_of(
        session,
        actor=actor,
        settings=state.settings,
        provider_service_id=provider_service_id,
        organisation_id=organisation_id,
        at=at,
    )


@router.get("/services/{provider_service_id}/history", response_model=Page[schemas.HistoryItem])
def get_history(
    actor: Reader,
    session: DbSession,
    provider_service_id: ProviderServiceId,
    organisation_id: OrganisationId = None,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Page[schemas.HistoryItem]:
    """Every update received for a service, newest arrival first."""
    return service.history(
        session,
        actor=actor,
        provider_service_id=provider_service_id,
        organisation_id=organisation_id,
        cursor=cursor,
        limit=limit,
    )


@router.post("/services/{provider_service_id}/confirm", response_model=schemas.BatchResult)
def confirm(
    actor: Writer,
    session: DbSession,
    state: StateDep,
    provider_service_id: ProviderServiceId,
    organisation_id: OrganisationId = None,
) -> schemas.BatchResult:
    """Nothing changed: every value held is confirmed as true now."""
    return service.confirm_unchanged(
        session,
        actor=actor,
        settings=state.settings,
        provider_service_id=provider_service_id,
        organisation_id=organisation_id,
        source_system="joinedup (confirmed unchanged)",
    )


@router.post(
    "/updates",
    response_model=schemas.BatchResult,
    openapi_extra=json_body(schemas.ReceivedBatch),
    responses=UNSUPPORTED_MEDIA_TYPE,
)
def post_updates(
    actor: Writer,
    session: DbSession,
    state: StateDep,
    body: RawJson,
    organisation_id: OrganisationId = None,
    per_item: Annotated[
        bool, Query(description="Store the good updates and report each bad one, instead of all-or-nothing")
    ] = False,
) -> schemas.BatchResult:
    """Submit up to 1,000 updates. Idempotent by update_id. All-or-nothing unless per_item=true."""
    return service.ingest(
        session,
        actor=actor,
        settings=state.settings,
        updates=parse_json_body(schemas.received_batch, body),
        per_item=per_item,
        organisation_id=organisation_id,
    )


@router.get("/search", response_model=Page[schemas.CapacityOut])
def search(
    actor: Reader,
    session: DbSession,
    state: StateDep,
    care_type: schemas.CareType | None = None,
    postcode: Annotated[str | None, Query(max_length=10, description="Centre of the radius search")] = None,
    latitude: Annotated[float | None, Query(ge=49.0, le=61.0)] = None,
    longitude: Annotated[float | None, Query(ge=-9.0, le=2.5)] = None,
    radius_km: Annotated[float, Query(gt=0, le=200)] = 10.0,
    area: Annotated[
        str | None, Query(max_length=9, pattern=r"^[A-Za-z0-9]+$", description="Postcode district or LSOA code")
    ] = None,
    skill: schemas.Skill | None = None,
    funding: schemas.Funding | None = None,
    accepting: Annotated[bool | None, Query(description="Accepting admissions now")] = None,
    fresh: Annotated[bool | None, Query(description="Only (or, false: never) data within the staleness limit")] = None,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Page[schemas.CapacityOut]:
    """Find services by care type, place, skill, funding, accepting now and freshness; nearest first."""
    query = service.SearchQuery(
        care_type=care_type,
        postcode=postcode,
        latitude=latitude,
        longitude=longitude,
        radius_km=radius_km,
        area=area,
        skill=skill,
        funding=funding,
        accepting=accepting,
        fresh=fresh,
    )
    return service.search(session, actor=actor, settings=state.settings, query=query, cursor=cursor, limit=limit)


@router.get(
    "/updates/template.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "CSV template"}},
)
def csv_template(_: Writer) -> Response:
    """The bulk-upload template: its columns and three example rows."""
    return Response(
        csv_io.template(),
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="capacity-template.csv"'},
    )


@router.post(
    "/updates.csv",
    response_model=schemas.CsvResult,
    openapi_extra=csv_request_body(),
    responses=UNSUPPORTED_MEDIA_TYPE,
)
async def upload_csv(
    actor: Writer,
    session: DbSession,
    state: StateDep,
    request: Request,
    dry_run: Annotated[bool, Query(description="Check every row and report errors; store nothing")] = False,
    organisation_id: OrganisationId = None,
) -> schemas.CsvResult:
    """Upload capacity as CSV (the template's columns). All rows are checked before any is stored."""
    require_csv_media_type(request)
    text = await read_csv_body(request, required=True)  # rows are counted by csv_io, each refused one reported
    return csv_io.upload(
        session, actor=actor, settings=state.settings, text=text, dry_run=dry_run, organisation_id=organisation_id
    )


@router.get(
    "/exports/capacity-tracker.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "CSV"}},
)
def capacity_tracker_csv(
    actor: Exporter,
    session: DbSession,
    state: StateDep,
    organisation_id: OrganisationId = None,
    place_id: Annotated[str | None, Query(max_length=36, description="Every care home of a place")] = None,
) -> Response:
    """The monthly Capacity Tracker care-home return (maximum capacity, occupied, vacant reserved,
    vacant accepting admissions), computed from live data, for a provider or a whole place."""
    body = csv_io.capacity_tracker(
        session, actor=actor, settings=state.settings, organisation_id=organisation_id, place_id=place_id
    )
    return Response(
        body,
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="capacity-tracker.csv"'},
    )
