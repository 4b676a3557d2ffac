"""The hospital's pages: the ward list, a patient (details, assessment, matches, referrals,
delays, discharge) and the reports."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from joinedup.core.deps import DbSession, StateDep
from joinedup.domains.capacity.schemas import CareType, Funding
from joinedup.domains.discharge import service
from joinedup.domains.discharge.pathways import PATHWAYS
from joinedup.domains.discharge.schemas import AssessmentIn, DelayIn, Equipment, PatientIn, PatientUpdate, uk_today
from joinedup.domains.discharge.views.forms import (
    NEED_FIELDS,
    Flash,
    Hub,
    HubWriter,
    Reporter,
    attempt,
    common,
    go,
    message_text,
    read_form,
)
from joinedup.web.render import page

router = APIRouter(include_in_schema=False)


@router.get("/discharge", response_class=HTMLResponse)
def ward_list(request: Request, actor: Hub, session: DbSession, done: Flash = None, problem: Flash = None) -> Response:
    patients = service.ward_list(session, actor=actor)
    patients.sort(key=lambda p: (-(p.days_since_ready or -1), p.ward, p.name))
    return page(
        request,
        "discharge/ward.jinja",
        {
            "title": "Patients awaiting discharge",
            "patients": patients,
            "done": done,
            "problem": problem,
            "ready": sum(1 for p in patients if p.discharge_ready_on is not None),
            "bed_days": sum(p.bed_days_lost for p in patients),
            **common(),
        },
        actor=actor,
    )


@router.get("/discharge/patients/new", response_class=HTMLResponse)
def new_patient(request: Request, actor: HubWriter, problem: Flash = None) -> Response:
    return page(
        request,
        "discharge/patient_new.jinja",
        {"title": "Add a patient", "problem": problem, "pathways": PATHWAYS, "today": uk_today(), **common()},
        actor=actor,
    )


@router.post("/discharge/patients/new", response_class=HTMLResponse)
async def add_patient(request: Request, actor: HubWriter, session: DbSession) -> Response:
    form = await read_form(request)
    created: dict[str, str] = {}

    def run() -> None:
        data = PatientIn.model_validate({k: (v or None) for k, v in form.items() if k in PatientIn.model_fields})
        created["id"] = service.create_patient(session, actor=actor, data=data).id

    result = attempt(run, "/discharge/patients/new", "added")
    if "id" in created:
        return go(f"/discharge/patients/{created['id']}", done="Patient added")
    return result


@router.get("/discharge/patients/{patient_id}", response_class=HTMLResponse)
def patient_page(
    request: Request,
    actor: Hub,
    session: DbSession,
    state: StateDep,
    patient_id: str,
    done: Flash = None,
    problem: Flash = None,
) -> Response:
    board = service.patient_board(session, actor=actor, settings=state.settings, patient_id=patient_id)
    return page(
        request,
        "discharge/patient.jinja",
        {
            "title": board.patient.name,
            "p": board.patient,
            "assessment": board.assessment,
            "found": board.matches,
            "referrals": board.referrals,
            "referred": board.referred,
            "delays": board.delays,
            "done": done,
            "problem": problem,
            "today": uk_today(),
            "pathways": PATHWAYS,
            **common(),
        },
        actor=actor,
    )


@router.post("/discharge/patients/{patient_id}/details", response_class=HTMLResponse)
async def update_details(request: Request, actor: HubWriter, session: DbSession, patient_id: str) -> Response:
    """Ward, discharge ready date and pathway change while the patient is in hospital: most
    patients are admitted first and become ready for discharge later."""
    form = await read_form(request)
    back = f"/discharge/patients/{patient_id}"

    def run() -> None:
        fields = {k: (form.get(k) or None) for k in ("ward", "discharge_ready_on", "pathway")}
        service.update_patient(session, actor=actor, patient_id=patient_id, data=PatientUpdate.model_validate(fields))

    return attempt(run, back, "Details saved")


@router.get("/discharge/patients/{patient_id}/assessment", response_class=HTMLResponse)
def assessment_form(
    request: Request, actor: HubWriter, session: DbSession, patient_id: str, problem: Flash = None
) -> Response:
    patient = service.get_patient(session, actor=actor, patient_id=patient_id)
    latest = service.latest_assessment(session, patient.id)
    current = service.assessment_out(latest).model_dump(mode="json") if latest else {}
    return page(
        request,
        "discharge/assessment.jinja",
        {
            "title": f"Shared assessment: {patient.name}",
            "patient": patient,
            "a": current,
            "version": latest.version if latest else 0,
            "need_fields": NEED_FIELDS,
            "equipment": list(Equipment),
            "care_types": list(CareType),
            "fundings": list(Funding),
            "problem": problem,
            "today": uk_today(),
            **common(),
        },
        actor=actor,
    )


@router.post("/discharge/patients/{patient_id}/assessment", response_class=HTMLResponse)
async def save_assessment(request: Request, actor: HubWriter, session: DbSession, patient_id: str) -> Response:
    form = await read_form(request)
    equipment = form.get("equipment", [])
    body = {
        "needs": {
            **{name: form.get(name) for name, _, _ in NEED_FIELDS},
            "equipment": [equipment] if isinstance(equipment, str) else equipment,
            "carers_needed": form.get("carers_needed") or None,
            "end_of_life": form.get("end_of_life") == "yes",
        },
        "care_type": form.get("care_type") or None,
        "hours_per_week": form.get("hours_per_week") or None,
        "start_date": form.get("start_date") or None,
        "funding": form.get("funding") or None,
        "preferences": {
            "areas": [a.strip().upper() for a in str(form.get("areas", "")).split(",") if a.strip()],
            "max_distance_km": form.get("max_distance_km") or 15,
            "notes": form.get("preference_notes") or None,
        },
        "risks": form.get("risks") or None,
    }

    def run() -> None:
        service.add_assessment(session, actor=actor, patient_id=patient_id, data=AssessmentIn.model_validate(body))

    back = f"/discharge/patients/{patient_id}"
    result = attempt(run, f"{back}/assessment", "saved")
    if "done=" in str(result.headers.get("location")):
        return go(back, done="Assessment saved")
    return result


@router.post("/discharge/patients/{patient_id}/refer", response_class=HTMLResponse)
async def refer(request: Request, actor: HubWriter, session: DbSession, patient_id: str) -> Response:
    form = await read_form(request)
    chosen = form.get("service_id", [])
    ids = [chosen] if isinstance(chosen, str) else list(chosen)
    if not ids:
        return go(f"/discharge/patients/{patient_id}", problem="Choose at least one service to refer to")
    return attempt(
        lambda: service.refer(session, actor=actor, patient_id=patient_id, service_ids=ids),
        f"/discharge/patients/{patient_id}",
        f"Referred to {len(ids)} service{'s' if len(ids) > 1 else ''}",
    )


@router.post("/discharge/referrals/{referral_id}/{action}", response_class=HTMLResponse)
async def referral_action(
    request: Request, actor: HubWriter, session: DbSession, referral_id: str, action: str
) -> Response:
    form = await read_form(request)
    referral, as_provider = service.get_referral(session, actor=actor, referral_id=referral_id)
    back = f"/discharge/patients/{referral.patient_id}"
    if as_provider:
        return go("/discharge", problem="That referral is not one of yours")
    actions: dict[str, tuple[Callable[[], Any], str]] = {
        "accept": (
            lambda: service.accept(session, actor=actor, referral_id=referral_id),
            "Offer accepted; a place is held",
        ),
        "withdraw": (lambda: service.withdraw(session, actor=actor, referral_id=referral_id), "Referral withdrawn"),
        "answer": (
            lambda: service.answer(session, actor=actor, referral_id=referral_id, text=message_text(form)),
            "Answer sent",
        ),
    }
    if action not in actions:
        return go(back, problem="Unknown action")
    fn, done = actions[action]
    return attempt(fn, back, done)


@router.post("/discharge/patients/{patient_id}/delays", response_class=HTMLResponse)
async def add_delay(request: Request, actor: HubWriter, session: DbSession, patient_id: str) -> Response:
    form = await read_form(request)

    def run() -> None:
        data = DelayIn.model_validate(
            {"reason_code": form.get("reason_code") or "", "primary": form.get("primary") == "yes"}
        )
        service.add_delay(session, actor=actor, patient_id=patient_id, data=data)

    return attempt(run, f"/discharge/patients/{patient_id}", "Delay recorded")


@router.post("/discharge/patients/{patient_id}/delays/{delay_id}/end", response_class=HTMLResponse)
async def end_delay(request: Request, actor: HubWriter, session: DbSession, patient_id: str, delay_id: str) -> Response:
    await read_form(request)
    return attempt(
        lambda: service.end_delay(session, actor=actor, patient_id=patient_id, delay_id=delay_id),
        f"/discharge/patients/{patient_id}",
        "Delay ended",
    )


@router.post("/discharge/patients/{patient_id}/discharge", response_class=HTMLResponse)
async def discharge(request: Request, actor: HubWriter, session: DbSession, patient_id: str) -> Response:
    await read_form(request)
    return attempt(
        lambda: service.discharge(session, actor=actor, patient_id=patient_id),
        f"/discharge/patients/{patient_id}",
        "Patient discharged",
    )


@router.get("/discharge/reports", response_class=HTMLResponse)
def reports_page(request: Request, actor: Reporter, session: DbSession) -> Response:
    org_id = actor.organisation_id or ""
    today = uk_today()
    start = today - timedelta(days=13)
    return page(
        request,
        "discharge/reports.jinja",
        {
            "title": "Bed days lost and sitrep counts",
            "bed_days": service.bed_days_report(
                session, organisation_id=org_id, start=today - timedelta(days=27), end=today
            ),
            "daily": list(reversed(service.daily_sitrep(session, organisation_id=org_id, start=start, end=today))),
            "monthly": [
                r
                for r in service.monthly_delay_reasons(
                    session, organisation_id=org_id, month=date(today.year, today.month, 1)
                )
                if r.delay_count > 0
            ],
            **common(),
        },
        actor=actor,
    )
