"""Matching's rules: each service offering the care type is checked criterion by criterion
(freshness, capacity, distance or area, skills, funding, free places, admission days, start
date); a service passing every check is a match, the rest are excluded with the criterion that
failed. Matches are ranked: named by the person or family first, then quality rating, then
distance, then freshness.

Pure: the services come from capacity's door as `ServiceCapacity`, the places already promised
from discharge's holds; nothing here reads the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from joinedup.domains.capacity.engine import admission, freshness
from joinedup.domains.capacity.engine import sections as capacity_sections
from joinedup.domains.capacity.schemas import BED_CARE_TYPES, CareType, ServiceCapacity
from joinedup.domains.discharge.engine.need_words import CARE_TYPES, FUNDING, SKILLS, day, km, said, said_all
from joinedup.domains.discharge.schemas.matches import MatchOut, MatchReason, MatchResult
from joinedup.geo.distance import haversine_km

RATING_SCORE = {"outstanding": 3.0, "good": 2.0, "requires_improvement": 1.0, "inadequate": 0.0}
MAX_EXCLUDED = 200
_BED_TYPES = frozenset(t.value for t in BED_CARE_TYPES)


@dataclass(frozen=True)
class Need:
    """What one patient needs, as matching reads it."""

    care_type: str
    hours_per_week: float | None
    funding: str
    start: date  # the day care must start by
    origins: tuple[tuple[float, float], ...]  # home and family, where known
    max_distance_km: float
    wanted_areas: frozenset[str]  # preferred districts and the home district
    named: frozenset[str]  # services the person or family asked for
    skills: frozenset[str]

    @property
    def bed_based(self) -> bool:
        """Judged by distance from home or family (a bed, or a rehabilitation bed), not by area."""
        return self.care_type in _BED_TYPES or self.care_type == CareType.REABLEMENT_PATHWAY_2.value


@dataclass
class Candidate:
    service: ServiceCapacity
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


def reason(*, criterion: str, ok: bool, detail: str) -> MatchReason:
    # Built from checked values, hundreds per patient: construct without re-validating.
    return MatchReason.model_construct(criterion=criterion, ok=ok, detail=detail)


def screen(
    service: ServiceCapacity, need: Need, *, now: datetime, stale_hours: Mapping[str, float], rating: str | None
) -> Candidate:
    """The checks that need no count of places: freshness, accepting, distance or area, skills, funding."""
    reasons: list[MatchReason] = []
    limit_age = freshness.stale_after(service.kind, stale_hours)
    stale = freshness.is_stale(service.as_of, now, limit_age)
    age = freshness.age_seconds(service.as_of, now) if service.as_of is not None else None
    reasons.append(
        reason(
            criterion="fresh",
            ok=not stale,
            detail=(f"capacity reported {age_text(age)} ago" if age is not None else "capacity not reported")
            + (f"; older than {int(limit_age.total_seconds() // 3600)} hours, so not trusted" if stale else ""),
        )
    )
    care = said(need.care_type, CARE_TYPES)
    reasons.append(
        reason(
            criterion="capacity",
            ok=service.accepting,
            detail=f"accepting {care}" if service.accepting else f"no {care} vacancy reported",
        )
    )
    distance = None
    if need.bed_based:
        if need.origins and service.latitude is not None and service.longitude is not None:
            distance = min(haversine_km(lat, lon, service.latitude, service.longitude) for lat, lon in need.origins)
            near = distance <= need.max_distance_km
            reasons.append(
                reason(
                    criterion="distance",
                    ok=near,
                    detail=f"{km(distance)} from home or family"
                    + ("" if near else f" (more than {km(need.max_distance_km)})"),
                )
            )
        else:
            reasons.append(reason(criterion="distance", ok=True, detail="distance not known"))
        if "dementia" in need.skills and "dementia" not in need.care_type:
            reasons.append(
                reason(criterion="skills", ok=False, detail="needs a dementia bed (the assessment notes dementia)")
            )
    else:
        covered = bool(need.wanted_areas & service.areas) if need.wanted_areas else True
        reasons.append(
            reason(
                criterion="area",
                ok=covered,
                detail=("covers " if covered else "does not cover ")
                + (", ".join(sorted(need.wanted_areas)) or "any area"),
            )
        )
        missing = need.skills - service.skills
        has = "has " + said_all(need.skills, SKILLS) if need.skills else "none needed"
        reasons.append(
            reason(
                criterion="skills",
                ok=not missing,
                detail="lacks " + said_all(missing, SKILLS) if missing else has,
            )
        )
    reasons.append(_funding(service, need.funding))
    return Candidate(
        service=service, reasons=reasons, distance_km=distance, rating=rating, stale=stale, age_seconds=age
    )


def _funding(service: ServiceCapacity, funding: str) -> MatchReason:
    route = said(funding, FUNDING)
    if not service.funding:
        return reason(criterion="funding", ok=True, detail="funding accepted not reported")
    if funding in service.funding:
        return reason(criterion="funding", ok=True, detail=f"accepts {route}")
    return reason(criterion="funding", ok=False, detail=f"does not accept {route}")


def count(candidate: Candidate, need: Need, *, committed: float) -> None:
    """The checks on places: free units less those promised, admission days, homecare start."""
    service = candidate.service
    free = service.free
    reported = free.amount if free is not None else 0.0
    used = capacity_sections.units_needed(need.care_type, need.hours_per_week, free.unit if free else None)
    candidate.available = max(0.0, reported - committed)
    if candidate.available < used:
        candidate.reasons.append(
            reason(
                criterion="capacity", ok=False, detail=f"{reported:g} reported, {committed:g} already held or offered"
            )
        )
    admits = admission.admits_on(service.admission_days, need.start)
    weekday = need.start.strftime("%A")
    candidate.reasons.append(
        reason(
            criterion="admission_days",
            ok=admits,
            detail=f"admits on {weekday}s" if admits else f"no admissions on {weekday}s",
        )
    )
    if service.earliest_start is not None:
        ok = service.earliest_start <= need.start
        candidate.reasons.append(
            reason(criterion="start_date", ok=ok, detail=f"can start from {day(service.earliest_start)}")
        )


def rank(candidates: Iterable[Candidate], need: Need) -> tuple[list[Candidate], list[Candidate]]:
    """(matches best first, excluded by name): named services first, then rating, distance, freshness."""
    every = list(candidates)
    for c in every:
        if c.service.service_id in need.named:
            c.reasons.append(reason(criterion="preference", ok=True, detail="named by the person or family"))
        c.score = (
            (10.0 if c.service.service_id in need.named else 0.0)
            + RATING_SCORE.get(c.rating or "", 1.5)
            - (c.distance_km or 0.0) / 10.0
            - (c.age_seconds or 0) / 86400.0
        )
    matched = sorted((c for c in every if c.ok), key=lambda c: (-c.score, c.service.name, c.service.service_id))
    excluded = sorted((c for c in every if not c.ok), key=lambda c: (c.service.name, c.service.service_id))
    return matched, excluded


def result(
    *,
    patient_id: str,
    assessment_version: int,
    need: Need,
    candidates: list[Candidate],
    not_offering: int,
    limit: int,
) -> MatchResult:
    matched, excluded = rank(candidates, need)
    return MatchResult(
        patient_id=patient_id,
        assessment_version=assessment_version,
        care_type=need.care_type,
        considered=len(candidates),
        not_offering=max(0, not_offering),
        matches=[out(c) for c in matched[:limit]],
        excluded=[out(c) for c in excluded[:MAX_EXCLUDED]],
    )


def out(c: Candidate) -> MatchOut:
    s = c.service
    return MatchOut.model_construct(
        service_id=s.service_id,
        service_name=s.name,
        organisation_id=s.organisation_id,
        kind=s.kind,
        matched=c.ok,
        score=round(c.score, 3),
        distance_km=round(c.distance_km, 2) if c.distance_km is not None else None,
        available=c.available,
        cqc_rating=c.rating,
        as_of=s.as_of,
        age_seconds=c.age_seconds,
        stale=c.stale,
        reasons=c.reasons,
    )


def age_text(seconds: int) -> str:
    if seconds < 3600:
        return f"{max(1, seconds // 60)} min"
    if seconds < 172800:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"
