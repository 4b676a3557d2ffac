"""Delays and the discharge itself. Recording a discharge asks first, naming the patient and the
time it will record; a discharge recorded in error can be undone on the same day, with a reason."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from joinedup.core.auth.principal import Principal
from joinedup.core.clock import UK, utcnow
from joinedup.core.deps import DbSession, StateDep
from joinedup.domains.discharge import service
from joinedup.domains.discharge.schemas import CORRECTION_LABELS, DelayIn, DischargeCorrectionIn
from joinedup.domains.discharge.views.forms import CORRECTION_FORM, DELAY_FORM, DISCHARGE_FORM, FLASH, HubWriter
from joinedup.domains.discharge.views.patient_page import render_patient
from joinedup.web.forms import FormState, attempt, one
from joinedup.web.posted import read_form
from joinedup.web.render import page

router = APIRouter(include_in_schema=False)
# A confirmation names the time it records; one left open longer than this is asked again.
CONFIRMATION_LIFETIME = timedelta(hours=1)


@router.post("/discharge/patients/{patient_id}/delays", response_class=HTMLResponse)
async def add_delay(
    request: Request, actor: HubWriter, session: DbSession, state: StateDep, patient_id: str
) -> Response:
    fs, done = DELAY_FORM.submit(
        session,
        await read_form(request),
        DelayIn,
        lambda delay: service.add_delay(session, actor=actor, patient_id=patient_id, data=delay),
    )
    if done is not None:
        return FLASH.redirect(f"/discharge/patients/{patient_id}", "delay-recorded")
    return render_patient(request, actor, session, state.settings, patient_id, posted=fs)


@router.post("/discharge/patients/{patient_id}/delays/{delay_id}/end", response_class=HTMLResponse)
async def end_delay(
    request: Request, actor: HubWriter, session: DbSession, state: StateDep, patient_id: str, delay_id: str
) -> Response:
    await read_form(request)
    fs = FormState(form=f"end-{delay_id}")
    if (
        attempt(
            session,
            fs,
            DELAY_FORM,
            lambda: service.end_delay(session, actor=actor, patient_id=patient_id, delay_id=delay_id),
        )
        is not None
    ):
        return FLASH.redirect(f"/discharge/patients/{patient_id}", "delay-ended")
    return render_patient(request, actor, session, state.settings, patient_id, posted=fs)


def _confirm_page(
    request: Request, actor: Principal, session: Session, patient_id: str, posted: FormState, *, template: str
) -> Response:
    patient = service.patient_summary(session, actor=actor, patient_id=patient_id)
    now = utcnow().replace(microsecond=0)
    return page(
        request,
        template,
        {
            "title": f"{'Record' if 'confirm' in template else 'Undo'} the discharge of {patient.name}",
            "p": patient,
            "at": now.isoformat(),
            "at_uk": now.astimezone(UK),
            "discharged_uk": patient.discharged_at.astimezone(UK) if patient.discharged_at else None,
            "corrections": [(c.value, text) for c, text in CORRECTION_LABELS.items()],
            "posted": posted,
        },
        actor=actor,
        status_code=422 if posted.failed else 200,
    )


@router.get("/discharge/patients/{patient_id}/discharge", response_class=HTMLResponse)
def confirm_discharge(request: Request, actor: HubWriter, session: DbSession, patient_id: str) -> Response:
    return _confirm_page(request, actor, session, patient_id, FormState(), template="discharge/confirm_discharge.jinja")


@router.post("/discharge/patients/{patient_id}/discharge", response_class=HTMLResponse)
async def discharge(request: Request, actor: HubWriter, session: DbSession, patient_id: str) -> Response:
    """Records the discharge at the time the question named; a post without it, or one left
    unanswered too long, is asked again."""
    posted = await read_form(request)
    fs = FormState(form=DISCHARGE_FORM.name)
    at = _confirmed_time(one(posted.get("discharged_at")))
    if at is None:
        fs.general.append("Check the patient and the time, then confirm the discharge")
    elif utcnow() - at > CONFIRMATION_LIFETIME:
        fs.general.append("This question was left open for over an hour: check the time again and confirm")
    elif (
        attempt(
            session, fs, DISCHARGE_FORM, lambda: service.discharge(session, actor=actor, patient_id=patient_id, at=at)
        )
        is not None
    ):
        return FLASH.redirect(f"/discharge/patients/{patient_id}", "discharged")
    return _confirm_page(request, actor, session, patient_id, fs, template="discharge/confirm_discharge.jinja")


def _confirmed_time(text: str) -> datetime | None:
    try:
        at = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return at if at.tzinfo is not None else None


@router.get("/discharge/patients/{patient_id}/undo-discharge", response_class=HTMLResponse)
def undo_question(request: Request, actor: HubWriter, session: DbSession, patient_id: str) -> Response:
    return _confirm_page(request, actor, session, patient_id, FormState(), template="discharge/undo_discharge.jinja")


@router.post("/discharge/patients/{patient_id}/undo-discharge", response_class=HTMLResponse)
async def undo_discharge(request: Request, actor: HubWriter, session: DbSession, patient_id: str) -> Response:
    fs, done = CORRECTION_FORM.submit(
        session,
        await read_form(request),
        DischargeCorrectionIn,
        lambda c: service.undo_discharge(session, actor=actor, patient_id=patient_id, reason=c.reason),
    )
    if done is not None:
        return FLASH.redirect(f"/discharge/patients/{patient_id}", "discharge-undone")
    return _confirm_page(request, actor, session, patient_id, fs, template="discharge/undo_discharge.jinja")
