"""Pages: the hospital's ward list, assessment, matches and referral board; a provider's
incoming referrals with the assessment and offer/decline. Forms post back and redirect, so the
pages work without scripts on a desk or a tablet; a refusal comes back as an error summary."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from joinedup.core.auth.principal import Principal
from joinedup.core.deps import DbSession, StateDep
from joinedup.core.errors import ProblemError
from joinedup.domains.capacity.schemas import CareType, Funding
from joinedup.domains.discharge import permissions, reports, service
from joinedup.domains.discharge.delay_reasons import DELAY_REASONS
from joinedup.domains.discharge.pathways import PATHWAYS
from joinedup.domains.discharge.referrals import STATE_LABELS
from joinedup.domains.discharge.schemas import (
    DECLINE_LABELS,
    AssessmentIn,
    Behaviour,
    Cognition,
    Continence,
    DeclineIn,
    DelayIn,
    Equipment,
    Level,
    Medication,
    MessageIn,
    Mobility,
    Nutrition,
    OfferIn,
    PatientIn,
    PatientUpdate,
    Skin,
    uk_today,
)
from joinedup.web.render import check_csrf, page

router = APIRouter(include_in_schema=False)
Hub = Annotated[Principal, Depends(permissions.can_read)]
HubWriter = Annotated[Principal, Depends(permissions.can_coordinate)]
Provider = Annotated[Principal, Depends(permissions.can_view_referrals)]
ProviderWriter = Annotated[Principal, Depends(permissions.can_respond)]
Reporter = Annotated[Principal, Depends(permissions.can_report)]
Flash = Annotated[str | None, Query(max_length=300)]
STATE_TAGS = {
    "sent": "grey",
    "opened": "blue",
    "question": "yellow",
    "offered": "green",
    "accepted": "green",
    "declined": "red",
    "expired": "orange",
    "withdrawn": "grey",
    "completed": "purple",
}
NEED_FIELDS: list[tuple[str, str, type[Any]]] = [
    ("mobility", "Mobility and transfers", Mobility),
    ("personal_care", "Personal care", Level),
    ("continence", "Continence", Continence),
    ("nutrition", "Nutrition", Nutrition),
    ("medication_support", "Medication support", Medication),
    ("cognition", "Cognition and dementia", Cognition),
    ("behaviour", "Behaviour", Behaviour),
    ("skin_integrity", "Skin integrity", Skin),
]


def _label(value: Any) -> str:
    return str(value).replace("_", " ").capitalize() if value is not None else ""


def _common() -> dict[str, Any]:
    return {
        "label": _label,
        "state_labels": {s.value: v for s, v in STATE_LABELS.items()},
        "state_tags": STATE_TAGS,
        "decline_labels": {k.value: v for k, v in DECLINE_LABELS.items()},
        "reasons": DELAY_REASONS,
    }


async def _form(request: Request) -> dict[str, Any]:
    form = await request.form()
    data: dict[str, Any] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            data.setdefault(key, []).append(value)
    flat = {k: v[0] if len(v) == 1 else v for k, v in data.items()}
    check_csrf(request, flat.pop("csrf_token", None))
    return flat


def _text(form: dict[str, Any]) -> str:
    return MessageIn.model_validate({"text": str(form.get("text", ""))}).text


def _go(url: str, *, done: str | None = None, problem: str | None = None) -> RedirectResponse:
    sep = "&" if "?" in url else "?"
    if problem:
        return RedirectResponse(f"{url}{sep}problem={quote(problem[:300])}", status_code=303)
    if done:
        return RedirectResponse(f"{url}{sep}done={quote(done)}", status_code=303)
    return RedirectResponse(url, status_code=303)


def _attempt(fn: Callable[[], Any], back: str, done: str) -> RedirectResponse:
    try:
        fn()
    except ProblemError as exc:
        if exc.status >= 500:
            raise
        detail = exc.detail or exc.title
        if exc.errors:
            detail = "; ".join(e.message for e in exc.errors)
        return _go(back, problem=detail)
    except ValidationError as exc:
        return _go(back, problem="; ".join(str(e["msg"]).split(": ", 1)[-1] for e in exc.errors()))
    return _go(back, done=done)


# The hospital


@router.get("/discharge", response_class=HTMLResponse)
def ward_list(request: Request, actor: Hub, session: DbSession, done: Flash = None, problem: Flash = None) -> Response:
    patients = [service.patient_out(session, p) for p in service.list_patients(session, actor=actor)]
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
            **_common(),
        },
        actor=actor,
    )


@router.get("/discharge/patients/new", response_class=HTMLResponse)
def new_patient(request: Request, actor: HubWriter, problem: Flash = None) -> Response:
    return page(
        request,
        "discharge/patient_new.jinja",
        {"title": "Add a patient", "problem": problem, "pathways": PATHWAYS, "today": uk_today(), **_common()},
        actor=actor,
    )


@router.post("/discharge/patients/new", response_class=HTMLResponse)
async def add_patient(request: Request, actor: HubWriter, session: DbSession) -> Response:
    form = await _form(request)
    created: dict[str, str] = {}

    def run() -> None:
        data = PatientIn.model_validate({k: (v or None) for k, v in form.items() if k in PatientIn.model_fields})
        created["id"] = service.create_patient(session, actor=actor, data=data).id

    result = _attempt(run, "/discharge/patients/new", "added")
    if "id" in created:
        return _go(f"/discharge/patients/{created['id']}", done="Patient added")
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
    patient = service.get_patient(session, actor=actor, patient_id=patient_id)
    out = service.patient_out(session, patient)
    latest = service.latest_assessment(session, patient.id)
    found = None
    if latest is not None and patient.status == "in_hospital":
        found = service.match_patient(session, actor=actor, settings=state.settings, patient_id=patient.id)
    referrals = [
        service.referral_out(session, r, for_provider=False, actor=actor)
        for r in service.hospital_referrals(session, actor=actor, patient_id=patient.id)
    ]
    referred = {
        r.service_id for r in referrals if r.state.value in ("sent", "opened", "question", "offered", "accepted")
    }
    return page(
        request,
        "discharge/patient.jinja",
        {
            "title": out.name,
            "p": out,
            "assessment": service.assessment_out(latest) if latest else None,
            "found": found,
            "referrals": referrals,
            "referred": referred,
            "delays": service.delays_of(session, patient.id),
            "done": done,
            "problem": problem,
            "today": uk_today(),
            "pathways": PATHWAYS,
            **_common(),
        },
        actor=actor,
    )


@router.post("/discharge/patients/{patient_id}/details", response_class=HTMLResponse)
async def update_details(request: Request, actor: HubWriter, session: DbSession, patient_id: str) -> Response:
    """Ward, discharge ready date and pathway change while the patient is in hospital: most
    patients are admitted first and become ready for discharge later."""
    form = await _form(request)
    back = f"/discharge/patients/{patient_id}"

    def run() -> None:
        fields = {k: (form.get(k) or None) for k in ("ward", "discharge_ready_on", "pathway")}
        service.update_patient(session, actor=actor, patient_id=patient_id, data=PatientUpdate.model_validate(fields))

    return _attempt(run, back, "Details saved")


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
            **_common(),
        },
        actor=actor,
    )


@router.post("/discharge/patients/{patient_id}/assessment", response_class=HTMLResponse)
async def save_assessment(request: Request, actor: HubWriter, session: DbSession, patient_id: str) -> Response:
    form = await _form(request)
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
    result = _attempt(run, f"{back}/assessment", "saved")
    if "done=" in str(result.headers.get("location")):
        return _go(back, done="Assessment saved")
    return result


@router.post("/discharge/patients/{patient_id}/refer", response_class=HTMLResponse)
async def refer(request: Request, actor: HubWriter, session: DbSession, patient_id: str) -> Response:
    form = await _form(request)
    chosen = form.get("service_id", [])
    ids = [chosen] if isinstance(chosen, str) else list(chosen)
    if not ids:
        return _go(f"/discharge/patients/{patient_id}", problem="Choose at least one service to refer to")
    return _attempt(
        lambda: service.refer(session, actor=actor, patient_id=patient_id, service_ids=ids),
        f"/discharge/patients/{patient_id}",
        f"Referred to {len(ids)} service{'s' if len(ids) > 1 else ''}",
    )


@router.post("/discharge/referrals/{referral_id}/{action}", response_class=HTMLResponse)
async def referral_action(
    request: Request, actor: HubWriter, session: DbSession, referral_id: str, action: str
) -> Response:
    form = await _form(request)
    referral, as_provider = service.get_referral(session, actor=actor, referral_id=referral_id)
    back = f"/discharge/patients/{referral.patient_id}"
    if as_provider:
        return _go("/discharge", problem="That referral is not one of yours")
    actions: dict[str, tuple[Callable[[], Any], str]] = {
        "accept": (
            lambda: service.accept(session, actor=actor, referral_id=referral_id),
            "Offer accepted; a place is held",
        ),
        "withdraw": (lambda: service.withdraw(session, actor=actor, referral_id=referral_id), "Referral withdrawn"),
        "answer": (
            lambda: service.answer(session, actor=actor, referral_id=referral_id, text=_text(form)),
            "Answer sent",
        ),
    }
    if action not in actions:
        return _go(back, problem="Unknown action")
    fn, done = actions[action]
    return _attempt(fn, back, done)


@router.post("/discharge/patients/{patient_id}/delays", response_class=HTMLResponse)
async def add_delay(request: Request, actor: HubWriter, session: DbSession, patient_id: str) -> Response:
    form = await _form(request)

    def run() -> None:
        data = DelayIn.model_validate(
            {"reason_code": form.get("reason_code") or "", "primary": form.get("primary") == "yes"}
        )
        service.add_delay(session, actor=actor, patient_id=patient_id, data=data)

    return _attempt(run, f"/discharge/patients/{patient_id}", "Delay recorded")


@router.post("/discharge/patients/{patient_id}/delays/{delay_id}/end", response_class=HTMLResponse)
async def end_delay(request: Request, actor: HubWriter, session: DbSession, patient_id: str, delay_id: str) -> Response:
    await _form(request)
    return _attempt(
        lambda: service.end_delay(session, actor=actor, patient_id=patient_id, delay_id=delay_id),
        f"/discharge/patients/{patient_id}",
        "Delay ended",
    )


@router.post("/discharge/patients/{patient_id}/discharge", response_class=HTMLResponse)
async def discharge(request: Request, actor: HubWriter, session: DbSession, patient_id: str) -> Response:
    await _form(request)
    return _attempt(
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
            "bed_days": reports.bed_days_report(
                session, organisation_id=org_id, start=today - timedelta(days=27), end=today
            ),
            "daily": list(reversed(reports.daily_sitrep(session, organisation_id=org_id, start=start, end=today))),
            "monthly": [
                r
                for r in reports.monthly_delay_reasons(
                    session, organisation_id=org_id, month=date(today.year, today.month, 1)
                )
                if r.delay_count > 0
            ],
            **_common(),
        },
        actor=actor,
    )


# The provider


@router.get("/discharge/incoming", response_class=HTMLResponse)
def incoming(request: Request, actor: Provider, session: DbSession, done: Flash = None) -> Response:
    rows = [
        service.referral_out(session, r, for_provider=True, actor=actor)
        for r in service.incoming(session, actor=actor, include_closed=True)
    ]
    return page(
        request,
        "discharge/incoming.jinja",
        {"title": "Discharge referrals", "rows": rows, "done": done, **_common()},
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
            **_common(),
        },
        actor=actor,
    )


@router.post("/discharge/incoming/{referral_id}/{action}", response_class=HTMLResponse)
async def provider_action(
    request: Request, actor: ProviderWriter, session: DbSession, state: StateDep, referral_id: str, action: str
) -> Response:
    form = await _form(request)
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
            lambda: service.ask(session, actor=actor, referral_id=referral_id, text=_text(form)),
            "Question sent",
        ),
    }
    if action not in actions:
        return _go(back, problem="Unknown action")
    fn, done = actions[action]
    return _attempt(fn, back, done)
