"""The discharge figures the drill-down shows, behind one small interface.

Patients waiting, bed days lost by delay reason and responsible organisation, referral response
times, wards and patients come from the discharge package. Until it is connected, the default
source (`TrustSeriesFigures`) derives what it can from the trusts' published series imported
here (patients no longer meeting the criteria to reside, delays by official reason) and returns
no ward- or patient-level figures.

To connect another source: implement `DischargeFigures` and call `use_source(...)` at start-up.
Every method receives the caller's tenant-scoped session and the organisations of the level
being drawn (already limited to what the caller may see); a source must read through that
session so row-level tenancy applies, and must never return rows of other organisations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from joinedup.domains.visibility.importers import RESPONSIBLE
from joinedup.domains.visibility.models import TrustDaily, TrustDelayMonthly

# Shortfall care groups: demand is counted in people waiting for each.
CARE_GROUPS: dict[str, str] = {
    "homecare": "Homecare (Pathway 1)",
    "reablement": "Reablement at home (Pathway 1)",
    "bedded_rehab": "Bedded rehabilitation (Pathway 2)",
    "care_home": "Residential or nursing home (Pathway 3)",
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
class Ward:
    ward_id: str
    name: str
    site: str | None
    patients_waiting: int
    longest_wait_days: float | None


@dataclass(frozen=True)
class Patient:
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


class DischargeFigures(Protocol):
    def summary(self, session: Session, *, organisation_ids: frozenset[str]) -> DischargeSummary: ...

    def wards(self, session: Session, *, organisation_id: str) -> Sequence[Ward]: ...

    def patients(self, session: Session, *, organisation_id: str, ward_id: str) -> Sequence[Patient]: ...

    def home_areas(self, session: Session, *, organisation_ids: frozenset[str]) -> dict[str, int]:
        """LSOA 2021 code -> people waiting who live there."""
        ...


class TrustSeriesFigures:
    """Trust-wide figures from NHS England's published series; no wards or patients."""

    SOURCE = "NHS England discharge statistics (trust-wide, published)"

    def summary(self, session: Session, *, organisation_ids: frozenset[str]) -> DischargeSummary:
        # A level can hold thousands of organisations, but only a few trusts publish series.
        held: set[str | None] = set(session.scalars(select(TrustDelayMonthly.organisation_id).distinct()).all())
        held |= set(session.scalars(select(TrustDaily.organisation_id).distinct()).all())
        ids = sorted(i for i in held if i is not None and i in organisation_ids)
        if not ids:
            return DischargeSummary(source=self.SOURCE, as_of=None)
        last_day = session.scalar(
            select(func.max(TrustDaily.day)).where(
                TrustDaily.organisation_id.in_(ids), TrustDaily.not_meeting_criteria.is_not(None)
            )
        )
        waiting: list[Waiting] = []
        if last_day is not None:
            total = session.scalar(
                select(func.sum(TrustDaily.not_meeting_criteria)).where(
                    TrustDaily.organisation_id.in_(ids), TrustDaily.day == last_day
                )
            )
            waiting.append(Waiting(pathway="All", patients=float(total or 0)))
        month = session.scalar(
            select(func.max(TrustDelayMonthly.month)).where(TrustDelayMonthly.organisation_id.in_(ids))
        )
        demand: list[Demand] = []
        delays: list[DelayFigure] = []
        if month is not None:
            rows = session.execute(
                select(
                    TrustDelayMonthly.reason,
                    TrustDelayMonthly.stage,
                    TrustDelayMonthly.care_group,
                    func.sum(TrustDelayMonthly.delayed),
                )
                .where(TrustDelayMonthly.organisation_id.in_(ids), TrustDelayMonthly.month == month)
                .group_by(TrustDelayMonthly.reason, TrustDelayMonthly.stage, TrustDelayMonthly.care_group)
            ).all()
            by_group = dict.fromkeys(CARE_GROUPS, 0.0)
            for reason, stage, group, delayed in rows:
                delays.append(
                    DelayFigure(
                        reason=reason, responsible=RESPONSIBLE.get(stage, "Other"), patients=float(delayed or 0)
                    )
                )
                if group in by_group:
                    by_group[group] += float(delayed or 0)
            demand = [Demand(care_group=g, waiting=v, as_of=month) for g, v in by_group.items()]
            delays.sort(key=lambda d: -d.patients)
        return DischargeSummary(
            source=self.SOURCE, as_of=last_day or month, demand=demand, waiting=waiting, delays=delays
        )

    def wards(self, session: Session, *, organisation_id: str) -> Sequence[Ward]:
        return ()

    def patients(self, session: Session, *, organisation_id: str, ward_id: str) -> Sequence[Patient]:
        return ()

    def home_areas(self, session: Session, *, organisation_ids: frozenset[str]) -> dict[str, int]:
        return {}


# The published series: the default source, and the fallback where a level has no discharge records.
PUBLISHED = TrustSeriesFigures()
_source: DischargeFigures = PUBLISHED


def source() -> DischargeFigures:
    return _source


def use_source(figures: DischargeFigures) -> DischargeFigures:
    """Connect a discharge figures source; returns the previous one (tests put it back)."""
    global _source
    previous, _source = _source, figures
    return previous
