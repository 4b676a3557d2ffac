"""The discharge pages render, post back, and show refusals as an error summary."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from tests.domains.discharge.conftest import Discharge, today
from tests.domains.discharge.test_page_forms import _date, _patient_form


def _csrf(client: Any, url: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(url).text)
    assert match
    return match.group(1)


def test_hospital_and_provider_pages(client_as: Any, dx: Discharge) -> None:
    dan, pam = client_as("dan_discharge"), client_as("pam_provider")
    token = _csrf(dan, "/discharge/patients/new")
    body = _patient_form(3)
    bad = dan.post("/discharge/patients/new", data={**body, "nhs_number": "1234567890", "csrf_token": token})
    assert bad.status_code == 422 and "Check the NHS number" in bad.text
    ok = dan.post("/discharge/patients/new", data={**body, "csrf_token": token})
    assert ok.status_code == 200 and "Patient added" in ok.text
    pid = str(ok.url).rsplit("/", 1)[-1].split("?")[0]
    form = {
        "csrf_token": token,
        "mobility": "walking_aid",
        "personal_care": "some",
        "continence": "continent",
        "nutrition": "independent",
        "medication_support": "prompt",
        "cognition": "no_impairment",
        "behaviour": "none",
        "skin_integrity": "intact",
        "carers_needed": "1",
        "care_type": "nursing",
        **_date("start_date", today()),
        "funding": "council",
        "areas": "M41",
        "max_distance_km": "20",
    }
    saved = dan.post(f"/discharge/patients/{pid}/assessment", data=form)
    assert "Assessment saved" in saved.text and "Oak House" in saved.text and "Elm Court" in saved.text
    assert "Far Away House" not in saved.text
    referred = dan.post(
        f"/discharge/patients/{pid}/refer", data={"csrf_token": token, "service_id": [dx.services["oak"]]}
    )
    assert "Referred to 1 service" in referred.text
    listing = pam.get("/discharge/incoming")
    assert "Test Patient 3" not in listing.text and "Nursing" in listing.text
    rid = re.search(r'href="/discharge/incoming/([^"]+)"', listing.text)
    assert rid
    ptoken = _csrf(pam, f"/discharge/incoming/{rid.group(1)}")
    opened = pam.post(f"/discharge/incoming/{rid.group(1)}/open", data={"csrf_token": ptoken})
    assert "Test Patient 3" in opened.text and "Walking aid" in opened.text
    offered = pam.post(
        f"/discharge/incoming/{rid.group(1)}/offer",
        data={"csrf_token": ptoken, **_date("start_date", date(2000, 1, 1)), "accepted_without_reassessment": "yes"},
    )
    assert "There is a problem" in offered.text and "today or in the future" in offered.text
    offered = pam.post(
        f"/discharge/incoming/{rid.group(1)}/offer",
        data={"csrf_token": ptoken, **_date("start_date", today()), "accepted_without_reassessment": "yes"},
    )
    assert "Offer sent" in offered.text
    accepted = dan.post(f"/discharge/referrals/{rid.group(1)}/accept", data={"csrf_token": token})
    assert "Offer accepted" in accepted.text and "accepts the assessment without re-assessing" in accepted.text
    ward = dan.get("/discharge")
    assert "Test Patient 3" in ward.text and "Oak House" in ward.text
    assert dan.get("/discharge/reports").status_code == 200


def test_patient_becomes_ready_later_from_the_page(client_as: Any, dx: Discharge) -> None:
    dan = client_as("dan_discharge")
    token = _csrf(dan, "/discharge/patients/new")
    body = {
        **_patient_form(4),
        "discharge_ready_on-day": "",
        "discharge_ready_on-month": "",
        "discharge_ready_on-year": "",
    }
    added = dan.post("/discharge/patients/new", data={**body, "csrf_token": token})
    assert "Patient added" in added.text and "Not ready" in added.text
    pid = str(added.url).rsplit("/", 1)[-1].split("?")[0]
    url = f"/discharge/patients/{pid}/details"
    future = dan.post(
        url,
        data={"csrf_token": token, "ward": "Ward 9", "pathway": "P3b", **_date("discharge_ready_on", date(2999, 1, 1))},
    )
    assert future.status_code == 422 and "must be today or in the past" in future.text
    assert "Not ready" in future.text and 'value="Ward 9"' in future.text  # kept, not saved
    assert dan.get(f"/api/v1/discharge/patients/{pid}").json()["ward"] == "Ward 7"
    ready = today()
    saved = dan.post(
        url, data={"csrf_token": token, "ward": "Ward 9", "pathway": "P3b", **_date("discharge_ready_on", ready)}
    )
    assert "Details saved" in saved.text and "Ward 9" in saved.text and "Not ready" not in saved.text
    got = dan.get(f"/api/v1/discharge/patients/{pid}").json()
    assert got["ward"] == "Ward 9" and got["discharge_ready_on"] == ready.isoformat() and got["pathway"] == "P3b"
    # Another trust's coordinator, or a provider, cannot change it.
    assert client_as("pam_provider").post(url, data={"csrf_token": token, "ward": "X"}).status_code in (403, 404)
