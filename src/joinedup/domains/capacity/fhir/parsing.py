"""What providers send as FHIR, read into what the capacity service takes. Pure: a resource
(already JSON) in, plain values out, or a 4xx problem naming the resource's field."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fhir.resources.R4B.healthcareservice import HealthcareService
from fhir.resources.R4B.measurereport import MeasureReport
from pydantic import ValidationError

from joinedup.core.errors import FieldError, ProblemError, field_errors, invalid
from joinedup.domains.capacity import schemas
from joinedup.domains.capacity.fhir.mapping import (
    BED_TYPE_SYSTEM,
    CAPACITY_STATUS_URL,
    DEFAULT_SOURCE,
    FHIR_TO_STATUS,
    FIELD_TO_CODE,
    POPULATIONS,
    SERVICE_KIND_SYSTEM,
    identifier_system,
)


def _fhir_errors(exc: ValidationError, prefix: str) -> ProblemError:
    errors = field_errors(exc.errors(), prefix)
    return ProblemError(422, "validation", "Invalid request", "The resource is not valid FHIR R4.", errors=errors)


def resource_of(body: Any, resource_type: str) -> dict[str, Any]:
    """The body as a resource of that type, or a 422 naming resourceType."""
    if not isinstance(body, dict) or body.get("resourceType") != resource_type:
        raise invalid("resourceType", f"Send a {resource_type} resource.", "resource_type")
    return body


def _extension(items: list[dict[str, Any]] | None, url: str) -> dict[str, Any] | None:
    return next((e for e in items or [] if isinstance(e, dict) and e.get("url") == url), None)


def _as_of(value: Any, field: str) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise invalid(field, "not a FHIR dateTime", "datetime") from None
    if moment.tzinfo is None:
        raise invalid(field, "give a time zone (e.g. Z)", "timezone")
    return moment


def token_value(identifier: str) -> str:
    """The value of a `system|value` token (the whole of it when there is no system)."""
    _, bar, value = identifier.rpartition("|")
    return value if bar else identifier


def given_identifiers(body: dict[str, Any]) -> list[Any]:
    return [i.get("value") for i in body.get("identifier") or [] if isinstance(i, dict)]


def with_identifier(body: dict[str, Any], organisation_id: str | None, value: str) -> dict[str, Any]:
    """The resource naming `value` as its identifier when it names none itself."""
    if given_identifiers(body):
        return body
    return {**body, "identifier": [{"system": identifier_system(organisation_id or ""), "value": value}]}


def require_same_id(body: dict[str, Any], service_id: str) -> None:
    if body.get("id") != service_id:
        raise ProblemError(
            400,
            "bad-request",
            "Bad request",
            "The resource id must equal the id in the URL.",
            errors=[FieldError(field="HealthcareService.id", message="must equal the URL's id", code="mismatch")],
        )


@dataclass(frozen=True)
class ServiceIn:
    """A HealthcareService as the capacity service takes it."""

    provider_service_id: str | None  # its first identifier's value
    identifiers: list[str]
    name: str | None
    kind: schemas.ServiceKind
    active: bool
    status: schemas.StatusReport | None


def _status(body: dict[str, Any]) -> schemas.StatusReport | None:
    ext = _extension(body.get("extension"), CAPACITY_STATUS_URL)
    if ext is None:
        return None
    parts = {e.get("url"): e for e in ext.get("extension", []) if isinstance(e, dict)}
    codings = ((parts.get("status") or {}).get("valueCodeableConcept") or {}).get("coding") or [{}]
    code = codings[0].get("code") if isinstance(codings[0], dict) else None
    if code not in FHIR_TO_STATUS:
        raise invalid("HealthcareService.extension.status", f"one of {sorted(FHIR_TO_STATUS)}", "code")
    return schemas.StatusReport(
        status=schemas.OverallStatus(FHIR_TO_STATUS[code]),
        note=(parts.get("capacityNotes") or {}).get("valueString"),
        as_of=_as_of((parts.get("asOf") or {}).get("valueDateTime"), "HealthcareService.extension.asOf"),
        source_system=(parts.get("sourceSystem") or {}).get("valueString") or DEFAULT_SOURCE,
    )


def service_in(body: dict[str, Any]) -> ServiceIn:
    """A HealthcareService resource read: identifier, name, kind, active, and any status."""
    try:
        resource = HealthcareService.model_validate(body)
    except ValidationError as exc:
        raise _fhir_errors(exc, "HealthcareService") from None
    types: list[Any] = list(resource.type or [])
    coding = [c for t in types for c in t.coding or [] if c.system == SERVICE_KIND_SYSTEM]
    try:
        kind = schemas.ServiceKind(coding[0].code) if coding else schemas.ServiceKind.CARE_HOME
    except ValueError:
        raise invalid("HealthcareService.type", "type is a service-kind code", "code") from None
    first = (resource.identifier or [None])[0]
    return ServiceIn(
        provider_service_id=first.value if first is not None else None,
        identifiers=given_identifiers(body),
        name=resource.name,
        kind=kind,
        active=resource.active if resource.active is not None else True,
        status=_status(body),
    )


def service_id_of(reference: str) -> str:
    """Our id of a `HealthcareService/{id}` reference."""
    kind, _, ident = reference.partition("/")
    if kind != "HealthcareService" or not ident:
        raise invalid("subject.reference", "must be HealthcareService/{id}", "reference")
    return ident


@dataclass(frozen=True)
class BedsIn:
    """A MeasureReport as the capacity service takes it: bed counts of one service, true at `as_of`."""

    service_id: str
    as_of: datetime
    update_id: str | None
    source_system: str
    beds: list[dict[str, Any]]


def beds_in(body: dict[str, Any]) -> BedsIn:
    """Bed counts: one group per bed type (group.code from the bed-type code system), each with
    all six populations; `date` is when they were true; identifier is the update id."""
    try:
        report = MeasureReport.model_validate(body)
    except ValidationError as exc:
        raise _fhir_errors(exc, "MeasureReport") from None
    if report.subject is None or not report.subject.reference:
        raise invalid("MeasureReport.subject", "give subject HealthcareService/{id}", "missing")
    service_id = service_id_of(report.subject.reference)
    as_of = _as_of(body.get("date"), "MeasureReport.date")
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
    source = next(
        (
            e.get("valueString")
            for e in body.get("extension", [])
            if isinstance(e, dict) and str(e.get("url", "")).endswith("/source-system")
        ),
        None,
    )
    return BedsIn(
        service_id=service_id,
        as_of=as_of,
        update_id=report.identifier[0].value if report.identifier else None,
        source_system=source or DEFAULT_SOURCE,
        beds=beds,
    )


def period(values: list[str]) -> tuple[datetime | None, datetime | None]:
    """A FHIR date search (ge/gt a start, le/lt an end; a bare date reaches to its day's end)."""
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
