"""FHIR R4 facade, and one state whichever channel wrote it: JSON API, CSV upload or FHIR."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from joinedup.core.audit import AuditEvent
from joinedup.core.outbox import OutboxEvent
from joinedup.db.tenancy import Scope
from tests.domains.capacity.conftest import NOW, beds, iso, update

CSV = {"content-type": "text/csv"}
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
    up = provider_system.post("/api/v1/capacity/updates.csv", content=f"{header}\n{row}\n", headers=CSV)
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


KIND = "https://joinedup.org.uk/fhir/CodeSystem/service-kind"


def _hs(**fields: Any) -> dict[str, Any]:
    kind = [{"coding": [{"system": KIND, "code": "care_home"}]}]
    return {"resourceType": "HealthcareService", "type": kind, **fields}


def test_conditional_update_creates_then_updates_by_identifier(provider_system) -> None:
    url = "/fhir/R4/HealthcareService?identifier=home-9"
    created = provider_system.put(url, json=_hs(name="Home Nine"))
    assert created.status_code == 201, created.text
    again = provider_system.put(url, json=_hs(name="Home Nine (renamed)", identifier=[{"value": "home-9"}]))
    assert again.status_code == 200 and again.json()["id"] == created.json()["id"]
    assert provider_system.get("/api/v1/capacity/services/home-9").json()["service"]["name"] == "Home Nine (renamed)"
    clash = provider_system.put(url, json=_hs(name="x", identifier=[{"value": "home-10"}]))
    assert clash.status_code == 422 and clash.json()["issue"][0]["expression"] == ["HealthcareService.identifier"]


def test_update_by_id_keeps_identity_and_refuses_changes_of_it(provider_system, client_as) -> None:
    sid = _service_id(provider_system)
    renamed = provider_system.put(f"/fhir/R4/HealthcareService/{sid}", json=_hs(id=sid, name="Home One, Sale"))
    assert renamed.status_code == 200, renamed.text
    got = provider_system.get("/api/v1/capacity/services/home-1").json()["service"]
    assert got["name"] == "Home One, Sale" and got["postcode"] == "M41 5BU"  # location kept
    wrong_id = provider_system.put(f"/fhir/R4/HealthcareService/{sid}", json=_hs(id="other", name="x"))
    assert wrong_id.status_code == 400 and wrong_id.json()["resourceType"] == "OperationOutcome"
    moved = provider_system.put(
        f"/fhir/R4/HealthcareService/{sid}", json=_hs(id=sid, name="x", identifier=[{"value": "home-2"}])
    )
    assert moved.status_code == 422
    unknown = provider_system.put("/fhir/R4/HealthcareService/no-such", json=_hs(id="no-such", name="x"))
    assert unknown.status_code == 404
    # Another care home's manager cannot reach it at all.
    bob = client_as("bob_provider").put(f"/fhir/R4/HealthcareService/{sid}", json=_hs(id=sid, name="mine now"))
    assert bob.status_code in (403, 404)
    assert provider_system.get("/api/v1/capacity/services/home-1").json()["service"]["name"] == "Home One, Sale"


def test_measure_report_history_by_period_and_read_by_id(provider_system, client_as) -> None:
    sid = _service_id(provider_system)
    for i, minutes in enumerate([300, 200, 100]):
        r = provider_system.post("/fhir/R4/MeasureReport", json=_report(sid, f"m{i}", beds(occupied=30 - i), minutes))
        assert r.status_code == 201, r.text
    status_only = update("s1", minutes_ago=50, status="waitlist")
    assert provider_system.post("/api/v1/capacity/updates", json={"updates": [status_only]}).status_code == 200
    dan = client_as("dan_discharge")
    since = (NOW - timedelta(minutes=250)).strftime("%Y-%m-%dT%H:%M:%SZ")
    found = dan.get("/fhir/R4/MeasureReport", params={"subject": f"HealthcareService/{sid}", "date": f"ge{since}"})
    assert found.status_code == 200, found.text
    reports = [e["resource"] for e in found.json()["entry"]]
    # Newest first; the status-only update carries no counts; the oldest is outside the period.
    assert [_beds_from_report(r)[0]["occupied"] for r in reports] == [28, 29]
    one = dan.get(f"/fhir/R4/MeasureReport/{reports[1]['id']}")
    assert one.status_code == 200 and _beds_from_report(one.json())[0]["occupied"] == 29
    current = dan.get(f"/fhir/R4/MeasureReport/current-{sid}")
    assert current.status_code == 200 and _beds_from_report(current.json())[0]["occupied"] == 28
    assert dan.get("/fhir/R4/MeasureReport/update-999999").status_code == 404
    bad = dan.get("/fhir/R4/MeasureReport", params={"subject": f"HealthcareService/{sid}", "date": "after-lunch"})
    assert bad.status_code == 422 and bad.json()["issue"][0]["expression"] == ["date"]


def _changes(session_factory: Any) -> tuple[list[str], list[str]]:
    with session_factory() as s:
        s.info["scope"] = Scope.system("test")
        audits = s.scalars(
            select(AuditEvent.action).where(AuditEvent.record_type == "capacity_service").order_by(AuditEvent.id)
        ).all()
        events = s.scalars(
            select(OutboxEvent.topic).where(OutboxEvent.topic.startswith("capacity.")).order_by(OutboxEvent.id)
        ).all()
    return list(audits), list(events)


def test_a_put_with_a_status_is_one_change(provider_system, session_factory) -> None:
    """Service and status written by one request: one audit row and one event, naming both."""
    sid = _service_id(provider_system)
    audits, events = _changes(session_factory)
    status = {
        "url": "https://joinedup.org.uk/fhir/StructureDefinition/capacity-status",
        "extension": [
            {"url": "status", "valueCodeableConcept": {"coding": [{"code": "waitlist"}]}},
            {"url": "asOf", "valueDateTime": iso(NOW - timedelta(minutes=1))},
        ],
    }
    r = provider_system.put(f"/fhir/R4/HealthcareService/{sid}", json=_hs(id=sid, name="Home One", extension=[status]))
    assert r.status_code == 200, r.text
    audits_after, events_after = _changes(session_factory)
    assert audits_after[len(audits) :] == ["capacity.update"]
    assert events_after[len(events) :] == ["capacity.updated"]
    renamed = provider_system.put(f"/fhir/R4/HealthcareService/{sid}", json=_hs(id=sid, name="Home One, Sale"))
    assert renamed.status_code == 200
    assert _changes(session_factory)[0][len(audits_after) :] == ["capacity_service.update"]
