"""Bed days lost and the NHS England returns, computed from the same patient-level records.

Bed days lost: the whole days from the discharge ready date to discharge (or today), each day
given to the primary delay reason open that day ("not recorded" if none). Daily sitrep: patients
who no longer meet the criteria to reside (ready on or before the day, not discharged before it)
and those of them discharged that day, by 17:00 or after. Monthly delay reasons: for each of the
37 reasons, the average number of delayed patients a day whose primary reason it was.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from joinedup.core.auth.principal import Principal
from joinedup.core.clock import UK
from joinedup.core.errors import ProblemError, invalid
from joinedup.domains.discharge.delay_reasons import DELAY_REASONS, NOT_RECORDED
from joinedup.domains.discharge.engine.bed_days import days, primary_on, uk_day
from joinedup.domains.discharge.models import DischargeDelay, DischargePatient, DischargeReferral
from joinedup.domains.discharge.pathways import PATHWAYS
from joinedup.domains.discharge.schemas.common import uk_today
from joinedup.domains.discharge.schemas.referrals import ReferralState
from joinedup.domains.discharge.schemas.reports import BedDaysReport, BedDaysRow, DailySitrepRow, MonthlyDelayRow
from joinedup.domains.discharge.service.access import organisation_ref
from joinedup.domains.discharge.service.providers import service_names

FIVE_PM = time(17, 0)
EARLIEST_REPORT_DAY = date(1900, 1, 1)


def report_organisation(actor: Principal, organisation_id: str | None) -> str:
    """The hospital a report is for: the caller's own, or one it may see."""
    org_id = organisation_id or actor.organisation_id
    if org_id is None or (org_id != actor.organisation_id and org_id not in actor.visible_organisation_ids):
        raise ProblemError(403, "forbidden", "Forbidden", "You may not report on that organisation.")
    return org_id


def report_range(start: date | None, end: date | None) -> tuple[date, date]:
    """The days a report covers: the last 28 by default, at most 367, none before 1900."""
    # A date near year 1 overflows the arithmetic below (a 500); no record is that old.
    for name, value in (("start", start), ("end", end)):
        if value is not None and value < EARLIEST_REPORT_DAY:
            raise invalid(f"query.{name}", f"{name} is before {EARLIEST_REPORT_DAY.isoformat()}", "range")
    end = end or uk_today()
    start = start or end - timedelta(days=27)
    if start > end:
        raise invalid("query.start", "start is after end", "range")
    if (end - start).days > 366:
        raise invalid("query.start", "at most 367 days at once", "range")
    return start, end


def _patients(session: Session, organisation_id: str, start: date, end: date) -> list[DischargePatient]:
    """Patients of a hospital ready on or before `end` and not discharged before `start`."""
    begin = datetime.combine(start, time.min, tzinfo=UK)
    return list(
        session.scalars(
            select(DischargePatient).where(
                DischargePatient.organisation_id == organisation_id,
                DischargePatient.discharge_ready_on.is_not(None),
                DischargePatient.discharge_ready_on <= end,
                or_(DischargePatient.discharged_at.is_(None), DischargePatient.discharged_at >= begin),
            )
        )
    )


def _delays_by_patient(session: Session, patient_ids: Sequence[str]) -> dict[str, list[DischargeDelay]]:
    out: dict[str, list[DischargeDelay]] = defaultdict(list)
    for i in range(0, len(patient_ids), 500):
        chunk = patient_ids[i : i + 500]
        for d in session.scalars(select(DischargeDelay).where(DischargeDelay.patient_id.in_(chunk))):
            out[d.patient_id].append(d)
    return out


def bed_days_report(session: Session, *, organisation_id: str, start: date, end: date) -> BedDaysReport:
    """Bed days lost between `start` and `end` (inclusive), by patient, reason, pathway, organisation, provider."""
    today = uk_today()
    end = min(end, today)
    patients = _patients(session, organisation_id, start, end)
    delays = _delays_by_patient(session, [p.id for p in patients])
    providers = _providers(session, [p.id for p in patients])
    org = organisation_ref(session, organisation_id)
    by: dict[str, dict[str, list[int]]] = {k: defaultdict(lambda: [0, 0]) for k in ("reason", "pathway", "org", "prov")}
    rows: list[BedDaysRow] = []
    total = 0
    for p in patients:
        assert p.discharge_ready_on is not None
        last = (uk_day(p.discharged_at) or today) - timedelta(days=1)
        first = max(start, p.discharge_ready_on)
        count = 0
        seen_reasons: set[str] = set()
        for day in days(first, min(last, end)):
            reason = primary_on(delays.get(p.id, []), day)
            by["reason"][reason][1] += 1
            seen_reasons.add(reason)
            count += 1
        for reason in seen_reasons:
            by["reason"][reason][0] += 1
        if count == 0:
            continue
        total += count
        rows.append(BedDaysRow(key=p.id, label=f"{p.name} ({p.ward})", patients=1, bed_days_lost=count))
        for group, key in (("pathway", p.pathway), ("org", organisation_id), ("prov", providers.get(p.id, "none"))):
            by[group][key][0] += 1
            by[group][key][1] += count

    def table(group: str, label: dict[str, str]) -> list[BedDaysRow]:
        return sorted(
            (
                BedDaysRow(key=k, label=label.get(k, k), patients=v[0], bed_days_lost=v[1])
                for k, v in by[group].items()
                if v[1] > 0
            ),
            key=lambda r: (-r.bed_days_lost, r.key),
        )

    reason_labels = {c: r.display for c, r in DELAY_REASONS.items()} | {NOT_RECORDED: "No reason recorded"}
    provider_labels = {"none": "No provider agreed yet"} | service_names(
        session, [k for k in by["prov"] if k != "none"]
    )
    return BedDaysReport(
        start=start,
        end=end,
        total=total,
        by_patient=sorted(rows, key=lambda r: (-r.bed_days_lost, r.label)),
        by_reason=table("reason", reason_labels),
        by_pathway=table("pathway", {c.value: p.label for c, p in PATHWAYS.items()}),
        by_organisation=table("org", {organisation_id: org.name if org else organisation_id}),
        by_provider=table("prov", provider_labels),
    )


def _providers(session: Session, patient_ids: Sequence[str]) -> dict[str, str]:
    """Per patient, the service that accepted them (accepted or completed referral)."""
    if not patient_ids:
        return {}
    rows = session.execute(
        select(DischargeReferral.patient_id, DischargeReferral.service_id).where(
            DischargeReferral.patient_id.in_(patient_ids),
            DischargeReferral.state.in_([ReferralState.ACCEPTED.value, ReferralState.COMPLETED.value]),
        )
    )
    return {pid: sid for pid, sid in rows}


def daily_sitrep(session: Session, *, organisation_id: str, start: date, end: date) -> list[DailySitrepRow]:
    """The acute daily return: no longer meeting criteria to reside, and discharged, per day."""
    org = organisation_ref(session, organisation_id)
    code = (org.ods_code if org else None) or organisation_id
    end = min(end, uk_today())
    patients = _patients(session, organisation_id, start, end)
    out = []
    for day in days(start, end):
        nctr = by_five = after_five = 0
        for p in patients:
            assert p.discharge_ready_on is not None
            left = uk_day(p.discharged_at)
            if p.discharge_ready_on > day or (left is not None and left < day):
                continue
            nctr += 1
            if left == day and p.discharged_at is not None:
                if p.discharged_at.astimezone(UK).time() <= FIVE_PM:
                    by_five += 1
                else:
                    after_five += 1
        out.append(
            DailySitrepRow(
                nhs_trust22_code=code,
                date=day,
                do_not_meet_criteria_to_reside=nctr,
                discharged_by_1700=by_five,
                discharged_between_1701_2359=after_five,
                discharged_total=by_five + after_five,
            )
        )
    return out


def monthly_delay_reasons(session: Session, *, organisation_id: str, month: date) -> list[MonthlyDelayRow]:
    """One row per official reason for the month: the average daily count of delayed patients."""
    org = organisation_ref(session, organisation_id)
    first = month.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    last = min(last, uk_today())
    if last < first:
        last = first
    patients = _patients(session, organisation_id, first, last)
    delays = _delays_by_patient(session, [p.id for p in patients])
    totals: dict[str, int] = defaultdict(int)
    month_days = list(days(first, last))
    for p in patients:
        assert p.discharge_ready_on is not None
        left = uk_day(p.discharged_at)
        for day in month_days:
            if p.discharge_ready_on <= day and (left is None or left > day):
                totals[primary_on(delays.get(p.id, []), day)] += 1
    return [
        MonthlyDelayRow(
            nhs_trust22_name=org.name if org else "",
            nhs_trust22_code=(org.ods_code if org else None) or organisation_id,
            date=first,
            delay_reason=reason.label,
            delay_count=round(totals.get(code, 0) / len(month_days), 1),
        )
        for code, reason in DELAY_REASONS.items()
    ]
