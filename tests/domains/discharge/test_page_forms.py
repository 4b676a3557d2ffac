"""The discharge forms treat people well: a refused form comes back (422) with an error summary
linked to its fields, a plain-English message at each field, and what was typed; nothing is
claimed that did not happen; postcodes in any case and spacing; dates as day, month and year;
a link cannot put words of its own in a message box; discharge asks first."""

from __future__ import annotations

import html
import itertools
import re
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from joinedup.core.audit import AuditEvent
from joinedup.domains.discharge.models import DischargePatient
from tests.domains.discharge.conftest import Discharge, nhs, patient_body, today

numbers = itertools.count(800)
# Words of the validation library, or of code, that must never reach a person.
LIBRARY_WORDS = re.compile(
    r"String should|Input should|should match pattern|Value error|value_error|Field required|"
    r"\^\[|body\.|_on\b|_postcode|hours_per_week|type=|pydantic|validation error",
)


def _csrf(client: Any, url: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(url).text)
    assert match
    return match.group(1)


def _date(prefix: str, d: date) -> dict[str, str]:
    return {f"{prefix}-day": str(d.day), f"{prefix}-month": str(d.month), f"{prefix}-year": str(d.year)}


def _patient_form(n: int, **overrides: str) -> dict[str, str]:
    body = patient_body(n)
    form = {
        "nhs_number": body["nhs_number"],
        "name": body["name"],
        "ward": body["ward"],
        "pathway": body["pathway"],
        "home_postcode": body["home_postcode"],
        **_date("admitted_on", today() - timedelta(days=12)),
        **_date("discharge_ready_on", today() - timedelta(days=4)),
    }
    form.update(overrides)
    return form


def _summary(page: str) -> list[tuple[str, str]]:
    """The error summary's (link, message) pairs."""
    box = re.search(r'class="nhsuk-error-summary".*?</ul>', page, flags=re.S)
    assert box, "no error summary"
    return [
        (href, html.unescape(re.sub(r"\s+", " ", text).strip()))
        for href, text in re.findall(r'<a href="([^"]+)"[^>]*>(.*?)</a>', box.group(0), flags=re.S)
    ]


def _field_error(page: str, field_id: str) -> str:
    match = re.search(
        rf'id="{re.escape(field_id)}-error"[^>]*>\s*<span[^>]*>Error:\s*</span>(.*?)</span>', page, flags=re.S
    )
    assert match, f"no error message at {field_id}"
    return html.unescape(re.sub(r"\s+", " ", match.group(1)).strip())


def _add(client: Any, token: str, form: dict[str, str]) -> Any:
    return client.post("/discharge/patients/new", data={**form, "csrf_token": token})


def test_a_refused_new_patient_comes_back_with_a_linked_summary_field_messages_and_what_was_typed(
    client_as: Any, dx: Discharge, session_factory: Any
) -> None:
    dan = client_as("dan_discharge")
    token = _csrf(dan, "/discharge/patients/new")
    form = _patient_form(
        next(numbers),
        nhs_number="1234567890",
        name="Edna <b>Testpatient</b>",
        home_postcode="not a postcode",
        **{"admitted_on-day": "31", "admitted_on-month": "2", "admitted_on-year": "2026"},
    )
    answer = _add(dan, token, form)
    assert answer.status_code == 422
    summary = dict(_summary(answer.text))
    assert summary["#nhs_number"] == _field_error(answer.text, "nhs_number")
    assert "NHS number" in summary["#nhs_number"]
    assert summary["#admitted_on-day"] == "Admission date must be a real date"
    assert "postcode" in summary["#home_postcode"].lower()
    assert not LIBRARY_WORDS.search(" ".join(summary.values())), summary
    # What was typed comes back (escaped), dates part by part.
    assert 'value="Edna &lt;b&gt;Testpatient&lt;/b&gt;"' in answer.text
    assert 'value="not a postcode"' in answer.text and 'value="31"' in answer.text
    assert "?problem=" not in str(answer.url) and "<b>Testpatient</b>" not in answer.text
    with session_factory() as s:
        s.info["scope"] = dx.session().info["scope"]
        assert s.scalars(select(DischargePatient)).all() == []


def test_every_rule_on_the_new_patient_form_has_its_own_plain_message(client_as: Any, dx: Discharge) -> None:
    dan = client_as("dan_discharge")
    token = _csrf(dan, "/discharge/patients/new")
    future = today() + timedelta(days=3)
    cases: list[tuple[dict[str, str], str, str]] = [
        ({"nhs_number": ""}, "#nhs_number", "Enter the patient's NHS number"),
        ({"nhs_number": "12345"}, "#nhs_number", "NHS number must be 10 digits"),
        ({"name": " "}, "#name", "Enter the patient's name"),
        ({"name": "x" * 121}, "#name", "Name must be 120 characters or fewer"),
        ({"ward": ""}, "#ward", "Enter the ward"),
        (
            {"hospital_number": "A/1"},
            "#hospital_number",
            "Hospital number must be up to 30 letters, numbers or hyphens",
        ),
        ({"admitted_on-month": ""}, "#admitted_on-month", "Admission date must include a month"),
        ({"admitted_on-year": "26"}, "#admitted_on-year", "Admission date must include a year with 4 numbers"),
        (_date("admitted_on", future), "#admitted_on-day", "The admission date must be today or in the past"),
        ({"discharge_ready_on-day": "x"}, "#discharge_ready_on-day", "Discharge ready date must be a real date"),
        ({"pathway": "P9"}, "#pathway", "Select the proposed discharge pathway"),
        ({"family_postcode": "M41 5B"}, "#family_postcode", "Enter a full UK postcode, like M41 5BU"),
    ]
    for change, anchor, message in cases:
        answer = _add(dan, token, _patient_form(next(numbers), **change))
        assert answer.status_code == 422, change
        summary = _summary(answer.text)
        assert (anchor, message) in summary, (change, summary)
        assert not LIBRARY_WORDS.search(" ".join(m for _, m in summary)), change


def test_postcodes_in_any_case_and_spacing_are_stored_one_way(
    client_as: Any, dx: Discharge, session_factory: Any
) -> None:
    dan = client_as("dan_discharge")
    token = _csrf(dan, "/discharge/patients/new")
    for typed in ("m41 5bu", "M415BU", "  m41   5BU ", "M 41 5 BU"):
        n = next(numbers)
        answer = _add(dan, token, _patient_form(n, home_postcode=typed, family_postcode=typed.lower()))
        assert answer.status_code == 200 and "Patient added" in answer.text, typed
        with session_factory() as s:
            s.info["scope"] = dx.session().info["scope"]
            row = s.scalars(select(DischargePatient).where(DischargePatient.nhs_number == nhs(n))).one()
        assert (row.home_postcode, row.family_postcode) == ("M41 5BU", "M41 5BU")


def test_an_empty_or_unchanged_details_form_claims_nothing(client_as: Any, dx: Discharge) -> None:
    dan = client_as("dan_discharge")
    token = _csrf(dan, "/discharge/patients/new")
    added = _add(dan, token, _patient_form(next(numbers)))
    pid = str(added.url).rsplit("/", 1)[-1].split("?")[0]
    url = f"/discharge/patients/{pid}/details"

    def updates() -> int:
        with dx.session() as s:
            return len(
                s.scalars(
                    select(AuditEvent).where(
                        AuditEvent.action == "discharge_patient.update", AuditEvent.record_id == pid
                    )
                ).all()
            )

    empty = dan.post(url, data={"csrf_token": token, "had_ready_date": "yes"})
    assert empty.status_code == 422 and "Details saved" not in empty.text
    assert ("#ward", "Enter the ward") in _summary(empty.text)
    assert ("#discharge_ready_on-day", "Enter the discharge ready date") in _summary(empty.text)
    ready = today() - timedelta(days=4)
    same = {"csrf_token": token, "ward": "Ward 7", "pathway": "P3_new_placement", **_date("discharge_ready_on", ready)}
    unchanged = dan.post(url, data=same)
    assert unchanged.status_code == 200 and "Details saved" not in unchanged.text
    assert "No changes were made" in unchanged.text and updates() == 0
    changed = dan.post(url, data={**same, "ward": "Ward 9"})
    assert "Details saved" in changed.text and "Ward 9" in changed.text and updates() == 1


def test_a_link_cannot_put_its_own_words_in_a_message_box(client_as: Any, dx: Discharge) -> None:
    dan = client_as("dan_discharge")
    words = "Your account is locked: call 0800 000 000"
    for url in (
        f"/discharge?done={words}",
        f"/discharge?problem={words}",
        f"/discharge/patients/new?problem={words}",
    ):
        page = dan.get(url)
        assert page.status_code == 200 and words not in page.text and "0800" not in page.text
    assert "Patient added" in dan.get("/discharge?done=patient-added").text


def test_the_provider_forms_refuse_in_plain_english(client_as: Any, dx: Discharge) -> None:
    dan, pam = client_as("dan_discharge"), client_as("pam_provider")
    token = _csrf(dan, "/discharge/patients/new")
    added = _add(dan, token, _patient_form(next(numbers)))
    pid = str(added.url).rsplit("/", 1)[-1].split("?")[0]
    assessment = {
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
        "care_type": "homecare",
        "funding": "council",
        "areas": "M41, nowhere",
        "max_distance_km": "far",
        **_date("start_date", today()),
    }
    refused = dan.post(f"/discharge/patients/{pid}/assessment", data=assessment)
    assert refused.status_code == 422
    summary = dict(_summary(refused.text))
    assert summary["#areas"] == "Enter postcode districts like M41 or M33, separated by commas"
    assert summary["#max_distance_km"] == "Furthest distance must be a number, like 15"
    assert 'value="M41, nowhere"' in refused.text and 'value="far"' in refused.text
    # A rule across fields is checked once each field is readable.
    hours = dan.post(
        f"/discharge/patients/{pid}/assessment", data={**assessment, "areas": "M41", "max_distance_km": "9"}
    )
    assert ("#hours_per_week", "Enter the hours a week homecare is needed") in _summary(hours.text)
    saved = dan.post(
        f"/discharge/patients/{pid}/assessment",
        data={**assessment, "care_type": "nursing", "areas": "m41", "max_distance_km": "20"},
    )
    assert "Assessment saved" in saved.text
    dan.post(f"/discharge/patients/{pid}/refer", data={"csrf_token": token, "service_id": dx.services["oak"]})
    rid = re.search(r'href="/discharge/incoming/([^"]+)"', pam.get("/discharge/incoming").text)
    assert rid
    ptoken = _csrf(pam, f"/discharge/incoming/{rid.group(1)}")
    base = f"/discharge/incoming/{rid.group(1)}"
    pam.post(f"{base}/open", data={"csrf_token": ptoken})
    past = pam.post(f"{base}/offer", data={"csrf_token": ptoken, **_date("start_date", date(2000, 1, 1))})
    assert past.status_code == 422
    assert ("#start_date-day", "The start date must be today or in the future") in _summary(past.text)
    assert 'value="2000"' in past.text
    no_reason = pam.post(f"{base}/decline", data={"csrf_token": ptoken, "note": "kept note"})
    assert no_reason.status_code == 422
    assert ("#reason", "Select why you are declining") in _summary(no_reason.text)
    assert "kept note" in no_reason.text
    empty = pam.post(f"{base}/question", data={"csrf_token": ptoken, "text": "  "})
    assert empty.status_code == 422 and ("#text", "Enter your question") in _summary(empty.text)
    long = pam.post(f"{base}/question", data={"csrf_token": ptoken, "text": "q" * 1001})
    assert ("#text", "Your question must be 1000 characters or fewer") in _summary(long.text)


def test_discharge_asks_first_naming_the_patient_and_the_time(client_as: Any, dx: Discharge) -> None:
    dan = client_as("dan_discharge")
    token = _csrf(dan, "/discharge/patients/new")
    n = next(numbers)
    added = _add(dan, token, _patient_form(n, name="Edna Testpatient"))
    pid = str(added.url).rsplit("/", 1)[-1].split("?")[0]
    patient_page = dan.get(f"/discharge/patients/{pid}").text
    # No one-click form: the button leads to a question.
    assert f'action="/discharge/patients/{pid}/discharge"' not in patient_page
    assert f'href="/discharge/patients/{pid}/discharge"' in patient_page
    question = dan.get(f"/discharge/patients/{pid}/discharge")
    assert question.status_code == 200
    assert "Edna Testpatient" in question.text and re.search(r"\b\d{2}:\d{2}\b", question.text)
    at = re.search(r'name="discharged_at" value="([^"]+)"', question.text)
    assert at
    # Posting without the confirmation's time discharges no one.
    unconfirmed = dan.post(f"/discharge/patients/{pid}/discharge", data={"csrf_token": token})
    assert unconfirmed.status_code == 422
    assert dan.get(f"/api/v1/discharge/patients/{pid}").json()["status"] == "in_hospital"
    done = dan.post(f"/discharge/patients/{pid}/discharge", data={"csrf_token": token, "discharged_at": at.group(1)})
    assert done.status_code == 200 and "Discharge recorded" in done.text
    assert dan.get(f"/api/v1/discharge/patients/{pid}").json()["status"] == "discharged"
    # Recorded in error: undone the same day, with a reason (asked for if missing).
    assert f'href="/discharge/patients/{pid}/undo-discharge"' in done.text
    no_reason = dan.post(f"/discharge/patients/{pid}/undo-discharge", data={"csrf_token": token})
    assert no_reason.status_code == 422
    assert ("#reason", "Select why the discharge is being undone") in _summary(no_reason.text)
    undone = dan.post(f"/discharge/patients/{pid}/undo-discharge", data={"csrf_token": token, "reason": "not_left"})
    assert undone.status_code == 200 and "Discharge undone" in undone.text
    assert dan.get(f"/api/v1/discharge/patients/{pid}").json()["status"] == "in_hospital"


def test_withdrawing_a_referral_asks_first_naming_the_service(client_as: Any, dx: Discharge) -> None:
    dan = client_as("dan_discharge")
    token = _csrf(dan, "/discharge/patients/new")
    added = _add(dan, token, _patient_form(next(numbers), name="Edna Testpatient"))
    pid = str(added.url).rsplit("/", 1)[-1].split("?")[0]
    assessment = {
        "csrf_token": token,
        "personal_care": "some",
        "mobility": "walking_aid",
        "continence": "continent",
        "nutrition": "independent",
        "medication_support": "prompt",
        "cognition": "no_impairment",
        "behaviour": "none",
        "skin_integrity": "intact",
        "carers_needed": "1",
        "care_type": "nursing",
        "funding": "council",
        **_date("start_date", today()),
    }
    dan.post(f"/discharge/patients/{pid}/assessment", data=assessment)
    dan.post(f"/discharge/patients/{pid}/refer", data={"csrf_token": token, "service_id": dx.services["oak"]})
    board = dan.get(f"/discharge/patients/{pid}").text
    rid = re.search(r'href="/discharge/referrals/([^"/]+)/withdraw"', board)
    assert rid, "the withdraw button leads to a question"
    assert f'action="/discharge/referrals/{rid.group(1)}/withdraw"' not in board
    question = dan.get(f"/discharge/referrals/{rid.group(1)}/withdraw")
    assert question.status_code == 200 and "Oak House" in question.text and "Edna Testpatient" in question.text
    unasked = dan.post(f"/discharge/referrals/{rid.group(1)}/withdraw", data={"csrf_token": token})
    assert "Referral withdrawn" not in unasked.text
    assert dan.get(f"/api/v1/discharge/referrals/{rid.group(1)}").json()["state"] == "sent"
    done = dan.post(f"/discharge/referrals/{rid.group(1)}/withdraw", data={"csrf_token": token, "confirm": "yes"})
    assert "Referral withdrawn" in done.text
    assert dan.get(f"/api/v1/discharge/referrals/{rid.group(1)}").json()["state"] == "withdrawn"
