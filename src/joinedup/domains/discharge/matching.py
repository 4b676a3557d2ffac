"""Matching a patient's assessed needs to services that can take them, with reasons.

Each service offering the care type is checked criterion by criterion (capacity, freshness, area
or distance, skills, funding, admission days, start date); a service passing every check is a
match, the rest are listed as excluded with the criterion that failed. Matches are ranked:
named by the person or family first, then quality rating, then distance, then freshness.

Only the search columns kept beside capacity (tags, counts, as_of) are read for every candidate;
the JSON sections are read only where a bed count by type is needed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, and_, case, or_, select, type_coerce
from sqlalchemy.orm import Session

from joinedup.config import Settings
from joinedup.core.clock import utcnow
from joinedup.domains.capacity import rules
from joinedup.domains.capacity.models import CapacityCurrent, CapacityService
from joinedup.domains.discharge import pathways
from joinedup.domains.discharge.models import (
    DischargeHold,
    DischargePatient,
    DischargeReferral,
    DischargeServiceProfile,
)
from joinedup.domains.discharge.schemas import (
    BED_CARE_TYPES,
    AssessmentIn,
    MatchOut,
    MatchReason,
    MatchResult,
    ReferralState,
)
from joinedup.geo import lookup

RATING_SCORE = {"outstanding": 3.0, "good": 2.0, "requires_improvement": 1.0, "inadequate": 0.0}
RATING_LABEL = {
    "outstanding": "Outstanding",
    "good": "Good",
    "requires_improvement": "Requires improvement",
    "inadequate": "Inadequate",
}
WEEKDAYS = rules.WEEKDAYS
MAX_EXCLUDED = 200


def section_for(care_type: str) -> str:
    if care_type in BED_CARE_TYPES:
        return "beds"
    return "homecare" if care_type == "homecare" else "reablement"


def reported_units(sections: Mapping[str, Any], care_type: str) -> float | None:
    """Free beds of that type, spare homecare hours, or free reablement places (None: not reported)."""
    value = (sections.get(section_for(care_type)) or {}).get("value")
    if value is None:
        return None
    if care_type in BED_CARE_TYPES:
        return float(sum(b["accepting_admissions"] for b in value if b["bed_type"] == care_type))
    if care_type == "homecare":
        return float(sum(s["spare_hours_per_week"] for s in value))
    pathway = int(care_type.rsplit("_", 1)[1])
    for item in value:
        if item["pathway"] == pathway:
            if item.get("places") is not None:
                return float(item["places"])
            return float(item.get("hours_per_week") or 0)
    return 0.0


def units_needed(care_type: str, hours_per_week: float | None, sections: Mapping[str, Any] | None = None) -> float:
    """A bed or a place is one unit; homecare (and reablement counted in hours) needs its hours."""
    if care_type in BED_CARE_TYPES:
        return 1.0
    if care_type == "homecare":
        return float(hours_per_week or 0)
    if sections is not None:
        pathway = int(care_type.rsplit("_", 1)[1])
        for item in (sections.get("reablement") or {}).get("value", []):
            if item["pathway"] == pathway and item.get("places") is None:
                return float(hours_per_week or 0)
    return 1.0


def section_as_of(sections: Mapping[str, Any], care_type: str) -> datetime | None:
    section = sections.get(section_for(care_type))
    return datetime.fromisoformat(section["as_of"]) if section else None


def committed_units(
    session: Session,
    service_ids: Sequence[str],
    *,
    now: datetime,
    since: Mapping[str, datetime | None],
    exclude_referral_id: str | None = None,
    include_offers: bool = True,
) -> dict[str, float]:
    """Units already promised at each service and not yet in its reported figures: holds made
    after its last report, and (unless left out) live offers, each holding its place until it
    expires. Acceptance leaves offers out: of two live offers for one bed, the first accepted wins."""
    if not service_ids:
        return {}
    used: dict[str, float] = defaultdict(float)
    # One statement: live offers, and referrals holding a place (a hold not yet released).
    live_offer = and_(DischargeReferral.state == ReferralState.OFFERED.value, DischargeReferral.offer_expires_at > now)
    rows = session.execute(
        select(
            DischargeReferral.service_id,
            DischargeReferral.id,
            DischargeReferral.summary,
            live_offer.label("is_offer"),
            DischargeHold.units,
            DischargeHold.created_at,
        )
        .outerjoin(
            DischargeHold, and_(DischargeHold.referral_id == DischargeReferral.id, DischargeHold.released_at.is_(None))
        )
        .where(
            DischargeReferral.service_id.in_(service_ids),
            or_(DischargeHold.id.is_not(None), live_offer) if include_offers else DischargeHold.id.is_not(None),
        )
    )
    for service_id, referral_id, summary, is_offer, units, created_at in rows:
        if units is not None:
            reported = since.get(service_id)
            if reported is None or created_at > reported:
                used[service_id] += units
        elif include_offers and is_offer and referral_id != exclude_referral_id:
            used[service_id] += float(summary.get("units", 1.0))
    return dict(used)


class _Row:
    """A service and its current capacity, read by two queries."""

    def __init__(self, service: Any, current: Any, section: str) -> None:
        self.id, self.name, self.organisation_id = service.id, service.name, service.organisation_id
        self.kind, self.latitude, self.longitude = service.kind, service.latitude, service.longitude
        self.as_of, self.status = current.as_of, current.status
        self.cqc_rating = service.cqc_rating
        # The two sections matching reads, in the shape capacity stores them.
        self.sections = {
            name: value
            for name, value in ((section, current.section), ("admission_rules", current.admission_rules))
            if value is not None
        }
        self.offered_types, self.accepting_types = current.offered_types, current.accepting_types
        self.skills, self.funding, self.areas = current.skills, current.funding, current.areas


@dataclass
class _Candidate:
    service: Any
    current: Any
    reasons: list[MatchReason]
    distance_km: float | None = None
    available: float | None = None
    rating: str | None = None
    stale: bool = True
    age_seconds: int | None = None
    score: float = 0.0

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.reasons)


def _admits_on(rules_value: Mapping[str, Any] | None, day: date) -> bool:
    if not rules_value:
        return True
    return WEEKDAYS[day.weekday()] in rules_value.get("days", [])


def match(
    session: Session,
    *,
    settings: Settings,
    patient: DischargePatient,
    assessment: AssessmentIn,
    assessment_version: int,
    by: date | None = None,
    now: datetime | None = None,
    limit: int = 50,
) -> MatchResult:
    """Services the caller may see, ranked for this patient; every one with why it is in or out."""
    now = now or utcnow()
    care_type = assessment.care_type.value
    start = max(by or assessment.start_date, assessment.start_date)
    kinds = pathways.pathway_of(patient.pathway).service_kinds
    tag = f",{care_type},"
    home = (
        (patient.home_latitude, patient.home_longitude)
        if patient.home_latitude is not None and patient.home_longitude is not None
        else _point(patient.home_postcode)
    )
    family = _point(patient.family_postcode)
    district = lookup.district(patient.home_postcode) if patient.home_postcode else None
    wanted_areas = set(assessment.preferences.areas) | ({district} if district else set())
    named = set(assessment.preferences.named_service_ids)
    needed_skills = assessment.required_skills()

    # Each tenant table is queried on its own: joined, PostgreSQL plans the tenancy filter of the
    # joined tables as a per-row scan of the visible set; alone, as one hash join.
    stmt = (
        select(
            CapacityService.id,
            CapacityService.name,
            CapacityService.organisation_id,
            CapacityService.kind,
            CapacityService.latitude,
            CapacityService.longitude,
            DischargeServiceProfile.cqc_rating,
        )
        .outerjoin(DischargeServiceProfile, DischargeServiceProfile.service_id == CapacityService.id)
        .where(
            CapacityService.active.is_(True),
            CapacityService.system_id == patient.system_id,
            CapacityService.kind.in_(sorted(kinds)),
        )
    )
    bed_based = care_type in BED_CARE_TYPES or care_type == "reablement_pathway_2"
    origins = [p for p in (home, family) if p is not None]
    if bed_based and origins:
        # Index prefilter: the box around home and family that any match must fall inside.
        boxes = [rules.bounding_box(lat, lon, assessment.preferences.max_distance_km) for lat, lon in origins]
        stmt = stmt.where(
            CapacityService.latitude.between(min(b[0] for b in boxes), max(b[1] for b in boxes)),
            CapacityService.longitude.between(min(b[2] for b in boxes), max(b[3] for b in boxes)),
        )
    current = select(
        CapacityCurrent.service_id,
        CapacityCurrent.as_of,
        CapacityCurrent.status,
        CapacityCurrent.offered_types,
        CapacityCurrent.accepting_types,
        CapacityCurrent.skills,
        CapacityCurrent.funding,
        CapacityCurrent.areas,
        # Only where the care type is open: the one section counted, and the admission rules.
        type_coerce(
            case(
                (
                    CapacityCurrent.accepting_types.contains(tag, autoescape=True),
                    CapacityCurrent.sections[section_for(care_type)],
                )
            ),
            JSON,
        ).label("section"),
        type_coerce(
            case(
                (
                    CapacityCurrent.accepting_types.contains(tag, autoescape=True),
                    CapacityCurrent.sections["admission_rules"],
                )
            ),
            JSON,
        ).label("admission_rules"),
    )
    if not bed_based and wanted_areas:
        # Services at home serve only the areas they name: find those first, then their services.
        currents = session.execute(
            current.where(
                CapacityCurrent.system_id == patient.system_id,
                or_(*(CapacityCurrent.areas.contains(f",{a},", autoescape=True) for a in sorted(wanted_areas))),
            )
        ).all()
        services = (
            {r.id: r for r in session.execute(stmt.where(CapacityService.id.in_([c.service_id for c in currents])))}
            if currents
            else {}
        )
    else:
        services = {r.id: r for r in session.execute(stmt)}
        currents = (
            session.execute(current.where(CapacityCurrent.service_id.in_(list(services)))).all() if services else []
        )
    found = [_Row(services[c.service_id], c, section_for(care_type)) for c in currents if c.service_id in services]
    rows = [r for r in found if tag in r.offered_types]
    not_offering = len(found) - len(rows)
    candidates: list[_Candidate] = []
    for r in rows:
        reasons: list[MatchReason] = []
        limit_age = rules.stale_after(r.kind, settings.capacity_stale_hours)
        stale = rules.is_stale(r.as_of, now, limit_age)
        age = rules.age_seconds(r.as_of, now)
        reasons.append(
            _reason(
                criterion="fresh",
                ok=not stale,
                detail=f"capacity reported {_age_text(age)} ago"
                + (f"; older than {int(limit_age.total_seconds() // 3600)} hours, so not trusted" if stale else ""),
            )
        )
        accepting = r.status in (None, "accepting") and tag in r.accepting_types
        reasons.append(
            _reason(
                criterion="capacity",
                ok=accepting,
                detail=f"accepting {care_type.replace('_', ' ')}" if accepting else f"no {care_type} vacancy reported",
            )
        )
        distance = None
        if bed_based:
            if origins and r.latitude is not None and r.longitude is not None:
                distance = min(rules.haversine_km(lat, lon, r.latitude, r.longitude) for lat, lon in origins)
                near = distance <= assessment.preferences.max_distance_km
                reasons.append(
                    _reason(
                        criterion="distance",
                        ok=near,
                        detail=f"{distance:.1f} km from home or family"
                        + ("" if near else f" (more than {assessment.preferences.max_distance_km:g} km)"),
                    )
                )
            else:
                reasons.append(_reason(criterion="distance", ok=True, detail="distance not known"))
        else:
            covered = bool(wanted_areas & set(r.areas.strip(",").split(","))) if wanted_areas else True
            reasons.append(
                _reason(
                    criterion="area",
                    ok=covered,
                    detail=("covers " if covered else "does not cover ")
                    + (", ".join(sorted(wanted_areas)) or "any area"),
                )
            )
            missing = sorted(s for s in needed_skills if f",{s}," not in r.skills)
            reasons.append(
                _reason(
                    criterion="skills",
                    ok=not missing,
                    detail="lacks " + ", ".join(missing).replace("_", " ")
                    if missing
                    else (
                        "has " + ", ".join(sorted(needed_skills)).replace("_", " ") if needed_skills else "none needed"
                    ),
                )
            )
        if bed_based and "dementia" in needed_skills and "dementia" not in care_type:
            reasons.append(
                _reason(criterion="skills", ok=False, detail="needs a dementia bed (the assessment notes dementia)")
            )
        funding_ok = r.funding == "," or f",{assessment.funding.value}," in r.funding
        reasons.append(
            _reason(
                criterion="funding",
                ok=funding_ok,
                detail=(
                    f"accepts {assessment.funding.value.replace('_', ' ')}"
                    if r.funding != ","
                    else "funding accepted not reported"
                )
                if funding_ok
                else f"does not accept {assessment.funding.value.replace('_', ' ')}",
            )
        )
        candidates.append(
            _Candidate(
                service=r,
                current=None,
                reasons=reasons,
                distance_km=distance,
                rating=r.cqc_rating,
                stale=stale,
                age_seconds=age,
            )
        )

    # Sections (bed counts by type, admission days) only for those still in the running.
    alive = [c for c in candidates if c.ok]
    sections: dict[str, Any] = {c.service.id: c.service.sections or {} for c in alive}
    since = {sid: section_as_of(sec, care_type) for sid, sec in sections.items()}
    committed = committed_units(session, list(sections), now=now, since=since)
    for c in alive:
        sec = sections.get(c.service.id, {})
        reported = reported_units(sec, care_type) or 0.0
        need = units_needed(care_type, assessment.hours_per_week, sec)
        c.available = max(0.0, reported - committed.get(c.service.id, 0.0))
        if c.available < need:
            c.reasons.append(
                _reason(
                    criterion="capacity",
                    ok=False,
                    detail=f"{reported:g} reported, {committed.get(c.service.id, 0.0):g} already held or offered",
                )
            )
        rules_value = (sec.get("admission_rules") or {}).get("value")
        admits = _admits_on(rules_value, start)
        c.reasons.append(
            _reason(
                criterion="admission_days",
                ok=admits,
                detail=f"admits on {start.strftime('%A')}s" if admits else f"no admissions on {start.strftime('%A')}s",
            )
        )
        if care_type == "homecare":
            earliest = min(
                (date.fromisoformat(s["earliest_start"]) for s in (sec.get("homecare") or {}).get("value", [])),
                default=None,
            )
            if earliest is not None:
                ok = earliest <= start
                c.reasons.append(
                    _reason(
                        criterion="start_date",
                        ok=ok,
                        detail=f"can start from {earliest.isoformat()}",
                    )
                )

    for c in candidates:
        if c.service.id in named:
            c.reasons.append(_reason(criterion="preference", ok=True, detail="named by the person or family"))
        c.score = (
            (10.0 if c.service.id in named else 0.0)
            + RATING_SCORE.get(c.rating or "", 1.5)
            - (c.distance_km or 0.0) / 10.0
            - (c.age_seconds or 0) / 86400.0
        )
    matched = sorted((c for c in candidates if c.ok), key=lambda c: (-c.score, c.service.name, c.service.id))
    excluded = sorted((c for c in candidates if not c.ok), key=lambda c: (c.service.name, c.service.id))
    return MatchResult(
        patient_id=patient.id,
        assessment_version=assessment_version,
        care_type=care_type,
        considered=len(candidates),
        not_offering=max(0, not_offering),
        matches=[_out(c, now) for c in matched[:limit]],
        excluded=[_out(c, now) for c in excluded[:MAX_EXCLUDED]],
    )


def _reason(*, criterion: str, ok: bool, detail: str) -> MatchReason:
    # Built from checked values, hundreds per patient: construct without re-validating.
    return MatchReason.model_construct(criterion=criterion, ok=ok, detail=detail)


def _out(c: _Candidate, now: datetime) -> MatchOut:
    r = c.service
    return MatchOut.model_construct(
        service_id=r.id,
        service_name=r.name,
        organisation_id=r.organisation_id,
        kind=r.kind,
        matched=c.ok,
        score=round(c.score, 3),
        distance_km=round(c.distance_km, 2) if c.distance_km is not None else None,
        available=c.available,
        cqc_rating=c.rating,
        as_of=r.as_of,
        age_seconds=c.age_seconds,
        stale=c.stale,
        reasons=c.reasons,
    )


def _age_text(seconds: int) -> str:
    if seconds < 3600:
        return f"{max(1, seconds // 60)} min"
    if seconds < 172800:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"


def _point(postcode: str | None) -> tuple[float, float] | None:
    if not postcode:
        return None
    try:
        point = lookup.locate(postcode)
    except ValueError:
        return None
    return (point.latitude, point.longitude) if point else None
