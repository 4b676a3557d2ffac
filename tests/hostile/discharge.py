"""The discharge pages' forms, as hostile-input cases: each readies its patient or referral
through the service (the only door) and returns where its form posts and a valid answer."""

from __future__ import annotations

import itertools
from datetime import timedelta

from joinedup.core.clock import utcnow
from joinedup.domains.discharge import service
from joinedup.domains.discharge.schemas import AssessmentIn, DelayIn, OfferIn, PatientIn
from tests.domains.discharge.conftest import act, assessment_body, nhs, patient_body, today
from tests.hostile.harness import Answer, FormCase, Stage, Target

numbers = itertools.count(5000)


def _patient(stage: Stage, *, assessed: bool = True, ready: bool = True) -> str:
    n = next(numbers)
    body = patient_body(n) if ready else patient_body(n, discharge_ready_on=None)
    pid = str(act(stage.dx, "dan_discharge", service.create_patient, data=PatientIn.model_validate(body)).id)
    if assessed:
        data = AssessmentIn.model_validate(assessment_body())
        act(stage.dx, "dan_discharge", service.add_assessment, patient_id=pid, data=data)
    return pid


def _referral(stage: Stage, *, opened: bool = True, question: bool = False) -> str:
    pid = _patient(stage)
    rid = str(
        act(stage.dx, "dan_discharge", service.refer, patient_id=pid, service_ids=[stage.dx.services["oak"]])[0].id
    )
    if opened or question:
        act(stage.dx, "pam_provider", service.open_referral, referral_id=rid)
    if question:
        act(stage.dx, "pam_provider", service.ask, referral_id=rid, text="Any pressure care at night?")
    return rid


def _date(prefix: str, offset_days: int = 0) -> dict[str, str]:
    d = today() + timedelta(days=offset_days)
    return {f"{prefix}-day": str(d.day), f"{prefix}-month": str(d.month), f"{prefix}-year": str(d.year)}


def _new_patient(stage: Stage) -> Target:
    def answer() -> Answer:
        return {
            "nhs_number": nhs(next(numbers)),
            "name": "Test Patient",
            "hospital_number": "H-1",
            "ward": "Ward 7",
            **_date("admitted_on", -12),
            **_date("discharge_ready_on", -4),
            "pathway": "P3_new_placement",
            "home_postcode": "M41 5BU",
            "family_postcode": "m415bu",
        }

    return Target("/discharge/patients/new", answer)


def _details(stage: Stage) -> Target:
    pid = _patient(stage, assessed=False)
    return Target(
        f"/discharge/patients/{pid}/details",
        lambda: {"had_ready_date": "yes", "ward": "Ward 9", "pathway": "P3b", **_date("discharge_ready_on", -2)},
    )


def _assessment(stage: Stage) -> Target:
    pid = _patient(stage, assessed=False)
    return Target(
        f"/discharge/patients/{pid}/assessment",
        lambda: {
            "mobility": "walking_aid",
            "personal_care": "some",
            "continence": "continent",
            "nutrition": "independent",
            "medication_support": "prompt",
            "cognition": "no_impairment",
            "behaviour": "none",
            "skin_integrity": "intact",
            "equipment": ["hoist", "commode"],
            "carers_needed": "1",
            "end_of_life": "yes",
            "care_type": "nursing",
            "hours_per_week": "",
            **_date("start_date"),
            "funding": "council",
            "areas": "M41, M33",
            "max_distance_km": "20",
            "notes": "Near her daughter",
            "risks": "Falls at night",
        },
    )


def _refer(stage: Stage) -> Target:
    pid = _patient(stage)
    return Target(f"/discharge/patients/{pid}/refer", lambda: {"service_id": [stage.dx.services["elm"]]})


def _delay(stage: Stage) -> Target:
    pid = _patient(stage, assessed=False)
    return Target(
        f"/discharge/patients/{pid}/delays", lambda: {"reason_code": "C11", "primary": "yes", **_date("started_on", -1)}
    )


def _discharge(stage: Stage) -> Target:
    pid = _patient(stage, assessed=False)
    return Target(f"/discharge/patients/{pid}/discharge", lambda: {"discharged_at": utcnow().isoformat()})


def _undo(stage: Stage) -> Target:
    pid = _patient(stage, assessed=False)
    act(stage.dx, "dan_discharge", service.discharge, patient_id=pid)
    return Target(f"/discharge/patients/{pid}/undo-discharge", lambda: {"reason": "not_left"})


def _answer(stage: Stage) -> Target:
    rid = _referral(stage, question=True)
    return Target(f"/discharge/referrals/{rid}/answer", lambda: {"text": "Two-hourly turns"})


def _offer(stage: Stage) -> Target:
    rid = _referral(stage)
    return Target(
        f"/discharge/incoming/{rid}/offer",
        lambda: {**_date("start_date"), "hold_hours": "24", "accepted_without_reassessment": "yes"},
    )


def _decline(stage: Stage) -> Target:
    rid = _referral(stage)
    return Target(f"/discharge/incoming/{rid}/decline", lambda: {"reason": "staffing", "note": "No night staff"})


def _question(stage: Stage) -> Target:
    rid = _referral(stage)
    return Target(f"/discharge/incoming/{rid}/question", lambda: {"text": "Is a hoist needed?"})


def _accept(stage: Stage) -> Target:
    rid = _referral(stage)
    act(
        stage.dx,
        "pam_provider",
        service.offer,
        settings=stage.dx.settings,
        referral_id=rid,
        data=OfferIn(start_date=today()),
    )
    return Target(f"/discharge/referrals/{rid}/accept", dict)


def _withdraw(stage: Stage) -> Target:
    rid = _referral(stage, opened=False)
    return Target(f"/discharge/referrals/{rid}/withdraw", lambda: {"confirm": "yes"})


def _end_delay(stage: Stage) -> Target:
    pid = _patient(stage, assessed=False)
    delay = act(stage.dx, "dan_discharge", service.add_delay, patient_id=pid, data=DelayIn(reason_code="C11"))
    return Target(f"/discharge/patients/{pid}/delays/{delay.id}/end", dict)


def _open(stage: Stage) -> Target:
    return Target(f"/discharge/incoming/{_referral(stage, opened=False)}/open", dict)


DISCHARGE_FORMS = [
    FormCase("add a patient", "dan_discharge", _new_patient, "/discharge"),
    FormCase("patient details", "dan_discharge", _details, "/discharge"),
    FormCase("shared assessment", "dan_discharge", _assessment, "/discharge"),
    FormCase("refer", "dan_discharge", _refer, "/discharge"),
    FormCase("delay reason", "dan_discharge", _delay, "/discharge"),
    FormCase("record discharge", "dan_discharge", _discharge, "/discharge"),
    FormCase("undo discharge", "dan_discharge", _undo, "/discharge"),
    FormCase("answer a question", "dan_discharge", _answer, "/discharge"),
    FormCase("accept an offer", "dan_discharge", _accept, "/discharge"),
    FormCase("withdraw a referral", "dan_discharge", _withdraw, "/discharge"),
    FormCase("end a delay", "dan_discharge", _end_delay, "/discharge"),
    FormCase("open a referral", "pam_provider", _open, "/discharge/incoming"),
    FormCase("offer a place", "pam_provider", _offer, "/discharge/incoming"),
    FormCase("decline", "pam_provider", _decline, "/discharge/incoming"),
    FormCase("ask a question", "pam_provider", _question, "/discharge/incoming"),
]
