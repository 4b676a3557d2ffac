"""FHIR R4 facade, and one state whichever channel wrote it: JSON API, CSV upload or FHIR."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

from tests.domains.capacity.conftest import NOW, beds, iso, update

SANER = "http://hl7.org/fhir/saner/CodeSystem/MeasuredValues"
JUP = "https://joinedup.org.uk/fhir/CodeSystem/bed-counts"
BED_TYPE = "https://joinedup.org.uk/fhir/CodeSystem/bed-type"
CODES = {
    "numTotBeds": (SANER, "physical"),
    "numTotBedsOcc": (SANER, "occupied"),
    "numTotBedsAvail": (SANER, "vacant"),
    "numStaffedBeds": (JUP, "staffed"),
    "numBedsReserved": (JUP, "reserved"),
    "numBedsAcceptingAdmissions": (JUP, "accepting_admissions"),
}


def _report(service_id: str, update_id: str, counts: dict[str, Any], minutes_ago: float = 5) -> dict[str, Any]:
    return {
        "resourceType": "MeasureReport",
        "status": "complete",
        "type": "summary",
        "measure": "https://joinedup.org.uk/fhir/Measure/care-home-beds",
        "identifier": [{"value": update_id}],
        "subject": {"reference": f"HealthcareService/{service_id}"},
        "date": iso(NOW - timedelta(minutes=minutes_ago)),
        "period": {"start": iso(NOW), "end": iso(NOW)},
        "group": [
            {
                "code": {"coding": [{"system": BED_TYPE, "code": counts["bed_type"]}]},
                "population": [
                    {"code": {"coding": [{"system": system, "code": code}]}, "count": counts[field]}
                    for code, (system, field) in CODES.items()
                ],
            }
        ],
    }


def _beds_from_report(report: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for group in report["group"]:
        codings = (group.get("code") or {}).get("coding") or []
        if not codings:
            continue
        bed: dict[str, Any] = {"bed_type": codings[0]["code"]}
        for pop in group["population"]:
            bed[CODES[pop["code"]["coding"][0]["code"]][1]] = pop["count"]
        out.append(bed)
    return out


def _service_id(client: Any) -> str:
    return str(client.get("/api/v1/capacity/services/home-1").json()["service"]["id"])


def test_capability_statement_is_served(anon) -> None:
    r = anon.get("/fhir/R4/metadata")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/fhir+json")
    types = {x["type"] for x in r.json()["rest"][0]["resource"]}
    assert types == {"HealthcareService", "MeasureReport"}


def test_errors_are_operation_outcomes(anon, provider_system) -> None:
    r = anon.get("/fhir/R4/HealthcareService/nope")
    assert r.status_code == 401 and r.json()["resourceType"] == "OperationOutcome"
    bad = provider_system.post(
        "/fhir/R4/MeasureReport", json=_report(_service_id(provider_system), "m1", beds(occupied=33))
    )
    assert bad.status_code == 422
    outcome = bad.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["expression"] == ["MeasureReport.beds.0.vacant"]
    missing = provider_system.get("/fhir/R4/HealthcareService/no-such-service")
    assert missing.status_code == 404 and missing.json()["issue"][0]["code"] == "not-found"


def test_healthcare_service_status_round_trip(provider_system, client_as) -> None:
    hs = {
        "resourceType": "HealthcareService",
        "identifier": [{"value": "home-1"}],
        "name": "Home One",
        "type": [{"coding": [{"system": "https://joinedup.org.uk/fhir/CodeSystem/service-kind", "code": "care_home"}]}],
        "extension": [
            {
                "url": "https://joinedup.org.uk/fhir/StructureDefinition/capacity-status",
                "extension": [
                    {
                        "url": "status",
                        "valueCodeableConcept": {"coding": [{"code": "waitlist"}]},
                    },
                    {"url": "asOf", "valueDateTime": iso(NOW - timedelta(minutes=1))},
                    {"url": "capacityNotes", "valueString": "no vacancies until January"},
                ],
            }
        ],
    }
    r = provider_system.post("/fhir/R4/HealthcareService", json=hs)
    assert r.status_code == 200, r.text
    got = provider_system.get("/api/v1/capacity/services/home-1").json()
    assert got["status"] == "waitlist" and got["note"] == "no vacancies until January"
    read = client_as("dan_discharge").get(f"/fhir/R4/HealthcareService/{got['service']['id']}").json()
    parts = {e["url"]: e for e in read["extension"][0]["extension"]}
    assert parts["status"]["valueCodeableConcept"]["coding"][0]["code"] == "waitlist"
    assert parts["capacityNotes"]["valueString"] == "no vacancies until January"


def test_three_channels_one_state(provider_system, client_as) -> None:
    """Write through each channel in turn; after each, all three read back the same beds."""
    sid = _service_id(provider_system)
    dan = client_as("dan_discharge")
    pam = client_as("pam_provider")

    def read_all() -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, str]]:
        json_beds = dan.get("/api/v1/capacity/services/home-1", params={"organisation_id": pam_org}).json()
        fhir = dan.get("/fhir/R4/MeasureReport", params={"subject": f"HealthcareService/{sid}"}).json()
        export = pam.get("/api/v1/capacity/exports/capacity-tracker.csv").text
        return (
            json_beds["sections"]["beds"]["value"],
            _beds_from_report(fhir["entry"][0]["resource"]),
            next(csv.DictReader(io.StringIO(export))),
        )

    pam_org = provider_system.get("/api/v1/capacity/services/home-1").json()["service"]["organisation_id"]
    expected_by_channel = []

    # 1. JSON API
    first = beds(occupied=30, vacant=6, reserved=1, accepting_admissions=4)
    assert (
        provider_system.post(
            "/api/v1/capacity/updates", json={"updates": [update("j1", minutes_ago=30, beds=[first])]}
        ).status_code
        == 200
    )
    expected_by_channel.append(first)
    # 2. CSV upload
    second = beds(occupied=32, vacant=4, reserved=0, accepting_admissions=4)
    row = ",".join(
        ["c1", "home-1", iso(NOW - timedelta(minutes=20)), "Sheet", "", ""]
        + [
            str(second[k])
            for k in ("bed_type", "physical", "staffed", "occupied", "reserved", "vacant", "accepting_admissions")
        ]
        + [""] * 6
    )
    header = provider_system.get("/api/v1/capacity/updates/template.csv").text.splitlines()[0]
    up = provider_system.post("/api/v1/capacity/updates.csv", content=f"{header}\n{row}\n")
    assert up.status_code == 200 and up.json()["stored"] == 1, up.text
    expected_by_channel.append(second)
    # 3. FHIR MeasureReport
    third = beds(occupied=35, vacant=1, reserved=0, accepting_admissions=1)
    fr = provider_system.post("/fhir/R4/MeasureReport", json=_report(sid, "f1", third, minutes_ago=10))
    assert fr.status_code == 201, fr.text
    expected_by_channel.append(third)

    json_beds, fhir_beds, tracker = read_all()
    assert json_beds == [third] and fhir_beds == [third]
    assert (tracker["maximum_capacity"], tracker["occupied"], tracker["vacant_reserved"]) == ("40", "35", "0")
    assert tracker["vacant_accepting_admissions"] == "1"
    # An older FHIR report arriving late joins history but changes nothing.
    late = provider_system.post("/fhir/R4/MeasureReport", json=_report(sid, "f0", first, minutes_ago=40))
    assert late.status_code == 201
    assert read_all()[0] == [third]
    history = provider_system.get("/api/v1/capacity/services/home-1/history").json()["items"]
    assert {h["channel"] for h in history} == {"api", "fhir"}
    assert len(history) == 4
