"""FHIR R4 facade for capacity: HealthcareService with a capacity-status extension (after HL7
SDOH Clinical Care "Capacity Status") and SANER-style MeasureReport bed counts.

Reads and writes go through the same service functions as the JSON API, so all channels see
one state. Errors are OperationOutcome (see core/errors.py).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from fhir.resources.R4B.healthcareservice import HealthcareService
from fhir.resources.R4B.measurereport import MeasureReport
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup import __version__
from joinedup.core.auth.principal import Principal
from joinedup.core.deps import DbSession, StateDep
from joinedup.core.errors import FieldError, ProblemError, field_errors, forbidden, invalid, not_found
from joinedup.core.state import AppState
from joinedup.domains.capacity import permissions, schemas, service
from joinedup.domains.capacity.models import CapacityService, CapacityUpdateRow

FHIR_JSON = "application/fhir+json"
BASE = "https://joinedup.org.uk/fhir"
CAPACITY_STATUS_URL = f"{BASE}/StructureDefinition/capacity-status"
CAPACITY_STATUS_SYSTEM = "http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes"
SANER = "http://hl7.org/fhir/saner/CodeSystem/MeasuredValues"
JOINEDUP_BEDS = f"{BASE}/CodeSystem/bed-counts"
BED_TYPE_SYSTEM = f"{BASE}/CodeSystem/bed-type"
SERVICE_KIND_SYSTEM = f"{BASE}/CodeSystem/service-kind"
MEASURE = f"{BASE}/Measure/care-home-beds"
STATUS_TO_FHIR = {
    "accepting": "capacity",
    "not_accepting": "no-capacity",
    "waitlist": "waitlist",
    "assessment_required": "additional-assessment-required",
}
FHIR_TO_STATUS = {v: k for k, v in STATUS_TO_FHIR.items()}
# population code -> (system, BedCount field)
POPULATIONS = {
    "numTotBeds": (SANER, "physical"),
    "numTotBedsOcc": (SANER, "occupied"),
    "numTotBedsAvail": (SANER, "vacant"),
    "numStaffedBeds": (JOINEDUP_BEDS, "staffed"),
    "numBedsReserved": (JOINEDUP_BEDS, "reserved"),
    "numBedsAcceptingAdmissions": (JOINEDUP_BEDS, "accepting_admissions"),
}
FIELD_TO_CODE = {f: code for code, (_s, f) in POPULATIONS.items()}

router = APIRouter(prefix="/fhir/R4", include_in_schema=False)
Reader = Annotated[Principal, Depends(permissions.can_read_capacity)]
Writer = Annotated[Principal, Depends(permissions.can_write_capacity)]
Anyone = Annotated[Principal | None, Depends(permissions.anyone)]


def fhir_response(resource: dict[str, Any], status_code: int = 200) -> JSONResponse:
    return JSONResponse(resource, status_code=status_code, media_type=FHIR_JSON)


def identifier_system(organisation_id: str) -> str:
    return f"{BASE}/sid/provider-service-id/{organisation_id}"


def _status_extension(out: schemas.CapacityOut) -> list[dict[str, Any]]:
    status = out.sections.get("status")
    if status is None or out.status is None:
        return []
    parts: list[dict[str, Any]] = [
        {
            "url": "status",
            "valueCodeableConcept": {
                "coding": [{"system": CAPACITY_STATUS_SYSTEM, "code": STATUS_TO_FHIR[out.status.value]}]
            },
        },
        {"url": "asOf", "valueDateTime": status.as_of.isoformat()},
        {"url": "sourceSystem", "valueString": status.source_system},
        {"url": "stale", "valueBoolean": status.stale},
    ]
    if out.note:
        parts.append({"url": "capacityNotes", "valueString": out.note})
    return [{"url": CAPACITY_STATUS_URL, "extension": parts}]


def healthcare_service(out: schemas.CapacityOut) -> dict[str, Any]:
    svc = out.service
    resource: dict[str, Any] = {
        "resourceType": "HealthcareService",
        "id": svc.id,
        "identifier": [{"system": identifier_system(svc.organisation_id), "value": svc.provider_service_id}],
        "active": svc.active,
        "providedBy": {"reference": f"Organization/{svc.organisation_id}"},
        "type": [{"coding": [{"system": SERVICE_KIND_SYSTEM, "code": svc.kind.value}]}],
        "name": svc.name,
    }
    extension = _status_extension(out)
    if extension:
        resource["extension"] = extension
    HealthcareService.model_validate(resource)  # what we serve is valid R4B
    return resource


def _populations(counts: dict[str, int]) -> list[dict[str, Any]]:
    return [
        {"code": {"coding": [{"system": system, "code": code}]}, "count": counts[field]}
        for code, (system, field) in POPULATIONS.items()
    ]


def measure_report(out: schemas.CapacityOut) -> dict[str, Any]:
    return measure_report_for(out.service.id, out.service.organisation_id, out.sections.get("beds"), out.at)


def measure_report_for(
    service_id: str, organisation_id: str, beds_section: schemas.SectionOut | None, at: datetime
) -> dict[str, Any]:
    beds: list[dict[str, Any]] = (beds_section.value if beds_section else None) or []
    as_of = beds_section.as_of if beds_section else at
    totals = {field: sum(b[field] for b in beds) for field in FIELD_TO_CODE}
    groups = [{"code": {"text": "All beds"}, "population": _populations(totals)}]
    for bed in beds:
        groups.append(
            {
                "code": {"coding": [{"system": BED_TYPE_SYSTEM, "code": bed["bed_type"]}]},
                "population": _populations(bed),
            }
        )
    resource = {
        "resourceType": "MeasureReport",
        "id": f"current-{service_id}",
        "status": "complete",
        "type": "summary",
        "measure": MEASURE,
        "subject": {"reference": f"HealthcareService/{service_id}"},
        "date": as_of.isoformat(),
        "period": {"start": as_of.isoformat(), "end": as_of.isoformat()},
        "reporter": {"reference": f"Organization/{organisation_id}"},
        "group": groups,
    }
    if beds_section is not None:
        resource["identifier"] = [{"system": f"{BASE}/sid/update-id", "value": beds_section.update_id}]
        resource["extension"] = [
            {"url": f"{BASE}/StructureDefinition/source-system", "valueString": beds_section.source_system},
            {"url": f"{BASE}/StructureDefinition/stale", "valueBoolean": beds_section.stale},
        ]
    MeasureReport.model_validate(resource)
    return resource


def bundle(resources: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(resources),
        "entry": [{"fullUrl": f"{r['resourceType']}/{r['id']}", "resource": r} for r in resources],
    }


def capability_statement() -> dict[str, Any]:
    def rest(kind: str, interactions: list[str], params: list[tuple[str, str]]) -> dict[str, Any]:
        return {
            "type": kind,
            "interaction": [{"code": i} for i in interactions],
            "searchParam": [{"name": n, "type": t} for n, t in params],
        }

    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-11-23",
        "kind": "instance",
        "software": {"name": "joinedup", "version": __version__},
        "implementation": {"description": "joinedup capacity exchange, FHIR R4 facade"},
        "fhirVersion": "4.0.1",
        "format": ["json"],
        "rest": [
            {
                "mode": "server",
                "security": {"description": "API key (X-API-Key), OAuth2 client-credentials bearer token, or session"},
                "resource": [
                    {
                        **rest(
                            "HealthcareService", ["read", "search-type", "create", "update"], [("identifier", "token")]
                        ),
                        "conditionalUpdate": True,
                        "updateCreate": False,
                    },
                    rest(
                        "MeasureReport",
                        ["read", "search-type", "create"],
                        [("subject", "reference"), ("date", "date"), ("_count", "number")],
                    ),
                ],
            }
        ],
    }


# Parsing what providers send


def _fhir_errors(exc: ValidationError, prefix: str) -> ProblemError:
    errors = field_errors(exc.errors(), prefix)
    return ProblemError(422, "validation", "Invalid request", "The resource is not valid FHIR R4.", errors=errors)


async def _json(request: Request, resource_type: str) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise ProblemError(400, "bad-request", "Bad request", "The body is not JSON.") from None
    if not isinstance(body, dict) or body.get("resourceType") != resource_type:
        raise invalid("resourceType", f"Send a {resource_type} resource.", "resource_type")
    return body


def _extension(items: list[dict[str, Any]] | None, url: str) -> dict[str, Any] | None:
    return next((e for e in items or [] if e.get("url") == url), None)


def _as_of(value: Any, field: str) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise invalid(field, "not a FHIR dateTime", "datetime") from None
    if moment.tzinfo is None:
        raise invalid(field, "give a time zone (e.g. Z)", "timezone")
    return moment


def _find(session: Session, actor: Principal, reference: str) -> CapacityService:
    kind, _, ident = reference.partition("/")
    if kind != "HealthcareService" or not ident:
        raise invalid("subject.reference", "must be HealthcareService/{id}", "reference")
    row = session.get(CapacityService, ident)
    if row is None:
        raise not_found("HealthcareService", ident)
    return row


@router.get("/metadata")
def metadata(_: Anyone) -> JSONResponse:
    return fhir_response(capability_statement())


@router.get("/HealthcareService/{service_id}")
def read_healthcare_service(actor: Reader, session: DbSession, state: StateDep, service_id: str) -> JSONResponse:
    row = service.get_service_by_id(session, actor=actor, service_id=service_id)
    out = service.service_capacity(session, actor=actor, settings=state.settings, service=row)
    return fhir_response(healthcare_service(out))


@router.get("/HealthcareService")
def search_healthcare_service(
    actor: Reader,
    session: DbSession,
    state: StateDep,
    identifier: Annotated[str | None, Query(max_length=300)] = None,
) -> JSONResponse:
    stmt = select(CapacityService).order_by(CapacityService.id).limit(200)
    if identifier:
        system, bar, value = identifier.rpartition("|")
        stmt = stmt.where(CapacityService.provider_service_id == (value if bar else identifier))
        if system:
            stmt = stmt.where(CapacityService.organisation_id == system.rsplit("/", 1)[-1])
    rows = session.scalars(stmt).all()
    outs = [service.service_capacity(session, actor=actor, settings=state.settings, service=r) for r in rows]
    return fhir_response(bundle([healthcare_service(o) for o in outs]))


@router.post("/HealthcareService")
async def write_healthcare_service(
    request: Request, actor: Writer, session: DbSession, state: StateDep
) -> JSONResponse:
    """Create or update a service by its identifier; a capacity-status extension also reports status."""
    body = await _json(request, "HealthcareService")
    return _upsert_healthcare_service(session, actor, state, body)


@router.put("/HealthcareService")
async def conditional_update_healthcare_service(
    request: Request,
    actor: Writer,
    session: DbSession,
    state: StateDep,
    identifier: Annotated[str, Query(max_length=300, description="system|value: the provider's own id")],
) -> JSONResponse:
    """FHIR conditional update: create or update the service whose identifier matches."""
    body = await _json(request, "HealthcareService")
    _, bar, value = identifier.rpartition("|")
    value = value if bar else identifier
    given = [i.get("value") for i in body.get("identifier") or [] if isinstance(i, dict)]
    if given and value not in given:
        raise invalid("HealthcareService.identifier", "must include the identifier searched for", "mismatch")
    if not given:
        body = {**body, "identifier": [{"system": identifier_system(actor.organisation_id or ""), "value": value}]}
    return _upsert_healthcare_service(session, actor, state, body)


@router.put("/HealthcareService/{service_id}")
async def update_healthcare_service(
    request: Request, actor: Writer, session: DbSession, state: StateDep, service_id: str
) -> JSONResponse:
    """FHIR update by id. Ids are assigned here, so a new service is created by POST or a
    conditional update, never by PUT to an id the server has not issued."""
    body = await _json(request, "HealthcareService")
    if body.get("id") != service_id:
        raise ProblemError(
            400,
            "bad-request",
            "Bad request",
            "The resource id must equal the id in the URL.",
            errors=[FieldError(field="HealthcareService.id", message="must equal the URL's id", code="mismatch")],
        )
    row = service.get_service_by_id(session, actor=actor, service_id=service_id)
    given = [i.get("value") for i in body.get("identifier") or [] if isinstance(i, dict)]
    if given and row.provider_service_id not in given:
        raise invalid("HealthcareService.identifier", "a service's identifier cannot be changed", "immutable")
    if not given:
        body = {
            **body,
            "identifier": [{"system": identifier_system(row.organisation_id), "value": row.provider_service_id}],
        }
    _require_own(session, actor, row, "HealthcareService.id")
    return _upsert_healthcare_service(session, actor, state, body)


def _require_own(session: Session, actor: Principal, row: CapacityService, field: str) -> None:
    """Writes reach only the caller's own organisation's services (reads may see more)."""
    org = service.target_organisation(session, actor=actor, organisation_id=None)
    if row.organisation_id != org.id:
        raise forbidden(field, "not your service", "This service belongs to another organisation.")


def _upsert_healthcare_service(
    session: Session, actor: Principal, state: AppState, body: dict[str, Any]
) -> JSONResponse:
    try:
        resource = HealthcareService.model_validate(body)
    except ValidationError as exc:
        raise _fhir_errors(exc, "HealthcareService") from None
    ident = (resource.identifier or [None])[0]
    if ident is None or not ident.value:
        raise invalid("HealthcareService.identifier", "give the service's identifier (your own id)", "missing")
    coding = [c for t in resource.type or [] for c in t.coding or [] if c.system == SERVICE_KIND_SYSTEM]
    try:
        data = schemas.ServiceIn(
            name=resource.name or ident.value,
            kind=schemas.ServiceKind(coding[0].code) if coding else schemas.ServiceKind.CARE_HOME,
            active=resource.active if resource.active is not None else True,
        )
    except (ValidationError, ValueError):
        raise invalid("HealthcareService.type", "type is a service-kind code", "code") from None
    org = service.target_organisation(session, actor=actor, organisation_id=None)
    existing = session.scalars(
        select(CapacityService).where(
            CapacityService.organisation_id == org.id, CapacityService.provider_service_id == ident.value
        )
    ).one_or_none()
    if existing is not None:  # keep where it is: FHIR HealthcareService carries no postcode here
        data = data.model_copy(
            update={"postcode": existing.postcode, "latitude": existing.latitude, "longitude": existing.longitude}
        )
    row, created = service.upsert_service(session, actor=actor, provider_service_id=ident.value, data=data)
    ext = _extension(body.get("extension"), CAPACITY_STATUS_URL)
    if ext is not None:
        parts = {e.get("url"): e for e in ext.get("extension", [])}
        code = ((parts.get("status") or {}).get("valueCodeableConcept") or {}).get("coding", [{}])[0].get("code")
        if code not in FHIR_TO_STATUS:
            raise invalid("HealthcareService.extension.status", f"one of {sorted(FHIR_TO_STATUS)}", "code")
        as_of = _as_of((parts.get("asOf") or {}).get("valueDateTime"), "HealthcareService.extension.asOf")
        update = _validated(
            {
                "update_id": f"fhir-status-{ident.value}-{as_of.astimezone(UTC).strftime('%Y%m%dT%H%M%S%fZ')}"[:100],
                "provider_service_id": ident.value,
                "as_of": as_of,
                "source_system": (parts.get("sourceSystem") or {}).get("valueString") or "FHIR client",
                "status": FHIR_TO_STATUS[code],
                "note": (parts.get("capacityNotes") or {}).get("valueString"),
            },
            "HealthcareService.extension",
        )
        service.ingest(session, actor=actor, settings=state.settings, updates=[update], field_prefix="update.")
    out = service.service_capacity(session, actor=actor, settings=state.settings, service=row)
    return fhir_response(healthcare_service(out), 201 if created else 200)


def _validated(body: dict[str, Any], prefix: str) -> schemas.CapacityUpdate:
    try:
        return schemas.CapacityUpdate.model_validate(body)
    except ValidationError as exc:
        errors = []
        for e in exc.errors():
            loc = [str(p) for p in e["loc"]]
            if e["type"] == "rule" and (e.get("ctx") or {}).get("field"):
                loc.append(str(e["ctx"]["field"]))
            errors.append(FieldError(field=".".join([prefix, *loc]), message=e["msg"], code=e["type"]))
        raise ProblemError(422, "validation", "Invalid request", "The capacity is not valid.", errors=errors) from None


@router.get("/MeasureReport")
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
    row = _find(session, actor, subject)
    if not date:
        out = service.service_capacity(session, actor=actor, settings=state.settings, service=row)
        return fhir_response(bundle([measure_report(out)]))
    start, end = _period(date)
    rows = service.bed_history(session, actor=actor, service=row, start=start, end=end, limit=count)
    return fhir_response(bundle([_historic_report(row, r) for r in rows]))


@router.get("/MeasureReport/{report_id}")
def read_measure_report(actor: Reader, session: DbSession, state: StateDep, report_id: str) -> JSONResponse:
    """`current-{service id}`: the bed counts now; `update-{n}`: one report as it was received."""
    kind, _, ident = report_id.partition("-")
    if kind == "current" and ident:
        row = service.get_service_by_id(session, actor=actor, service_id=ident)
        out = service.service_capacity(session, actor=actor, settings=state.settings, service=row)
        return fhir_response(measure_report(out))
    if kind == "update" and ident.isdigit() and len(ident) < 19:
        found = service.history_row(session, actor=actor, row_id=int(ident))
        if found is not None and "beds" in found[1].payload.get("values", {}):
            return fhir_response(_historic_report(found[0], found[1]))
    raise not_found("MeasureReport", report_id)


def _period(values: list[str]) -> tuple[datetime | None, datetime | None]:
    start = end = None
    for value in values:
        prefix, rest = value[:2], value[2:]
        if prefix not in ("ge", "le", "gt", "lt"):
            raise invalid("date", "use ge or le with a date, e.g. ge2026-11-01", "prefix")
        try:
            moment = datetime.fromisoformat(rest.replace("Z", "+00:00"))
        except ValueError:
            raise invalid("date", "not a FHIR date or dateTime", "datetime") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        if prefix in ("ge", "gt"):
            start = moment
        else:
            end = moment + timedelta(days=1) if len(rest) == 10 else moment  # a whole day: up to its end
    if start and end and end < start:
        raise invalid("date", "the period ends before it starts", "range")
    return start, end


def _historic_report(row: CapacityService, update: CapacityUpdateRow) -> dict[str, Any]:
    """A report as received: its own counts and time, not today's."""
    beds = update.payload["values"]["beds"]
    as_of = update.as_of
    section = schemas.SectionOut(
        value=beds,
        as_of=as_of,
        source_system=update.source_system,
        update_id=update.update_id,
        age_seconds=0,
        stale=False,
    )
    resource = measure_report_for(row.id, row.organisation_id, section, as_of)
    resource["id"] = f"update-{update.id}"
    resource["extension"] = [e for e in resource["extension"] if not e["url"].endswith("/stale")]
    resource["extension"].append({"url": f"{BASE}/StructureDefinition/applied", "valueBoolean": update.applied})
    MeasureReport.model_validate(resource)
    return resource


@router.post("/MeasureReport")
async def write_measure_report(request: Request, actor: Writer, session: DbSession, state: StateDep) -> JSONResponse:
    """Report bed counts: one group per bed type (group.code from the bed-type code system), each
    with all six populations; `date` is when they were true; identifier is the update id."""
    body = await _json(request, "MeasureReport")
    try:
        report = MeasureReport.model_validate(body)
    except ValidationError as exc:
        raise _fhir_errors(exc, "MeasureReport") from None
    if report.subject is None or not report.subject.reference:
        raise invalid("MeasureReport.subject", "give subject HealthcareService/{id}", "missing")
    row = _find(session, actor, report.subject.reference)
    _require_own(session, actor, row, "MeasureReport.subject")
    as_of = _as_of(body.get("date"), "MeasureReport.date")
    update_id = report.identifier[0].value if report.identifier else None
    beds = []
    for gi, group in enumerate(report.group or []):
        codes = [
            c.code
            for c in (group.code.coding if group.code and group.code.coding else [])
            if c.system == BED_TYPE_SYSTEM
        ]
        if not codes:
            continue  # the totals group is derived, never read
        bed: dict[str, Any] = {"bed_type": codes[0]}
        for pop in group.population or []:
            code = next((c.code for c in (pop.code.coding if pop.code and pop.code.coding else [])), None)
            if code in POPULATIONS:
                bed[POPULATIONS[code][1]] = pop.count
        missing = [FIELD_TO_CODE[f] for f in FIELD_TO_CODE if f not in bed]
        if missing:
            raise invalid(
                f"MeasureReport.group.{gi}.population", f"missing populations: {', '.join(missing)}", "missing"
            )
        beds.append(bed)
    if not beds:
        raise invalid("MeasureReport.group", "give one group per bed type", "missing")
    update = _validated(
        {
            "update_id": update_id
            or f"fhir-mr-{row.provider_service_id}-{as_of.astimezone(UTC).strftime('%Y%m%dT%H%M%S%fZ')}"[:100],
            "provider_service_id": row.provider_service_id,
            "as_of": as_of,
            "source_system": next(
                (
                    e.get("valueString")
                    for e in body.get("extension", [])
                    if e.get("url", "").endswith("/source-system")
                ),
                "FHIR client",
            ),
            "beds": beds,
        },
        "MeasureReport",
    )
    service.ingest(session, actor=actor, settings=state.settings, updates=[update], field_prefix="update.")
    out = service.service_capacity(session, actor=actor, settings=state.settings, service=row)
    return fhir_response(measure_report(out), 201)
