"""A provider's pages: incoming referrals, one referral with the assessment once opened, and
its answers (open, offer, decline, ask a question). A refused answer comes back as the same page
(422) with what was typed and why."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from joinedup.core.auth.principal import Principal
from joinedup.core.deps import DbSession, StateDep
from joinedup.core.errors import not_found
from joinedup.domains.discharge import service
from joinedup.domains.discharge.schemas import DECLINE_LABELS, DeclineIn, MessageIn, OfferIn, uk_today
from joinedup.domains.discharge.views.forms import (
    DECLINE_FORM,
    FLASH,
    NEED_FIELDS,
    OFFER_FORM,
    QUESTION_FORM,
    Provider,
    ProviderWriter,
    common,
)
from joinedup.web.forms import Form, FormState, FormStates, attempt
from joinedup.web.posted import read_form
from joinedup.web.render import page

router = APIRouter(include_in_schema=False)
OPEN_FORM = Form("open")
# The forms the referral's page shows in each state (as referral.jinja does).
FORMS_SHOWN = {
    "sent": ("open",),
    "opened": ("offer", "decline", "question"),
    "question": ("offer", "decline", "question"),
}
DONE = {"open": "referral-opened", "offer": "offer-sent", "decline": "referral-declined", "question": "question-sent"}


@router.get("/discharge/incoming", response_class=HTMLResponse)
def incoming(request: Request, actor: Provider, session: DbSession, done: str | None = None) -> Response:
    rows = [
        service.referral_out(session, r, for_provider=True, actor=actor)
        for r in service.incoming(session, actor=actor, include_closed=True)
    ]
    return page(
        request,
        "discharge/incoming.jinja",
        {"title": "Discharge referrals", "rows": rows, "done": FLASH.text(done), **common()},
        actor=actor,
    )


def _referral_page(
    request: Request,
    actor: Principal,
    session: Session,
    referral_id: str,
    *,
    posted: FormState | None = None,
    done: str | None = None,
) -> Response:
    row = service.provider_referral(session, actor, referral_id)
    out = service.referral_out(session, row, for_provider=True, actor=actor)
    posted = posted or FormState()
    if posted.failed and posted.form not in FORMS_SHOWN.get(out.state.value, ()):
        posted = posted.about_the_page()  # the referral moved on: the page shows no such form
    return page(
        request,
        "discharge/referral.jinja",
        {
            "title": f"Referral for {out.summary.get('care_type', '').replace('_', ' ')}",
            "r": out,
            "need_fields": NEED_FIELDS,
            "done": FLASH.text(done),
            "posted": posted,
            "forms": FormStates.of(posted),
            "today": uk_today(),
            "declines": [(k.value, v) for k, v in DECLINE_LABELS.items()],
            **common(),
        },
        actor=actor,
        status_code=422 if posted.failed else 200,
    )


@router.get("/discharge/incoming/{referral_id}", response_class=HTMLResponse)
def incoming_referral(
    request: Request, actor: Provider, session: DbSession, referral_id: str, done: str | None = None
) -> Response:
    return _referral_page(request, actor, session, referral_id, done=done)


@router.post("/discharge/incoming/{referral_id}/{action}", response_class=HTMLResponse)
async def provider_action(
    request: Request, actor: ProviderWriter, session: DbSession, state: StateDep, referral_id: str, action: str
) -> Response:
    posted = await read_form(request)
    back = f"/discharge/incoming/{referral_id}"
    done: object
    if action == "open":
        fs = FormState(form=OPEN_FORM.name)
        done = attempt(
            session, fs, OPEN_FORM, lambda: service.open_referral(session, actor=actor, referral_id=referral_id)
        )
    elif action == "offer":
        fs, done = OFFER_FORM.submit(
            session,
            posted,
            OfferIn,
            lambda offer: service.offer(
                session, actor=actor, settings=state.settings, referral_id=referral_id, data=offer
            ),
        )
    elif action == "decline":
        fs, done = DECLINE_FORM.submit(
            session,
            posted,
            DeclineIn,
            lambda data: service.decline(session, actor=actor, referral_id=referral_id, data=data),
        )
    elif action == "question":
        fs, done = QUESTION_FORM.submit(
            session,
            posted,
            MessageIn,
            lambda m: service.ask(session, actor=actor, referral_id=referral_id, text=m.text),
        )
    else:
        raise not_found("page", action)
    if done is not None:
        return FLASH.redirect(back, DONE[action])
    return _referral_page(request, actor, session, referral_id, posted=fs)
