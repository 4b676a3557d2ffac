"""What other domains read of capacity: services, free units and matching candidates, as plain
frozen values (never database rows)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from joinedup.domains.capacity.schemas.standard import BedType, CareType, OverallStatus

# The unit a care type's free capacity is counted in: beds, places (people who can be started)
# or spare hours a week (homecare, and reablement that reports only hours).
Unit = Literal["beds", "places", "hours_per_week"]

# Care types that are beds of a care home (a bed of that type is one unit).
BED_CARE_TYPES: frozenset[CareType] = frozenset(CareType(b.value) for b in BedType)


@dataclass(frozen=True)
class ServiceSummary:
    """A service as another domain sees it: who runs it, what it is and where."""

    id: str
    organisation_id: str
    system_id: str
    place_id: str | None
    provider_service_id: str
    name: str
    kind: str
    active: bool
    synthetic: bool
    postcode: str | None
    latitude: float | None
    longitude: float | None
    identity_status: str = "verified"  # see IdentityStatus: only a verified service is offered or counted


@dataclass(frozen=True)
class FreeUnits:
    """Free capacity of one care type at one service, as last reported, in the section's own unit."""

    care_type: str
    amount: float
    unit: Unit
    as_of: datetime | None  # when the section counted was true


@dataclass(frozen=True)
class ServiceCapacity:
    """A service that may take someone needing `care_type`, with what matching checks."""

    service_id: str
    name: str
    organisation_id: str
    system_id: str
    kind: str
    latitude: float | None
    longitude: float | None
    as_of: datetime | None
    status: str | None
    care_type: str
    accepting: bool  # status open and free units of the care type above zero
    skills: frozenset[str]
    funding: frozenset[str]  # empty: funding accepted not reported
    areas: frozenset[str]  # where it is (district, LSOA) and what its homecare slots cover
    free: FreeUnits | None  # read only where accepting
    admission_days: frozenset[str] | None  # None: no admission rules reported
    earliest_start: date | None  # homecare: the earliest start any slot offers


@dataclass(frozen=True)
class Candidates:
    services: list[ServiceCapacity]  # offering the care type
    not_offering: int  # services found (kind, place) that do not offer it


@dataclass(frozen=True)
class StatusReport:
    """A status sent on its own (the FHIR capacity-status extension): true at `as_of`."""

    status: OverallStatus
    note: str | None
    as_of: datetime
    source_system: str
