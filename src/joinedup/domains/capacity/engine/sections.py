"""The one meaning of a service's stored sections: what is offered, what is free and in which
unit, and whether it is accepting. Search tags, matching and the system totals all read the
sections through these functions, so they cannot disagree.

Free units of a care type:
- a bed type: the beds of that type `accepting_admissions` (unit "beds");
- homecare: the spare hours a week of every slot (unit "hours_per_week");
- reablement on a pathway: `places` where the pathway reports them (people who can be started),
  otherwise its spare `hours_per_week` (unit "hours_per_week"); the standard allows either.
A care type is accepting when the status is open (none reported, or `accepting`) and its free
units are above zero.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from joinedup.domains.capacity.engine.merge import moment
from joinedup.domains.capacity.schemas.reading import BED_CARE_TYPES, FreeUnits, Unit
from joinedup.domains.capacity.schemas.standard import CareType, OverallStatus, ServiceKind

_BED_TYPES = frozenset(t.value for t in BED_CARE_TYPES)
HOMECARE = CareType.HOMECARE.value
REABLEMENT_PREFIX = "reablement_pathway_"


def section_for(care_type: str) -> str:
    """The section a care type is reported in."""
    if care_type in _BED_TYPES:
        return "beds"
    return "homecare" if care_type == HOMECARE else "reablement"


def _pathway(care_type: str) -> int:
    return int(care_type.removeprefix(REABLEMENT_PREFIX))


def _value(sections: Mapping[str, Any], name: str) -> Any:
    return (sections.get(name) or {}).get("value")


def status_of(sections: Mapping[str, Any]) -> str | None:
    return (_value(sections, "status") or {}).get("status")


def is_open(sections: Mapping[str, Any]) -> bool:
    """Open to admissions: no status reported, or `accepting`."""
    return status_of(sections) in (None, OverallStatus.ACCEPTING.value)


def reablement_free(item: Mapping[str, Any]) -> tuple[float, Unit]:
    """Free units of one reported reablement pathway: places where reported, else spare hours."""
    if item.get("places") is not None:
        return float(item["places"]), "places"
    return float(item.get("hours_per_week") or 0), "hours_per_week"


def _free_in(value: Any, care_type: str) -> tuple[float, Unit]:
    if care_type in _BED_TYPES:
        return float(sum(b["accepting_admissions"] for b in value if b["bed_type"] == care_type)), "beds"
    if care_type == HOMECARE:
        return float(sum(s["spare_hours_per_week"] for s in value)), "hours_per_week"
    pathway = _pathway(care_type)
    for item in value:
        if item["pathway"] == pathway:
            return reablement_free(item)
    return 0.0, "places"


def free_units(sections: Mapping[str, Any], care_type: str) -> FreeUnits | None:
    """Free units of a care type as last reported (None: its section was never reported)."""
    section = sections.get(section_for(care_type))
    if section is None or section.get("value") is None:
        return None
    amount, unit = _free_in(section["value"], care_type)
    as_of = moment(section["as_of"]) if section.get("as_of") else None
    return FreeUnits(care_type=care_type, amount=amount, unit=unit, as_of=as_of)


def free_by_type(sections: Mapping[str, Any]) -> dict[str, tuple[float, Unit]]:
    """Free units of every care type the sections report, each in its unit (one pass)."""
    out: dict[str, tuple[float, Unit]] = {}
    for bed in _value(sections, "beds") or []:
        held = out.get(bed["bed_type"], (0.0, "beds"))[0]
        out[bed["bed_type"]] = (held + bed["accepting_admissions"], "beds")
    slots = _value(sections, "homecare")
    if slots:
        out[HOMECARE] = (float(sum(s["spare_hours_per_week"] for s in slots)), "hours_per_week")
    for item in _value(sections, "reablement") or []:
        out[f"{REABLEMENT_PREFIX}{item['pathway']}"] = reablement_free(item)
    return out


def offered_types(kind: str, sections: Mapping[str, Any]) -> set[str]:
    """Care types the service offers: those its sections report, and homecare for a homecare branch."""
    offered = set(free_by_type(sections))
    if kind == ServiceKind.HOMECARE.value:
        offered.add(HOMECARE)
    return offered


def accepting_types(sections: Mapping[str, Any]) -> set[str]:
    """Care types open to admissions now: status open and free units above zero."""
    if not is_open(sections):
        return set()
    return {care_type for care_type, (amount, _unit) in free_by_type(sections).items() if amount > 0}


def accepting(sections: Mapping[str, Any], care_type: str) -> bool:
    free = free_units(sections, care_type)
    return is_open(sections) and free is not None and free.amount > 0


def units_needed(care_type: str, hours_per_week: float | None, unit: Unit | None = None) -> float:
    """What one person needing `care_type` uses: a bed or a place is one unit; counted in hours
    (homecare, or reablement reported in hours: pass `unit`), the hours they need."""
    if unit == "hours_per_week" or (unit is None and care_type == HOMECARE):
        return float(hours_per_week or 0)
    return 1.0


def earliest_start(sections: Mapping[str, Any]) -> date | None:
    """The earliest start any homecare slot offers (None: no slots reported)."""
    return min((date.fromisoformat(s["earliest_start"]) for s in _value(sections, "homecare") or []), default=None)


def funding_accepted(sections: Mapping[str, Any]) -> list[str]:
    return list((_value(sections, "admission_rules") or {}).get("funding", []))


@dataclass(frozen=True)
class SearchTags:
    """Tag lists kept beside the current state so searches filter in SQL."""

    offered_types: str
    accepting_types: str
    skills: str
    funding: str
    areas: str
    vacant_accepting: int


def tags(values: Iterable[str]) -> str:
    """A ",a,b," tag list: a portable LIKE filter on SQLite and PostgreSQL."""
    items = sorted(set(values))
    return "," + ",".join(items) + ("," if items else "")


def search_tags(kind: str, sections: Mapping[str, Any], *home_areas: str | None) -> SearchTags:
    """Search columns for a service; `home_areas` are where the service itself is (its postcode
    district and LSOA), found by an area search as well as the areas a homecare slot covers."""
    skills: set[str] = set()
    areas: set[str] = {a for a in home_areas if a}
    for slot in _value(sections, "homecare") or []:
        skills.update(slot["skills"])
        areas.update(slot["postcode_districts"])
        areas.update(slot["lsoa_codes"])
    vacant = sum(bed["accepting_admissions"] for bed in _value(sections, "beds") or [])
    return SearchTags(
        tags(offered_types(kind, sections)),
        tags(accepting_types(sections)),
        tags(skills),
        tags(funding_accepted(sections)),
        tags(areas),
        vacant,
    )
