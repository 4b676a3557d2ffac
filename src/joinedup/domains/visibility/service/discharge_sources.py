"""Where the drill-down's discharge figures come from, behind one small interface.

Patients waiting, bed days lost by delay reason and responsible organisation, referral response
times, wards and patients come from the discharge domain's records (`DischargeRecords`, the
default). Where a level holds no discharge records (a trust not using joinedup's ward list yet)
the published series imported here stand in (`PUBLISHED`), trust-wide and with no wards or
patients.

Every method receives the caller's tenant-scoped session and the organisations of the level
being drawn (already limited to what the caller may see); a source must read through that
session so row-level tenancy applies, and must never return rows of other organisations.
Tests connect a stand-in with `use_source(...)`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from sqlalchemy.orm import Session

from joinedup.domains.visibility.service import other_domains
from joinedup.domains.visibility.service.other_domains import DischargeSummary, WaitingPatient, WardFigure
from joinedup.domains.visibility.service.published_series import TrustSeriesFigures


class DischargeFigures(Protocol):
    def summary(self, session: Session, *, organisation_ids: frozenset[str]) -> DischargeSummary: ...

    def wards(self, session: Session, *, organisation_id: str) -> Sequence[WardFigure]: ...

    def patients(self, session: Session, *, organisation_id: str, ward_id: str) -> Sequence[WaitingPatient]: ...

    def home_areas(self, session: Session, *, organisation_ids: frozenset[str]) -> dict[str, int]:
        """LSOA 2021 code -> people waiting who live there."""
        ...


class DischargeRecords:
    """The discharge domain's own records, through its door."""

    SOURCE = other_domains.LIVE_SOURCE

    def summary(self, session: Session, *, organisation_ids: frozenset[str]) -> DischargeSummary:
        return other_domains.discharge_summary(session, organisation_ids=organisation_ids)

    def wards(self, session: Session, *, organisation_id: str) -> Sequence[WardFigure]:
        return other_domains.ward_figures(session, organisation_id=organisation_id)

    def patients(self, session: Session, *, organisation_id: str, ward_id: str) -> Sequence[WaitingPatient]:
        return other_domains.ward_patients(session, organisation_id=organisation_id, ward_id=ward_id)

    def home_areas(self, session: Session, *, organisation_ids: frozenset[str]) -> dict[str, int]:
        return other_domains.home_areas(session, organisation_ids=organisation_ids)


# The published series: the fallback where a level has no discharge records.
PUBLISHED = TrustSeriesFigures()
_source: DischargeFigures = DischargeRecords()


def source() -> DischargeFigures:
    return _source


def use_source(figures: DischargeFigures) -> DischargeFigures:
    """Connect a discharge figures source; returns the previous one (tests put it back)."""
    global _source
    previous, _source = _source, figures
    return previous
