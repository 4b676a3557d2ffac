"""The discharge figures the system picture shows, from discharge's own records (decision 0004:
visibility asks this door; it never reads discharge's tables).

Everything is read through the caller's tenant-scoped session, so row-level tenancy applies:
patients, assessments and delays are the hospital's rows, referrals the provider's. Each query
reads a few columns of the patients still in hospital (thousands at most) and the figures are
added up here; the level's organisations then cut them further.

- Demand by care group: waiting patients (ready for discharge, still in hospital) by the care
  type of their latest assessment, or by their pathway where none is recorded yet.
- Waiting: patients by pathway, with the median and longest days since the discharge ready date.
- Delays: per reason, the patients whose current primary reason it is, and the bed days lost by
  the waiting patients so far (each day given to the primary reason open that day, as the
  discharge reports count them); the responsible organisation follows the reason's family.
- Referrals (sent in the last `REFERRAL_DAYS` days, by or to the level's organisations): per
  care type, the median hours from referral to the first offer (the offer's audit record) and
  the declines by coded reason.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.core.changes import first_recorded
from joinedup.core.clock import utcnow
from joinedup.domains.discharge.delay_reasons import NOT_RECORDED
from joinedup.domains.discharge.engine.bed_days import Span, days_by_reason
from joinedup.domains.discharge.engine.figure_labels import (
    care_group,
    pathway_label,
    reason_label,
    responsible_for,
    ward_key,
)
from joinedup.domains.discharge.models import DischargeAssessment, DischargeDelay, DischargePatient, DischargeReferral
from joinedup.domains.discharge.schemas.common import uk_today
from joinedup.domains.discharge.schemas.figures import (
    CARE_GROUPS,
    DelayFigure,
    Demand,
    DischargeSummary,
    ReferralFigure,
    Waiting,
    WaitingPatient,
    WardFigure,
)
from joinedup.domains.discharge.schemas.referrals import DECLINE_LABELS, ReferralState
from joinedup.geo import lookup

LIVE_SOURCE = "joinedup discharge records (live)"
REFERRAL_DAYS = 28
OFFER_ACTION = "discharge_referral.offer"
_DECLINE_LABELS = {reason.value: label for reason, label in DECLINE_LABELS.items()}
# A patient is waiting while in hospital with a discharge ready date recorded.
_WAITING = (DischargePatient.status == "in_hospital", DischargePatient.discharge_ready_on.is_not(None))


@dataclass
class _Stay:
    id: str
    organisation_id: str
    name: str
    ward: str
    pathway: str
    ready: date
    home_postcode: str | None
    care_type: str | None = None
    current_reason: str | None = None


def _stays(session: Session, organisation_ids: frozenset[str] | None, today: date) -> list[_Stay]:
    query = select(
        DischargePatient.id,
        DischargePatient.organisation_id,
        DischargePatient.name,
        DischargePatient.ward,
        DischargePatient.pathway,
        DischargePatient.discharge_ready_on,
        DischargePatient.home_postcode,
    ).where(*_WAITING, DischargePatient.discharge_ready_on <= today)
    if organisation_ids is not None and len(organisation_ids) <= 50:
        query = query.where(DischargePatient.organisation_id.in_(sorted(organisation_ids)))
    return [
        _Stay(r.id, r.organisation_id, r.name, r.ward, r.pathway, r.discharge_ready_on, r.home_postcode)
        for r in session.execute(query)
        if organisation_ids is None or r.organisation_id in organisation_ids
    ]


def discharge_summary(session: Session, *, organisation_ids: frozenset[str]) -> DischargeSummary:
    """Demand, waiting, delays and referrals for the level's organisations."""
    today = uk_today()
    stays = {s.id: s for s in _stays(session, organisation_ids, today)}
    if stays:
        _add_care_types(session, stays)
    spans = _primary_spans(session, stays) if stays else {}
    referrals = _referrals(session, organisation_ids)
    if not stays and not referrals:
        return DischargeSummary(source=LIVE_SOURCE, as_of=None)

    demand = dict.fromkeys(CARE_GROUPS, 0)
    by_pathway: dict[str, list[int]] = defaultdict(list)
    delayed: dict[str, int] = defaultdict(int)
    lost: dict[str, int] = defaultdict(int)
    for stay in stays.values():
        group = care_group(stay.care_type, stay.pathway)
        if group is not None:
            demand[group] += 1
        waited = (today - stay.ready).days
        by_pathway[pathway_label(stay.pathway)].append(waited)
        by_pathway["All"].append(waited)
        delayed[stay.current_reason or NOT_RECORDED] += 1
        for reason, n in days_by_reason(spans.get(stay.id, ()), stay.ready, today).items():
            lost[reason] += n
    waiting = [
        Waiting(pathway=p, patients=len(d), median_days=float(statistics.median(d)), longest_days=float(max(d)))
        for p, d in sorted(by_pathway.items(), key=lambda i: (i[0] == "All", i[0]))
    ]
    delays = sorted(
        (
            DelayFigure(
                reason=reason_label(code),
                responsible=responsible_for(code),
                patients=float(delayed.get(code, 0)),
                bed_days_lost=float(lost.get(code, 0)),
            )
            for code in set(delayed) | set(lost)
        ),
        key=lambda d: (-(d.bed_days_lost or 0), -d.patients, d.reason),
    )
    return DischargeSummary(
        source=LIVE_SOURCE,
        as_of=today,
        # No patients at this level (a provider): demand is not known here rather than nil.
        demand=[Demand(care_group=g, waiting=float(n), as_of=today) for g, n in demand.items()] if stays else [],
        waiting=waiting,
        delays=delays,
        referrals=referrals,
    )


def _add_care_types(session: Session, stays: dict[str, _Stay]) -> None:
    """The care type of each waiting patient's latest assessment (one joined query)."""
    rows = session.execute(
        select(DischargeAssessment.patient_id, DischargeAssessment.version, DischargeAssessment.care_type)
        .join(DischargePatient, DischargePatient.id == DischargeAssessment.patient_id)
        .where(*_WAITING)
    )
    latest: dict[str, int] = {}
    for patient_id, version, care_type in rows:
        stay = stays.get(patient_id)
        if stay is not None and version > latest.get(patient_id, 0):
            latest[patient_id] = version
            stay.care_type = care_type


def _primary_spans(session: Session, stays: dict[str, _Stay]) -> dict[str, list[Span]]:
    rows = session.execute(
        select(
            DischargeDelay.patient_id, DischargeDelay.reason_code, DischargeDelay.started_on, DischargeDelay.ended_on
        )
        .join(DischargePatient, DischargePatient.id == DischargeDelay.patient_id)
        .where(DischargeDelay.primary.is_(True), *_WAITING)
    )
    spans: dict[str, list[Span]] = defaultdict(list)
    for patient_id, code, started, ended in rows:
        if patient_id in stays:
            spans[patient_id].append(Span(code, started, ended))
    for patient_id, own in spans.items():
        current = [s for s in own if s.end is None]
        if current:
            stays[patient_id].current_reason = max(current, key=lambda s: s.start).reason
    return spans


def _referrals(session: Session, organisation_ids: frozenset[str]) -> list[ReferralFigure]:
    since = utcnow() - timedelta(days=REFERRAL_DAYS)
    rows = [
        r
        for r in session.execute(
            select(
                DischargeReferral.id,
                DischargeReferral.hospital_organisation_id,
                DischargeReferral.provider_organisation_id,
                # Only the care type, extracted by the database: not 2,000 JSON documents decoded here.
                DischargeReferral.summary["care_type"].as_string().label("care_type"),
                DischargeReferral.state,
                DischargeReferral.decline_reason,
                DischargeReferral.created_at,
            ).where(DischargeReferral.created_at >= since)
        )
        if r.hospital_organisation_id in organisation_ids or r.provider_organisation_id in organisation_ids
    ]
    if not rows:
        return []
    offered = first_recorded(session, action=OFFER_ACTION, since=since)
    by_type: dict[str, list[Any]] = defaultdict(list)
    for r in rows:
        by_type[str(r.care_type or "unknown")].append(r)
    out = []
    for care_type, group in sorted(by_type.items()):
        hours = []
        reasons: dict[str, int] = defaultdict(int)
        declined = 0
        for r in group:
            at = offered.get(r.id)
            if at is not None:
                hours.append(max(0.0, (_aware(at) - _aware(r.created_at)).total_seconds() / 3600))
            if r.state == ReferralState.DECLINED.value:
                declined += 1
                code = r.decline_reason
                reasons[str(_DECLINE_LABELS.get(code or "", code or "Other"))] += 1
        out.append(
            ReferralFigure(
                care_type=care_type.replace("_", " ").capitalize(),
                referrals=len(group),
                median_hours_to_first_offer=statistics.median(hours) if hours else None,
                declined=declined,
                decline_reasons=dict(reasons),
            )
        )
    return out


def ward_figures(session: Session, *, organisation_id: str) -> list[WardFigure]:
    """A hospital's wards with people waiting, and the longest wait on each."""
    today = uk_today()
    # Grouped by key: "Ward 7" and "ward-7" typed on different days are one ward, shown by
    # its most used spelling (the first in order on a tie).
    by_ward: dict[str, list[_Stay]] = defaultdict(list)
    for stay in _stays(session, frozenset({organisation_id}), today):
        by_ward[ward_key(stay.ward)].append(stay)
    wards = []
    for key, stays in by_ward.items():
        spellings = Counter(s.ward for s in stays)
        name = min(spellings, key=lambda spelt: (-spellings[spelt], spelt))
        wards.append(
            WardFigure(
                ward_id=key,
                name=name,
                site=None,
                patients_waiting=len(stays),
                longest_wait_days=float(max((today - s.ready).days for s in stays)),
            )
        )
    return sorted(wards, key=lambda w: (w.name, w.ward_id))


def ward_patients(session: Session, *, organisation_id: str, ward_id: str) -> list[WaitingPatient]:
    """The people waiting on one ward (by `ward_key`), longest waiting first."""
    today = uk_today()
    stays = {s.id: s for s in _stays(session, frozenset({organisation_id}), today) if ward_key(s.ward) == ward_id}
    if not stays:
        return []
    _add_care_types(session, stays)
    _primary_spans(session, stays)
    return [
        WaitingPatient(
            reference=s.id,
            display_name=s.name,
            pathway=pathway_label(s.pathway),
            care_group=care_group(s.care_type, s.pathway),
            days_waiting=float((today - s.ready).days),
            delay_reason=reason_label(s.current_reason) if s.current_reason else None,
            responsible=responsible_for(s.current_reason) if s.current_reason else None,
            home_lsoa=_lsoa(s.home_postcode),
        )
        for s in sorted(stays.values(), key=lambda s: (s.ready, s.name))
    ]


def home_areas(session: Session, *, organisation_ids: frozenset[str]) -> dict[str, int]:
    """LSOA 2021 code -> people waiting who live there."""
    out: dict[str, int] = defaultdict(int)
    for stay in _stays(session, organisation_ids, uk_today()):
        lsoa = _lsoa(stay.home_postcode)
        if lsoa is not None:
            out[lsoa] += 1
    return dict(out)


def _lsoa(postcode: str | None) -> str | None:
    if not postcode:
        return None
    try:
        point = lookup.locate(postcode)
    except ValueError:
        return None
    return point.lsoa_code if point else None


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)
