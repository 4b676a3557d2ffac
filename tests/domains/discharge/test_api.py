"""The discharge API over real HTTP as two users: the hub (Dan) and a care home (Pam)."""

from __future__ import annotations

from typing import Any

from tests.domains.discharge.conftest import Discharge, assessment_body, patient_body

API = "/api/v1/discharge"


def test_place_a_patient_over_http(client_as: Any, dx: Discharge) -> None:
    dan, pam, bob = client_as("dan_discharge"), client_as("pam_provider"), client_as("bob_provider")
    bad = dan.post(f"{API}/patients", json=patient_body(nhs_number="9434765918"))
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    assert bad.json()["errors"][0]["field"] == "body.nhs_number"
    created = dan.post(f"{API}/patients", json=patient_body())
    assert created.status_code == 201, created.text
    pid = created.json()["id"]
    assert created.json()["days_since_ready"] == 4 and created.json()["bed_days_lost"] == 4
    assert dan.post(f"{API}/patients/{pid}/assessments", json=assessment_body()).status_code == 201

    found = dan.get(f"{API}/patients/{pid}/matches").json()
    names = [m["service_name"] for m in found["matches"]]
    assert names[:2] == ["Elm Court", "Oak House"] or set(names) >= {"Elm Court", "Oak House"}
    assert "Far Away House" not in names + [e["service_name"] for e in found["excluded"]]
    oak = next(m for m in found["matches"] if m["service_name"] == "Oak House")
    assert {r["criterion"] for r in oak["reasons"]} >= {"fresh", "capacity", "distance", "funding"}
    assert oak["age_seconds"] is not None and oak["stale"] is False

    refs = dan.post(f"{API}/patients/{pid}/referrals", json={"service_ids": [dx.services["oak"], dx.services["elm"]]})
    assert refs.status_code == 201, refs.text
    by_service = {r["service_name"]: r["id"] for r in refs.json()}
    incoming = pam.get(f"{API}/incoming").json()
    assert [r["id"] for r in incoming] == [by_service["Oak House"]] and incoming[0]["assessment"] is None
    assert bob.get(f"{API}/incoming/{by_service['Oak House']}").status_code == 404
    opened = pam.post(f"{API}/incoming/{by_service['Oak House']}/open").json()
    assert opened["assessment"]["version"] == 1 and opened["patient_name"] == "Test Patient 1"
    offer = pam.post(
        f"{API}/incoming/{by_service['Oak House']}/offer", json={"start_date": opened["summary"]["start_date"]}
    )
    assert offer.status_code == 200 and offer.json()["state"] == "offered"
    declined = bob.post(f"{API}/incoming/{by_service['Elm Court']}/decline", json={"reason": "staffing"})
    assert declined.json()["state"] == "declined"
    again = bob.post(
        f"{API}/incoming/{by_service['Elm Court']}/offer", json={"start_date": opened["summary"]["start_date"]}
    )
    assert again.status_code == 409
    assert dan.post(f"{API}/referrals/{by_service['Oak House']}/accept").json()["state"] == "accepted"
    assert dan.post(f"{API}/referrals/{by_service['Oak House']}/accept").status_code == 409
    delay = dan.post(f"{API}/patients/{pid}/delays", json={"reason_code": "I06", "primary": True})
    assert delay.status_code == 201
    listed = dan.get(f"{API}/patients").json()
    assert listed[0]["primary_delay"] == "I06" and listed[0]["placement"] == "Oak House"
    done = dan.post(f"{API}/patients/{pid}/discharge", json={})
    assert done.json()["status"] == "discharged"
    assert dan.get(f"{API}/reports/bed-days").json()["total"] == 4
    daily = dan.get(f"{API}/reports/daily").json()
    assert daily[-1]["discharged_total"] == 1 and daily[-1]["nhs_trust22_code"] == "RTT"
    # A provider never sees the ward list.
    assert pam.get(f"{API}/patients").status_code == 403


def test_csv_import_dry_run_then_store(client_as: Any, dx: Discharge) -> None:
    dan = client_as("dan_discharge")
    good = patient_body(1)
    rows = [
        ",".join(["nhs_number", "name", "ward", "admitted_on", "discharge_ready_on", "pathway", "home_postcode"]),
        ",".join(
            [
                good["nhs_number"],
                "A Person",
                "Ward 1",
                good["admitted_on"],
                good["discharge_ready_on"],
                "P3b",
                "M41 5BU",
            ]
        ),
    ]
    bad = [*rows, ",".join(["9434765918", "B Person", "Ward 1", good["admitted_on"], "", "P1_reablement", ""])]
    headers = {"content-type": "text/csv"}
    result = dan.post(f"{API}/patients.csv", content="\n".join(bad), headers=headers).json()
    assert result["created"] == 1 and result["errors"][0]["row"] == 3 and result["errors"][0]["field"] == "nhs_number"
    assert dan.get(f"{API}/patients").json() == []  # errors: nothing stored
    dry = dan.post(f"{API}/patients.csv?dry_run=true", content="\n".join(rows), headers=headers).json()
    assert dry == {"dry_run": True, "rows": 1, "created": 1, "updated": 0, "errors": []}
    assert dan.get(f"{API}/patients").json() == []
    stored = dan.post(f"{API}/patients.csv", content="\n".join(rows), headers=headers).json()
    assert stored["created"] == 1
    assert [p["pathway"] for p in dan.get(f"{API}/patients").json()] == ["P3b"]


def test_report_dates_near_year_one_are_refused_naming_the_field(client_as: Any) -> None:
    dan = client_as("dan_discharge")
    for query in ("end=0001-01-01", "start=0001-01-01&end=2025-01-01"):
        for report in ("bed-days", "daily"):
            r = dan.get(f"{API}/reports/{report}?{query}")
            assert r.status_code == 422, (report, query, r.text)
            field = "query.end" if query.startswith("end") else "query.start"
            assert r.json()["errors"][0]["field"] == field
