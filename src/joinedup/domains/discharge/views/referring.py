"""The hospital's side of referrals: refer to the chosen services, then accept an offer, answer a
question or withdraw (asked first: a withdrawn referral cannot be reopened). A refusal comes back
as the patient page (422) saying why."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from joinedup.core.deps import DbSession, StateDep
from joinedup.core.errors import not_found
from joinedup.domains.discharge import service
from joinedup.domains.discharge.schemas import MessageIn, ReferIn
from joinedup.domains.discharge.views.forms import FLASH, REFER_FORM, HubWriter, answer_form
from joinedup.domains.discharge.views.patient_page import render_patient
from joinedup.web.forms import Form, FormState, attempt
from joinedup.web.posted import read_form
from joinedup.web.render import page

router = APIRouter(include_in_schema=False)
ACTIONS = {"accept": "offer-accepted", "withdraw": "referral-withdrawn", "answer": "answer-sent"}


@router.post("/discharge/patients/{patient_id}/refer", response_class=HTMLResponse)
async def refer(request: Request, actor: HubWriter, session: DbSession, state: StateDep, patient_id: str) -> Response:
    fs, done = REFER_FORM.submit(
        session,
        await read_form(request),
        ReferIn,
        lambda chosen: service.refer(session, actor=actor, patient_id=patient_id, service_ids=chosen.service_ids),
        shape=lambda data: {"service_ids": data["service_id"]},
    )
    if done is not None:
        return FLASH.redirect(f"/discharge/patients/{patient_id}", f"referred-{len(done)}")
    return render_patient(request, actor, session, state.settings, patient_id, posted=fs)


@router.get("/discharge/referrals/{referral_id}/withdraw", response_class=HTMLResponse)
def confirm_withdraw(request: Request, actor: HubWriter, session: DbSession, referral_id: str) -> Response:
    referral = service.referral_for_hospital(session, actor=actor, referral_id=referral_id)
    return page(
        request,
        "discharge/confirm_withdraw.jinja",
        {"title": f"Withdraw the referral to {referral.service_name}", "r": referral},
        actor=actor,
    )


@router.post("/discharge/referrals/{referral_id}/{action}", response_class=HTMLResponse)
async def referral_action(
    request: Request, actor: HubWriter, session: DbSession, state: StateDep, referral_id: str, action: str
) -> Response:
    posted = await read_form(request)
    if action not in ACTIONS:
        raise not_found("page", action)
    referral, as_provider = service.get_referral(session, actor=actor, referral_id=referral_id)
    if as_provider:
        raise not_found("referral", referral_id)
    patient_id = referral.patient_id
    done: object
    if action == "answer":
        fs, done = answer_form(referral_id).submit(
            session,
            posted,
            MessageIn,
            lambda m: service.answer(session, actor=actor, referral_id=referral_id, text=m.text),
        )
    elif action == "withdraw" and posted.get("confirm") != "yes":
        return RedirectResponse(f"/discharge/referrals/{referral_id}/withdraw", status_code=303)
    else:
        form = Form(f"{action}-{referral_id}")
        fs = FormState(form=form.name)
        step = service.accept if action == "accept" else service.withdraw
        done = attempt(session, fs, form, lambda: step(session, actor=actor, referral_id=referral_id))
    if done is not None:
        return FLASH.redirect(f"/discharge/patients/{patient_id}", ACTIONS[action])
    return render_patient(request, actor, session, state.settings, patient_id, posted=fs)
