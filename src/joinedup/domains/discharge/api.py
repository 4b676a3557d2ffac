"""JSON API for discharge coordination.

The hospital's discharge hub (`/discharge/patients`, `/discharge/referrals`) and providers
(`/discharge/incoming`) each have their own routes; reports give bed days lost and the NHS
England daily and monthly shapes. Every refusal is a problem document naming the field.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from pydantic import BeforeValidator
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from joinedup.core.auth.principal import Principal
from joinedup.core.deps import DbSession, StateDep
from joinedup.core.errors import PROBLEM_RESPONSES, ProblemError, invalid
from joinedup.core.uploads import read_csv_body
from joinedup.domains.discharge import csv_io, permissions, service
from joinedup.domains.discharge.delay_reasons import DELAY_REASONS
from joinedup.domains.discharge.models import DischargeReferral
from joinedup.domains.discharge.pathways import PATHWAYS
from joinedup.domains.discharge.schemas import (
    AssessmentIn,
    AssessmentOut,
    BedDaysReport,
    DailySitrepRow,
    DeclineIn,
    DelayIn,
    DelayOut,
    DelayReasonOut,
    DischargeIn,
    ImportResult,
    MatchResult,
    MessageIn,
    MonthlyDelayRow,
    OfferIn,
    PatientIn,
    PatientOut,
    PatientUpdate,
    ReferIn,
    ReferralOut,
    uk_today,
)


def _iso_date(value: object) -> object:
    # Query strings: only YYYY-MM-DD is a date ("0" would otherwise be read as 1 January 1970).
    if isinstance(value, str) and not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise ValueError("a date is written YYYY-MM-DD")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
router = APIRouter(prefix="/discharge", tags=["discharge"], responses=PROBLEM_RESPONSES)
Hub = Annotated[Principal, Depends(permissions.can_read)]
HubWriter = Annotated[Principal, Depends(permissions.can_coordinate)]
Provider = Annotated[Principal, Depends(permissions.can_view_referrals)]
ProviderWriter = Annotated[Principal, Depends(permissions.can_respond)]
Reporter = Annotated[Principal, Depends(permissions.can_report)]
Anyone = Annotated[Principal | None, Depends(permissions.anyone)]
Id = Annotated[str, Path(min_length=1, max_length=36)]
CSV_BODY = {
    "requestBody": {
        "required": True,
        "content": {"text/csv": {"schema": {"type": "string", "description": "Rows in the template's columns"}}},
    }
}


@router.get("/delay-reasons", response_model=list[DelayReasonOut])
def delay_reasons(_: Anyone) -> list[DelayReasonOut]:
    """The 37 NHS England acute delay reasons, as published, with joinedup's short codes."""
    return [DelayReasonOut(code=r.code, family=r.family, label=r.label) for r in DELAY_REASONS.values()]


@router.get("/pathways", response_model=dict[str, str])
def pathway_codes(_: Anyone) -> dict[str, str]:
    """Discharge pathways with their sitrep sub-codes (P3b included)."""
    return {code.value: p.label for code, p in PATHWAYS.items()}


# The hospital's patients


@router.get("/patients", response_model=list[PatientOut])
def list_patients(
    actor: Hub, session: DbSession, include_discharged: Annotated[bool, Query()] = False
) -> list[PatientOut]:
    """The ward list: patients awaiting discharge, with days since ready and the current delay."""
    return service.ward_list(session, actor=actor, include_discharged=include_discharged)


@router.post("/patients", response_model=PatientOut, status_code=status.HTTP_201_CREATED)
def create_patient(actor: HubWriter, session: DbSession, body: PatientIn) -> PatientOut:
    return service.patient_out(session, service.create_patient(session, actor=actor, data=body))


@router.get(
    "/patient-template.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "CSV template"}},
)
def patients_template(_: Hub) -> Response:
    return Response(csv_io.template(), media_type="text/csv")


@router.post("/patients.csv", response_model=ImportResult, openapi_extra=CSV_BODY)
async def import_patients(
    actor: HubWriter,
    session: DbSession,
    request: Request,
    dry_run: Annotated[bool, Query(description="Check every row and report; store nothing")] = False,
) -> ImportResult:
    """Patients from the hospital's patient system extract. All rows are checked before any is stored."""
    # Read with core's limits (5 MiB, streamed; MAX_ROWS records; UTF-8; a line the csv module
    # cannot read is a 422 naming it), then checked row by row in a worker thread.
    text = await read_csv_body(request, max_rows=csv_io.MAX_ROWS)
    return await run_in_threadpool(csv_io.import_patients, session, actor=actor, text=text, dry_run=dry_run)


@router.get("/patients/{patient_id}", response_model=PatientOut)
def get_patient(actor: Hub, session: DbSession, patient_id: Id) -> PatientOut:
    return service.patient_out(session, service.get_patient(session, actor=actor, patient_id=patient_id))


@router.patch("/patients/{patient_id}", response_model=PatientOut)
def update_patient(actor: HubWriter, session: DbSession, patient_id: Id, body: PatientUpdate) -> PatientOut:
    return service.patient_out(
        session, service.update_patient(session, actor=actor, patient_id=patient_id, data=body).patient
    )


@router.post("/patients/{patient_id}/assessments", response_model=AssessmentOut, status_code=status.HTTP_201_CREATED)
def add_assessment(actor: HubWriter, session: DbSession, patient_id: Id, body: AssessmentIn) -> AssessmentOut:
    """A new version of the shared assessment (earlier versions are kept)."""
    return service.assessment_out(service.add_assessment(session, actor=actor, patient_id=patient_id, data=body))


@router.get("/patients/{patient_id}/assessments", response_model=list[AssessmentOut])
def assessments(actor: Hub, session: DbSession, patient_id: Id) -> list[AssessmentOut]:
    """Every version, newest first."""
    return [service.assessment_out(r) for r in service.assessment_versions(session, actor=actor, patient_id=patient_id)]


@router.get("/patients/{patient_id}/matches", response_model=MatchResult)
def matches(
    actor: Hub,
    session: DbSession,
    state: StateDep,
    patient_id: Id,
    by: Annotated[IsoDate | None, Query(description="Able to start by this date (default: the assessment's)")] = None,
) -> MatchResult:
    """Services ranked for this patient's assessed needs, each with why it matched or was excluded."""
    if by is not None and not (uk_today() - timedelta(days=1) <= by <= uk_today() + timedelta(days=365)):
        raise invalid("query.by", "a date from today to a year ahead", "range")
    result: MatchResult = service.match_patient(
        session, actor=actor, settings=state.settings, patient_id=patient_id, by=by
    )
    return result


@router.post("/patients/{patient_id}/referrals", response_model=list[ReferralOut], status_code=status.HTTP_201_CREATED)
def refer(actor: HubWriter, session: DbSession, patient_id: Id, body: ReferIn) -> list[ReferralOut]:
    """Refer to one or several services at once (all or none)."""
    rows = service.refer(session, actor=actor, patient_id=patient_id, service_ids=body.service_ids)
    return [service.referral_out(session, r, for_provider=False, actor=actor) for r in rows]


@router.get("/patients/{patient_id}/referrals", response_model=list[ReferralOut])
def patient_referrals(actor: Hub, session: DbSession, patient_id: Id) -> list[ReferralOut]:
    """The referral board for one patient."""
    service.get_patient(session, actor=actor, patient_id=patient_id, audit_read=False)
    rows = service.hospital_referrals(session, actor=actor, patient_id=patient_id)
    return [service.referral_out(session, r, for_provider=False, actor=actor) for r in rows]


@router.get("/patients/{patient_id}/delays", response_model=list[DelayOut])
def delays(actor: Hub, session: DbSession, patient_id: Id) -> list[DelayOut]:
    patient = service.get_patient(session, actor=actor, patient_id=patient_id, audit_read=False)
    return [DelayOut.model_validate(d) for d in service.delays_of(session, patient.id)]


@router.post("/patients/{patient_id}/delays", response_model=DelayOut, status_code=status.HTTP_201_CREATED)
def add_delay(actor: HubWriter, session: DbSession, patient_id: Id, body: DelayIn) -> DelayOut:
    """A reason the patient is still here; several may be open, one is primary."""
    return DelayOut.model_validate(service.add_delay(session, actor=actor, patient_id=patient_id, data=body))


@router.post("/patients/{patient_id}/delays/{delay_id}/end", response_model=DelayOut)
def end_delay(actor: HubWriter, session: DbSession, patient_id: Id, delay_id: Id) -> DelayOut:
    return DelayOut.model_validate(service.end_delay(session, actor=actor, patient_id=patient_id, delay_id=delay_id))


@router.post("/patients/{patient_id}/discharge", response_model=PatientOut)
def discharge(actor: HubWriter, session: DbSession, patient_id: Id, body: DischargeIn) -> PatientOut:
    """The patient has left: the accepted referral is completed, open delays end."""
    patient = service.discharge(session, actor=actor, patient_id=patient_id, at=body.discharged_at)
    return service.patient_out(session, patient)


# The hospital's side of a referral


def _hospital(session: Session, actor: Principal, referral_id: str) -> DischargeReferral:
    referral, as_provider = service.get_referral(session, actor=actor, referral_id=referral_id)
    if as_provider:
        raise ProblemError(404, "not-found", "Not found", f"No referral {referral_id!r} that you can see.")
    return referral


@router.get("/referrals/{referral_id}", response_model=ReferralOut)
def get_referral(actor: Hub, session: DbSession, referral_id: Id) -> ReferralOut:
    return service.referral_out(session, _hospital(session, actor, referral_id), for_provider=False, actor=actor)


@router.post("/referrals/{referral_id}/accept", response_model=ReferralOut)
def accept(actor: HubWriter, session: DbSession, referral_id: Id) -> ReferralOut:
    """Accept this offer: a place is held and every other open referral is withdrawn."""
    row = service.accept(session, actor=actor, referral_id=referral_id)
    return service.referral_out(session, row, for_provider=False, actor=actor)


@router.post("/referrals/{referral_id}/withdraw", response_model=ReferralOut)
def withdraw(actor: HubWriter, session: DbSession, referral_id: Id) -> ReferralOut:
    """Withdraw a referral (an accepted one releases its place)."""
    row = service.withdraw(session, actor=actor, referral_id=referral_id)
    return service.referral_out(session, row, for_provider=False, actor=actor)


@router.post("/referrals/{referral_id}/answer", response_model=ReferralOut)
def answer(actor: HubWriter, session: DbSession, referral_id: Id, body: MessageIn) -> ReferralOut:
    row = service.answer(session, actor=actor, referral_id=referral_id, text=body.text)
    return service.referral_out(session, row, for_provider=False, actor=actor)


# The provider's side


@router.get("/incoming", response_model=list[ReferralOut])
def incoming(
    actor: Provider, session: DbSession, include_closed: Annotated[bool, Query()] = False
) -> list[ReferralOut]:
    """Referrals to your services: the minimum summary until you open one."""
    rows = service.incoming(session, actor=actor, include_closed=include_closed)
    return [service.referral_out(session, r, for_provider=True, actor=actor) for r in rows]


@router.get("/incoming/{referral_id}", response_model=ReferralOut)
def incoming_referral(actor: Provider, session: DbSession, referral_id: Id) -> ReferralOut:
    row = service.provider_referral(session, actor, referral_id)
    return service.referral_out(session, row, for_provider=True, actor=actor)


@router.post("/incoming/{referral_id}/open", response_model=ReferralOut)
def open_referral(actor: ProviderWriter, session: DbSession, referral_id: Id) -> ReferralOut:
    """Open a referral: the full shared assessment is shown from now on (every view audited)."""
    row = service.open_referral(session, actor=actor, referral_id=referral_id)
    return service.referral_out(session, row, for_provider=True, actor=actor)


@router.post("/incoming/{referral_id}/offer", response_model=ReferralOut)
def offer(actor: ProviderWriter, session: DbSession, state: StateDep, referral_id: Id, body: OfferIn) -> ReferralOut:
    """Offer a place from a start date; the offer is held until it expires."""
    row = service.offer(session, actor=actor, settings=state.settings, referral_id=referral_id, data=body)
    return service.referral_out(session, row, for_provider=True, actor=actor)


@router.post("/incoming/{referral_id}/decline", response_model=ReferralOut)
def decline(actor: ProviderWriter, session: DbSession, referral_id: Id, body: DeclineIn) -> ReferralOut:
    row = service.decline(session, actor=actor, referral_id=referral_id, data=body)
    return service.referral_out(session, row, for_provider=True, actor=actor)


@router.post("/incoming/{referral_id}/question", response_model=ReferralOut)
def question(actor: ProviderWriter, session: DbSession, referral_id: Id, body: MessageIn) -> ReferralOut:
    row = service.ask(session, actor=actor, referral_id=referral_id, text=body.text)
    return service.referral_out(session, row, for_provider=True, actor=actor)


# Reports


OrgQuery = Annotated[str | None, Query(max_length=36, description="Hospital (default: the one you act for)")]


@router.get("/reports/bed-days", response_model=BedDaysReport)
def bed_days(
    actor: Reporter,
    session: DbSession,
    start: Annotated[IsoDate | None, Query()] = None,
    end: Annotated[IsoDate | None, Query()] = None,
    organisation_id: OrgQuery = None,
) -> BedDaysReport:
    """Bed days lost by patient, delay reason, pathway, organisation and provider."""
    first, last = service.report_range(start, end)
    return service.bed_days_report(
        session, organisation_id=service.report_organisation(actor, organisation_id), start=first, end=last
    )


@router.get("/reports/daily", response_model=list[DailySitrepRow])
def daily(
    actor: Reporter,
    session: DbSession,
    start: Annotated[IsoDate | None, Query()] = None,
    end: Annotated[IsoDate | None, Query()] = None,
    organisation_id: OrgQuery = None,
) -> list[DailySitrepRow]:
    """Daily counts in the acute sitrep shape: not meeting criteria to reside, and discharged."""
    first, last = service.report_range(start, end)
    return service.daily_sitrep(
        session, organisation_id=service.report_organisation(actor, organisation_id), start=first, end=last
    )


@router.get("/reports/delay-reasons", response_model=list[MonthlyDelayRow])
def monthly(
    actor: Reporter,
    session: DbSession,
    month: Annotated[IsoDate | None, Query(description="Any day of the month (default: this month)")] = None,
    organisation_id: OrgQuery = None,
) -> list[MonthlyDelayRow]:
    """The month's delay-reason counts in the published shape (one row per official reason)."""
    month = month or uk_today()
    if not (date(2000, 1, 1) <= month <= uk_today() + timedelta(days=31)):
        raise invalid("query.month", "a month from 2000 to now", "range")
    return service.monthly_delay_reasons(
        session, organisation_id=service.report_organisation(actor, organisation_id), month=month
    )
