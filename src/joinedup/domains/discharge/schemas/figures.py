"""The discharge figures the system picture shows: demand by care group, people waiting, delays
by reason and responsible organisation, referral response times, wards and patients waiting.

Discharge computes them (service.system_figures) from its own records; visibility draws them,
beside the same shapes derived from NHS England's published trust series.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

# Shortfall care groups: demand is counted in people waiting for each.
CARE_GROUPS: dict[str, str] = {
    "homecare": "Homecare (Pathway 1)",
    "reablement": "Reablement at home (Pathway 1)",
    "bedded_rehab": "Bedded rehabilitation (Pathway 2)",
    "care_home": "Residential or nursing home (Pathway 3)",
}

# Who answers for a delay, by the delay reason's family (as NHS England names the families in
# lower case); the same labels the published series use.
DELAY_RESPONSIBLE: dict[str, str] = {
    "hospital process": "Acute trust",
    "care transfer hub process": "Care transfer hub",
    "capacity": "Community and social care providers",
    "interface process": "Hospital and receiving provider together",
    "wellbeing concerns": "Patient, family or safeguarding",
}


@dataclass(frozen=True)
class Demand:
    """People waiting for one care group at the level drawn."""

    care_group: str  # a key of CARE_GROUPS
    waiting: float
    as_of: date | None


@dataclass(frozen=True)
class Waiting:
    """People waiting to leave hospital, by discharge pathway, and for how long."""

    pathway: str  # "Pathway 0".."Pathway 3" or "All"
    patients: float
    median_days: float | None = None
    longest_days: float | None = None


@dataclass(frozen=True)
class DelayFigure:
    """Delays for one reason: bed days lost where known, else the number of patients delayed."""

    reason: str
    responsible: str  # the organisation (kind) that answers for it
    patients: float
    bed_days_lost: float | None = None


@dataclass(frozen=True)
class ReferralFigure:
    """Referrals to one type of care: time to the first offer and declines by reason."""

    care_type: str
    referrals: int
    median_hours_to_first_offer: float | None
    declined: int
    decline_reasons: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class WardFigure:
    """One ward of a hospital with people waiting to leave it."""

    ward_id: str
    name: str
    site: str | None
    patients_waiting: int
    longest_wait_days: float | None


@dataclass(frozen=True)
class WaitingPatient:
    """One person waiting. `reference` is the discharge record's id, never an NHS number."""

    reference: str
    display_name: str
    pathway: str
    care_group: str | None
    days_waiting: float
    delay_reason: str | None
    responsible: str | None
    home_lsoa: str | None


@dataclass(frozen=True)
class DischargeSummary:
    source: str  # shown beside the figures: where they come from
    as_of: date | None
    demand: Sequence[Demand] = ()
    waiting: Sequence[Waiting] = ()
    delays: Sequence[DelayFigure] = ()
    referrals: Sequence[ReferralFigure] = ()
