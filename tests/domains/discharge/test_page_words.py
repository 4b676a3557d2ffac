"""The discharge pages in words (issue 14, item 17): pathways, funding routes, care types and needs
by their labels, counts in agreement with their unit, whole numbers without ".0"; and the day's
discharges listed on the ward list, each leading to its same-day correction.

Each page is read as a person reads it and put through the page-words checker of
tests/test_page_words.py, on a small world of our own (the slow walk uses the demo)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update

from joinedup.domains.discharge.models import DischargePatient
from joinedup.domains.discharge.schemas import NEED_LABELS, Needs
from tests.domains.discharge.conftest import Discharge, assessment_body, patient_body, today
from tests.page_walk import seen_page
from tests.test_page_words import developer_words


def test_every_answer_to_a_need_has_its_words() -> None:
    for name, field in Needs.model_fields.items():
        if name in NEED_LABELS:
            assert field.annotation is not None
            assert set(NEED_LABELS[name]) == {member.value for member in field.annotation}, name
    assert set(NEED_LABELS) == {n for n, f in Needs.model_fields.items() if isinstance(f.annotation, type)} - {
        "carers_needed",
        "end_of_life",
    }


def _words(client: Any, path: str) -> str:
    """The page's words, after checking them for codes and developer words."""
    response = client.get(path)
    assert response.status_code == 200, path
    seen = seen_page(path, response.status_code, response.text)
    problems = developer_words(seen)
    assert problems == [], "\n".join(problems)
    return seen.words


def _patient(client: Any, n: int, **overrides: Any) -> str:
    response = client.post("/api/v1/discharge/patients", json=patient_body(n, **overrides))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def test_the_discharge_pages_say_pathways_funding_and_counts_in_words(client_as: Any, dx: Discharge) -> None:
    dan, pam = client_as("dan_discharge"), client_as("pam_provider")
    pid = _patient(dan, 41, pathway="P3_end_of_life", name="Edna Words")
    assessed = dan.post(
        f"/api/v1/discharge/patients/{pid}/assessments",
        json=assessment_body(funding="nhs_continuing_healthcare", care_type="nursing"),
    )
    assert assessed.status_code == 201, assessed.text
    started = (today() - timedelta(days=4)).isoformat()
    delay = dan.post(
        f"/api/v1/discharge/patients/{pid}/delays", json={"reason_code": "C11", "primary": True, "started_on": started}
    )
    assert delay.status_code == 201, delay.text
    referred = dan.post(f"/api/v1/discharge/patients/{pid}/referrals", json={"service_ids": [dx.services["oak"]]})
    assert referred.status_code == 201, referred.text
    rid = referred.json()[0]["id"]

    ward = _words(dan, "/discharge")
    assert "Pathway 3: end of life" in ward
    patient = _words(dan, f"/discharge/patients/{pid}")
    assert "NHS continuing healthcare funding" in patient
    assert "accepts NHS continuing healthcare" in patient  # why a service matched, in words
    assert "NHS continuing healthcare" in _words(dan, f"/discharge/patients/{pid}/assessment")
    assert "Pathway 3: end of life" in _words(dan, "/discharge/reports")

    assert "Nursing" in _words(pam, "/discharge/incoming")
    referral = _words(pam, f"/discharge/incoming/{rid}")
    assert "Pathway 3: end of life" in referral
    assert "NHS continuing healthcare" in referral
    token = re.search(r'name="csrf_token" value="([^"]+)"', pam.get(f"/discharge/incoming/{rid}").text)
    assert token
    opened = pam.post(f"/discharge/incoming/{rid}/open", data={"csrf_token": token.group(1)})
    assert opened.status_code == 200
    assert "Walking frame" in _words(pam, f"/discharge/incoming/{rid}")


def test_the_ward_list_lists_todays_discharges_each_leading_to_its_correction(client_as: Any, dx: Discharge) -> None:
    """Listed: those discharged today, and those whose discharge was recorded today (a discharge
    late last night recorded this morning), exactly the discharges that can still be undone."""
    dan = client_as("dan_discharge")
    today_id = _patient(dan, 51, name="Dora Today")
    late_id = _patient(dan, 52, name="Lena Latenight")
    old_id = _patient(dan, 53, name="Olga Yesterday")
    staying_id = _patient(dan, 54, name="Fay Staying")
    yesterday = datetime.now(UTC) - timedelta(days=1, hours=1)
    for pid, body in ((today_id, {}), (late_id, {"discharged_at": yesterday.isoformat()})):
        left = dan.post(f"/api/v1/discharge/patients/{pid}/discharge", json=body)
        assert left.status_code == 200, left.text
    with dx.session() as s:  # Olga left yesterday, recorded then (as the demo's history is)
        s.execute(
            update(DischargePatient)
            .where(DischargePatient.id == old_id)
            .values(status="discharged", discharged_at=yesterday)
        )
        s.commit()

    ward = dan.get("/discharge").text
    assert "Discharged today (2)" in _words(dan, "/discharge")
    for pid in (today_id, late_id, staying_id):
        assert f'href="/discharge/patients/{pid}"' in ward
    assert f'href="/discharge/patients/{old_id}"' not in ward  # yesterday's are in the reports
    # Listed apart: the table of those waiting holds only patients still in hospital.
    waiting = ward.split('data-testid="ward-list"', 1)[1]
    assert today_id not in waiting and late_id not in waiting and staying_id in waiting

    for pid in (today_id, late_id):
        assert f'href="/discharge/patients/{pid}/undo-discharge"' in dan.get(f"/discharge/patients/{pid}").text
        assert "Undo this discharge" in _words(dan, f"/discharge/patients/{pid}")
    assert "undo-discharge" not in dan.get(f"/discharge/patients/{staying_id}").text
