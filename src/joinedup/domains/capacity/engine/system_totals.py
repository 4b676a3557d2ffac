"""Free capacity across a system, by type of care: each service's figures, and organisations'
services added up per place. Pure: the service package reads the rows and keeps them cached.

Free units come from `sections.free_by_type`, the same reading search and matching use: a
reablement pathway that reports only spare hours counts its hours as free.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from joinedup.domains.capacity.engine.freshness import is_stale, stale_after
from joinedup.domains.capacity.engine.sections import free_by_type, is_open

# Types of care shown, each with its unit and discharge pathway.
CARE_TYPES: dict[str, tuple[str, str, str]] = {
    "homecare": ("Homecare", "hours a week", "Pathway 1"),
    "reablement": ("Reablement at home", "places (or hours a week)", "Pathway 1"),
    "bedded_rehab": ("Bedded rehabilitation", "places or beds (or hours a week)", "Pathway 2"),
    "residential": ("Residential care", "beds", "Pathway 3"),
    "nursing": ("Nursing care", "beds", "Pathway 3"),
}
# The care type of the standard (a bed type, homecare, a reablement pathway) -> type shown.
SHOWN_AS = {
    "residential": "residential",
    "dementia_residential": "residential",
    "respite": "residential",
    "nursing": "nursing",
    "dementia_nursing": "nursing",
    "bariatric": "nursing",
    "discharge_to_assess": "bedded_rehab",
    "homecare": "homecare",
    "reablement_pathway_1": "reablement",
    "reablement_pathway_2": "bedded_rehab",
}
ALL = "all"
KIND_TYPES = {"homecare": ("homecare",), "reablement": ("reablement", "bedded_rehab")}


@dataclass(frozen=True)
class ServiceFigures:
    service_id: str
    organisation_id: str
    system_id: str
    place_id: str | None
    name: str
    kind: str
    latitude: float | None
    longitude: float | None
    synthetic: bool
    as_of: datetime | None
    accepting: bool
    free: Mapping[str, float]

    def stale(self, now: datetime, thresholds: Mapping[str, float]) -> bool:
        return is_stale(self.as_of, now, stale_after(self.kind, thresholds))


def free_by_care_type(sections: Mapping[str, Any]) -> dict[str, float]:
    """Free capacity now, by type of care shown: accepting beds, spare homecare hours, and
    reablement places (or spare hours, where a pathway reports only hours)."""
    free = dict.fromkeys(CARE_TYPES, 0.0)
    for care_type, (amount, _unit) in free_by_type(sections).items():
        shown = SHOWN_AS.get(care_type)
        if shown:
            free[shown] += amount
    return free


def accepting(sections: Mapping[str, Any]) -> bool:
    return is_open(sections)


@dataclass
class Summary:
    """One organisation's services in one place, added up: what every level's tables need, so a
    system of 30,000 services is drawn from a few thousand of these."""

    organisation_id: str
    system_id: str
    place_id: str | None
    services: int = 0
    free: dict[str, float] = field(default_factory=lambda: dict.fromkeys(CARE_TYPES, 0.0))
    # care type (or ALL) -> service kind -> sorted as_of of the services offering it
    stamps: dict[str, dict[str, list[datetime]]] = field(default_factory=dict)
    never: dict[str, int] = field(default_factory=dict)  # care type (or ALL) -> services never reported
    offered: dict[str, int] = field(default_factory=dict)  # care type (or ALL) -> services offering it
    _stale: dict[tuple[Any, ...], int] = field(default_factory=dict, repr=False, compare=False)
    newest: datetime | None = None
    oldest: datetime | None = None

    def offering(self, care_type: str) -> int:
        return self.offered.get(care_type, 0)

    def stale(self, care_type: str, now: datetime, limits: Mapping[str, timedelta]) -> int:
        # Counted once a minute per summary: pages are drawn many times between changes.
        return self.stale_at(care_type, now.replace(second=0, microsecond=0), limits, tuple(sorted(limits.items())))

    def stale_at(
        self, care_type: str, minute: datetime, limits: Mapping[str, timedelta], limits_key: tuple[Any, ...]
    ) -> int:
        """`stale` with the minute and the limits' key worked out once by the caller (a system page
        asks thousands of summaries for six care types each)."""
        key = (care_type, minute, limits_key)
        held = self._stale.get(key)
        if held is None:
            if len(self._stale) > 64:
                self._stale.clear()
            held = self._stale[key] = self._count_stale(care_type, minute, limits)
        return held

    def _count_stale(self, care_type: str, now: datetime, limits: Mapping[str, timedelta]) -> int:
        count = self.never.get(care_type, 0)
        for kind, stamps in self.stamps.get(care_type, {}).items():
            cutoff = now - limits.get(kind, limits["care_home"])
            count += bisect.bisect_left(stamps, cutoff)  # as_of before the cutoff: out of date
        return count


def summarise(services: Iterable[ServiceFigures]) -> list[Summary]:
    out: dict[tuple[str, str | None], Summary] = {}
    for s in services:
        key = (s.organisation_id, s.place_id)
        summary = out.get(key)
        if summary is None:
            summary = out[key] = Summary(s.organisation_id, s.system_id, s.place_id)
        summary.services += 1
        if s.accepting:
            for k, v in s.free.items():
                summary.free[k] += v
        types = [t for t in CARE_TYPES if s.free.get(t, 0) > 0 or t in KIND_TYPES.get(s.kind, ())]
        for care_type in (ALL, *types):
            summary.offered[care_type] = summary.offered.get(care_type, 0) + 1
            if s.as_of is None:
                summary.never[care_type] = summary.never.get(care_type, 0) + 1
            else:
                summary.stamps.setdefault(care_type, {}).setdefault(s.kind, []).append(s.as_of)
        if s.as_of is not None:
            summary.newest = s.as_of if summary.newest is None or s.as_of > summary.newest else summary.newest
            summary.oldest = s.as_of if summary.oldest is None or s.as_of < summary.oldest else summary.oldest
    for summary in out.values():
        for by_kind in summary.stamps.values():
            for stamps in by_kind.values():
                stamps.sort()
    return list(out.values())


def totals(summaries: Iterable[Summary]) -> dict[str, float]:
    out = dict.fromkeys(CARE_TYPES, 0.0)
    for s in summaries:
        for care_type, value in s.free.items():
            out[care_type] += value
    return out
