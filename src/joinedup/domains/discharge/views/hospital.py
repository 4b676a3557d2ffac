"""The hospital's pages: the ward list, adding a patient, a patient (details, assessment) and the
reports. A refused form comes back as the same page (422) with what was typed and why."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from joinedup.core.auth.principal import Principal
from joinedup.core.clock import UK
from joinedup.core.deps import DbSession, StateDep
from joinedup.domains.capacity.schemas import CareType, Funding
from joinedup.domains.discharge import service
from joinedup.domains.discharge.pathways import PATHWAYS
from joinedup.domains.discharge.schemas import AssessmentIn, Equipment, PatientIn, PatientUpdate, uk_today
from joinedup.domains.discharge.views.forms import (
    ASSESSMENT_FORM,
    FLASH,
    NEED_FIELDS,
    PATIENT_FORM,
    Hub,
    HubWriter,
    Reporter,
    common,
    details_form,
)
from joinedup.domains.discharge.views.patient_page import render_patient
from joinedup.web.forms import FormState, attempt
from joinedup.web.posted import read_form
from joinedup.web.render import page
from joinedup.web.words import label

router = APIRouter(include_in_schema=False)


@router.get("/discharge", response_class=HTMLResponse)
def ward_list(request: Request, actor: Hub, session: DbSession, done: str | None = None) -> Response:
    """Those in hospital, longest waiting first; then today's discharges (latest first), each
    leading to the patient's page, where a discharge recorded in error can be undone today."""
    since = datetime.combine(uk_today(), time.min, tzinfo=UK)
    listed = service.ward_list(session, actor=actor, recorded_since=since)
    patients = sorted(
        (p for p in listed if p.status == "in_hospital"), key=lambda p: (-(p.days_since_ready or -1), p.ward, p.name)
    )
    left = sorted(
        (p for p in listed if p.status != "in_hospital"), key=lambda p: p.discharged_at or since, reverse=True
    )
    return page(
        request,
        "discharge/ward.jinja",
        {
            "title": "Patients awaiting discharge",
            "patients": patients,
            "discharged_today": left,
            "uk": UK,
            "today": since.date(),
            "done": FLASH.text(done),
            "ready": sum(1 for p in patients if p.discharge_ready_on is not None),
            "bed_days": sum(p.bed_days_lost for p in patients),
            **common(),
        },
        actor=actor,
    )


def _new_patient_page(request: Request, actor: Principal, posted: FormState) -> Response:
    return page(
        request,
        "discharge/patient_new.jinja",
        {
            "title": "Add a patient",
            "posted": posted,
            "pathways": [(code.value, pathway.label) for code, pathway in PATHWAYS.items()],
            **common(),
        },
        actor=actor,
        status_code=422 if posted.failed else 200,
    )


@router.get("/discharge/patients/new", response_class=HTMLResponse)
def new_patient(request: Request, actor: HubWriter) -> Response:
    return _new_patient_page(request, actor, FormState())


@router.post("/discharge/patients/new", response_class=HTMLResponse)
async def add_patient(request: Request, actor: HubWriter, session: DbSession) -> Response:
    data, state = PATIENT_FORM.read(await read_form(request))
    patient_in = PATIENT_FORM.validate(PatientIn, {k: v for k, v in data.items() if v is not None}, state)
    if patient_in is not None:
        created = attempt(
            session, state, PATIENT_FORM, lambda: service.create_patient(session, actor=actor, data=patient_in)
        )
        if created is not None:
            return FLASH.redirect(f"/discharge/patients/{created.id}", "patient-added")
    return _new_patient_page(request, actor, state)


@router.get("/discharge/patients/{patient_id}", response_class=HTMLResponse)
def patient_page(
    request: Request, actor: Hub, session: DbSession, state: StateDep, patient_id: str, done: str | None = None
) -> Response:
    return render_patient(request, actor, session, state.settings, patient_id, done=done)


@router.post("/discharge/patients/{patient_id}/details", response_class=HTMLResponse)
async def update_details(
    request: Request, actor: HubWriter, session: DbSession, state: StateDep, patient_id: str
) -> Response:
    """Ward, discharge ready date and pathway change while the patient is in hospital: most
    patients are admitted first and become ready for discharge later. Saving what is already
    recorded is not a save, and the page says so."""
    posted = await read_form(request)
    form = details_form(had_ready_date=posted.get("had_ready_date") == "yes")
    data, fs = form.read(posted)
    update = form.validate(PatientUpdate, data, fs)
    if update is not None:
        saved = attempt(
            session, fs, form, lambda: service.update_patient(session, actor=actor, patient_id=patient_id, data=update)
        )
        if saved is not None:
            key = "details-saved" if saved.changed else "no-changes"
            return FLASH.redirect(f"/discharge/patients/{patient_id}", key)
    return render_patient(request, actor, session, state.settings, patient_id, posted=fs)


def _assessment_page(request: Request, actor: Principal, session: Any, patient_id: str, posted: FormState) -> Response:
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
            "equipment": [(e.value, label(e.value)) for e in Equipment],
            "care_types": [(c.value, label(c.value)) for c in CareType],
            "fundings": [(f.value, label(f.value)) for f in Funding],
            "posted": posted,
            "today": uk_today(),
            **common(),
        },
        actor=actor,
        status_code=422 if posted.failed else 200,
    )


@router.get("/discharge/patients/{patient_id}/assessment", response_class=HTMLResponse)
def assessment_form(request: Request, actor: HubWriter, session: DbSession, patient_id: str) -> Response:
    return _assessment_page(request, actor, session, patient_id, FormState())


@router.post("/discharge/patients/{patient_id}/assessment", response_class=HTMLResponse)
async def save_assessment(request: Request, actor: HubWriter, session: DbSession, patient_id: str) -> Response:
    data, fs = ASSESSMENT_FORM.read(await read_form(request))
    body = {
        "needs": {
            **{name: data[name] for name, _, _ in NEED_FIELDS},
            "equipment": data["equipment"],
            "carers_needed": data["carers_needed"],
            "end_of_life": data["end_of_life"],
        },
        "care_type": data["care_type"],
        "hours_per_week": data["hours_per_week"],
        "start_date": data["start_date"],
        "funding": data["funding"],
        "preferences": {
            "areas": [a.strip().upper() for a in (data["areas"] or "").split(",") if a.strip()],
            "max_distance_km": data["max_distance_km"] or 15,
            "notes": data["notes"],
        },
        "risks": data["risks"],
    }
    assessment = ASSESSMENT_FORM.validate(AssessmentIn, body, fs)
    if assessment is not None:
        saved = attempt(
            session,
            fs,
            ASSESSMENT_FORM,
            lambda: service.save_assessment(session, actor=actor, patient_id=patient_id, data=assessment),
        )
        if saved is not None:
            key = "assessment-saved" if saved.added else "assessment-unchanged"
            return FLASH.redirect(f"/discharge/patients/{patient_id}", key)
    return _assessment_page(request, actor, session, patient_id, fs)


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
