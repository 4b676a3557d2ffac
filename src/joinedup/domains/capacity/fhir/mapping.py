"""FHIR R4 mapping for capacity: HealthcareService with a capacity-status extension (after HL7
SDOH Clinical Care "Capacity Status") and SANER-style MeasureReport bed counts, both ways.

Pure: capacity's answers in, FHIR resources out; FHIR resources in, what the service needs out.
Every resource served is validated as R4B first.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fhir.resources.R4B.healthcareservice import HealthcareService
from fhir.resources.R4B.measurereport import MeasureReport

from joinedup import __version__
from joinedup.domains.capacity import schemas

FHIR_JSON = "application/fhir+json"
BASE = "https://joinedup.org.uk/fhir"
CAPACITY_STATUS_URL = f"{BASE}/StructureDefinition/capacity-status"
CAPACITY_STATUS_SYSTEM = "http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes"
SANER = "http://hl7.org/fhir/saner/CodeSystem/MeasuredValues"
JOINEDUP_BEDS = f"{BASE}/CodeSystem/bed-counts"
BED_TYPE_SYSTEM = f"{BASE}/CodeSystem/bed-type"
SERVICE_KIND_SYSTEM = f"{BASE}/CodeSystem/service-kind"
MEASURE = f"{BASE}/Measure/care-home-beds"
IDENTITY_STATUS_SYSTEM = f"{BASE}/CodeSystem/identity-status"
IDENTITY_STATUS_DISPLAY = {
    schemas.IdentityStatus.VERIFIED: "Verified",
    schemas.IdentityStatus.UNVERIFIED: "Awaiting approval",
    schemas.IdentityStatus.REJECTED: "Not approved",
}
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
DEFAULT_SOURCE = "FHIR client"


def identifier_system(organisation_id: str) -> str:
    return f"{BASE}/sid/provider-service-id/{organisation_id}"


# What is served


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
    # Whether an administrator has vouched for the service's name, CQC location id and place.
    resource["meta"] = {
        "tag": [
            {
                "system": IDENTITY_STATUS_SYSTEM,
                "code": svc.identity_status.value,
                "display": IDENTITY_STATUS_DISPLAY[svc.identity_status],
            }
        ]
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
    """The current bed counts of a service."""
    return _measure_report(out.service.id, out.service.organisation_id, out.sections.get("beds"), out.at)


def _measure_report(
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


def historic_report(report: schemas.BedReport) -> dict[str, Any]:
    """A bed report as it was received: its own counts and time, not today's."""
    section = schemas.SectionOut(
        value=report.beds,
        as_of=report.as_of,
        source_system=report.source_system,
        update_id=report.update_id,
        age_seconds=0,
        stale=False,
    )
    resource = _measure_report(report.service_id, report.organisation_id, section, report.as_of)
    resource["id"] = f"update-{report.id}"
    resource["extension"] = [e for e in resource["extension"] if not e["url"].endswith("/stale")]
    resource["extension"].append({"url": f"{BASE}/StructureDefinition/applied", "valueBoolean": report.applied})
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
