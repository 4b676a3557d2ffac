"""The hospital's patient page, as it reads and as it comes back when one of its forms (details,
referral, delay, an answer) is refused: the same page, status 422, the refused form's answers
kept and its errors summarised at the top."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from joinedup.config import Settings
from joinedup.core.auth.principal import Principal
from joinedup.core.clock import UK
from joinedup.domains.discharge import service
from joinedup.domains.discharge.delay_reasons import DELAY_REASONS
from joinedup.domains.discharge.pathways import PATHWAYS
from joinedup.domains.discharge.schemas import PatientBoard, uk_today
from joinedup.domains.discharge.views.forms import FLASH, common
from joinedup.web.forms import FormState, FormStates
from joinedup.web.render import page

# The forms the page shows for one referral or delay, while it is in a state they act on.
RECORD_FORMS = ("accept-", "answer-", "end-")


def _record_forms(board: PatientBoard) -> set[str]:
    """The record forms the page shows (as patient.jinja does): accept an offer, answer a
    question, end a delay that is open."""
    shown = {f"accept-{r.id}" for r in board.referrals if r.state.value == "offered"}
    shown |= {f"answer-{r.id}" for r in board.referrals if r.state.value == "question"}
    return shown | {f"end-{d.id}" for d in board.delays if d.ended_on is None}


def render_patient(
    request: Request,
    actor: Principal,
    session: Session,
    settings: Settings,
    patient_id: str,
    *,
    posted: FormState | None = None,
    done: str | None = None,
) -> HTMLResponse:
    board = service.patient_board(session, actor=actor, settings=settings, patient_id=patient_id)
    posted = posted or FormState()
    if posted.failed and posted.form.startswith(RECORD_FORMS) and posted.form not in _record_forms(board):
        posted = posted.about_the_page()  # its referral or delay moved on: the page shows no such form
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
            "correctable": board.correctable,
            "done": FLASH.text(done),
            "posted": posted,
            "forms": FormStates.of(posted),
            "today": uk_today(),
            "uk": UK,
            "pathways": [(code.value, pw.label) for code, pw in PATHWAYS.items()],
            "delay_options": [(code, reason.display) for code, reason in DELAY_REASONS.items()],
            **common(),
        },
        actor=actor,
        status_code=422 if posted.failed else 200,
    )
