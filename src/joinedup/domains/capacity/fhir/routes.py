"""FHIR R4 routes for capacity: parse the resource, call one capacity service function, answer
a resource. Reads and writes go through the same service as the JSON API, so every channel
sees one state. Errors are OperationOutcome (see core/errors.py)."""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from joinedup.core.auth.principal import Principal
from joinedup.core.deps import DbSession, StateDep
from joinedup.core.errors import ProblemError, invalid, not_found
from joinedup.domains.capacity import permissions, service
from joinedup.domains.capacity.fhir import mapping, openapi, parsing

router = APIRouter(prefix="/fhir/R4")
Reader = Annotated[Principal, Depends(permissions.can_read_capacity)]
Writer = Annotated[Principal, Depends(permissions.can_write_capacity)]
Anyone = Annotated[Principal | None, Depends(permissions.anyone)]
Identifier = Annotated[str, Query(max_length=300, description="system|value: the provider's own id")]


def fhir_response(resource: dict[str, Any], status_code: int = 200) -> JSONResponse:
    return JSONResponse(resource, status_code=status_code, media_type=mapping.FHIR_JSON)


async def _resource(request: Request, resource_type: str) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise ProblemError(400, "bad-request", "Bad request", "The body is not JSON.") from None
    return parsing.resource_of(body, resource_type)


@router.get("/openapi.json", include_in_schema=False)
def openapi_document(_: Anyone) -> JSONResponse:
    """This facade's own OpenAPI document (the JSON API's leaves FHIR out)."""
    return JSONResponse(_document())


@cache
def _document() -> dict[str, Any]:
    return openapi.document(list(router.routes))


@router.get("/metadata", responses=openapi.answers("CapabilityStatement"))
def metadata(_: Anyone) -> JSONResponse:
    return fhir_response(mapping.capability_statement())


@router.get("/HealthcareService/{service_id}", responses=openapi.answers("HealthcareService"))
def read_healthcare_service(actor: Reader, session: DbSession, state: StateDep, service_id: str) -> JSONResponse:
    out = service.capacity_by_id(session, actor=actor, settings=state.settings, service_id=service_id)
    return fhir_response(mapping.healthcare_service(out))


@router.get("/HealthcareService", responses=openapi.answers("Bundle"))
def search_healthcare_service(
    actor: Reader,
    session: DbSession,
    state: StateDep,
    identifier: Annotated[str | None, Query(max_length=300)] = None,
) -> JSONResponse:
    outs = service.capacity_by_identifier(session, actor=actor, settings=state.settings, identifier=identifier)
    return fhir_response(mapping.bundle([mapping.healthcare_service(o) for o in outs]))


def _put(session: DbSession, actor: Principal, state: Any, resource: parsing.ServiceIn, **named: Any) -> JSONResponse:
    out, created = service.put_service(
        session,
        actor=actor,
        settings=state.settings,
        name=resource.name,
        kind=resource.kind,
        active=resource.active,
        identifiers=resource.identifiers,
        status=resource.status,
        status_update_prefix="fhir-status",
        **named,
    )
    return fhir_response(mapping.healthcare_service(out), 201 if created else 200)


@router.post(
    "/HealthcareService",
    responses=openapi.answers("HealthcareService", also=201),
    openapi_extra=openapi.body(openapi.HEALTHCARE_SERVICE),
)
async def write_healthcare_service(
    request: Request, actor: Writer, session: DbSession, state: StateDep
) -> JSONResponse:
    """Create or update a service by its identifier; a capacity-status extension also reports status."""
    resource = parsing.service_in(await _resource(request, "HealthcareService"))
    return _put(session, actor, state, resource, provider_service_id=resource.provider_service_id)


@router.put(
    "/HealthcareService",
    responses=openapi.answers("HealthcareService", also=201),
    openapi_extra=openapi.body(openapi.HEALTHCARE_SERVICE),
)
async def conditional_update_healthcare_service(
    request: Request, actor: Writer, session: DbSession, state: StateDep, identifier: Identifier
) -> JSONResponse:
    """FHIR conditional update: create or update the service whose identifier matches."""
    body = await _resource(request, "HealthcareService")
    value = parsing.token_value(identifier)
    given = parsing.given_identifiers(body)
    if given and value not in given:
        raise invalid("HealthcareService.identifier", "must include the identifier searched for", "mismatch")
    resource = parsing.service_in(parsing.with_identifier(body, actor.organisation_id, value))
    return _put(session, actor, state, resource, provider_service_id=resource.provider_service_id)


@router.put(
    "/HealthcareService/{service_id}",
    responses=openapi.answers("HealthcareService"),
    openapi_extra=openapi.body(openapi.HEALTHCARE_SERVICE),
)
async def update_healthcare_service(
    request: Request, actor: Writer, session: DbSession, state: StateDep, service_id: str
) -> JSONResponse:
    """FHIR update by id. Ids are assigned here, so a new service is created by POST or a
    conditional update, never by PUT to an id the server has not issued."""
    body = await _resource(request, "HealthcareService")
    parsing.require_same_id(body, service_id)
    return _put(session, actor, state, parsing.service_in(body), service_id=service_id)


@router.get("/MeasureReport", responses=openapi.answers("Bundle"))
def search_measure_report(
    actor: Reader,
    session: DbSession,
    state: StateDep,
    subject: Annotated[str, Query(max_length=100, description="HealthcareService/{id}")],
    date: Annotated[
        list[str] | None, Query(max_length=2, description="ge2026-11-01 / le2026-11-30: reports true in that period")
    ] = None,
    count: Annotated[int, Query(alias="_count", ge=1, le=500)] = 100,
) -> JSONResponse:
    """Without `date`: the current bed counts of a service. With `date`: every bed report the
    service sent that was true in the period, newest first (history as SANER MeasureReports)."""
    service_id = parsing.service_id_of(subject)
    if not date:
        out = service.capacity_by_id(session, actor=actor, settings=state.settings, service_id=service_id)
        return fhir_response(mapping.bundle([mapping.measure_report(out)]))
    start, end = parsing.period(date)
    reports = service.bed_reports(session, actor=actor, service_id=service_id, start=start, end=end, limit=count)
    return fhir_response(mapping.bundle([mapping.historic_report(r) for r in reports]))


@router.get("/MeasureReport/{report_id}", responses=openapi.answers("MeasureReport"))
def read_measure_report(actor: Reader, session: DbSession, state: StateDep, report_id: str) -> JSONResponse:
    """`current-{service id}`: the bed counts now; `update-{n}`: one report as it was received."""
    kind, _, ident = report_id.partition("-")
    if kind == "current" and ident:
        out = service.capacity_by_id(session, actor=actor, settings=state.settings, service_id=ident)
        return fhir_response(mapping.measure_report(out))
    if kind == "update" and ident.isdigit() and len(ident) < 19:
        report = service.bed_report(session, actor=actor, report_id=int(ident))
        if report is not None:
            return fhir_response(mapping.historic_report(report))
    raise not_found("MeasureReport", report_id)


@router.post(
    "/MeasureReport",
    status_code=201,
    responses=openapi.answers("MeasureReport", status=201),
    openapi_extra=openapi.body(openapi.MEASURE_REPORT),
)
async def write_measure_report(request: Request, actor: Writer, session: DbSession, state: StateDep) -> JSONResponse:
    """Report bed counts: one group per bed type (group.code from the bed-type code system), each
    with all six populations; `date` is when they were true; identifier is the update id."""
    beds = parsing.beds_in(await _resource(request, "MeasureReport"))
    out = service.report_update(
        session,
        actor=actor,
        settings=state.settings,
        service_id=beds.service_id,
        values={"beds": beds.beds},
        source_system=beds.source_system,
        as_of=beds.as_of,
        update_id=beds.update_id,
        update_id_prefix="fhir-mr",
        error_prefix="MeasureReport",
        field="MeasureReport.subject",
    )
    return fhir_response(mapping.measure_report(out), 201)
