"""Pure rules: newest-wins merge, freshness, admission hours and distance. No I/O."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from joinedup.domains.capacity.schemas import ServiceKind

UK = ZoneInfo("Europe/London")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
EARTH_RADIUS_KM = 6371.0088


def version(as_of: datetime, update_id: str) -> tuple[datetime, str]:
    """Total order of updates: newer as_of wins; equal as_of is settled by update_id, so the
    result never depends on the order updates arrive in."""
    return (as_of, update_id)


@lru_cache(maxsize=4096)
def _moment(iso: str) -> datetime:
    # A batch compares against the same few stored timestamps again and again.
    return datetime.fromisoformat(iso)


def section_version(section: Mapping[str, Any]) -> tuple[datetime, str]:
    return version(_moment(section["as_of"]), section["update_id"])


def merge(
    sections: Mapping[str, Any],
    *,
    values: Mapping[str, Any],
    as_of: datetime,
    update_id: str,
    source_system: str,
) -> tuple[dict[str, Any], bool]:
    """Sections after one update, and whether any section changed. A section is replaced only
    by a strictly newer version; older updates leave the state as it was."""
    merged = dict(sections)
    changed = False
    incoming = version(as_of, update_id)
    stamp: str | None = None
    for name, value in values.items():
        held = merged.get(name)
        if held is None or incoming > section_version(held):
            stamp = stamp or as_of.isoformat()
            merged[name] = {"value": value, "as_of": stamp, "source_system": source_system, "update_id": update_id}
            changed = True
    return merged, changed


def replay(updates: Iterable[tuple[datetime, str, str, Mapping[str, Any]]]) -> dict[str, Any]:
    """The state a set of (as_of, update_id, source_system, values) updates leads to, in any order."""
    state: dict[str, Any] = {}
    for as_of, update_id, source, values in updates:
        state, _ = merge(state, values=values, as_of=as_of, update_id=update_id, source_system=source)
    return state


def newest_as_of(sections: Mapping[str, Any]) -> datetime | None:
    stamps = [datetime.fromisoformat(s["as_of"]) for s in sections.values()]
    return max(stamps) if stamps else None


def stale_after(kind: str, thresholds: Mapping[str, float]) -> timedelta:
    return timedelta(hours=thresholds.get(kind, thresholds.get(ServiceKind.CARE_HOME.value, 24.0)))


def age_seconds(as_of: datetime, now: datetime) -> int:
    return max(0, int((now - as_of).total_seconds()))


def is_stale(as_of: datetime | None, now: datetime, limit: timedelta) -> bool:
    return as_of is None or now - as_of > limit


def admits_at(rules: Mapping[str, Any] | None, moment: datetime) -> bool:
    """Whether admission rules (days, from_time, to_time in UK local time) allow `moment`.
    No rules reported: no restriction is known, so admissions are not ruled out."""
    if not rules:
        return True
    local = moment.astimezone(UK)
    if WEEKDAYS[local.weekday()] not in rules.get("days", []):
        return False
    now_t = local.time().replace(tzinfo=None)
    start = time.fromisoformat(rules["from_time"])
    end = time.fromisoformat(rules["to_time"])
    return start <= now_t <= end


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lon: float, radius_km: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) enclosing a circle, for an index prefilter."""
    dlat = math.degrees(radius_km / EARTH_RADIUS_KM)
    dlon = math.degrees(radius_km / (EARTH_RADIUS_KM * max(0.01, math.cos(math.radians(lat)))))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


@dataclass(frozen=True)
class SearchTags:
    """Tag lists kept beside the current state so searches filter in SQL."""

    offered_types: str
    accepting_types: str
    skills: str
    funding: str
    areas: str
    vacant_accepting: int


def _tags(values: Iterable[str]) -> str:
    items = sorted(set(values))
    return "," + ",".join(items) + ("," if items else "")


def search_tags(kind: str, sections: Mapping[str, Any], *home_areas: str | None) -> SearchTags:
    """Search columns for a service; `home_areas` are where the service itself is (its postcode
    district and LSOA), found by an area search as well as the areas a homecare slot covers."""
    offered: set[str] = set()
    accepting: set[str] = set()
    skills: set[str] = set()
    areas: set[str] = {a for a in home_areas if a}
    vacant = 0
    status = (sections.get("status") or {}).get("value", {}).get("status")
    open_ = status in (None, "accepting")
    for bed in (sections.get("beds") or {}).get("value", []):
        offered.add(bed["bed_type"])
        if bed["accepting_admissions"] > 0:
            vacant += bed["accepting_admissions"]
            if open_:
                accepting.add(bed["bed_type"])
    for slot in (sections.get("homecare") or {}).get("value", []):
        offered.add("homecare")
        skills.update(slot["skills"])
        areas.update(slot["postcode_districts"])
        areas.update(slot["lsoa_codes"])
        if slot["spare_hours_per_week"] > 0 and open_:
            accepting.add("homecare")
    for item in (sections.get("reablement") or {}).get("value", []):
        care_type = f"reablement_pathway_{item['pathway']}"
        offered.add(care_type)
        if ((item.get("places") or 0) > 0 or (item.get("hours_per_week") or 0) > 0) and open_:
            accepting.add(care_type)
    if kind == ServiceKind.HOMECARE.value:
        offered.add("homecare")
    funding = (sections.get("admission_rules") or {}).get("value", {}).get("funding", [])
    return SearchTags(_tags(offered), _tags(accepting), _tags(skills), _tags(funding), _tags(areas), vacant)
