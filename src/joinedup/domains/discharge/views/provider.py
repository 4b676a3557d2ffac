"""A provider's pages: incoming referrals, one referral with the assessment once opened, and
its answers (open, offer, decline, ask a question)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from joinedup.core.deps import DbSession, StateDep
from joinedup.domains.discharge import service
from joinedup.domains.discharge.schemas import DECLINE_LABELS, DeclineIn, OfferIn, uk_today
from joinedup.domains.discharge.views.forms import (
    NEED_FIELDS,
    Flash,
    Provider,
    ProviderWriter,
    attempt,
    common,
    go,
    message_text,
    read_form,
)
from joinedup.web.render import page

router = APIRouter(include_in_schema=False)


@router.get("/discharge/incoming", response_class=HTMLResponse)
def incoming(request: Request, actor: Provider, session: DbSession, done: Flash = None) -> Response:
    rows = [
        service.referral_out(session, r, for_provider=True, actor=actor)
        for r in service.incoming(session, actor=actor, include_closed=True)
    ]
    return page(
        request,
        "discharge/incoming.jinja",
        {"title": "Discharge referrals", "rows": rows, "done": done, **common()},
        actor=actor,
    )


@router.get("/discharge/incoming/{referral_id}", response_class=HTMLResponse)
def incoming_referral(
    request: Request, actor: Provider, session: DbSession, referral_id: str, done: Flash = None, problem: Flash = None
) -> Response:
    row = service.provider_referral(session, actor, referral_id)
    out = service.referral_out(session, row, for_provider=True, actor=actor)
    return page(
        request,
        "discharge/referral.jinja",
        {
            "title": f"Referral for {out.summary.get('care_type', '').replace('_', ' ')}",
            "r": out,
            "need_fields": NEED_FIELDS,
            "done": done,
            "problem": problem,
            "today": uk_today(),
            "declines": DECLINE_LABELS,
            **common(),
        },
        actor=actor,
    )


@router.post("/discharge/incoming/{referral_id}/{action}", response_class=HTMLResponse)
async def provider_action(
    request: Request, actor: ProviderWriter, session: DbSession, state: StateDep, referral_id: str, action: str
) -> Response:
    form = await read_form(request)
    back = f"/discharge/incoming/{referral_id}"

    def offer() -> None:
        data = OfferIn.model_validate(
            {
                "start_date": form.get("start_date") or None,
                "hold_hours": form.get("hold_hours") or None,
                "accepted_without_reassessment": form.get("accepted_without_reassessment") == "yes",
            }
        )
        service.offer(session, actor=actor, settings=state.settings, referral_id=referral_id, data=data)

    def decline() -> None:
        data = DeclineIn.model_validate({"reason": form.get("reason") or None, "note": form.get("note") or None})
        service.decline(session, actor=actor, referral_id=referral_id, data=data)

    actions: dict[str, tuple[Callable[[], Any], str]] = {
        "open": (lambda: service.open_referral(session, actor=actor, referral_id=referral_id), "Referral opened"),
        "offer": (offer, "Offer sent"),
        "decline": (decline, "Referral declined"),
        "question": (
            lambda: service.ask(session, actor=actor, referral_id=referral_id, text=message_text(form)),
            "Question sent",
        ),
    }
    if action not in actions:
        return go(back, problem="Unknown action")
    fn, done = actions[action]
    return attempt(fn, back, done)
